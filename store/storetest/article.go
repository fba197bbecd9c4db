package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testArticles(t *testing.T) {
	t.Run("UpsertCreateUnchangedUpdated", c.testUpsertCreateUnchangedUpdated)
	t.Run("UpsertValidation", c.testUpsertValidation)
	t.Run("UpsertSameArticleTwiceInABatch", c.testUpsertSameArticleTwiceInABatch)
	t.Run("UpsertMixedBatch", c.testUpsertMixedBatch)
	t.Run("UpdatedTimes", c.testUpdatedTimes)
	t.Run("ReadBack", c.testArticleReadBack)
	t.Run("ByTags", c.testArticlesByTags)
	t.Run("ListingFilters", c.testListingFilters)
	t.Run("LimitAndOffset", c.testLimitAndOffset)
	t.Run("Delete", c.testDeleteArticle)
	t.Run("CreateArticle", c.testCreateArticle)
}

// Article returns a valid own article with the given tags, published
// 2026-10-01 09:00 UTC, as the contract suite and the engines' tests store
// them.
func Article(id, title string, tags ...string) feed.Article {
	a := feed.Article{
		ID:        id,
		Title:     title,
		Summary:   "Summary of " + title,
		Content:   "<p>Body of " + title + "</p>",
		Authors:   []string{"Ana Reporter"},
		Published: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC),
		Language:  "en",
	}
	for _, s := range tags {
		a.Tags = append(a.Tags, feed.ArticleTag{Slug: s})
	}
	return a
}

func (c *contract) testUpsertCreateUnchangedUpdated(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "First title", "cyber-diplomacy")
	if ch, err := db.UpsertArticle(ctx, &a); err != nil || ch != feed.Created {
		t.Fatalf("create: got %v, %v; want created", ch, err)
	}
	if want := "tag:news.example.org,2026-11-01:article:a1"; a.GUID != want {
		t.Errorf("GUID: got %q, want %q", a.GUID, want)
	}
	if a.Slug != "first-title" {
		t.Errorf("slug: got %q, want first-title", a.Slug)
	}
	if !a.Updated.Equal(a.Published) {
		t.Errorf("new article updated: got %v, want published %v", a.Updated, a.Published)
	}
	v1, _ := db.Version(ctx)

	clk.Add(time.Hour)
	again := Article("a1", "First title", "cyber-diplomacy")
	if ch, err := db.UpsertArticle(ctx, &again); err != nil || ch != feed.Unchanged {
		t.Fatalf("re-upsert: got %v, %v; want unchanged", ch, err)
	}
	if !again.Updated.Equal(a.Updated) {
		t.Errorf("unchanged article's updated moved: got %v, want %v", again.Updated, a.Updated)
	}
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Errorf("version moved on an unchanged upsert: %d -> %d", v1, v2)
	}

	edited := Article("a1", "Edited title", "cyber-diplomacy")
	if ch, err := db.UpsertArticle(ctx, &edited); err != nil || ch != feed.Updated {
		t.Fatalf("edit: got %v, %v; want updated", ch, err)
	}
	got, err := db.Article(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.GUID != a.GUID {
		t.Errorf("GUID changed on edit: got %q, want %q", got.GUID, a.GUID)
	}
	if got.Slug != "first-title" {
		t.Errorf("slug changed on title edit: got %q", got.Slug)
	}
	if !got.Updated.Equal(clk.T) {
		t.Errorf("updated: got %v, want %v", got.Updated, clk.T)
	}
	if got.Title != "Edited title" || !slices.Equal(got.TagSlugs(), []string{"cyber-diplomacy"}) {
		t.Errorf("got %q %v", got.Title, got.TagSlugs())
	}
	if v3, _ := db.Version(ctx); v3 <= v1 {
		t.Errorf("version did not move on edit: %d -> %d", v1, v3)
	}
}

