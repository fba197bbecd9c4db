package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testArchives(t *testing.T) {
	t.Run("Empty", c.testArchiveEmpty)
	t.Run("Pages", c.testArchivePages)
	t.Run("MembershipNeverMoves", c.testArchiveMembershipNeverMoves)
	t.Run("CountArticles", c.testCountArticles)
}

// archiveArticle is the i-th article of the archive tests: every third
// tagged alpha, every second beta, every fifth external.
func archiveArticle(i int) feed.Article {
	a := Article(fmt.Sprintf("a%04d", i), fmt.Sprintf("Story %d", i))
	a.Published = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	if i%3 == 0 {
		a.Tags = append(a.Tags, feed.ArticleTag{Slug: "alpha"})
	}
	if i%2 == 0 {
		a.Tags = append(a.Tags, feed.ArticleTag{Slug: "beta"})
	}
	if i%5 == 0 {
		a.Origin = feed.OriginExternal
		a.Provenance = &feed.Provenance{SourceName: "Agency", FeedURL: "https://agency.example/feed", OriginalID: a.ID}
	}
	return a
}

// fillArchive stores archiveArticle(0), (1), ... in batches until the
// archive has at least three pages, and returns how many it stored and the
// engine's span: how many articles a closed page holds.
func fillArchive(t *testing.T, db store.DB) (n, span int) {
	t.Helper()
	ctx := context.Background()
	for open := 1; open < 3; {
		if n >= 5000 {
			t.Fatalf("%d articles stored and the archive has %d pages: the suite assumes pages of fewer than 2500", n, open)
		}
		var batch []feed.Article
		for range 200 {
			batch = append(batch, archiveArticle(n))
			n++
		}
		if _, err := db.UpsertArticles(ctx, batch); err != nil {
			t.Fatal(err)
		}
		var err error
		if _, open, err = db.ArchivePages(ctx, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	first, err := db.ArchivePage(ctx, nil, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	return n, len(first)
}

// archiveIDs returns the IDs of archive page n of the feed of tags and
// origin.
func archiveIDs(t *testing.T, db store.DB, tags []string, origin feed.Origin, n int) []string {
	t.Helper()
	arts, err := db.ArchivePage(context.Background(), tags, origin, n)
	if err != nil {
		t.Fatalf("archive page %d of %q %q: %v", n, tags, origin, err)
	}
	out := []string{}
	for _, a := range arts {
		out = append(out, a.ID)
	}
	return out
}

// testArchiveEmpty checks that an empty archive has an open page, so that
// the subscription document of a new site is there, and that the first
// article goes to it.
func (c *contract) testArchiveEmpty(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	pages, open, err := db.ArchivePages(ctx, nil, "")
	if err != nil || len(pages) != 0 || open != 1 {
		t.Fatalf("empty archive: got %v, open %d, %v; want no pages, open 1", pages, open, err)
	}
	if got := archiveIDs(t, db, nil, "", 1); len(got) != 0 {
		t.Errorf("open page of an empty archive: got %q, want nothing", got)
	}
	a := Article("a1", "First")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	pages, open, err = db.ArchivePages(ctx, nil, "")
	if err != nil || !slices.Equal(pages, []int{1}) || open != 1 {
		t.Errorf("one article: got %v, open %d, %v; want [1], open 1", pages, open, err)
	}
	if got := archiveIDs(t, db, nil, "", 1); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("page 1: got %q, want [a1]", got)
	}
	if pages, _, err := db.ArchivePages(ctx, []string{"nope"}, ""); err != nil || len(pages) != 0 {
		t.Errorf("unknown tag: got %v, %v; want no pages", pages, err)
	}
}

// testArchivePages checks that pages follow the order articles were first
// stored, newest stored first within a page, that every article is on
// exactly one page, and that a feed's pages hold its articles only.
func (c *contract) testArchivePages(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	n, span := fillArchive(t, db)
	t.Logf("%d articles, %d to a page", n, span)
	if span < 1 {
		t.Fatalf("page 1 holds %d articles", span)
	}
	// An old article given a tag shows in that tag's archive on its own page.
	rare := archiveArticle(span + 5)
	rare.Tags = append(rare.Tags, feed.ArticleTag{Slug: "rare"})
	if _, err := db.UpsertArticle(ctx, &rare); err != nil {
		t.Fatal(err)
	}

	pages, open, err := db.ArchivePages(ctx, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	wantOpen := (n-1)/span + 1
	if open != wantOpen || len(pages) != open || pages[0] != 1 || pages[len(pages)-1] != open {
		t.Fatalf("pages: got %v, open %d; want 1 to %d", pages, open, wantOpen)
	}
	for _, tt := range []struct {
		name   string
		tags   []string
		origin feed.Origin
		match  func(i int) bool
	}{
		{"all", nil, "", func(int) bool { return true }},
		{"alpha", []string{"alpha"}, "", func(i int) bool { return i%3 == 0 }},
		{"alpha and beta", []string{"beta", "alpha"}, "", func(i int) bool { return i%6 == 0 }},
		{"external", nil, feed.OriginExternal, func(i int) bool { return i%5 == 0 }},
		{"own beta", []string{"beta"}, feed.OriginOwn, func(i int) bool { return i%2 == 0 && i%5 != 0 }},
		{"rare", []string{"rare"}, "", func(i int) bool { return i == span+5 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var wantPages []int
			for p := 1; p <= open; p++ {
				var want []string // newest stored first
				for i := min(p*span, n) - 1; i >= (p-1)*span; i-- {
					if tt.match(i) {
						want = append(want, fmt.Sprintf("a%04d", i))
					}
				}
				if len(want) > 0 {
					wantPages = append(wantPages, p)
				}
				if got := archiveIDs(t, db, tt.tags, tt.origin, p); !slices.Equal(got, want) {
					t.Errorf("page %d: got %d articles %q, want %d %q", p, len(got), got, len(want), want)
				}
			}
			got, gotOpen, err := db.ArchivePages(ctx, tt.tags, tt.origin)
			if err != nil || !slices.Equal(got, wantPages) || gotOpen != open {
				t.Errorf("pages: got %v, open %d, %v; want %v, open %d (the site's)", got, gotOpen, err, wantPages, open)
			}
		})
	}
	// The articles of a page carry their tags.
	arts, err := db.ArchivePage(ctx, []string{"rare"}, "", 2)
	if err != nil || len(arts) != 1 || !arts[0].HasTag("rare") || len(arts[0].Tags) != len(archiveArticle(span+5).Tags)+1 {
		t.Errorf("rare article: got %+v, %v; want it with its tags", arts, err)
	}
	if got := archiveIDs(t, db, nil, "", open+1); len(got) != 0 {
		t.Errorf("page after the open one: got %q, want nothing", got)
	}
}

// testArchiveMembershipNeverMoves checks the promise of RFC 5005 archives:
// an article stays on its page through edits of its text, its date and its
// tags, a closed page gains no article, and new articles, whatever their
// dates, go to the open page.
func (c *contract) testArchiveMembershipNeverMoves(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	n, span := fillArchive(t, db)
	_, open, err := db.ArchivePages(ctx, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	feeds := []struct {
		tags   []string
		origin feed.Origin
	}{{nil, ""}, {[]string{"alpha"}, ""}, {[]string{"beta"}, feed.OriginOwn}, {nil, feed.OriginExternal}}
	before := map[string][]string{}
	key := func(tags []string, origin feed.Origin, p int) string { return fmt.Sprint(tags, origin, p) }
	for _, f := range feeds {
		for p := 1; p < open; p++ {
			before[key(f.tags, f.origin, p)] = archiveIDs(t, db, f.tags, f.origin, p)
		}
	}

	clk.Add(time.Hour)
	// Edit articles of the first two pages: text, dates, tags.
	for _, i := range []int{0, 1, span - 1, span, span + 1} {
		a := archiveArticle(i)
		a.Title += ", edited"
		a.Published = a.Published.Add(10 * 365 * 24 * time.Hour) // newer than everything
		a.Tags = append(a.Tags, feed.ArticleTag{Slug: "edited"})
		if ch, err := db.UpsertArticle(ctx, &a); err != nil || ch != feed.Updated {
			t.Fatalf("edit %s: got %v, %v", a.ID, ch, err)
		}
	}
	// New articles, some dated before every stored one.
	var batch []feed.Article
	for i := n; i < n+30; i++ {
		a := archiveArticle(i)
		if i%2 == 0 {
			a.Published = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		}
		batch = append(batch, a)
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// A deletion takes the article off its page and moves no other.
	if err := db.DeleteArticle(ctx, "a0003"); err != nil {
		t.Fatal(err)
	}

	_, openAfter, err := db.ArchivePages(ctx, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if openAfter < open {
		t.Fatalf("the open page went back from %d to %d", open, openAfter)
	}
	for _, f := range feeds {
		for p := 1; p < open; p++ {
			want := slices.DeleteFunc(slices.Clone(before[key(f.tags, f.origin, p)]), func(id string) bool { return id == "a0003" })
			if got := archiveIDs(t, db, f.tags, f.origin, p); !slices.Equal(got, want) {
				t.Errorf("closed page %d of %q %q: got %q, want %q", p, f.tags, f.origin, got, want)
			}
		}
	}
	// The edited articles show on their own pages of the tag they gained.
	if got := archiveIDs(t, db, []string{"edited"}, "", 1); !slices.Equal(got, []string{fmt.Sprintf("a%04d", span-1), "a0001", "a0000"}) {
		t.Errorf("page 1 of the tag edited: got %q", got)
	}
	// Every new article is on the open page or after it.
	var onOpen []string
	for p := open; p <= openAfter; p++ {
		onOpen = append(onOpen, archiveIDs(t, db, nil, "", p)...)
	}
	for _, a := range batch {
		if !slices.Contains(onOpen, a.ID) {
			t.Errorf("new article %s is not on the open page %d or after it", a.ID, open)
		}
	}
}

func (c *contract) testCountArticles(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	var batch []feed.Article
	for i := range 30 {
		batch = append(batch, archiveArticle(i))
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		f    feed.ArticleFilter
		want int
	}{
		{feed.ArticleFilter{}, 30},
		{feed.ArticleFilter{Limit: 5, Offset: 10}, 30}, // limit and offset aside
		{feed.ArticleFilter{Tags: []string{"alpha"}}, 10},
		{feed.ArticleFilter{Tags: []string{"alpha", "beta"}}, 5},
		{feed.ArticleFilter{Origin: feed.OriginExternal}, 6},
		{feed.ArticleFilter{Tags: []string{"beta"}, Origin: feed.OriginOwn}, 12},
		{feed.ArticleFilter{Tags: []string{"nope"}}, 0},
	} {
		if got, err := db.CountArticles(ctx, tt.f); err != nil || got != tt.want {
			t.Errorf("count %+v: got %d, %v; want %d", tt.f, got, err, tt.want)
		}
	}
	// Counts follow deletions and retagging.
	if err := db.DeleteArticle(ctx, "a0000"); err != nil {
		t.Fatal(err)
	}
	a := archiveArticle(1)
	a.Tags = []feed.ArticleTag{{Slug: "alpha"}}
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if got, err := db.CountArticles(ctx, feed.ArticleFilter{Tags: []string{"alpha"}}); err != nil || got != 10 {
		t.Errorf("alpha after a deletion and a new tag: got %d, %v; want 10", got, err)
	}
	if got, err := db.CountArticles(ctx, feed.ArticleFilter{}); err != nil || got != 29 {
		t.Errorf("all after a deletion: got %d, %v; want 29", got, err)
	}
}
