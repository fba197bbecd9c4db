package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testChanges(t *testing.T) {
	t.Run("ChangesAndTombstones", c.testChangesAndTombstones)
	t.Run("RetagLogsChanges", c.testRetagLogsChanges)
	t.Run("TagRenameAndDeleteLogChanges", c.testTagRenameAndDeleteLogChanges)
	t.Run("PollFromCursor", c.testChangesPollFromCursor)
	t.Run("ReadWhileWriting", c.testChangesReadWhileWriting)
}

// changeLog reads the whole change log in small pages (so that the cursor
// is exercised) as "change id vN" lines.
func changeLog(t *testing.T, db store.DB) []string {
	t.Helper()
	var out []string
	cursor := ""
	for {
		page, err := db.Changes(context.Background(), cursor, 2)
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

func (c *contract) testChangesAndTombstones(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a1 := Article("a1", "Grid drill", "alpha", "beta")
	a2 := Article("a2", "Water advisory", "alpha")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a1, a2}); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	a1.Content = "<p>An edited body.</p>"
	if _, err := db.UpsertArticle(ctx, &a1); err != nil { // content: version 2
		t.Fatal(err)
	}
	a2.Tags = append(a2.Tags, feed.ArticleTag{Slug: "gamma"})
	if _, err := db.UpsertArticle(ctx, &a2); err != nil { // tags only: still version 1
		t.Fatal(err)
	}
	again := Article("a2", "Water advisory", "alpha", "gamma")
	if c, err := db.UpsertArticle(ctx, &again); err != nil || c != feed.Unchanged { // logs nothing
		t.Fatalf("unchanged upsert: got %v, %v", c, err)
	}
	clk.Add(time.Hour)
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
	page, err := db.Changes(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	del := page.Changes[len(page.Changes)-1]
	if del.GUID != a1.GUID || !del.At.Equal(clk.T) || del.ContentHash != "" {
		t.Errorf("deletion entry: got %+v, want guid %s at %v and no hash", del, a1.GUID, clk.T)
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
	ts, err := db.Tombstones(ctx, feed.TombstoneFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].GUID != a1.GUID || ts[0].ArticleID != "a1" || !slices.Equal(ts[0].Tags, []string{"alpha", "beta"}) || !ts[0].Deleted.Equal(clk.T) {
		t.Errorf("tombstone: got %+v", ts)
	}
	if got, _ := db.Tombstones(ctx, feed.TombstoneFilter{Since: clk.T.Add(time.Second)}); len(got) != 0 {
		t.Errorf("tombstones since after the deletion: got %+v, want none", got)
	}
	// Created again the same day, a1 has its old GUID back: no tombstone.
	back := Article("a1", "Grid drill")
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

func (c *contract) testRetagLogsChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	a := Article("a1", "Grid drill")
	b := Article("b1", "Water advisory")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	r, err := db.RetagArticles(ctx, func(a *feed.Article) {
		if a.ID == "b1" {
			a.Tags = []feed.ArticleTag{{Slug: "water"}}
		}
	})
	if err != nil || r.Changed != 1 {
		t.Fatalf("retag: got %+v, %v; want 1 changed", r, err)
	}
	if got, want := changeLog(t, db), []string{"created a1 v1", "created b1 v1", "updated b1 v1"}; !slices.Equal(got, want) {
		t.Errorf("change log: got %q, want %q", got, want)
	}
	// A poller in changed order sees b1 again, last.
	if got := ids(t, db, feed.ArticleFilter{Order: feed.OrderChanged}); !slices.Equal(got, []string{"a1", "b1"}) {
		t.Errorf("changed order: got %q, want [a1 b1]", got)
	}
}

// Renaming or deleting a tag changes how its articles look: each is logged
// as updated and moves to the end of the polling order.
func (c *contract) testTagRenameAndDeleteLogChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	arts := []feed.Article{Article("a1", "One", "grid"), Article("b1", "Two"), Article("c1", "Three", "grid")}
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
	if got := ids(t, db, feed.ArticleFilter{Order: feed.OrderChanged}); !slices.Equal(got, []string{"b1", "a1", "c1"}) {
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

// testChangesPollFromCursor checks what a client of GET /api/changes relies
// on: a page's cursor resumes after it, later polls return only what
// happened since, entries carry growing Seqs and the store's time, and
// limits are bounded like a listing's.
func (c *contract) testChangesPollFromCursor(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	page := func(cursor string, limit int) *feed.ChangePage {
		t.Helper()
		p, err := db.Changes(ctx, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := page("", 10); len(p.Changes) != 0 || p.More {
		t.Errorf("empty log: got %+v", p)
	}
	n := feed.MaxLimit + 10
	var batch []feed.Article
	for i := range n {
		batch = append(batch, Article(fmt.Sprintf("a%03d", i), fmt.Sprintf("Story %d", i)))
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if p := page("", 0); len(p.Changes) != feed.DefaultLimit || !p.More {
		t.Errorf("limit 0: got %d entries, more %t; want %d, more", len(p.Changes), p.More, feed.DefaultLimit)
	}
	first := page("", n)
	if len(first.Changes) != feed.MaxLimit || !first.More {
		t.Fatalf("limit %d: got %d entries, more %t; want the cap %d, more", n, len(first.Changes), first.More, feed.MaxLimit)
	}
	rest := page(first.NextCursor, n)
	if len(rest.Changes) != 10 || rest.More || rest.NextCursor == "" {
		t.Fatalf("the rest: got %d entries, more %t, cursor %q; want 10, no more, a cursor", len(rest.Changes), rest.More, rest.NextCursor)
	}
	all := append(slices.Clone(first.Changes), rest.Changes...)
	for i, ch := range all {
		if want := fmt.Sprintf("a%03d", i); ch.ArticleID != want || ch.Change != feed.Created || !ch.At.Equal(clk.T) {
			t.Errorf("entry %d: got %+v, want %s created at %v", i, ch, want, clk.T)
			break
		}
		if i > 0 && ch.Seq <= all[i-1].Seq {
			t.Errorf("entry %d: seq %d after %d", i, ch.Seq, all[i-1].Seq)
			break
		}
	}
	// Nothing new: an empty page that keeps the place.
	cursor := rest.NextCursor
	idle := page(cursor, 10)
	if len(idle.Changes) != 0 || idle.More || idle.NextCursor == "" {
		t.Errorf("nothing new: got %+v; want no entries, a cursor", idle)
	}
	clk.Add(time.Hour)
	edit := Article("a007", "Story 7, edited")
	if _, err := db.UpsertArticle(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "a008"); err != nil {
		t.Fatal(err)
	}
	since := page(idle.NextCursor, 10)
	var got []string
	for _, ch := range since.Changes {
		got = append(got, fmt.Sprintf("%s %s v%d", ch.Change, ch.ArticleID, ch.Version))
		if !ch.At.Equal(clk.T) || ch.Seq <= all[len(all)-1].Seq {
			t.Errorf("new entry %+v: want it at %v, after seq %d", ch, clk.T, all[len(all)-1].Seq)
		}
	}
	if want := []string{"updated a007 v2", "deleted a008 v0"}; !slices.Equal(got, want) {
		t.Errorf("since the cursor: got %q, want %q", got, want)
	}
}

// testChangesReadWhileWriting polls the change log while several writers
// at once write (as several instances of herald would): the reader must end
// up with every entry exactly once, in the log's order. An engine whose log
// order is not its commit order makes the reader skip entries here.
func (c *contract) testChangesReadWhileWriting(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	const writers, each = 4, 40
	var wg sync.WaitGroup
	done := make(chan struct{})
	progress := make(chan struct{}, 1)
	var mu sync.Mutex
	running := writers
	for w := range writers {
		wg.Go(func() {
			defer func() {
				mu.Lock()
				if running--; running == 0 {
					close(done)
				}
				mu.Unlock()
			}()
			for i := range each {
				a := Article(fmt.Sprintf("w%d-%02d", w, i), "Story")
				if _, err := db.UpsertArticle(ctx, &a); err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					a.Title = "Story, edited"
					if _, err := db.UpsertArticle(ctx, &a); err != nil {
						t.Error(err)
						return
					}
				}
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		})
	}
	var seen []int64
	cursor, finished, during := "", false, 0
	for polls := 0; ; polls++ {
		if polls > 100*writers*each {
			t.Fatal("the reader does not catch up")
		}
		select {
		case <-done:
			finished = true
		default:
		}
		p, err := db.Changes(ctx, cursor, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !finished {
			during++
		}
		for _, ch := range p.Changes {
			seen = append(seen, ch.Seq)
		}
		cursor = p.NextCursor
		if finished && !p.More {
			break
		}
		if !p.More { // caught up: wait for the next write
			select {
			case <-progress:
			case <-done:
			}
		}
	}
	wg.Wait()
	t.Logf("%d polls while %d writers wrote", during, writers)
	if during == 0 {
		t.Error("the reader did not overlap the writes: this test proved nothing")
	}
	var all []int64
	for cur := ""; ; {
		p, err := db.Changes(ctx, cur, feed.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range p.Changes {
			all = append(all, ch.Seq)
		}
		if !p.More {
			break
		}
		cur = p.NextCursor
	}
	if want := writers * (each + (each+2)/3); len(all) != want {
		t.Errorf("the log holds %d entries, want %d", len(all), want)
	}
	if !slices.Equal(seen, all) {
		t.Errorf("the reader saw %d entries while writing, the log holds %d: it skipped or repeated some", len(seen), len(all))
	}
}
