package postgres_test

import (
	"context"
	"testing"
	"time"

	"herald/feed"
	"herald/store/postgres"
	"herald/store/storetest"
)

// notifyWithin is how soon after a commit every instance must hear of it
// (issue 9: caches are fresh within 1 s of a write anywhere).
const notifyWithin = time.Second

// waitFor is how long the test waits for what has no deadline of its own:
// a reconnect, which waits out a backoff first.
const waitFor = 30 * time.Second

// TestListen follows Listen through what an instance meets: a write on
// another handle is heard within notifyWithin; the server killing its
// connection is reported (up false), then mended (up true) with one call
// of changed for what may have been missed meanwhile, and only one; ctx
// ending stops it.
func TestListen(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	open := func() *postgres.DB {
		t.Helper()
		db, err := postgres.Open(ctx, u, postgres.Options{Authority: "news.example.org"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	listener, writer := open(), open()

	// Events in the order Listen made them: its calls come from one
	// goroutine, so the order is theirs.
	events := make(chan string, 100)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- listener.Listen(lctx,
			func() { events <- "changed" },
			func(up bool) {
				if up {
					events <- "up"
				} else {
					events <- "down"
				}
			})
	}()
	t.Cleanup(stop)
	expect := func(within time.Duration, want ...string) {
		t.Helper()
		for _, w := range want {
			select {
			case got := <-events:
				if got != w {
					t.Fatalf("event: got %q, want %q (of %q)", got, w, want)
				}
			case <-time.After(within):
				t.Fatalf("no event %q within %v (of %q)", w, within, want)
			}
		}
	}
	expect(waitFor, "up", "changed")

	// Writes of published content are heard; each is one notification.
	for _, slug := range []string{"cyber", "asia"} {
		if err := writer.CreateTag(ctx, feed.Tag{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
		expect(notifyWithin, "changed")
	}
	if _, err := writer.UpsertArticle(ctx, &feed.Article{ID: "a1", Title: "One", Content: "<p>One</p>",
		Published: time.Now(), Tags: []feed.ArticleTag{{Slug: "cyber"}}}); err != nil {
		t.Fatal(err)
	}
	expect(notifyWithin, "changed")

	// The server ends the listening connection: twice, to see that a
	// reconnect calls changed once (a second call would come before the
	// second "down").
	for range 2 {
		var killed int
		err := writer.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE '%(listen)'`).Scan(&killed)
		if err != nil || killed == 0 {
			t.Fatalf("terminate the listening connection: killed %d, %v", killed, err)
		}
		expect(waitFor, "down", "up", "changed")
	}
	if err := writer.DeleteTag(ctx, "asia"); err != nil {
		t.Fatal(err)
	}
	expect(notifyWithin, "changed")

	stop()
	expect(waitFor, "down")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen ended with %v, want nil", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Listen did not return when its context ended")
	}
}
