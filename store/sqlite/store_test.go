package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"herald/feed"
)

// clock is a settable fake clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openTest(t *testing.T, opt Options) (*DB, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	if opt.Now == nil {
		opt.Now = c.now
	}
	if opt.Authority == "" {
		opt.Authority = "news.example.org"
	}
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, c
}

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

func TestUpsertValidation(t *testing.T) {
	db, _ := openTest(t, Options{})
	bad := article("a/1", "")
	_, err := db.UpsertArticles(context.Background(), []feed.Article{article("ok", "fine"), bad})
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

func TestArticlesByTags(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	var batch []feed.Article
	for i, tags := range [][]string{{"a"}, {"a", "b"}, {"b"}, {"a", "b", "c"}} {
		x := article(string(rune('p'+i)), "Title", tags...)
		x.Published = x.Published.Add(time.Duration(i) * time.Hour)
		batch = append(batch, x)
	}
	ext := article("x1", "External")
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

func TestTagRenameKeepsOldSlug(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{SeedTags: []feed.Tag{{Slug: "cyber", Name: "Cyber", Rule: "cyber*"}}})
	a := article("a1", "T", "cyber")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	newSlug := "cyber-policy"
	tag, err := db.UpdateTag(ctx, "cyber", feed.TagUpdate{Slug: &newSlug})
	if err != nil {
		t.Fatal(err)
	}
	if tag.Slug != newSlug || tag.Articles != 1 || tag.Rule != "cyber*" {
		t.Errorf("renamed tag: got %+v", tag)
	}
	old, err := db.Tag(ctx, "cyber")
	if err != nil || old.Slug != newSlug {
		t.Fatalf("old slug: got %+v, %v; want the renamed tag", old, err)
	}
	// An article still tagged with the old slug lands on the renamed tag.
	b := article("b1", "T", "cyber")
	if _, err := db.UpsertArticle(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if got := b.TagSlugs(); !slices.Equal(got, []string{newSlug}) {
		t.Errorf("tags: got %v, want [%s]", got, newSlug)
	}
	if err := db.CreateTag(ctx, feed.Tag{Slug: "cyber", Name: "Again"}); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("reusing an old slug: got %v, want ErrConflict", err)
	}
	if err := db.CreateTag(ctx, feed.Tag{Slug: "Bad Slug", Name: "x"}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("bad slug: got %v, want ErrInvalid", err)
	}
	back := "cyber"
	if _, err := db.UpdateTag(ctx, newSlug, feed.TagUpdate{Slug: &back}); err != nil {
		t.Fatalf("renaming back: %v", err)
	}
	if err := db.DeleteTag(ctx, "cyber"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Tag(ctx, "cyber-policy"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("alias outlived its tag: %v", err)
	}
}

func TestSeedTagsOnlyOnCreate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	seed := []feed.Tag{{Slug: "one", Name: "One"}}
	db, err := Open(ctx, path, Options{SeedTags: seed})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTag(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path, Options{SeedTags: seed})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tags, err := db.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 0 {
		t.Errorf("deleted seed tag came back: %+v", tags)
	}
}

func TestRetagArticles(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	a := article("a1", "Cyber talks", "hand")
	b := article("b1", "Other")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Article(ctx, "a1")
	n, err := db.RetagArticles(ctx, func(x *feed.Article) {
		if x.Title == "Cyber talks" {
			x.Tags = append(x.HandTags(), feed.ArticleTag{Slug: "cyber", Rule: "cyber", Matched: []string{"cyber"}})
		}
	})
	if err != nil || n != 1 {
		t.Fatalf("got %d, %v; want 1 changed", n, err)
	}
	got, _ := db.Article(ctx, "a1")
	want := []feed.ArticleTag{{Slug: "hand"}, {Slug: "cyber", Rule: "cyber", Matched: []string{"cyber"}}}
	if len(got.Tags) != 2 || got.Tags[0].Slug != want[0].Slug || got.Tags[1].Rule != "cyber" || !slices.Equal(got.Tags[1].Matched, want[1].Matched) {
		t.Errorf("tags: got %+v, want %+v", got.Tags, want)
	}
	if !got.Updated.Equal(before.Updated) {
		t.Errorf("retag moved updated: %v -> %v", before.Updated, got.Updated)
	}
	if n, err := db.RetagArticles(ctx, func(*feed.Article) {}); err != nil || n != 0 {
		// The func leaves tags as loaded, so nothing changes.
		t.Errorf("idempotent retag: got %d, %v; want 0", n, err)
	}
}

func TestDeleteArticle(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	a := article("a1", "T", "x")
	db.UpsertArticle(ctx, &a)
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a1"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if tag, _ := db.Tag(ctx, "x"); tag.Articles != 0 {
		t.Errorf("tag count after delete: got %d, want 0", tag.Articles)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	secret, hash := feed.NewTokenSecret()
	tok, err := db.CreateToken(ctx, "newsroom", hash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(ctx, "newsroom", []byte("other")); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("duplicate name: got %v, want ErrConflict", err)
	}
	clk.t = clk.t.Add(time.Hour)
	got, err := db.Authenticate(ctx, feed.HashToken(secret))
	if err != nil || got.ID != tok.ID {
		t.Fatalf("authenticate: got %+v, %v", got, err)
	}
	if _, err := db.Authenticate(ctx, feed.HashToken(secret+"x")); !errors.Is(err, feed.ErrUnauthorized) {
		t.Errorf("wrong secret: got %v, want ErrUnauthorized", err)
	}
	list, _ := db.Tokens(ctx)
	if len(list) != 1 || !list[0].LastUsed.Equal(clk.t) {
		t.Errorf("tokens: got %+v, want last used %v", list, clk.t)
	}
	if err := db.RevokeToken(ctx, "newsroom"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, hash); !errors.Is(err, feed.ErrUnauthorized) {
		t.Errorf("revoked: got %v, want ErrUnauthorized", err)
	}
	if err := db.RevokeToken(ctx, "newsroom"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("revoking twice: got %v, want ErrNotFound", err)
	}
}

func TestVersionSeenAcrossHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	one, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	v1, _ := one.Version(ctx)
	a := article("a1", "T")
	if _, err := two.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if v2, _ := one.Version(ctx); v2 <= v1 {
		t.Errorf("another handle's write not seen: %d -> %d", v1, v2)
	}
}

func TestBackup(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	a := article("a1", "T")
	db.UpsertArticle(ctx, &a)
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(ctx, dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if _, err := cp.Article(ctx, "a1"); err != nil {
		t.Errorf("backup lacks the article: %v", err)
	}
}

// One batch may name an article twice; the second wins and nothing breaks.
func TestUpsertSameArticleTwiceInABatch(t *testing.T) {
	db, _ := openTest(t, Options{})
	a := article("a1", "First", "x")
	b := article("a1", "Second", "x", "y")
	changes, err := db.UpsertArticles(context.Background(), []feed.Article{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if changes[0] != feed.Created || changes[1] != feed.Updated {
		t.Errorf("got %v, want [created updated]", changes)
	}
	got, _ := db.Article(context.Background(), "a1")
	if got.Title != "Second" || !slices.Equal(got.TagSlugs(), []string{"x", "y"}) {
		t.Errorf("got %q %v", got.Title, got.TagSlugs())
	}
}
