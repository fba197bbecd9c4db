package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store/postgres"
	"herald/store/storetest"
)

// TestTagCountsUnderConcurrentWriters has writers in three instances tag
// and untag articles of one popular tag at once: the count the database
// keeps must be the number of articles that carry the tag. A count read in
// Go, added to and written back would lose some of the writes.
func TestTagCountsUnderConcurrentWriters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	handles := []*postgres.DB{db, openURL(t, url, postgres.Options{Now: clk.Now}), openURL(t, url, postgres.Options{Now: clk.Now})}
	const writers, ops = 6, 15
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			db := handles[w%len(handles)]
			for i := range ops {
				// A new article with the tag, then one of them untagged,
				// then a batch of two; all tagged "hot".
				a := storetest.Article(fmt.Sprintf("w%d-%d", w, i), "Hot", "hot", fmt.Sprintf("w%d", w))
				if _, err := db.UpsertArticle(ctx, &a); err != nil {
					errs[w] = err
					return
				}
				if i%3 == 2 {
					a.Tags = a.Tags[1:]
					if _, err := db.UpsertArticle(ctx, &a); err != nil {
						errs[w] = err
						return
					}
				}
				if i%5 == 4 {
					if err := db.DeleteArticle(ctx, fmt.Sprintf("w%d-%d", w, i-1)); err != nil {
						errs[w] = err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	rows, err := db.Pool().Query(ctx, `SELECT t.slug, t.articles, (SELECT count(*) FROM article_tags at WHERE at.tag_id = t.id)
		FROM tags t ORDER BY t.slug`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			slug        string
			kept, count int64
		)
		if err := rows.Scan(&slug, &kept, &count); err != nil {
			t.Fatal(err)
		}
		if kept != count {
			t.Errorf("tag %s: count %d, but %d articles carry it", slug, kept, count)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != writers+1 {
		t.Errorf("got %d tags, want %d", n, writers+1)
	}
	if tag, err := db.Tag(ctx, "hot"); err != nil || tag.Articles == 0 {
		t.Errorf("hot: got %+v, %v", tag, err)
	}
}

// TestCrossedBatches has two instances upsert the same articles in
// opposite orders, again and again. Stored articles are locked in the order
// of their IDs first, so those two wait for each other; new ones cannot be,
// and PostgreSQL breaks the deadlock by aborting one of the two writes,
// which is then run again. Every write succeeds, and each is logged once.
func TestCrossedBatches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	other := openURL(t, url, postgres.Options{Now: clk.Now})
	crossed := func(prefix string, r int) {
		t.Helper()
		var forward, backward []feed.Article
		for i := range 10 {
			forward = append(forward, storetest.Article(fmt.Sprintf("%s%d", prefix, i), fmt.Sprintf("Forward %d", r)))
		}
		for i := len(forward) - 1; i >= 0; i-- {
			a := forward[i]
			a.Title = fmt.Sprintf("Backward %d", r)
			backward = append(backward, a)
		}
		var wg sync.WaitGroup
		var errF, errB error
		wg.Go(func() { _, errF = db.UpsertArticles(ctx, forward) })
		wg.Go(func() { _, errB = other.UpsertArticles(ctx, backward) })
		wg.Wait()
		if errF != nil || errB != nil {
			t.Fatalf("%s, round %d: %v; %v", prefix, r, errF, errB)
		}
	}
	const rounds = 3
	crossed("old", 0)
	for r := range rounds {
		crossed("old", r+1) // stored: locked in order
		crossed(fmt.Sprintf("new%d-", r), 0)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// Each round's two writes of ten articles, and the first's.
	if want := 10 * 2 * (1 + 2*rounds); n != want {
		t.Errorf("change log: %d entries, want %d", n, want)
	}
}
