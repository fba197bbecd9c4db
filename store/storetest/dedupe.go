package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

// testDedupe checks that one item reached through several sources is one
// article, credited to each, and what removing a source does to it.
func (c *contract) testDedupe(t *testing.T) {
	t.Run("SameGUID", c.testDedupeSameGUID)
	t.Run("SameLink", c.testDedupeSameLink)
	t.Run("NotMatched", c.testDedupeNotMatched)
	t.Run("FirstSourceEdits", c.testDedupeFirstSourceEdits)
	t.Run("Purge", c.testDedupePurge)
	t.Run("RemoveWithoutPurge", c.testDedupeRemove)
	t.Run("ConcurrentPolls", c.testDedupeConcurrent)
	t.Run("Copy", c.testDedupeCopy)
}

// carried is item guid at source src with the given link (external
// article's defaults otherwise).
func carried(src *feed.Source, guid, link, title string, at time.Time) feed.Article {
	a := externalArticle(src, fmt.Sprint(len(guid), "-", hashish(guid)), title, at, at)
	a.Provenance.OriginalID = guid
	a.Provenance.Link = link
	a.URL = link
	return a
}

// hashish turns s into characters an article ID may hold, as the
// aggregate package's hash does.
func hashish(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return fmt.Sprintf("%016x", h)
}

// pollOK records a poll of src that gave arts, failing the test on error.
func pollOK(t *testing.T, db store.DB, src *feed.Source, arts ...feed.Article) []feed.Change {
	t.Helper()
	changes, err := db.RecordPoll(context.Background(), src.URL, *src, arts)
	if err != nil {
		t.Fatalf("poll of %s: %v", src.URL, err)
	}
	return changes
}

// creditedTo returns the IDs of the sources credited with article id, in order.
func creditedTo(t *testing.T, db store.DB, id string) []int64 {
	t.Helper()
	credits, err := db.Credits(context.Background(), id)
	if err != nil {
		t.Fatalf("credits of %s: %v", id, err)
	}
	out := []int64{}
	for _, c := range credits {
		out = append(out, c.SourceID)
	}
	return out
}

