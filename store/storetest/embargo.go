package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testEmbargoes(t *testing.T) {
	t.Run("Hidden", c.testEmbargoHidden)
	t.Run("Lift", c.testEmbargoLift)
	t.Run("Edits", c.testEmbargoEdits)
	t.Run("ArchiveNumberAtLift", c.testEmbargoArchive)
	t.Run("ConcurrentLifters", c.testEmbargoConcurrentLift)
	t.Run("Copy", c.testEmbargoCopy)
}

// embargoed is an article held until until, with no published time of its
// own, carrying the word "zephyr" that no other article of these tests has.
func embargoed(id string, until time.Time, tags ...string) feed.Article {
	a := Article(id, "Zephyr "+id, tags...)
	a.Published, a.EmbargoUntil = time.Time{}, until
	return a
}

// testEmbargoHidden checks that an embargoed article is in no read of
// published content: not as an article, in no listing in any order, search,
// count, tag count, archive, change log, version history or retag.
func (c *contract) testEmbargoHidden(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	pub := Article("pub", "Public story", "alpha")
	if _, err := db.UpsertArticle(ctx, &pub); err != nil {
		t.Fatal(err)
	}
	v0 := version(t, db)
	until := clk.T.Add(time.Hour)
	e := embargoed("held", until, "alpha")
	change, err := db.UpsertArticle(ctx, &e)
	if err != nil {
		t.Fatal(err)
	}
	if change != feed.Created || e.GUID == "" || !e.EmbargoUntil.Equal(until) {
		t.Errorf("held: got %s, GUID %q, embargo %v; want created, a GUID, %v", change, e.GUID, e.EmbargoUntil, until)
	}
	if v := version(t, db); v == v0 {
		t.Errorf("content version did not move for an embargoed write: caches of early-access feeds would not see it")
	}
	again := embargoed("held", until, "alpha")
	if change, err := db.UpsertArticle(ctx, &again); err != nil || change != feed.Unchanged {
		t.Errorf("the same embargoed article again: got %s, %v; want unchanged", change, err)
	}

	if _, err := db.Article(ctx, "held"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("Article(held): got %v, want ErrNotFound", err)
	}
	for _, f := range []feed.ArticleFilter{
		{}, {Tags: []string{"alpha"}}, {Order: feed.OrderChanged}, {Origin: feed.OriginOwn},
		{Query: "zephyr OR public"}, {Query: "zephyr OR public", Order: feed.OrderPublished},
		{Since: clk.T.Add(-time.Hour), Order: feed.OrderChanged},
	} {
		if got := walk(t, db, f, 10); !slices.Equal(got, []string{"pub"}) {
			t.Errorf("listing %+v: got %v, want [pub]", f, got)
		}
	}
	for _, f := range []feed.ArticleFilter{{}, {Tags: []string{"alpha"}}, {Origin: feed.OriginOwn}} {
		if n, err := db.CountArticles(ctx, f); err != nil || n != 1 {
			t.Errorf("count %+v: got %d, %v; want 1", f, n, err)
		}
	}
	if tag, err := db.Tag(ctx, "alpha"); err != nil || tag.Articles != 1 {
		t.Errorf("tag alpha: got %+v, %v; want 1 article", tag, err)
	}
	for _, tags := range [][]string{nil, {"alpha"}} {
		pages, _, err := db.ArchivePages(ctx, tags, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range pages {
			if got := archiveIDs(t, db, tags, "", n); slices.Contains(got, "held") {
				t.Errorf("archive page %d of %v holds the embargoed article: %v", n, tags, got)
			}
		}
	}
	if log := changeLog(t, db); !slices.Equal(log, []string{"created pub v1"}) {
		t.Errorf("change log: got %v, want only pub's creation", log)
	}
	if _, err := db.ArticleVersions(ctx, "held", 10); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("versions of held: got %v, want ErrNotFound", err)
	}
	var seen []string
	if _, err := db.PreviewRetag(ctx, func(a *feed.Article) { seen = append(seen, a.ID) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []string{"pub"}) {
		t.Errorf("retag preview saw %v, want [pub]", seen)
	}

	// What the embargo methods see.
	held, err := db.EmbargoedArticles(ctx)
	if err != nil || len(held) != 1 || held[0].ID != "held" || held[0].GUID != e.GUID || !held[0].EmbargoUntil.Equal(until) ||
		!slices.Equal(held[0].TagSlugs(), []string{"alpha"}) {
		t.Errorf("embargoed articles: got %+v, %v; want held, GUID %s, until %v, tag alpha", held, err, e.GUID, until)
	}
	if a, err := db.EmbargoedArticle(ctx, "held"); err != nil || a.Title != "Zephyr held" {
		t.Errorf("embargoed article held: got %+v, %v", a, err)
	}
	if _, err := db.EmbargoedArticle(ctx, "pub"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("embargoed article pub: got %v, want ErrNotFound", err)
	}
	if next, ok, err := db.NextEmbargo(ctx); err != nil || !ok || !next.Equal(until) {
		t.Errorf("next embargo: got %v, %v, %v; want %v", next, ok, err, until)
	}
	dup := Article("held", "Another")
	if err := db.CreateArticle(ctx, &dup); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("create over an embargoed id: got %v, want ErrConflict", err)
	}
}

