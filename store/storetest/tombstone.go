package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testTombstones(t *testing.T) {
	t.Run("Filters", c.testTombstoneFilters)
	t.Run("FollowTags", c.testTombstonesFollowTags)
	t.Run("CreatedAgainLater", c.testTombstoneCreatedAgainLater)
}

// tombstoneFixture stores five articles and deletes four, an hour apart:
// t1 (alpha, own), t2 (alpha and beta, external), t3 (beta, own), t4 (no
// tags, own); keep (alpha) stays. It returns the time of the first
// deletion.
func (c *contract) tombstoneFixture(t *testing.T) (store.DB, *Clock, time.Time) {
	t.Helper()
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	ext := Article("t2", "Two", "alpha", "beta")
	ext.Origin = feed.OriginExternal
	ext.Provenance = &feed.Provenance{SourceName: "Agency", FeedURL: "https://agency.example/feed", OriginalID: "2"}
	arts := []feed.Article{Article("t1", "One", "alpha"), ext, Article("t3", "Three", "beta"), Article("t4", "Four"), Article("keep", "Kept", "alpha")}
	if _, err := db.UpsertArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	first := clk.T.Add(time.Hour)
	for _, id := range []string{"t1", "t2", "t3", "t4"} {
		clk.Add(time.Hour)
		if err := db.DeleteArticle(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	return db, clk, first
}

// tombstoneIDs returns the article IDs of the tombstones f selects, in order.
func tombstoneIDs(t *testing.T, db store.DB, f feed.TombstoneFilter) []string {
	t.Helper()
	ts, err := db.Tombstones(context.Background(), f)
	if err != nil {
		t.Fatalf("tombstones %+v: %v", f, err)
	}
	out := []string{}
	for _, x := range ts {
		out = append(out, x.ArticleID)
	}
	return out
}

// testTombstoneFilters checks the selection that an Atom feed's
// at:deleted-entry elements are built from: by tags, origin and time, the
// latest deleted first, bounded by a limit.
func (c *contract) testTombstoneFilters(t *testing.T) {
	db, _, first := c.tombstoneFixture(t)
	for _, tt := range []struct {
		name string
		f    feed.TombstoneFilter
		want []string
	}{
		{"all", feed.TombstoneFilter{}, []string{"t4", "t3", "t2", "t1"}},
		{"alpha", feed.TombstoneFilter{Tags: []string{"alpha"}}, []string{"t2", "t1"}},
		{"alpha and beta", feed.TombstoneFilter{Tags: []string{"beta", "alpha"}}, []string{"t2"}},
		{"beta", feed.TombstoneFilter{Tags: []string{"beta"}}, []string{"t3", "t2"}},
		{"unknown tag", feed.TombstoneFilter{Tags: []string{"nope"}}, []string{}},
		{"external", feed.TombstoneFilter{Origin: feed.OriginExternal}, []string{"t2"}},
		{"own alpha", feed.TombstoneFilter{Tags: []string{"alpha"}, Origin: feed.OriginOwn}, []string{"t1"}},
		{"since, inclusive", feed.TombstoneFilter{Since: first.Add(time.Hour)}, []string{"t4", "t3", "t2"}},
		{"limit", feed.TombstoneFilter{Limit: 2}, []string{"t4", "t3"}},
	} {
		if got := tombstoneIDs(t, db, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	ts, err := db.Tombstones(context.Background(), feed.TombstoneFilter{Origin: feed.OriginExternal})
	if err != nil || len(ts) != 1 {
		t.Fatalf("external: got %+v, %v", ts, err)
	}
	tags := slices.Sorted(slices.Values(ts[0].Tags))
	if x := ts[0]; x.Origin != feed.OriginExternal || !slices.Equal(tags, []string{"alpha", "beta"}) || !x.Deleted.Equal(first.Add(time.Hour)) || x.GUID == "" {
		t.Errorf("tombstone of t2: got %+v", x)
	}
}

// testTombstonesFollowTags checks that tombstones follow their tags: a
// renamed tag finds them by its new slug, and a deleted tag leaves them.
func (c *contract) testTombstonesFollowTags(t *testing.T) {
	ctx := context.Background()
	db, _, _ := c.tombstoneFixture(t)
	renamed := "alpha-renamed"
	if _, err := db.UpdateTag(ctx, "alpha", feed.TagUpdate{Slug: &renamed}); err != nil {
		t.Fatal(err)
	}
	if got := tombstoneIDs(t, db, feed.TombstoneFilter{Tags: []string{renamed}}); !slices.Equal(got, []string{"t2", "t1"}) {
		t.Errorf("by the new slug: got %q, want [t2 t1]", got)
	}
	if err := db.DeleteTag(ctx, "beta"); err != nil {
		t.Fatal(err)
	}
	if got := tombstoneIDs(t, db, feed.TombstoneFilter{Tags: []string{"beta"}}); len(got) != 0 {
		t.Errorf("by a deleted tag: got %q, want nothing", got)
	}
	ts, err := db.Tombstones(ctx, feed.TombstoneFilter{})
	if err != nil || len(ts) != 4 {
		t.Fatalf("all: got %+v, %v; want the 4 tombstones still", ts, err)
	}
	tags := map[string][]string{}
	for _, x := range ts {
		tags[x.ArticleID] = x.Tags
	}
	if !slices.Equal(tags["t1"], []string{renamed}) || !slices.Equal(tags["t2"], []string{renamed}) || len(tags["t3"]) != 0 || len(tags["t4"]) != 0 {
		t.Errorf("tags of the tombstones: got %q, want t1 and t2 under %s, t3 and t4 none", tags, renamed)
	}
}

// testTombstoneCreatedAgainLater checks that an ID used again on a later
// day is a new article, with a GUID of its own, so that the tombstone of
// the first stays true.
func (c *contract) testTombstoneCreatedAgainLater(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "First life", "alpha")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	clk.Add(48 * time.Hour)
	b := Article("a1", "Second life", "alpha")
	if ch, err := db.UpsertArticle(ctx, &b); err != nil || ch != feed.Created {
		t.Fatalf("created again: got %v, %v; want created", ch, err)
	}
	if b.GUID == a.GUID || b.GUID == "" {
		t.Errorf("GUID of the article created again on a later day: got %q, want a new one (the first was %q)", b.GUID, a.GUID)
	}
	ts, err := db.Tombstones(ctx, feed.TombstoneFilter{Tags: []string{"alpha"}})
	if err != nil || len(ts) != 1 || ts[0].GUID != a.GUID {
		t.Errorf("tombstones: got %+v, %v; want the first life's", ts, err)
	}
	if got := changeLog(t, db); !slices.Equal(got, []string{"created a1 v1", "deleted a1 v0", "created a1 v1"}) {
		t.Errorf("change log: got %q", got)
	}
}