// twoSources makes sources A and B of two feeds.
func twoSources(t *testing.T, db store.DB) (a, b *feed.Source) {
	t.Helper()
	ctx := context.Background()
	a, err := db.CreateSource(ctx, feed.Source{URL: "https://agency.example/feed", Name: "Agency", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err = db.CreateSource(ctx, feed.Source{URL: "https://mirror.example/rss", Name: "Mirror", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func (c *contract) testDedupeSameGUID(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	guid := "tag:agency.example,2026:release-1"
	fromA := carried(a, guid, "https://agency.example/releases/1", "Release one", clk.T)
	fromB := carried(b, guid, "https://mirror.example/copy/1", "Release one (mirror)", clk.T)
	if got := pollOK(t, db, a, fromA); !slices.Equal(got, []feed.Change{feed.Created}) {
		t.Errorf("poll of A: got %v, want created", got)
	}
	v1, _ := db.Version(ctx)
	if got := pollOK(t, db, b, fromB); !slices.Equal(got, []feed.Change{feed.Unchanged}) {
		t.Errorf("poll of B: got %v, want unchanged (a credit only)", got)
	}
	if v2, _ := db.Version(ctx); v2 == v1 {
		t.Error("a new credit did not move the content version: pages showing credits stay stale")
	}
	if got := ids(t, db, feed.ArticleFilter{}); !slices.Equal(got, []string{fromA.ID}) {
		t.Errorf("articles: got %v, want only %s", got, fromA.ID)
	}
	if got := creditedTo(t, db, fromA.ID); !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Errorf("credits: got %v, want [%d %d]", got, a.ID, b.ID)
	}
	credits, _ := db.Credits(ctx, fromA.ID)
	if len(credits) == 2 {
		if c := credits[1]; c.SourceName != "Mirror" || c.FeedURL != b.URL || c.GUID != guid ||
			c.Link != "https://mirror.example/copy/1" || !c.FirstSeen.Equal(clk.T) {
			t.Errorf("B's credit: got %+v", c)
		}
	}
	for _, s := range []*feed.Source{a, b} {
		if got, _ := db.Source(ctx, s.ID); got.Items != 1 {
			t.Errorf("source %d items: got %d, want 1", s.ID, got.Items)
		}
	}
	// Polled again, nothing changes and the content version stays.
	v3, _ := db.Version(ctx)
	pollOK(t, db, b, fromB)
	pollOK(t, db, a, fromA)
	if v4, _ := db.Version(ctx); v4 != v3 {
		t.Errorf("polls that changed nothing moved the content version: %d -> %d", v3, v4)
	}
	if _, err := db.Credits(ctx, "no-such-article"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("credits of a missing article: got %v, want ErrNotFound", err)
	}
}

func (c *contract) testDedupeSameLink(t *testing.T) {
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	// Different GUIDs, and two spellings of one link: scheme, "www.",
	// trailing slash, fragment, tracking parameters and parameter order.
	fromA := carried(a, "A-1", "https://www.agency.example/news/1/?id=7&lang=en&utm_source=rss", "Release", clk.T)
	fromB := carried(b, "https://mirror.example/p/99", "http://agency.example/news/1?lang=en&id=7#top", "Release", clk.T)
	pollOK(t, db, a, fromA)
	pollOK(t, db, b, fromB)
	if got := ids(t, db, feed.ArticleFilter{}); !slices.Equal(got, []string{fromA.ID}) {
		t.Errorf("articles: got %v, want only %s", got, fromA.ID)
	}
	if got := creditedTo(t, db, fromA.ID); !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Errorf("credits: got %v, want [%d %d]", got, a.ID, b.ID)
	}
}

// testDedupeNotMatched checks what is not one item: GUIDs that are no
// IRIs, query values that select other content, a site's home page, and two
// items of one feed that share a link.
func (c *contract) testDedupeNotMatched(t *testing.T) {
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	pollOK(t, db, a,
		carried(a, "12345", "https://agency.example/news?id=1", "A one", clk.T),
		carried(a, "home-1", "https://agency.example/", "A home one", clk.T),
		carried(a, "home-2", "https://agency.example/", "A home two", clk.T))
	pollOK(t, db, b,
		carried(b, "12345", "https://agency.example/news?id=2", "B two", clk.T),
		carried(b, "home-3", "https://www.agency.example", "B home", clk.T))
	if got := len(ids(t, db, feed.ArticleFilter{})); got != 5 {
		t.Errorf("articles: got %d, want 5 (none of them one item)", got)
	}
	// A feed whose items all link to one page: two items of one source.
	pollOK(t, db, b,
		carried(b, "x-1", "https://mirror.example/list", "B list one", clk.T),
		carried(b, "x-2", "https://mirror.example/list", "B list two", clk.T))
	pollOK(t, db, b, carried(b, "x-3", "https://mirror.example/list", "B list three", clk.T))
	if got := len(ids(t, db, feed.ArticleFilter{})); got != 8 {
		t.Errorf("articles: got %d, want 8 (items of one feed sharing a link are not one)", got)
	}
}

// testDedupeFirstSourceEdits checks that only the source that carried an
// item first updates its article, so that two mirrors cannot make it flip.
func (c *contract) testDedupeFirstSourceEdits(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	guid := "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"
	pollOK(t, db, a, carried(a, guid, "https://agency.example/r/1", "Title at A", clk.T))
	id := carried(a, guid, "", "", clk.T).ID
	clk.Add(time.Minute)
	pollOK(t, db, b, carried(b, guid, "https://mirror.example/r/1", "Title at B", clk.T))
	title := func() string {
		t.Helper()
		art, err := db.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return art.Title
	}
	if got := title(); got != "Title at A" {
		t.Errorf("after B's poll: title %q, want A's", got)
	}
	clk.Add(time.Minute)
	if got := pollOK(t, db, a, carried(a, guid, "https://agency.example/r/1", "Edited at A", clk.T)); got[0] != feed.Updated {
		t.Errorf("A's edit: got %v, want updated", got)
	}
	clk.Add(time.Minute)
	pollOK(t, db, b, carried(b, guid, "https://mirror.example/r/1", "Edited at B", clk.T))
	if got := title(); got != "Edited at A" {
		t.Errorf("after B's edit: title %q, want A's edit", got)
	}
	versions, err := db.ArticleVersions(ctx, id, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 2 {
		t.Errorf("versions: got %d, want 2 (A's first and its edit)", len(versions))
	}
	art, _ := db.Article(ctx, id)
	if art.Provenance.SourceID != a.ID {
		t.Errorf("provenance: source %d, want the first source %d", art.Provenance.SourceID, a.ID)
	}
}

func (c *contract) testDedupePurge(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	shared := carried(a, "https://agency.example/r/shared", "https://agency.example/r/shared", "Shared", clk.T)
	own := carried(a, "https://agency.example/r/own", "https://agency.example/r/own", "Only at A", clk.T)
	pollOK(t, db, a, shared, own)
	pollOK(t, db, b, carried(b, "https://agency.example/r/shared", "https://agency.example/r/shared", "Shared", clk.T))
	v1, _ := db.Version(ctx)
	clk.Add(time.Hour)
	n, err := db.PurgeSource(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("purge: deleted %d, want 1", n)
	}
	if _, err := db.Source(ctx, a.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("purged source: got %v, want ErrNotFound", err)
	}
	if _, err := db.Article(ctx, own.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("A's own item after the purge: got %v, want ErrNotFound", err)
	}
	if got := creditedTo(t, db, shared.ID); !slices.Equal(got, []int64{b.ID}) {
		t.Errorf("the shared item's credits: got %v, want only B's %d", got, b.ID)
	}
	tombs, err := db.Tombstones(ctx, feed.TombstoneFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tombs) != 1 || tombs[0].ArticleID != own.ID || !tombs[0].Deleted.Equal(clk.T) {
		t.Errorf("tombstones: got %+v, want one of %s", tombs, own.ID)
	}
	page, err := db.Changes(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	last := page.Changes[len(page.Changes)-1]
	if last.ArticleID != own.ID || last.Change != feed.Deleted {
		t.Errorf("last change: got %+v, want the deletion of %s", last, own.ID)
	}
	if v2, _ := db.Version(ctx); v2 == v1 {
		t.Error("a purge that deleted articles did not move the content version")
	}
	if _, err := db.PurgeSource(ctx, a.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second purge: got %v, want ErrNotFound", err)
	}
	// Only B carries it now; B's later polls credit, but do not update, it.
	pollOK(t, db, b, carried(b, "https://agency.example/r/shared", "https://agency.example/r/shared", "Shared, edited", clk.T))
	if art, _ := db.Article(ctx, shared.ID); art == nil || art.Title != "Shared" {
		t.Errorf("after the first source's purge: got %+v, want the article as A left it", art)
	}
}

func (c *contract) testDedupeRemove(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	shared := carried(a, "https://agency.example/r/1", "https://agency.example/r/1", "Shared", clk.T)
	pollOK(t, db, a, shared)
	pollOK(t, db, b, carried(b, "https://agency.example/r/1", "https://mirror.example/r/1", "Shared", clk.T))
	if err := db.DeleteSource(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := creditedTo(t, db, shared.ID); !slices.Equal(got, []int64{a.ID}) {
		t.Errorf("credits after removing B: got %v, want [%d]", got, a.ID)
	}
	if err := db.DeleteSource(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := creditedTo(t, db, shared.ID); len(got) != 0 {
		t.Errorf("credits after removing both: got %v, want none", got)
	}
	if _, err := db.Article(ctx, shared.ID); err != nil {
		t.Errorf("without purge the article stays: %v", err)
	}
	// The same feed added again credits the stored article.
	again, err := db.CreateSource(ctx, feed.Source{URL: a.URL, Name: "Agency", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	pollOK(t, db, again, carried(again, "https://agency.example/r/1", "https://agency.example/r/1", "Shared", clk.T))
	if got := ids(t, db, feed.ArticleFilter{}); !slices.Equal(got, []string{shared.ID}) {
		t.Errorf("articles after the feed came back: got %v, want only %s", got, shared.ID)
	}
	if got := creditedTo(t, db, shared.ID); !slices.Equal(got, []int64{again.ID}) {
		t.Errorf("credits after the feed came back: got %v, want [%d]", got, again.ID)
	}
}

// testDedupeConcurrent polls two sources carrying the same new items at
// once, through two handles (two instances): each item is one article.
func (c *contract) testDedupeConcurrent(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	a, b := twoSources(t, db)
	const rounds, perPoll = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for i, h := range []struct {
		db  store.DB
		src *feed.Source
	}{{db, a}, {other, b}} {
		wg.Go(func() {
			for r := range rounds {
				// Each poll gives the items in another order.
				arts := make([]feed.Article, perPoll)
				for k := range perPoll {
					n := r*perPoll + (k*(i+1))%perPoll
					arts[k] = carried(h.src, fmt.Sprintf("https://agency.example/r/%d", n),
						fmt.Sprintf("https://agency.example/r/%d", n), fmt.Sprint("Item ", n), clk.T)
				}
				if _, err := h.db.RecordPoll(ctx, h.src.URL, *h.src, arts); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := walk(t, db, feed.ArticleFilter{}, 100)
	if len(got) != rounds*perPoll {
		t.Errorf("articles after concurrent polls: got %d, want %d", len(got), rounds*perPoll)
	}
	for _, id := range got {
		if cr := creditedTo(t, db, id); len(cr) != 2 {
			t.Errorf("article %s credited to %v, want both sources", id, cr)
		}
	}
}

// testDedupeCopy checks that a copy carries the credits and the keys: in
// the copy, the item still has both sources, and a third source carrying it
// credits the same article.
func (c *contract) testDedupeCopy(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a, b := twoSources(t, db)
	item := carried(a, "https://agency.example/r/1", "https://agency.example/r/1", "Shared", clk.T)
	pollOK(t, db, a, item)
	pollOK(t, db, b, carried(b, "urn:uuid:6f1c5a59-7e1f-4b43-9d38-0a4b3c1d2e3f", "https://agency.example/r/1", "Shared", clk.T))
	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["credits"] != 2 || counts["article keys"] != 3 {
		t.Errorf("counts: %d credits and %d keys, want 2 and 3", counts["credits"], counts["article keys"])
	}
	dst := c.engine.Open(t, c.engine.Create(t), store.Options{Now: clk.Now})
	if err := dst.Import(ctx, db.Export(ctx)); err != nil {
		t.Fatal(err)
	}
	if got := creditedTo(t, dst, item.ID); !slices.Equal(got, []int64{a.ID, b.ID}) {
		t.Errorf("credits in the copy: got %v, want [%d %d]", got, a.ID, b.ID)
	}
	third, err := dst.CreateSource(ctx, feed.Source{URL: "https://third.example/feed", Name: "Third", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	// Matched by B's GUID, which only the copied keys know.
	pollOK(t, dst, third, carried(third, "urn:uuid:6f1c5a59-7e1f-4b43-9d38-0a4b3c1d2e3f", "https://third.example/x", "Shared", clk.T))
	if got := ids(t, dst, feed.ArticleFilter{}); !slices.Equal(got, []string{item.ID}) {
		t.Errorf("articles in the copy after a third source: got %v, want only %s", got, item.ID)
	}
}
