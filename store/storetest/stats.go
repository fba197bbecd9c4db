package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/stats"
	"herald/store"
)

// statsBatch is a batch of readership counts of the day of at: n polls of
// /feed.atom by the public (one a 304), one of a tag feed by the partner
// "acme", and Feedly's report of 42 subscribers.
func statsBatch(at time.Time, n int64) *stats.Batch {
	day := stats.DayOf(at)
	pollers, unreported := new(stats.Sketch), new(stats.Sketch)
	for i := range n {
		h := stats.PollerHash(fmt.Sprintf("192.0.2.%d:4000", i), "reader")
		pollers.Add(h)
		unreported.Add(h)
	}
	partner := new(stats.Sketch)
	partner.Add(stats.PollerHash("198.51.100.7:1", "Partner/1"))
	return &stats.Batch{
		Counts: []stats.Count{
			{Day: day, Feed: "/feed.atom", Polls: n, NotModified: 1, Bytes: 1000 * n, Pollers: pollers, Unreported: unreported},
			{Day: day, Feed: "/tags/cyber/feed.rss", Partner: "acme", Polls: 1, Bytes: 500, Pollers: partner, Unreported: partner},
		},
		Reports: []stats.Report{{Day: day, Feed: "/feed.atom", Aggregator: "Feedly", Subscribers: 42, At: at}},
	}
}

// testStats adds readership counts from two handles at once, as instances
// of herald flush what they counted: polls, 304s and bytes add up, the
// pollers' sketches merge (a poller seen by both counts once), the latest
// report of each aggregator wins, and reads select by feed and days.
func (c *contract) testStats(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	day := stats.DayOf(clk.T)
	all := stats.Filter{From: day, To: day}

	const writers, each = 6, 10
	var wg sync.WaitGroup
	for g := range writers {
		handle := []store.DB{db, other}[g%2]
		wg.Go(func() {
			for i := range each {
				b := statsBatch(clk.T, 3)
				// Each writer adds pollers of its own too.
				b.Counts[0].Pollers.Add(stats.PollerHash(fmt.Sprintf("203.0.113.%d:1", g), "own"))
				b.Reports[0].Subscribers = int64(100*g + i)
				b.Reports[0].At = clk.T.Add(time.Duration(100*g+i) * time.Second)
				if err := handle.AddStats(ctx, b); err != nil {
					t.Errorf("writer %d: %v", g, err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := other.Stats(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Counts) != 2 {
		t.Fatalf("counts: got %d rows (%+v), want 2", len(got.Counts), got.Counts)
	}
	pub := got.Counts[0]
	if pub.Feed != "/feed.atom" || pub.Partner != "" {
		t.Fatalf("first row: got %s [%s], want /feed.atom, by feed", pub.Feed, pub.Partner)
	}
	if want := int64(writers * each * 3); pub.Polls != want || pub.NotModified != writers*each || pub.Bytes != 1000*want {
		t.Errorf("/feed.atom: got %d polls, %d 304s, %d bytes; want %d, %d, %d",
			pub.Polls, pub.NotModified, pub.Bytes, want, writers*each, 1000*want)
	}
	if n := pub.Pollers.Estimate(); n != 3+writers {
		t.Errorf("/feed.atom: %d distinct pollers, want %d (3 shared, one per writer)", n, 3+writers)
	}
	if n := pub.Unreported.Estimate(); n != 3 {
		t.Errorf("/feed.atom: %d unreported pollers, want 3", n)
	}
	if p := got.Counts[1]; p.Feed != "/tags/cyber/feed.rss" || p.Partner != "acme" || p.Polls != writers*each {
		t.Errorf("partner row: got %+v", p)
	}
	if len(got.Reports) != 1 || got.Reports[0].Aggregator != "Feedly" ||
		got.Reports[0].Subscribers != 100*(writers-1)+each-1 || !got.Reports[0].At.Equal(clk.T.Add((100*(writers-1)+each-1)*time.Second)) {
		t.Errorf("reports: got %+v, want Feedly's latest: %d", got.Reports, 100*(writers-1)+each-1)
	}
	// An earlier report does not replace a later one.
	late := statsBatch(clk.T, 0)
	late.Counts = nil
	late.Reports[0].Subscribers, late.Reports[0].At = 1, clk.T.Add(-time.Hour)
	if err := db.AddStats(ctx, late); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Stats(ctx, all); len(got.Reports) != 1 || got.Reports[0].Subscribers == 1 {
		t.Errorf("an earlier report replaced a later one: %+v", got.Reports)
	}

	// Reads by feed and by days.
	clk.Add(48 * time.Hour)
	if err := db.AddStats(ctx, statsBatch(clk.T, 2)); err != nil {
		t.Fatal(err)
	}
	later := stats.DayOf(clk.T)
	for _, tc := range []struct {
		f          stats.Filter
		counts     int
		reports    int
		firstPolls int64
	}{
		{stats.Filter{From: day, To: later}, 4, 2, int64(writers * each * 3)},
		{stats.Filter{From: later, To: later}, 2, 1, 2},
		{stats.Filter{Feed: "/feed.atom", From: day, To: later}, 2, 2, int64(writers * each * 3)},
		{stats.Filter{Feed: "/tags/cyber/feed.rss", From: later, To: later}, 1, 0, 1},
		{stats.Filter{Feed: "/nope.atom", From: day, To: later}, 0, 0, 0},
		{stats.Filter{From: stats.DayOf(clk.T.Add(-24 * time.Hour)), To: stats.DayOf(clk.T.Add(-24 * time.Hour))}, 0, 0, 0},
	} {
		got, err := db.Stats(ctx, tc.f)
		if err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		if len(got.Counts) != tc.counts || len(got.Reports) != tc.reports {
			t.Errorf("%+v: got %d counts and %d reports, want %d and %d", tc.f, len(got.Counts), len(got.Reports), tc.counts, tc.reports)
			continue
		}
		if tc.counts > 0 && got.Counts[0].Polls != tc.firstPolls {
			t.Errorf("%+v: first row has %d polls, want %d", tc.f, got.Counts[0].Polls, tc.firstPolls)
		}
	}

	// Bad input.
	for _, b := range []*stats.Batch{
		{Counts: []stats.Count{{Day: "yesterday", Feed: "/feed.atom"}}},
		{Counts: []stats.Count{{Day: day}}},
		{Reports: []stats.Report{{Day: day, Feed: "/feed.atom"}}},
	} {
		var ve *feed.ValidationError
		if err := db.AddStats(ctx, b); !errors.As(err, &ve) {
			t.Errorf("AddStats(%+v): got %v, want a validation error", b, err)
		}
	}
	if _, err := db.Stats(ctx, stats.Filter{From: "2026-13-01", To: day}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("Stats with a bad day: got %v, want ErrInvalid", err)
	}

	// Pruning removes the days before the cutoff's day, in batches.
	n, err := db.PruneStats(ctx, clk.T, 1)
	if err != nil || n != 2 {
		t.Errorf("prune with limit 1: got %d, %v; want 2 (a count and a report)", n, err)
	}
	n, err = db.PruneStats(ctx, clk.T, 0)
	if err != nil || n != 1 {
		t.Errorf("prune the rest: got %d, %v; want 1", n, err)
	}
	got, err = db.Stats(ctx, stats.Filter{From: day, To: later})
	if err != nil || len(got.Counts) != 2 || len(got.Reports) != 1 || got.Counts[0].Day != later {
		t.Errorf("after pruning: got %+v, %v; want the later day's 2 counts and report", got, err)
	}
}
