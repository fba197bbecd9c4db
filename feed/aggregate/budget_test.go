package aggregate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
)

// TestParseBudget checks that bodies wait while the budget is spent, that a
// body larger than the budget is parsed alone, and that a waiter whose
// context ends holds nothing.
func TestParseBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newParseBudget(10)
		r1, err := b.acquire(t.Context(), 4)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := b.acquire(t.Context(), 6)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 3)
		wait := func(name string, n int) {
			go func() {
				release, err := b.acquire(t.Context(), n)
				if err != nil {
					got <- name + ": " + err.Error()
					return
				}
				got <- name
				release()
			}()
		}
		wait("big", 100) // more than the budget: waits for all of it
		synctest.Wait()
		if len(got) != 0 {
			t.Fatalf("%s acquired with the budget spent", <-got)
		}
		r1()
		synctest.Wait()
		if len(got) != 0 {
			t.Fatalf("%s acquired with 6 of 10 bytes in use", <-got)
		}
		r2()
		synctest.Wait()
		if g := <-got; g != "big" {
			t.Fatalf("got %q, want the large body parsed once the budget is free", g)
		}

		// A waiter that gives up holds nothing afterwards.
		r3, _ := b.acquire(t.Context(), 10)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			_, err := b.acquire(ctx, 1)
			done <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: got %v, want context.Canceled", err)
		}
		r3()
		r4, err := b.acquire(t.Context(), 10)
		if err != nil {
			t.Fatalf("the whole budget after a cancelled wait: %v", err)
		}
		r4()
	})
}

func TestParseBudgetNone(t *testing.T) {
	b := newParseBudget(-1)
	for range 3 {
		if _, err := b.acquire(t.Context(), 1<<40); err != nil {
			t.Fatalf("no budget: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.acquire(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("no budget, context ended: got %v, want context.Canceled", err)
	}
}

// TestPollerParseBudget polls with a budget smaller than every body, so
// that each is parsed alone: every source must still be polled and stored.
func TestPollerParseBudget(t *testing.T) {
	files := map[string]feedFile{}
	for i, name := range []string{"rss2.xml", "atom.xml", "jsonfeed.json", "rdf.xml", "sjis-meti.xml"} {
		files[fmt.Sprintf("/%d", i)] = feedFile{body: fixture(t, name)}
	}
	srv := newFeedServer(t, files)
	db := openStore(t, nil)
	for path := range files {
		addSource(t, db, srv.URL+path)
	}
	p := NewPoller(db, newFetcher(t, Options{}), PollerOptions{Workers: 4, PerHost: 4, ParseBudget: 1})
	sum, err := p.RunOnce(t.Context())
	if err != nil || sum.Fetched != len(files) || sum.Failed != 0 || sum.New == 0 {
		t.Fatalf("pass with a 1-byte budget: got %+v, %v; want %d fetched and stored", sum, err, len(files))
	}
}
