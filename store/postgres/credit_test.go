package postgres_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"herald/feed"
	"herald/store/postgres"
	"herald/store/storetest"
)

// TestCreditsMigration checks what the migration that made credits does to
// a database holding two copies of one item, stored by two sources before
// items were matched: each keeps a credit of its own source, the first
// stored holds the item's keys, and a third source carrying the item
// credits that one.
func TestCreditsMigration(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	before := fstest.MapFS{}
	err := fs.WalkDir(postgres.Migrations, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_credits.sql") {
			return err
		}
		b, err := fs.ReadFile(postgres.Migrations, path)
		before[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	opt := postgres.Options{Authority: "news.example.org", Now: func() time.Time { return now }}
	old, err := postgres.OpenFS(ctx, u, opt, before)
	if err != nil {
		t.Fatal(err)
	}
	var srcs []*feed.Source
	for _, url := range []string{"https://a.example/feed", "https://b.example/feed", "https://c.example/feed"} {
		s, err := old.CreateSource(ctx, feed.Source{URL: url, Name: url, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s)
	}
	item := func(s *feed.Source, id string) feed.Article {
		return feed.Article{ID: id, Title: "Release", Content: "<p>Release</p>", Published: now, Updated: now,
			URL: "https://a.example/r/1", Origin: feed.OriginExternal,
			Provenance: &feed.Provenance{SourceID: s.ID, SourceName: s.Name, FeedURL: s.URL, Link: "https://a.example/r/1/", OriginalID: "r-1"}}
	}
	// The duplicates herald stored before: one item, an article per source.
	if _, err := old.UpsertArticles(ctx, []feed.Article{item(srcs[0], "src1-x"), item(srcs[1], "src2-x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Pool().Exec(ctx, `UPDATE articles SET source_id = (provenance->>'source_id')::bigint`); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db, err := postgres.OpenFS(ctx, u, opt, postgres.Migrations)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, tc := range []struct {
		id   string
		want []int64
	}{{"src1-x", []int64{srcs[0].ID}}, {"src2-x", []int64{srcs[1].ID}}} {
		credits, err := db.Credits(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range credits {
			got = append(got, c.SourceID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("credits of %s: got %v, want %v", tc.id, got, tc.want)
		}
	}
	var owner string
	if err := db.Pool().QueryRow(ctx, `SELECT article_id FROM article_keys WHERE key = 'link:a.example/r/1'`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != "src1-x" {
		t.Errorf("the link's key is held by %s, want the first stored, src1-x", owner)
	}
	c := srcs[2]
	if _, err := db.RecordPoll(ctx, c.URL, *c, []feed.Article{item(c, "src3-x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Article(ctx, "src3-x"); err == nil {
		t.Error("a third source's copy was stored as an article of its own")
	}
	if credits, _ := db.Credits(ctx, "src1-x"); len(credits) != 2 || credits[1].SourceID != c.ID {
		t.Errorf("credits of src1-x after a third source's poll: got %+v, want its source's and %d", credits, c.ID)
	}
}
