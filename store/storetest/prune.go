package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testPrune(t *testing.T) {
	t.Run("Changes", c.testPruneChanges)
	t.Run("Tombstones", c.testPruneTombstones)
	t.Run("Versions", c.testPruneVersions)
}

// testPruneChanges checks that pruning removes the oldest entries of the
// change log, never the newest; that a cursor whose next entries were
// pruned is gone (and one whose next entries are all kept is not); and that
// walks of articles in OrderChanged, which hold revs, lose nothing.
func (c *contract) testPruneChanges(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	if n, err := db.PruneChanges(ctx, clk.T.Add(time.Hour), 0); err != nil || n != 0 {
		t.Fatalf("prune an empty log: got %d, %v; want 0", n, err)
	}
	start := clk.T
	arts := make([]feed.Article, 5)
	for i := range arts { // entries 1-5, an hour apart
		clk.T = start.Add(time.Duration(i) * time.Hour)
		arts[i] = Article(fmt.Sprintf("a%d", i+1), fmt.Sprintf("Article %d", i+1))
		if _, err := db.UpsertArticle(ctx, &arts[i]); err != nil {
			t.Fatal(err)
		}
	}
	walkStart, err := db.ArticlePage(ctx, feed.ArticleFilter{Order: feed.OrderChanged, Limit: 1})
	if err != nil || len(walkStart.Articles) != 1 || walkStart.Articles[0].ID != "a1" {
		t.Fatalf("first page in changed order: got %+v, %v", walkStart, err)
	}
	clk.T = start.AddDate(0, 0, 10)
	arts[0].Title = "Article 1, edited"
	if _, err := db.UpsertArticle(ctx, &arts[0]); err != nil { // entry 6
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a2"); err != nil { // entry 7
		t.Fatal(err)
	}
	// after[i] is the cursor after entry i+1.
	var after []string
	for cursor := ""; ; {
		page, err := db.Changes(ctx, cursor, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes) == 0 {
			break
		}
		cursor = page.NextCursor
		after = append(after, cursor)
	}
	if len(after) != 7 {
		t.Fatalf("change log: got %d entries, want 7", len(after))
	}

	// Entries 1-3 were made before 2:30.
	if n, err := db.PruneChanges(ctx, start.Add(150*time.Minute), 0); err != nil || n != 3 {
		t.Fatalf("prune before 2:30: got %d, %v; want 3", n, err)
	}
	want := []string{"created a4 v1", "created a5 v1", "updated a1 v2", "deleted a2 v0"}
	if got := changeLog(t, db); !slices.Equal(got, want) {
		t.Errorf("change log after pruning: got %q, want %q", got, want)
	}
	for i, tt := range []struct {
		cursor string
		gone   bool
	}{{after[0], true}, {after[1], true}, {after[2], false}, {after[4], false}, {after[6], false}} {
		page, err := db.Changes(ctx, tt.cursor, 10)
		switch {
		case tt.gone && !errors.Is(err, feed.ErrGone):
			t.Errorf("cursor %d, whose next entries were pruned: got %+v, %v; want ErrGone", i, page, err)
		case tt.gone && (errors.Is(err, feed.ErrInvalid) || !strings.Contains(err.Error(), "without a cursor")):
			t.Errorf("cursor %d: got %q, want only ErrGone, saying to start again without a cursor", i, err)
		case !tt.gone && err != nil:
			t.Errorf("cursor %d, whose next entries are kept: %v", i, err)
		}
	}
	// The walk in changed order goes on from its old cursor, skipping
	// nothing: a2 was deleted, a1 moved to the end.
	rest, err := db.ArticlePage(ctx, feed.ArticleFilter{Order: feed.OrderChanged, Cursor: walkStart.NextCursor})
	if err != nil {
		t.Fatalf("walk in changed order from a cursor older than the log: %v", err)
	}
	var got []string
	for _, a := range rest.Articles {
		got = append(got, a.ID)
	}
	if want := []string{"a3", "a4", "a5", "a1"}; !slices.Equal(got, want) {
		t.Errorf("rest of the walk in changed order: got %q, want %q", got, want)
	}

	// A bounded pass removes at most its limit; the newest entry stays.
	far := start.AddDate(1, 0, 0)
	for _, wantN := range []int{2, 1, 0} {
		if n, err := db.PruneChanges(ctx, far, 2); err != nil || n != wantN {
			t.Fatalf("prune at most 2: got %d, %v; want %d", n, err, wantN)
		}
	}
	if got, want := changeLog(t, db), []string{"deleted a2 v0"}; !slices.Equal(got, want) {
		t.Errorf("change log pruned to its newest entry: got %q, want %q", got, want)
	}
	if _, err := db.Changes(ctx, after[4], 10); !errors.Is(err, feed.ErrGone) {
		t.Errorf("cursor after entry 5: got %v, want ErrGone", err)
	}
	if page, err := db.Changes(ctx, after[5], 10); err != nil || len(page.Changes) != 1 {
		t.Errorf("cursor after entry 6: got %+v, %v; want the newest entry", page, err)
	}
	// New entries follow on.
	clk.Add(time.Hour)
	b := Article("b1", "Article b1")
	if _, err := db.UpsertArticle(ctx, &b); err != nil {
		t.Fatal(err)
	}
	page, err := db.Changes(ctx, after[6], 10)
	if err != nil || len(page.Changes) != 1 || page.Changes[0].ArticleID != "b1" {
		t.Errorf("changes after the newest pruned-to entry: got %+v, %v; want b1's creation", page, err)
	}
}