// testEmbargoLift checks the lift: nothing before the time, the article
// published at it, once, with the GUID it had, published then unless it
// said otherwise, and created in the change log at that time.
func (c *contract) testEmbargoLift(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	until := clk.T.Add(time.Hour)
	e := embargoed("held", until, "alpha")
	stated := embargoed("stated", until.Add(time.Minute))
	stated.Published = time.Date(2026, 11, 1, 13, 30, 0, 0, time.UTC)
	if _, err := db.UpsertArticles(ctx, []feed.Article{e, stated}); err != nil {
		t.Fatal(err)
	}
	held, _ := db.EmbargoedArticle(ctx, "held")
	if ids, err := db.LiftEmbargoes(ctx); err != nil || len(ids) != 0 {
		t.Errorf("lift before the time: got %v, %v; want nothing", ids, err)
	}
	clk.Add(time.Hour + 5*time.Second)
	ids, err := db.LiftEmbargoes(ctx)
	if err != nil || !slices.Equal(ids, []string{"held"}) {
		t.Fatalf("lift at the time: got %v, %v; want [held]", ids, err)
	}
	if ids, err := db.LiftEmbargoes(ctx); err != nil || len(ids) != 0 {
		t.Errorf("lift again: got %v, %v; want nothing", ids, err)
	}
	a, err := db.Article(ctx, "held")
	if err != nil {
		t.Fatal(err)
	}
	if a.GUID != held.GUID || !a.Published.Equal(clk.T) || !a.EmbargoUntil.IsZero() || !slices.Equal(a.TagSlugs(), []string{"alpha"}) {
		t.Errorf("lifted: got GUID %s, published %v, embargo %v, tags %v; want GUID %s, published %v (the lift), no embargo, [alpha]",
			a.GUID, a.Published, a.EmbargoUntil, a.TagSlugs(), held.GUID, clk.T)
	}
	if got := ids2(t, db, feed.ArticleFilter{Query: "zephyr"}); !slices.Equal(got, []string{"held"}) {
		t.Errorf("search after the lift: got %v, want [held]", got)
	}
	if log := changeLog(t, db); !slices.Equal(log, []string{"created held v1"}) {
		t.Errorf("change log: got %v, want held's creation", log)
	}
	if next, ok, err := db.NextEmbargo(ctx); err != nil || !ok || !next.Equal(until.Add(time.Minute)) {
		t.Errorf("next embargo: got %v, %v, %v; want %v", next, ok, err, until.Add(time.Minute))
	}
	clk.Add(time.Minute)
	if ids, err := db.LiftEmbargoes(ctx); err != nil || !slices.Equal(ids, []string{"stated"}) {
		t.Fatalf("second lift: got %v, %v; want [stated]", ids, err)
	}
	if a, err := db.Article(ctx, "stated"); err != nil || !a.Published.Equal(stated.Published) {
		t.Errorf("stated: got %+v, %v; want the published time it states, %v", a, err, stated.Published)
	}
	if _, ok, err := db.NextEmbargo(ctx); err != nil || ok {
		t.Errorf("next embargo with none left: got %v, %v; want none", ok, err)
	}
}

// ids2 is ids through ArticlePage, for filters ids cannot take.
func ids2(t *testing.T, db store.DB, f feed.ArticleFilter) []string {
	t.Helper()
	return walk(t, db, f, 50)
}

