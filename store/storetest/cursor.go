package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testCursors(t *testing.T) {
	t.Run("WalkWhileInserting", c.testCursorWalkWhileInserting)
	t.Run("WalkWhileWriting", c.testCursorWalkWhileWriting)
	t.Run("PollFromLastCursor", c.testPollFromLastCursor)
}

// testCursorWalkWhileInserting walks the polling order with small pages
// while another goroutine inserts articles, some dated before the ones
// there at the start. Every article is seen exactly once, those there at
// the start and those added during the walk.
func (c *contract) testCursorWalkWhileInserting(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	const initial, added = 150, 100
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []feed.Article
	for i := range initial {
		a := Article(fmt.Sprintf("old-%03d", i), fmt.Sprintf("Old story %d", i))
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
					a := Article(fmt.Sprintf("new-%s-%03d", order, i), "New story")
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

// testCursorWalkWhileWriting walks the polling order with small pages while
// several writers at once (as several instances of herald would) create,
// edit, retag and delete articles. The walk must end having returned every
// article that exists at the end in its final version, and must return an
// article again only when it changed after it was returned. An engine whose
// change order is not its commit order skips articles here.
func (c *contract) testCursorWalkWhileWriting(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	const writers, initial, ops = 4, 120, 60
	var batch []feed.Article
	for i := range initial {
		batch = append(batch, Article(fmt.Sprintf("a%03d", i), fmt.Sprintf("a%03d v0", i)))
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}

	// Each writer owns the articles whose number is its own modulo writers,
	// and keeps their final state: title and tags, or "" once deleted.
	finals := make([]map[string]string, writers)
	var wg sync.WaitGroup
	progress := make(chan struct{}, 1)
	running := writers
	var mu sync.Mutex
	done := make(chan struct{})
	for w := range writers {
		final := map[string]string{}
		finals[w] = final
		mine := map[string]feed.Article{}
		for i := w; i < initial; i += writers {
			a := batch[i]
			mine[a.ID] = a
			final[a.ID] = state(a)
		}
		wg.Go(func() {
			defer func() {
				mu.Lock()
				running--
				if running == 0 {
					close(done)
				}
				mu.Unlock()
			}()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for k := 1; k <= ops; k++ {
				keys := make([]string, 0, len(mine))
				for id := range mine {
					keys = append(keys, id)
				}
				slices.Sort(keys)
				id := keys[rng.IntN(len(keys))]
				a := mine[id]
				var err error
				switch op := rng.IntN(10); {
				case op < 2: // a new article
					a = Article(fmt.Sprintf("w%d-%03d", w, k), fmt.Sprintf("w%d-%03d v0", w, k))
					_, err = db.UpsertArticle(ctx, &a)
					mine[a.ID] = a
					final[a.ID] = state(a)
				case op < 3 && len(mine) > 1: // a deletion
					err = db.DeleteArticle(ctx, id)
					delete(mine, id)
					final[id] = ""
				case op < 6: // new tags, same content
					a.Tags = []feed.ArticleTag{{Slug: fmt.Sprintf("t%d-%d", w, k)}}
					_, err = db.UpsertArticle(ctx, &a)
					mine[id], final[id] = a, state(a)
				default: // an edit
					a.Title = fmt.Sprintf("%s v%d", id, k)
					_, err = db.UpsertArticle(ctx, &a)
					mine[id], final[id] = a, state(a)
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		})
	}

	seen := map[string][]string{} // the states returned, in order
	f := feed.ArticleFilter{Order: feed.OrderChanged, Limit: 7}
	finished, during := false, 0
	for pages := 0; ; pages++ {
		if pages > 100*writers*ops {
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
			seen[a.ID] = append(seen[a.ID], state(a))
		}
		f.Cursor = p.NextCursor
		if finished && !p.More {
			break
		}
		if !p.More {
			select {
			case <-progress:
			case <-done:
			}
		}
	}
	wg.Wait()
	t.Logf("%d pages read while %d writers wrote", during, writers)
	if during == 0 {
		t.Error("the walk did not overlap the writes: this test proved nothing")
	}
	for _, final := range finals {
		for id, want := range final {
			got := seen[id]
			if want == "" {
				continue // deleted: it may have been returned before
			}
			if len(got) == 0 {
				t.Errorf("%s (%s) was never returned", id, want)
				continue
			}
			if last := got[len(got)-1]; last != want {
				t.Errorf("%s: last returned as %s, want its final version %s", id, last, want)
			}
		}
	}
	for id, states := range seen {
		for i := 1; i < len(states); i++ {
			if states[i] == states[i-1] {
				t.Errorf("%s returned again unchanged: %q", id, states)
				break
			}
		}
	}
}

// state is what the walk tests compare of an article: title and tags.
func state(a feed.Article) string {
	return a.Title + " " + strings.Join(a.TagSlugs(), ",")
}

// testPollFromLastCursor checks what a poller relies on: the last page of
// a walk carries a cursor, and that cursor later returns exactly the
// articles created or changed since, and none that were deleted.
func (c *contract) testPollFromLastCursor(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	poll := func(cursor string) *feed.ArticlePage {
		t.Helper()
		p, err := db.ArticlePage(ctx, feed.ArticleFilter{Order: feed.OrderChanged, Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pageIDs := func(p *feed.ArticlePage) []string {
		out := []string{}
		for _, a := range p.Articles {
			out = append(out, a.ID)
		}
		return out
	}
	if p := poll(""); len(p.Articles) != 0 || p.More {
		t.Errorf("empty store: got %q, more %t", pageIDs(p), p.More)
	}
	if _, err := db.UpsertArticles(ctx, []feed.Article{Article("a1", "One"), Article("a2", "Two"), Article("a3", "Three")}); err != nil {
		t.Fatal(err)
	}
	first := poll("")
	if got := pageIDs(first); !slices.Equal(got, []string{"a1", "a2"}) || !first.More {
		t.Fatalf("first page: got %q, more %t; want [a1 a2], more", got, first.More)
	}
	last := poll(first.NextCursor)
	if got := pageIDs(last); !slices.Equal(got, []string{"a3"}) || last.More || last.NextCursor == "" {
		t.Fatalf("last page: got %q, more %t, cursor %q; want [a3], no more, a cursor", got, last.More, last.NextCursor)
	}
	cursor := last.NextCursor
	// Nothing new: an empty page that keeps the place.
	idle := poll(cursor)
	if len(idle.Articles) != 0 || idle.More || idle.NextCursor == "" {
		t.Errorf("nothing new: got %q, more %t, cursor %q; want nothing, no more, a cursor", pageIDs(idle), idle.More, idle.NextCursor)
	}
	clk.Add(time.Hour)
	edited := Article("a1", "One, edited")
	if _, err := db.UpsertArticle(ctx, &edited); err != nil {
		t.Fatal(err)
	}
	fresh := Article("a4", "Four")
	if _, err := db.UpsertArticle(ctx, &fresh); err != nil {
		t.Fatal(err)
	}
	p := poll(idle.NextCursor)
	if got := pageIDs(p); !slices.Equal(got, []string{"a1", "a4"}) || p.More {
		t.Fatalf("after an edit and a create: got %q, more %t; want [a1 a4]", got, p.More)
	}
	if p.Articles[0].Title != "One, edited" {
		t.Errorf("edited article: got %q, want its new title", p.Articles[0].Title)
	}
	cursor = p.NextCursor
	if err := db.DeleteArticle(ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	if p := poll(cursor); len(p.Articles) != 0 {
		t.Errorf("after a deletion: got %q, want nothing (deletions are in the change log)", pageIDs(p))
	}
	// A walk from the start now holds each article once, in the order of
	// its last change.
	if got := walk(t, db, feed.ArticleFilter{Order: feed.OrderChanged}, 2); !slices.Equal(got, []string{"a3", "a1", "a4"}) {
		t.Errorf("walk after the changes: got %q, want [a3 a1 a4]", got)
	}
}
