package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"herald/feed"
)

// The behaviour every engine must show is tested by the contract suite
// (storetest.Run, run from contract_test.go). The tests here are of this
// engine's internals: what it leaves in its tables, its files, its
// migrations and its search syntax.

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

// searchIDs returns the IDs of the articles f selects, in order.
func searchIDs(t *testing.T, db *DB, f feed.ArticleFilter) []string {
	t.Helper()
	arts, err := db.Articles(context.Background(), f)
	if err != nil {
		t.Fatalf("search %q: %v", f.Query, err)
	}
	ids := []string{}
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	return ids
}

// TestDeleteLeavesNoRows checks that deleting an article takes its search
// index rows and its version history with it; the contract suite checks
// what readers see (Search/IndexFollowsWrites, Versions/ArticleVersions).
func TestDeleteLeavesNoRows(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	a := article("a1", "Pipeline directive")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	a.Content = "<p>The refinery operators must report incidents.</p>"
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	rows := func(table string) int {
		t.Helper()
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		return n
	}
	tables := []string{"article_search", "article_versions"}
	for _, table := range tables {
		if n := rows(table); n != 1 {
			t.Fatalf("%s rows before deletion: got %d, want 1", table, n)
		}
	}
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if n := rows(table); n != 0 {
			t.Errorf("%s rows after deletion: got %d, want 0", table, n)
		}
	}
}

// TestBackup checks the file Backup writes: an SQLite database of its own
// that opens with the articles, and that Backup does not overwrite.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	a := article("a1", "T")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dst); err == nil {
		t.Errorf("a second backup to %s overwrote the first", dst)
	}
	cp, err := Open(ctx, dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if _, err := cp.Article(ctx, "a1"); err != nil {
		t.Errorf("backup lacks the article: %v", err)
	}
	if got, want := cp.Site(), db.Site(); got != want {
		t.Errorf("backup's site: got %+v, want %+v", got, want)
	}
}