// testEmbargoEdits checks moving an embargo later and earlier, lifting it
// by hand with a write without one, that a public article cannot be
// embargoed again, and deleting an embargoed article.
func (c *contract) testEmbargoEdits(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	t0 := clk.T
	e := embargoed("held", t0.Add(time.Hour))
	if _, err := db.UpsertArticle(ctx, &e); err != nil {
		t.Fatal(err)
	}
	guid := e.GUID
	for _, until := range []time.Time{t0.Add(3 * time.Hour), t0.Add(30 * time.Minute)} {
		e := embargoed("held", until)
		if change, err := db.UpsertArticle(ctx, &e); err != nil || change != feed.Updated || e.GUID != guid {
			t.Errorf("move the embargo to %v: got %s, GUID %s, %v; want updated, GUID %s", until, change, e.GUID, err, guid)
		}
		if next, _, err := db.NextEmbargo(ctx); err != nil || !next.Equal(until) {
			t.Errorf("next embargo: got %v, %v; want %v", next, err, until)
		}
	}
	// Lift now: the same article with an embargo that has come (an
	// article without a published time needs one; with one, no embargo
	// at all does the same).
	now := embargoed("held", t0)
	change, err := db.UpsertArticle(ctx, &now)
	if err != nil || change != feed.Created || now.GUID != guid || !now.Published.Equal(t0) {
		t.Errorf("lift by hand: got %s, GUID %s, published %v, %v; want created, GUID %s, published %v",
			change, now.GUID, now.Published, err, guid, t0)
	}
	if _, err := db.Article(ctx, "held"); err != nil {
		t.Errorf("after the lift by hand: %v", err)
	}
	if _, ok, _ := db.NextEmbargo(ctx); ok {
		t.Errorf("an embargo is left after the lift by hand")
	}
	// Back under embargo: refused, naming the field.
	back := embargoed("held", t0.Add(time.Hour))
	_, err = db.UpsertArticle(ctx, &back)
	var ve *feed.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != "embargo_until" {
		t.Errorf("embargo a public article: got %v, want a validation error of embargo_until", err)
	}
	if _, ok, _ := db.NextEmbargo(ctx); ok {
		t.Errorf("the refused write left an embargo")
	}
	// An embargo that has passed publishes at once.
	past := embargoed("past", t0.Add(-time.Minute))
	if change, err := db.UpsertArticle(ctx, &past); err != nil || change != feed.Created {
		t.Errorf("an embargo already past: got %s, %v; want created", change, err)
	}
	if a, err := db.Article(ctx, "past"); err != nil || !a.Published.Equal(t0) {
		t.Errorf("an embargo already past: got %+v, %v; want public, published now", a, err)
	}
	// Deleting an embargoed article leaves nothing.
	gone := embargoed("gone", t0.Add(time.Hour))
	if _, err := db.UpsertArticle(ctx, &gone); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EmbargoedArticle(ctx, "gone"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("after the delete: got %v, want ErrNotFound", err)
	}
	if ts, err := db.Tombstones(ctx, feed.TombstoneFilter{}); err != nil || len(ts) != 0 {
		t.Errorf("tombstones: got %v, %v; want none for an article never public", ts, err)
	}
}

