package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testArticles(t *testing.T) {
	t.Run("UpsertCreateUnchangedUpdated", c.testUpsertCreateUnchangedUpdated)
}

// article returns a valid own article with the given tags, published
// 2026-10-01 09:00 UTC.
func article(id, title string, tags ...string) feed.Article {
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
	a := article("a1", "First title", "cyber-diplomacy")
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
	again := article("a1", "First title", "cyber-diplomacy")
	if ch, err := db.UpsertArticle(ctx, &again); err != nil || ch != feed.Unchanged {
		t.Fatalf("re-upsert: got %v, %v; want unchanged", ch, err)
	}
	if !again.Updated.Equal(a.Updated) {
		t.Errorf("unchanged article's updated moved: got %v, want %v", again.Updated, a.Updated)
	}
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Errorf("version moved on an unchanged upsert: %d -> %d", v1, v2)
	}

	edited := article("a1", "Edited title", "cyber-diplomacy")
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
