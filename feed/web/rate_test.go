package web

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rateCounter is a store's AddRateUse in memory, shared by the servers of a
// test as one database is by instances.
type rateCounter struct {
	mu     sync.Mutex
	counts map[time.Time]int
	calls  atomic.Int32
	delay  time.Duration // of each call, as a round trip to the database
}

func (c *rateCounter) AddRateUse(_ context.Context, _ int64, window time.Time, n int) (int, error) {
	c.calls.Add(1)
	time.Sleep(c.delay)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[time.Time]int{}
	}
	c.counts[window] += n
	return c.counts[window], nil
}

// Three instances share a token of 60 requests a minute: together they let
// through at least the rate and at most the rate plus one batch each.
func TestSiteRatesHoldAcrossInstances(t *testing.T) {
	const rate, instances = 60, 3
	st := &rateCounter{delay: time.Millisecond}
	minute := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range instances {
		r := newSiteRates(st, slog.New(slog.DiscardHandler))
		for range 8 { // concurrent requests on each
			wg.Go(func() {
				for i := range 40 {
					now := minute.Add(time.Duration(i) * time.Second)
					if r.take(t.Context(), 7, rate, now) == 0 {
						admitted.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	got := int(admitted.Load())
	if max := rate + instances*rateBatch(rate); got < rate || got > max {
		t.Errorf("%d requests let through in a minute, want %d to %d", got, rate, max)
	}
	if calls := int(st.calls.Load()); calls > 3*rate {
		t.Errorf("%d writes to the store for %d requests, want them batched", calls, got)
	}
}

func TestSiteRatesNextMinuteAndRetryAfter(t *testing.T) {
	st := &rateCounter{}
	r := newSiteRates(st, slog.New(slog.DiscardHandler))
	start := time.Date(2026, 11, 25, 12, 0, 10, 0, time.UTC)
	for i := range 5 {
		if wait := r.take(t.Context(), 1, 5, start.Add(time.Duration(i)*time.Second)); wait != 0 {
			t.Fatalf("request %d of 5 refused", i+1)
		}
	}
	if wait := r.take(t.Context(), 1, 5, start.Add(20*time.Second)); wait != 30*time.Second {
		t.Errorf("the sixth request: wait %v, want 30s, until the next minute", wait)
	}
	if wait := r.take(t.Context(), 1, 5, start.Add(50*time.Second)); wait != 0 {
		t.Errorf("in the next minute: refused for %v", wait)
	}
	if wait := r.take(t.Context(), 1, 0, start); wait != 0 {
		t.Errorf("no limit: refused for %v", wait)
	}
}

// What one instance takes reaches the store within rateFlushEvery even
// when no request follows (FlushRates), so that the others count it.
func TestSiteRatesFlush(t *testing.T) {
	st := &rateCounter{}
	r := newSiteRates(st, slog.New(slog.DiscardHandler))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	r.take(t.Context(), 1, 600, now) // the first request is sent at once
	r.take(t.Context(), 1, 600, now)
	r.take(t.Context(), 1, 600, now)
	if got := st.counts[now]; got != 1 {
		t.Fatalf("store counts %d before the flush, want 1", got)
	}
	r.flush(t.Context(), now.Add(rateFlushEvery))
	if got := st.counts[now]; got != 3 {
		t.Errorf("store counts %d after the flush, want 3", got)
	}
	r.flush(t.Context(), now.Add(3*time.Minute))
	if len(r.tokens) != 0 {
		t.Errorf("%d tokens kept after two idle minutes", len(r.tokens))
	}
}