// testPruneTombstones checks that pruning removes the tombstones deleted
// before the time given, the oldest first.
func (c *contract) testPruneTombstones(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	start := clk.T
	for i := range 4 {
		a := Article(fmt.Sprintf("a%d", i+1), fmt.Sprintf("Article %d", i+1), "alpha")
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 { // deleted a day apart
		clk.T = start.AddDate(0, 0, i+1)
		if err := db.DeleteArticle(ctx, fmt.Sprintf("a%d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	left := func() []string {
		t.Helper()
		ts, err := db.Tombstones(ctx, feed.TombstoneFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, t := range ts {
			out = append(out, t.ArticleID)
		}
		return out
	}
	if n, err := db.PruneTombstones(ctx, start.AddDate(0, 0, 3), 1); err != nil || n != 1 {
		t.Fatalf("prune at most 1: got %d, %v; want 1", n, err)
	}
	if got, want := left(), []string{"a4", "a3", "a2"}; !slices.Equal(got, want) {
		t.Errorf("tombstones after pruning the oldest: got %q, want %q", got, want)
	}
	if n, err := db.PruneTombstones(ctx, start.AddDate(0, 0, 3), 0); err != nil || n != 1 {
		t.Fatalf("prune before day 3: got %d, %v; want 1", n, err)
	}
	if got, want := left(), []string{"a4", "a3"}; !slices.Equal(got, want) {
		t.Errorf("tombstones left: got %q, want %q", got, want)
	}
}

// testPruneVersions checks that pruning removes earlier versions replaced
// before the time given, but keeps each article's newest few, and always
// the newest, which holds when the current version was saved.
func (c *contract) testPruneVersions(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	start := clk.T
	// a1: version k (1-14) replaced on day k; version 15 current.
	a1 := Article("a1", "Title 1")
	if _, err := db.UpsertArticle(ctx, &a1); err != nil {
		t.Fatal(err)
	}
	// b1: versions 1 and 2 replaced in the first hours; version 3 current.
	b1 := Article("b1", "Other 1")
	if _, err := db.UpsertArticle(ctx, &b1); err != nil {
		t.Fatal(err)
	}
	for k := 2; k <= 3; k++ {
		clk.T = start.Add(time.Duration(k-1) * time.Hour)
		b1.Title, b1.Slug = fmt.Sprintf("Other %d", k), ""
		if _, err := db.UpsertArticle(ctx, &b1); err != nil {
			t.Fatal(err)
		}
	}
	for k := 2; k <= 15; k++ {
		clk.T = start.AddDate(0, 0, k-1)
		a1.Title, a1.Slug = fmt.Sprintf("Title %d", k), ""
		if _, err := db.UpsertArticle(ctx, &a1); err != nil {
			t.Fatal(err)
		}
	}
	versions := func(id string) []string {
		t.Helper()
		vs, err := db.ArticleVersions(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, fmt.Sprintf("%d saved+%v", v.Version, v.Saved.Sub(start)))
		}
		return out
	}
	prune := func(before time.Time, keep, limit, want int) {
		t.Helper()
		if n, err := db.PruneVersions(ctx, before, keep, limit); err != nil || n != want {
			t.Fatalf("prune before +%v keeping %d, at most %d: got %d, %v; want %d", before.Sub(start), keep, limit, n, err, want)
		}
	}
	// Replaced before day 3.5, and not among a1's 10 newest: 1, 2, 3. b1
	// has two earlier versions only.
	prune(start.Add(84*time.Hour), 10, 0, 3)
	if got := versions("a1"); len(got) != 12 || !strings.HasPrefix(got[11], "4 ") {
		t.Errorf("a1 after pruning versions 1-3: got %q, want 15 down to 4", got)
	}
	far := start.AddDate(1, 0, 0)
	prune(far, 10, 1, 1) // a1's version 4
	prune(far, 10, 1, 0)
	if got := versions("b1"); len(got) != 3 {
		t.Errorf("b1, with fewer versions than kept: got %q, want all 3", got)
	}
	// Keeping none still keeps the newest earlier version of each.
	prune(far, 0, 0, 10)
	if got, want := versions("a1"), []string{"15 saved+336h0m0s", "14 saved+312h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("a1 pruned to the least: got %q, want %q", got, want)
	}
	if got, want := versions("b1"), []string{"3 saved+2h0m0s", "2 saved+1h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("b1 pruned to the least: got %q, want %q", got, want)
	}
}
