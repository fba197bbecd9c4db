package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/feed"
)

func changeLog(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, err := db.Changes(context.Background(), cursor, 2) // small pages: the cursor is exercised
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			out = append(out, fmt.Sprintf("%s %s v%d", c.Change, c.ArticleID, c.Version))
		}
		if !page.More {
			if page.NextCursor == "" && len(out) > 0 {
				t.Errorf("last page of the log has no cursor to poll from")
			}
			return out
		}
		cursor = page.NextCursor
	}
}

func TestChangesAndTombstones(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	a1 := article("a1", "Grid drill", "alpha", "beta")
	a2 := article("a2", "Water advisory", "alpha")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a1, a2}); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(time.Hour)
	a1.Content = "<p>An edited body.</p>"
	if _, err := db.UpsertArticle(ctx, &a1); err != nil { // content: version 2
		t.Fatal(err)
	}
	a2.Tags = append(a2.Tags, feed.ArticleTag{Slug: "gamma"})
	if _, err := db.UpsertArticle(ctx, &a2); err != nil { // tags only: still version 1
		t.Fatal(err)
	}
	again := article("a2", "Water advisory", "alpha", "gamma")
	if c, err := db.UpsertArticle(ctx, &again); err != nil || c != feed.Unchanged { // logs nothing
		t.Fatalf("unchanged upsert: got %v, %v", c, err)
	}
	clk.t = clk.t.Add(time.Hour)
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a1"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	want := []string{"created a1 v1", "created a2 v1", "updated a1 v2", "updated a2 v1", "deleted a1 v0"}
	if got := changeLog(t, db); !slices.Equal(got, want) {
		t.Errorf("change log: got %q, want %q", got, want)
	}
	page, _ := db.Changes(ctx, "", 10)
	del := page.Changes[len(page.Changes)-1]
	if del.GUID != a1.GUID || !del.At.Equal(clk.t) || del.ContentHash != "" {
		t.Errorf("deletion entry: got %+v, want guid %s at %v and no hash", del, a1.GUID, clk.t)
	}
	if page.Changes[0].ContentHash == page.Changes[2].ContentHash {
		t.Errorf("the edit kept the content hash %s", page.Changes[0].ContentHash)
	}
	if _, err := db.Changes(ctx, "bm90LWEtY3Vyc29y", 10); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("bad cursor: got %v, want ErrInvalid", err)
	}

	// The tombstone is found by the tags the article had.
	for _, tt := range []struct {
		tags []string
		want int
	}{{nil, 1}, {[]string{"alpha"}, 1}, {[]string{"alpha", "beta"}, 1}, {[]string{"gamma"}, 0}} {
		got, err := db.Tombstones(ctx, feed.TombstoneFilter{Tags: tt.tags})
		if err != nil || len(got) != tt.want {
			t.Errorf("tombstones of %q: got %+v, %v; want %d", tt.tags, got, err, tt.want)
		}
	}
	ts, _ := db.Tombstones(ctx, feed.TombstoneFilter{})
	if len(ts) != 1 || ts[0].GUID != a1.GUID || ts[0].ArticleID != "a1" || !slices.Equal(ts[0].Tags, []string{"alpha", "beta"}) || !ts[0].Deleted.Equal(clk.t) {
		t.Errorf("tombstone: got %+v", ts)
	}
	if got, _ := db.Tombstones(ctx, feed.TombstoneFilter{Since: clk.t.Add(time.Second)}); len(got) != 0 {
		t.Errorf("tombstones since after the deletion: got %+v, want none", got)
	}
	// Created again the same day, a1 has its old GUID back: no tombstone.
	back := article("a1", "Grid drill")
	if _, err := db.UpsertArticle(ctx, &back); err != nil {
		t.Fatal(err)
	}
	if back.GUID != a1.GUID {
		t.Fatalf("GUID of the article created again: got %s, want %s", back.GUID, a1.GUID)
	}
	if got, _ := db.Tombstones(ctx, feed.TombstoneFilter{}); len(got) != 0 {
		t.Errorf("tombstone of an article that is back: %+v", got)
	}
}

func TestRetagLogsChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	a := article("a1", "Grid drill")
	b := article("b1", "Water advisory")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	n, err := db.RetagArticles(ctx, func(a *feed.Article) {
		if a.ID == "b1" {
			a.Tags = []feed.ArticleTag{{Slug: "water"}}
		}
	})
	if err != nil || n != 1 {
		t.Fatalf("retag: got %d, %v", n, err)
	}
	if got, want := changeLog(t, db), []string{"created a1 v1", "created b1 v1", "updated b1 v1"}; !slices.Equal(got, want) {
		t.Errorf("change log: got %q, want %q", got, want)
	}
	// A poller in changed order sees b1 again, last.
	if got := searchIDs(t, db, feed.ArticleFilter{Order: feed.OrderChanged}); !slices.Equal(got, []string{"a1", "b1"}) {
		t.Errorf("changed order: got %q, want [a1 b1]", got)
	}
}

func TestArticleVersions(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	start := clk.t
	a := article("a1", "First title")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	for i, title := range []string{"Second title", "Third title"} {
		clk.t = start.Add(time.Duration(i+1) * time.Hour)
		a.Title, a.Slug = title, ""
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	// Neither a new slug nor new tags make a version.
	clk.t = start.Add(3 * time.Hour)
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
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM article_versions`).Scan(&n); err != nil || n != 0 {
		t.Errorf("history rows after deletion: got %d, %v; want 0", n, err)
	}
}

func TestListingFilters(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	start := clk.t
	own := article("own", "Own story", "alpha")
	ext := article("ext", "Press release", "alpha")
	ext.Origin = feed.OriginExternal
	ext.Provenance = &feed.Provenance{SourceID: 7, SourceName: "Agency", FeedURL: "https://agency.example/feed", OriginalID: "1"}
	if _, err := db.UpsertArticles(ctx, []feed.Article{own, ext}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO sources (id, url, name, created) VALUES (7, 'https://agency.example/feed', 'Agency', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `UPDATE articles SET source_id = 7 WHERE id = 'ext'`); err != nil {
		t.Fatal(err)
	}
	clk.t = start.Add(time.Hour)
	late := article("late", "Later story", "beta")
	if _, err := db.UpsertArticle(ctx, &late); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    feed.ArticleFilter
		want []string
	}{
		{"source", feed.ArticleFilter{Source: 7}, []string{"ext"}},
		{"other source", feed.ArticleFilter{Source: 8}, []string{}},
		{"since", feed.ArticleFilter{Since: start.Add(time.Minute), Order: feed.OrderChanged}, []string{"late"}},
		{"since, inclusive", feed.ArticleFilter{Since: start, Order: feed.OrderChanged}, []string{"own", "ext", "late"}},
		{"tag in changed order", feed.ArticleFilter{Tags: []string{"alpha"}, Order: feed.OrderChanged}, []string{"own", "ext"}},
		{"tag and origin", feed.ArticleFilter{Tags: []string{"alpha"}, Origin: feed.OriginOwn}, []string{"own"}},
		{"query in published order", feed.ArticleFilter{Query: "story", Order: feed.OrderPublished}, []string{"late", "own"}},
	}
	for _, tt := range tests {
		if got := searchIDs(t, db, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	bad := []feed.ArticleFilter{
		{Order: feed.OrderRank},
		{Order: "sideways"},
		{Cursor: "nonsense"},
		{Cursor: "YTF8eHh8MQ"}, // "a1|xxx|1": another listing's
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
}

// TestCursorWalkWhileInserting walks the polling order with small pages
// while another goroutine inserts articles, some dated before the ones
// there at the start. Every article is seen exactly once, those there at
// the start and those added during the walk.
func TestCursorWalkWhileInserting(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	const initial, added = 150, 100
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []feed.Article
	for i := range initial {
		a := article(fmt.Sprintf("old-%03d", i), fmt.Sprintf("Old story %d", i))
		a.Published = base.Add(time.Duration(i) * time.Hour)
		batch = append(batch, a)
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, order := range []feed.ArticleOrder{feed.OrderChanged, feed.OrderPublished} {
		t.Run(string(order), func(t *testing.T) {
			var wg sync.WaitGroup
			done := make(chan struct{})
			inserted := make(chan struct{}, 1)
			wg.Go(func() {
				defer close(done)
				for i := range added {
					a := article(fmt.Sprintf("new-%s-%03d", order, i), "New story")
					// Half newer than everything, half in the middle.
					a.Published = base.Add(time.Duration(initial+i) * time.Hour)
					if i%2 == 1 {
						a.Published = base.Add(time.Duration(i) * time.Hour).Add(time.Minute)
					}
					if _, err := db.UpsertArticle(ctx, &a); err != nil {
						t.Error(err)
						return
					}
					select {
					case inserted <- struct{}{}:
					default:
					}
				}
			})
			seen := map[string]int{}
			f := feed.ArticleFilter{Order: order, Limit: 7}
			finished, during := false, 0
			for pages := 0; ; pages++ {
				if pages > 10*(initial+added) {
					t.Fatal("the walk does not end")
				}
				select {
				case <-done:
					finished = true
				default:
				}
				p, err := db.ArticlePage(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if !finished {
					during++
				}
				for _, a := range p.Articles {
					seen[a.ID]++
				}
				f.Cursor = p.NextCursor
				// Done when a page read after the last insert is the end.
				if finished && !p.More {
					break
				}
				if !p.More { // caught up: wait for the next insert
					select {
					case <-inserted:
					case <-done:
					}
				}
			}
			wg.Wait()
			t.Logf("%d pages read while articles were being added", during)
			if during == 0 {
				t.Error("the walk did not overlap the inserts: this test proved nothing")
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
			for i := range initial {
				if id := fmt.Sprintf("old-%03d", i); seen[id] != 1 {
					t.Errorf("%s, there at the start, seen %d times", id, seen[id])
				}
			}
			if order == feed.OrderChanged {
				for i := range added {
					if id := fmt.Sprintf("new-%s-%03d", order, i); seen[id] != 1 {
						t.Errorf("%s, added during the walk, seen %d times", id, seen[id])
					}
				}
			}
		})
	}
}

// Renaming or deleting a tag changes how its articles look: each is logged
// as updated and moves to the end of the polling order.
func TestTagRenameAndDeleteLogChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	arts := []feed.Article{article("a1", "One", "grid"), article("b1", "Two"), article("c1", "Three", "grid")}
	if _, err := db.UpsertArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	renamed := "power-grid"
	if _, err := db.UpdateTag(ctx, "grid", feed.TagUpdate{Slug: &renamed}); err != nil {
		t.Fatal(err)
	}
	name := "Power grid"
	if _, err := db.UpdateTag(ctx, renamed, feed.TagUpdate{Name: &name}); err != nil {
		t.Fatal(err) // a new name alone shows in no article: nothing logged
	}
	want := []string{"created a1 v1", "created b1 v1", "created c1 v1", "updated a1 v1", "updated c1 v1"}
	if got := changeLog(t, db); !slices.Equal(got, want) {
		t.Errorf("after rename: got %q, want %q", got, want)
	}
	if got := searchIDs(t, db, feed.ArticleFilter{Order: feed.OrderChanged}); !slices.Equal(got, []string{"b1", "a1", "c1"}) {
		t.Errorf("changed order after rename: got %q, want [b1 a1 c1]", got)
	}
	if err := db.DeleteTag(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	want = append(want, "updated a1 v1", "updated c1 v1")
	if got := changeLog(t, db); !slices.Equal(got, want) {
		t.Errorf("after delete: got %q, want %q", got, want)
	}
	if err := db.DeleteTag(ctx, renamed); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("deleting twice: got %v, want ErrNotFound", err)
	}
}
