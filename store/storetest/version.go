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

func (c *contract) testVersions(t *testing.T) {
	t.Run("ArticleVersions", c.testArticleVersions)
	t.Run("OnContentEditOnly", c.testVersionsOnContentEditOnly)
}

func (c *contract) testArticleVersions(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	start := clk.T
	a := Article("a1", "First title")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	for i, title := range []string{"Second title", "Third title"} {
		clk.T = start.Add(time.Duration(i+1) * time.Hour)
		a.Title, a.Slug = title, ""
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	// Neither a new slug nor new tags make a version.
	clk.T = start.Add(3 * time.Hour)
	a.Slug = "another-slug"
	a.Tags = []feed.ArticleTag{{Slug: "alpha"}}
	if c, err := db.UpsertArticle(ctx, &a); err != nil || c != feed.Updated {
		t.Fatalf("slug and tags: got %v, %v", c, err)
	}
	vs, err := db.ArticleVersions(ctx, "a1", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprintf("%d %t %s saved+%v replaced+%v", v.Version, v.Current, v.Article.Title,
			v.Saved.Sub(start), max(v.Replaced.Sub(start), 0)))
	}
	want := []string{
		"3 true Third title saved+2h0m0s replaced+0s",
		"2 false Second title saved+1h0m0s replaced+2h0m0s",
		"1 false First title saved+0s replaced+1h0m0s",
	}
	if !slices.Equal(got, want) {
		t.Errorf("versions:\n got %q\nwant %q", got, want)
	}
	if vs[0].ContentHash == vs[1].ContentHash || vs[1].ContentHash == vs[2].ContentHash || len(vs[0].ContentHash) != 64 {
		t.Errorf("content hashes: %s %s %s", vs[0].ContentHash, vs[1].ContentHash, vs[2].ContentHash)
	}
	if vs[2].Article.Content != a.Content || vs[2].Article.GUID != a.GUID || len(vs[2].Article.Tags) != 0 {
		t.Errorf("first version: got %+v", vs[2].Article)
	}
	if two, _ := db.ArticleVersions(ctx, "a1", 2); len(two) != 2 || two[0].Version != 3 {
		t.Errorf("limit 2: got %d versions", len(two))
	}
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ArticleVersions(ctx, "a1", 0); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("versions of a deleted article: got %v, want ErrNotFound", err)
	}
	// That the history's rows went with it is each engine's white-box test.
}

// testVersionsOnContentEditOnly checks which writes keep a version: an
// edit of any field of the content does; a new slug, new tags, a retag, a
// renamed tag, an unchanged upsert and a new time of the source feed
// (which moves at every fetch) do not. The change log names the same
// version numbers.
func (c *contract) testVersionsOnContentEditOnly(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "Title", "alpha")
	a.Origin = feed.OriginExternal
	a.Provenance = &feed.Provenance{SourceName: "Agency", FeedURL: "https://agency.example/feed", OriginalID: "1",
		FeedUpdated: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		vs, err := db.ArticleVersions(ctx, "a1", feed.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		if vs[0].Version != len(vs) || !vs[0].Current {
			t.Errorf("current version: got %d (current %t) of %d", vs[0].Version, vs[0].Current, len(vs))
		}
		return len(vs)
	}
	// Each of these is an edit of the content.
	edits := []struct {
		field string
		edit  func(*feed.Article)
	}{
		{"title", func(a *feed.Article) { a.Title = "Another title" }},
		{"summary", func(a *feed.Article) { a.Summary = "Another summary" }},
		{"content", func(a *feed.Article) { a.Content = "<p>Another body</p>" }},
		{"authors", func(a *feed.Article) { a.Authors = append(a.Authors, "Ben Editor") }},
		{"published", func(a *feed.Article) { a.Published = a.Published.Add(time.Hour) }},
		{"url", func(a *feed.Article) { a.URL = "https://agency.example/a1" }},
		{"language", func(a *feed.Article) { a.Language = "fr" }},
		{"provenance", func(a *feed.Article) { p := *a.Provenance; p.Link = "https://agency.example/l/1"; a.Provenance = &p }},
		{"origin", func(a *feed.Article) { a.Origin = feed.OriginOwn }},
	}
	want := 1
	for _, e := range edits {
		clk.Add(time.Minute)
		e.edit(&a)
		a.Updated = time.Time{}
		if ch, err := db.UpsertArticle(ctx, &a); err != nil || ch != feed.Updated {
			t.Fatalf("edit of %s: got %v, %v; want updated", e.field, ch, err)
		}
		want++
		if got := count(); got != want {
			t.Errorf("after an edit of %s: %d versions, want %d", e.field, got, want)
		}
	}
	// None of these is.
	a.Origin = feed.OriginExternal
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	want++
	same := []struct {
		what   string
		change feed.Change
		write  func() error
	}{
		{"an unchanged upsert", feed.Unchanged, func() error { b := a; _, err := db.UpsertArticle(ctx, &b); return err }},
		{"a new feed time", feed.Unchanged, func() error {
			b := a
			p := *a.Provenance
			p.FeedUpdated = p.FeedUpdated.Add(24 * time.Hour)
			b.Provenance = &p
			ch, err := db.UpsertArticle(ctx, &b)
			if err == nil && ch != feed.Unchanged {
				err = fmt.Errorf("got %v, want unchanged", ch)
			}
			return err
		}},
		{"a new slug", feed.Updated, func() error { b := a; b.Slug = "new-slug"; _, err := db.UpsertArticle(ctx, &b); return err }},
		{"new tags", feed.Updated, func() error {
			b := a
			b.Tags = []feed.ArticleTag{{Slug: "beta"}}
			_, err := db.UpsertArticle(ctx, &b)
			return err
		}},
		{"a retag", feed.Updated, func() error {
			_, err := db.RetagArticles(ctx, func(x *feed.Article) { x.Tags = append(x.Tags, feed.ArticleTag{Slug: "gamma"}) })
			return err
		}},
		{"a renamed tag", feed.Updated, func() error {
			slug := "gamma-2"
			_, err := db.UpdateTag(ctx, "gamma", feed.TagUpdate{Slug: &slug})
			return err
		}},
	}
	for _, s := range same {
		clk.Add(time.Minute)
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if got := count(); got != want {
			t.Errorf("after %s: %d versions, want %d", s.what, got, want)
		}
	}
	// The change log names the same versions.
	page, err := db.Changes(ctx, "", feed.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, ch := range page.Changes {
		versions = append(versions, ch.Version)
	}
	wantLog := []int{1}
	for v := 2; v <= want; v++ {
		wantLog = append(wantLog, v)
	}
	wantLog = append(wantLog, want, want, want, want) // slug, tags, retag, rename
	if !slices.Equal(versions, wantLog) {
		t.Errorf("versions in the change log: got %v, want %v", versions, wantLog)
	}
}
