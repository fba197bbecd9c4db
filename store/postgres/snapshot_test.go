package postgres_test

import (
	"context"
	"testing"
	"time"

	"herald/feed"
	"herald/store/postgres"
	"herald/store/storetest"
)

// TestSearchRunsSerial checks that a search's statements run without
// parallel workers, however its snapshot begins, and that the setting ends
// with the snapshot: the one connection of the pool plans the next
// statement as the server would.
func TestSearchRunsSerial(t *testing.T) {
	ctx := context.Background()
	db := openURL(t, storetest.PostgresURL(t), postgres.Options{Authority: "news.example.org", MaxConns: 1})
	const show = "SHOW max_parallel_workers_per_gather"
	var before string
	if err := db.Pool().QueryRow(ctx, show).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if before == "0" {
		t.Fatalf("the server runs nothing in parallel (%s is 0): the test would prove nothing", show)
	}
	for _, batched := range []bool{false, true} {
		got, err := db.SearchParallelWorkers(ctx, batched)
		if err != nil || got != "0" {
			t.Errorf("in a search's snapshot (batched %v): got %q, %v; want 0", batched, got, err)
		}
		var after string
		if err := db.Pool().QueryRow(ctx, show).Scan(&after); err != nil || after != before {
			t.Errorf("after a search's snapshot (batched %v): got %q, %v; want %q", batched, after, err, before)
		}
	}
	// A search through the API, ranked and not, leaves the connection as it
	// found it too.
	if _, err := db.UpsertArticles(ctx, []feed.Article{{ID: "a1", Title: "Grid", Content: "<p>Grid.</p>", Published: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []feed.ArticleFilter{{Query: "grid"}, {Query: "grid", Order: feed.OrderPublished}} {
		p, err := db.ArticlePage(ctx, f)
		if err != nil || len(p.Articles) != 1 {
			t.Fatalf("search %+v: got %v, %v", f, p, err)
		}
		var after string
		if err := db.Pool().QueryRow(ctx, show).Scan(&after); err != nil || after != before {
			t.Errorf("after search %+v: got %q, %v; want %q", f, after, err, before)
		}
	}
}
