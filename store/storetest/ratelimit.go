package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

// testRateUse adds requests from goroutines on two handles at once, as
// instances of herald count a subscriber's requests: each minute's total
// is every request of that minute, whichever instance counted it.
func (c *contract) testRateUse(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	minute := clk.T.Truncate(time.Minute)
	add := func(db store.DB, id int64, window time.Time, n int) int {
		t.Helper()
		total, err := db.AddRateUse(ctx, id, window, n)
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	if got := add(db, 1, minute, 3); got != 3 {
		t.Errorf("first 3: got %d, want 3", got)
	}
	// Any time within the minute, in any zone, is that minute.
	within := minute.Add(59*time.Second + 999*time.Millisecond).In(time.FixedZone("UTC+5:30", 5*3600+1800))
	if got := add(other, 1, within, 2); got != 5 {
		t.Errorf("2 more within the minute on another handle: got %d, want 5", got)
	}
	if got := add(db, 1, minute.Add(time.Minute), 1); got != 1 {
		t.Errorf("the next minute: got %d, want 1", got)
	}
	if got := add(db, 2, minute, 0); got != 0 {
		t.Errorf("another subscriber: got %d, want 0", got)
	}

	const counters, each = 8, 25
	var wg sync.WaitGroup
	for g := range counters {
		handle := []store.DB{db, other}[g%2]
		wg.Go(func() {
			for range each {
				if _, err := handle.AddRateUse(ctx, 2, minute, 1); err != nil {
					t.Errorf("counter %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := add(other, 2, minute, 0); got != counters*each {
		t.Errorf("counted at once on two handles: got %d, want %d", got, counters*each)
	}
	if got := add(db, 1, minute, 0); got != 5 {
		t.Errorf("the first subscriber's minute: got %d, want 5 still", got)
	}
	if _, err := db.AddRateUse(ctx, 1, minute, -1); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("a negative count: got %v, want ErrInvalid", err)
	}
}