// testEmbargoArchive checks that an article's archive number is given when
// it is published: an article embargoed before enough others to close an
// archive page goes, when lifted, to the open page, and the closed one
// stays as it was.
func (c *contract) testEmbargoArchive(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	e := embargoed("held", clk.T.Add(time.Hour), "alpha")
	if _, err := db.UpsertArticle(ctx, &e); err != nil {
		t.Fatal(err)
	}
	n, span := fillArchive(t, db)
	if n < 250 || span == 0 {
		t.Fatalf("filled %d articles, pages of %d: want 250 or more and closed pages", n, span)
	}
	closed := archiveIDs(t, db, nil, "", 1)
	closedAlpha := archiveIDs(t, db, []string{"alpha"}, "", 1)
	clk.Add(time.Hour)
	if ids, err := db.LiftEmbargoes(ctx); err != nil || !slices.Equal(ids, []string{"held"}) {
		t.Fatalf("lift: got %v, %v", ids, err)
	}
	if got := archiveIDs(t, db, nil, "", 1); !slices.Equal(got, closed) {
		t.Errorf("closed page 1 changed at the lift: got %d articles, want %d", len(got), len(closed))
	}
	if got := archiveIDs(t, db, []string{"alpha"}, "", 1); !slices.Equal(got, closedAlpha) {
		t.Errorf("closed page 1 of alpha changed at the lift")
	}
	_, open, err := db.ArchivePages(ctx, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := archiveIDs(t, db, nil, "", open); !slices.Contains(got, "held") {
		t.Errorf("open page %d does not hold the lifted article: %v", open, got)
	}
	for p := 1; p < open; p++ {
		if slices.Contains(archiveIDs(t, db, nil, "", p), "held") {
			t.Errorf("closed page %d holds the lifted article", p)
		}
	}
}

// testEmbargoConcurrentLift checks that of lifters on several handles at
// once (several instances), each article is lifted by exactly one: every
// article once, one creation each in the change log.
func (c *contract) testEmbargoConcurrentLift(t *testing.T) {
	ctx := context.Background()
	one, name, clk := c.openNamed(t, store.Options{})
	const n = 20
	var batch []feed.Article
	for i := range n {
		batch = append(batch, embargoed(fmt.Sprintf("h%02d", i), clk.T.Add(time.Minute), "alpha"))
	}
	if _, err := one.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	later := &Clock{T: clk.T.Add(time.Minute)}
	handles := []store.DB{}
	for range 4 {
		handles = append(handles, c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: later.Now}))
	}
	var (
		mu     sync.Mutex
		lifted []string
		wg     sync.WaitGroup
	)
	for h, db := range handles {
		wg.Go(func() {
			for range 3 {
				ids, err := db.LiftEmbargoes(ctx)
				if err != nil {
					t.Errorf("handle %d: %v", h, err)
					return
				}
				mu.Lock()
				lifted = append(lifted, ids...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Strings(lifted)
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("h%02d", i)
	}
	if !slices.Equal(lifted, want) {
		t.Errorf("lifted: got %v, want each of the %d once", lifted, n)
	}
	log := changeLog(t, one)
	if len(log) != n {
		t.Errorf("change log: got %d entries, want %d creations: %v", len(log), n, log)
	}
	if tag, err := one.Tag(ctx, "alpha"); err != nil || tag.Articles != n {
		t.Errorf("tag alpha: got %+v, %v; want %d articles", tag, err, n)
	}
}

// testEmbargoCopy checks that a copy carries embargoed articles and the
// early access of subscribers, and that the copy lifts them as the
// original would.
func (c *contract) testEmbargoCopy(t *testing.T) {
	ctx := context.Background()
	src, clk := c.openClocked(t, store.Options{})
	e := embargoed("held", clk.T.Add(time.Hour), "alpha")
	if _, err := src.UpsertArticle(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if err := src.CreateSubscriber(ctx, &feed.Subscriber{Name: "early", Plan: feed.PlanFull, EarlyAccess: true}, hash("early")); err != nil {
		t.Fatal(err)
	}
	dst := c.engine.Open(t, c.engine.Create(t), store.Options{Authority: "other.example", Now: clk.Now})
	if err := dst.Import(ctx, src.Export(ctx)); err != nil {
		t.Fatal(err)
	}
	got, err := dst.EmbargoedArticles(ctx)
	if err != nil || len(got) != 1 || got[0].GUID != e.GUID || !got[0].EmbargoUntil.Equal(e.EmbargoUntil) {
		t.Errorf("embargoed articles of the copy: got %+v, %v; want held, GUID %s", got, err, e.GUID)
	}
	if s, err := dst.Subscriber(ctx, "early"); err != nil || !s.EarlyAccess {
		t.Errorf("subscriber of the copy: got %+v, %v; want early access", s, err)
	}
	clk.Add(time.Hour)
	if ids, err := dst.LiftEmbargoes(ctx); err != nil || !slices.Equal(ids, []string{"held"}) {
		t.Errorf("lift in the copy: got %v, %v", ids, err)
	}
	if a, err := dst.Article(ctx, "held"); err != nil || a.GUID != e.GUID {
		t.Errorf("lifted in the copy: got %+v, %v; want GUID %s", a, err, e.GUID)
	}
}