func (c *contract) testUpsertValidation(t *testing.T) {
	db, _ := c.openClocked(t, store.Options{})
	bad := Article("a/1", "")
	_, err := db.UpsertArticles(context.Background(), []feed.Article{Article("ok", "fine"), bad})
	if !errors.Is(err, feed.ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	var ve *feed.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Fatalf("got %v, want two field errors (id, title)", err)
	}
	if _, err := db.Article(context.Background(), "ok"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("a failed batch stored something: %v", err)
	}
}

// One batch may name an article twice; the second wins and nothing breaks.
func (c *contract) testUpsertSameArticleTwiceInABatch(t *testing.T) {
	db, _ := c.openClocked(t, store.Options{})
	a := Article("a1", "First", "x")
	b := Article("a1", "Second", "x", "y")
	changes, err := db.UpsertArticles(context.Background(), []feed.Article{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if changes[0] != feed.Created || changes[1] != feed.Updated {
		t.Errorf("got %v, want [created updated]", changes)
	}
	got, err := db.Article(context.Background(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Second" || !slices.Equal(got.TagSlugs(), []string{"x", "y"}) {
		t.Errorf("got %q %v", got.Title, got.TagSlugs())
	}
}

// testUpdatedTimes checks the store's rule for Updated: kept when the
// content is unchanged, else the given Updated if later, else now; a new
// article is updated when it was published, or later if it says so.
func (c *contract) testUpdatedTimes(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	pub := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	upsert := func(a feed.Article, want feed.Change) feed.Article {
		t.Helper()
		ch, err := db.UpsertArticle(ctx, &a)
		if err != nil || ch != want {
			t.Fatalf("upsert %s %q: got %v, %v; want %v", a.ID, a.Title, ch, err, want)
		}
		got, err := db.Article(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Updated.Equal(a.Updated) {
			t.Errorf("%s: stored updated %v, but the upsert reported %v", a.ID, got.Updated, a.Updated)
		}
		return a
	}

	early := Article("early", "Updated before published")
	early.Updated = pub.Add(-time.Hour)
	if got := upsert(early, feed.Created); !got.Updated.Equal(pub) {
		t.Errorf("new article updated before published: got %v, want published %v", got.Updated, pub)
	}
	later := Article("later", "Updated after published")
	later.Updated = pub.Add(5 * time.Hour)
	if got := upsert(later, feed.Created); !got.Updated.Equal(pub.Add(5 * time.Hour)) {
		t.Errorf("new article updated after published: got %v, want %v", got.Updated, pub.Add(5*time.Hour))
	}

	// The same content with a later Updated is unchanged, and keeps its time.
	clk.Add(time.Hour)
	same := Article("later", "Updated after published")
	same.Updated = pub.Add(48 * time.Hour)
	if got := upsert(same, feed.Unchanged); !got.Updated.Equal(pub.Add(5 * time.Hour)) {
		t.Errorf("unchanged content: updated %v, want %v kept", got.Updated, pub.Add(5*time.Hour))
	}
	// An edit that gives a later Updated has it.
	given := Article("later", "Edited with a time")
	given.Updated = pub.Add(24 * time.Hour)
	if got := upsert(given, feed.Updated); !got.Updated.Equal(pub.Add(24 * time.Hour)) {
		t.Errorf("edit with a later updated: got %v, want %v", got.Updated, pub.Add(24*time.Hour))
	}
	// An edit that gives none, or one not later than the stored one, is
	// updated now.
	clk.Add(time.Hour)
	none := Article("later", "Edited without a time")
	if got := upsert(none, feed.Updated); !got.Updated.Equal(clk.T) {
		t.Errorf("edit without updated: got %v, want now %v", got.Updated, clk.T)
	}
	clk.Add(time.Hour)
	stale := Article("later", "Edited with a stale time")
	stale.Updated = pub.Add(24 * time.Hour)
	if got := upsert(stale, feed.Updated); !got.Updated.Equal(clk.T) {
		t.Errorf("edit with an earlier updated: got %v, want now %v", got.Updated, clk.T)
	}
	// A new slug alone is a change, but not of the content: updated stays.
	clk.Add(time.Hour)
	moved := Article("later", "Edited with a stale time")
	moved.Slug = "a-new-slug"
	if got := upsert(moved, feed.Updated); !got.Updated.Equal(clk.T.Add(-time.Hour)) || got.Slug != "a-new-slug" {
		t.Errorf("new slug: got updated %v, slug %q; want %v kept, a-new-slug", got.Updated, got.Slug, clk.T.Add(-time.Hour))
	}
}

// testArticleReadBack checks that every field of an article comes back as
// it was stored, times as the same instants, and that tags come back hand
// tags first, then rule tags, each by slug, as the upsert reported them.
func (c *contract) testArticleReadBack(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	tokyo := time.FixedZone("JST", 9*60*60)
	at := func(day, hour int) time.Time { return time.Date(2026, 10, day, hour, 30, 15, 0, tokyo) }
	a := feed.Article{
		ID: "read-back", Slug: "given-slug", Title: "Grid drill", Summary: "A summary.", Content: "<p>Body &amp; more.</p>",
		Authors: []string{"Ana Reporter", "Ben Editor"}, Published: at(2, 18), Updated: at(3, 9),
		URL: "https://agency.example/releases/1", Language: "ja-JP", Origin: feed.OriginExternal,
		Tags: []feed.ArticleTag{{Slug: "zeta"}, {Slug: "alpha", Rule: "grid OR water", Matched: []string{"grid"}}, {Slug: "beta"}},
		Provenance: &feed.Provenance{SourceName: "Agency", FeedURL: "https://agency.example/feed", FeedID: "urn:agency:feed",
			FeedTitle: "Agency releases", FeedUpdated: at(3, 8), Link: "https://agency.example/r/1", OriginalID: "r-1",
			Published: at(2, 18), Updated: at(3, 9)},
	}
	in := a
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	wantTags := []string{"beta", "zeta", "alpha"}
	if !slices.Equal(a.TagSlugs(), wantTags) {
		t.Errorf("tags as stored: got %v, want %v", a.TagSlugs(), wantTags)
	}
	got, err := db.Article(ctx, "read-back")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || got.Slug != in.Slug || got.Title != in.Title || got.Summary != in.Summary || got.Content != in.Content ||
		!slices.Equal(got.Authors, in.Authors) || got.URL != in.URL || got.Language != in.Language || got.Origin != in.Origin ||
		got.GUID != a.GUID {
		t.Errorf("read back:\n got %+v\nwant %+v", got, in)
	}
	if !got.Published.Equal(in.Published) || !got.Updated.Equal(in.Updated) {
		t.Errorf("times: got published %v, updated %v; want %v, %v", got.Published, got.Updated, in.Published, in.Updated)
	}
	if !slices.Equal(got.TagSlugs(), wantTags) || got.Tags[2].Rule != "grid OR water" || !slices.Equal(got.Tags[2].Matched, []string{"grid"}) ||
		got.Tags[0].Rule != "" || len(got.Tags[0].Matched) != 0 {
		t.Errorf("tags: got %+v, want hand tags beta and zeta, then alpha by its rule", got.Tags)
	}
	if !sameProvenance(got.Provenance, in.Provenance) {
		t.Errorf("provenance: got %+v, want %+v", got.Provenance, in.Provenance)
	}
	// Listings carry the same article.
	arts, err := db.Articles(ctx, feed.ArticleFilter{})
	if err != nil || len(arts) != 1 {
		t.Fatalf("listing: got %d articles, %v", len(arts), err)
	}
	if l := arts[0]; l.Content != in.Content || !slices.Equal(l.TagSlugs(), wantTags) || !sameProvenance(l.Provenance, in.Provenance) {
		t.Errorf("listed: got %+v", l)
	}
	if _, err := db.Article(ctx, "no-such-article"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown article: got %v, want ErrNotFound", err)
	}
}

// sameProvenance reports whether p and q hold the same fields, their
// times as the same instants.
func sameProvenance(p, q *feed.Provenance) bool {
	if p == nil || q == nil {
		return p == q
	}
	x, y := *p, *q
	for _, pair := range [][2]*time.Time{{&x.FeedUpdated, &y.FeedUpdated}, {&x.Published, &y.Published}, {&x.Updated, &y.Updated}} {
		if !pair[0].Equal(*pair[1]) {
			return false
		}
		*pair[0], *pair[1] = time.Time{}, time.Time{}
	}
	return x == y
}

func (c *contract) testArticlesByTags(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	var batch []feed.Article
	for i, tags := range [][]string{{"a"}, {"a", "b"}, {"b"}, {"a", "b", "c"}} {
		x := Article(string(rune('p'+i)), "Title", tags...)
		x.Published = x.Published.Add(time.Duration(i) * time.Hour)
		batch = append(batch, x)
	}
	ext := Article("x1", "External")
	ext.Origin = feed.OriginExternal
	ext.Provenance = &feed.Provenance{SourceName: "Agency", FeedURL: "https://agency.example/feed", OriginalID: "1"}
	ext.Tags = []feed.ArticleTag{{Slug: "a"}}
	ext.Published = ext.Published.Add(-time.Hour)
	batch = append(batch, ext)
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f    feed.ArticleFilter
		want []string
	}{
		{feed.ArticleFilter{}, []string{"s", "r", "q", "p", "x1"}},
		{feed.ArticleFilter{Limit: 2}, []string{"s", "r"}},
		{feed.ArticleFilter{Tags: []string{"a"}}, []string{"s", "q", "p", "x1"}},
		{feed.ArticleFilter{Tags: []string{"a", "b"}}, []string{"s", "q"}},
		{feed.ArticleFilter{Tags: []string{"b", "a", "c"}}, []string{"s"}},
		{feed.ArticleFilter{Tags: []string{"a"}, Origin: feed.OriginExternal}, []string{"x1"}},
		{feed.ArticleFilter{Origin: feed.OriginOwn, Limit: 1}, []string{"s"}},
		{feed.ArticleFilter{Tags: []string{"nope"}}, nil},
	}
	for _, tt := range tests {
		arts, err := db.Articles(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range arts {
			got = append(got, a.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
		}
	}
	x, err := db.Article(ctx, "x1")
	if err != nil {
		t.Fatal(err)
	}
	if x.Origin != feed.OriginExternal || x.Provenance == nil || x.Provenance.SourceName != "Agency" {
		t.Errorf("external article came back as %+v", x)
	}
}

func (c *contract) testListingFilters(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	start := clk.T
	own := Article("own", "Own story", "alpha")
	if _, err := db.UpsertArticle(ctx, &own); err != nil {
		t.Fatal(err)
	}
	// An article aggregated from a source is linked to it.
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	ext := Article("ext", "Press release", "alpha")
	ext.Origin = feed.OriginExternal
	ext.Provenance = &feed.Provenance{SourceID: src.ID, SourceName: "Agency", FeedURL: src.URL, OriginalID: "1", Published: ext.Published}
	if _, err := db.RecordPoll(ctx, src.URL, *src, []feed.Article{ext}); err != nil {
		t.Fatal(err)
	}
	clk.T = start.Add(time.Hour)
	late := Article("late", "Later story", "beta")
	if _, err := db.UpsertArticle(ctx, &late); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    feed.ArticleFilter
		want []string
	}{
		{"source", feed.ArticleFilter{Source: src.ID}, []string{"ext"}},
		{"other source", feed.ArticleFilter{Source: src.ID + 1}, []string{}},
		{"since", feed.ArticleFilter{Since: start.Add(time.Minute), Order: feed.OrderChanged}, []string{"late"}},
		{"since, inclusive", feed.ArticleFilter{Since: start, Order: feed.OrderChanged}, []string{"own", "ext", "late"}},
		{"tag in changed order", feed.ArticleFilter{Tags: []string{"alpha"}, Order: feed.OrderChanged}, []string{"own", "ext"}},
		{"tag and origin", feed.ArticleFilter{Tags: []string{"alpha"}, Origin: feed.OriginOwn}, []string{"own"}},
		{"query in published order", feed.ArticleFilter{Query: "story", Order: feed.OrderPublished}, []string{"late", "own"}},
	}
	for _, tt := range tests {
		if got := ids(t, db, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	bad := []feed.ArticleFilter{
		{Order: feed.OrderRank},
		{Order: "sideways"},
		{Cursor: "nonsense"},
		{Cursor: "YTF8eHh8MQ"}, // "a1|xx|1": another listing's
	}
	for _, f := range bad {
		if _, err := db.ArticlePage(ctx, f); !errors.Is(err, feed.ErrInvalid) {
			t.Errorf("%+v: got %v, want ErrInvalid", f, err)
		}
	}
	// A cursor belongs to its listing.
	p, err := db.ArticlePage(ctx, feed.ArticleFilter{Limit: 1, Order: feed.OrderChanged})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ArticlePage(ctx, feed.ArticleFilter{Cursor: p.NextCursor, Tags: []string{"alpha"}, Order: feed.OrderChanged}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("cursor of another listing: got %v, want ErrInvalid", err)
	}
	// A cursor does not go with an offset.
	if _, err := db.ArticlePage(ctx, feed.ArticleFilter{Cursor: p.NextCursor, Offset: 1, Order: feed.OrderChanged}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("cursor and offset: got %v, want ErrInvalid", err)
	}
}

// testLimitAndOffset checks the paging of feeds (RFC 5005 paged feeds ask
// for Limit articles after Offset) and the bounds on a page.
func (c *contract) testLimitAndOffset(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	n := feed.MaxLimit + 10
	var batch []feed.Article
	for i := range n {
		a := Article(fmt.Sprintf("a%03d", i), fmt.Sprintf("Story %d", i))
		a.Published = a.Published.Add(time.Duration(i) * time.Minute)
		batch = append(batch, a)
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	newest := func(from, count int) []string {
		var out []string
		for i := range count {
			out = append(out, fmt.Sprintf("a%03d", n-1-from-i))
		}
		return out
	}
	if got := ids(t, db, feed.ArticleFilter{}); !slices.Equal(got, newest(0, feed.DefaultLimit)) {
		t.Errorf("no limit: got %d articles from %s, want the newest %d", len(got), got[0], feed.DefaultLimit)
	}
	if got := ids(t, db, feed.ArticleFilter{Limit: 10, Offset: 20}); !slices.Equal(got, newest(20, 10)) {
		t.Errorf("limit 10, offset 20: got %q, want %q", got, newest(20, 10))
	}
	if got := ids(t, db, feed.ArticleFilter{Limit: 10, Offset: n - 3}); !slices.Equal(got, newest(n-3, 3)) {
		t.Errorf("the last page: got %q, want %q", got, newest(n-3, 3))
	}
	if got := ids(t, db, feed.ArticleFilter{Limit: 10, Offset: n}); len(got) != 0 {
		t.Errorf("past the end: got %q, want nothing", got)
	}
	if got := ids(t, db, feed.ArticleFilter{Limit: n}); len(got) != feed.MaxLimit {
		t.Errorf("limit %d: got %d articles, want the cap %d", n, len(got), feed.MaxLimit)
	}
	if got := ids(t, db, feed.ArticleFilter{Limit: 5, Offset: 2, Order: feed.OrderChanged}); !slices.Equal(got, []string{"a002", "a003", "a004", "a005", "a006"}) {
		t.Errorf("offset in changed order: got %q", got)
	}
}

func (c *contract) testDeleteArticle(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	a := Article("a1", "T", "x")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a1"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if _, err := db.Article(ctx, "a1"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("deleted article: got %v, want ErrNotFound", err)
	}
	tag, err := db.Tag(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if tag.Articles != 0 {
		t.Errorf("tag count after delete: got %d, want 0", tag.Articles)
	}
	if got := ids(t, db, feed.ArticleFilter{}); len(got) != 0 {
		t.Errorf("listing after delete: got %q, want nothing", got)
	}
}
