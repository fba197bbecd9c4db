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

func (c *contract) testClaims(t *testing.T) {
	t.Run("Exclusive", c.testClaimExclusive)
	t.Run("PerHostAcrossClaimers", c.testClaimPerHostAcrossClaimers)
	t.Run("LeaseRunsOut", c.testClaimLeaseRunsOut)
	t.Run("Release", c.testClaimRelease)
	t.Run("PerHost", c.testClaimPerHost)
	t.Run("HoldHost", c.testClaimHoldHost)
	t.Run("RecordPollEnds", c.testClaimRecordPollEnds)
	t.Run("Invalid", c.testClaimInvalid)
}

// createSources creates n enabled sources, the i-th with the URL that
// url(i) gives, and returns them.
func createSources(t *testing.T, db store.DB, n int, url func(i int) string) []feed.Source {
	t.Helper()
	var out []feed.Source
	for i := range n {
		s, err := db.CreateSource(context.Background(), newSource(url(i)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *s)
	}
	return out
}

// claim calls ClaimDueSources, failing the test on an error, and returns
// the IDs claimed, in the order given.
func claim(t *testing.T, db store.DB, owner string, now time.Time, lease time.Duration, limit, perHost int) []int64 {
	t.Helper()
	got, err := db.ClaimDueSources(context.Background(), owner, now, lease, limit, perHost)
	if err != nil {
		t.Fatalf("claim for %s: %v", owner, err)
	}
	ids := []int64{}
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	return ids
}

// sourceIDs returns the IDs of srcs, in order.
func sourceIDs(srcs ...feed.Source) []int64 {
	ids := []int64{}
	for _, s := range srcs {
		ids = append(ids, s.ID)
	}
	return ids
}

// asInstances runs work n times at once, the g-th as the instance
// "instance-g" on handles[g%len(handles)] (handles on one database, as
// instances of herald have), and waits for all of them.
func asInstances(handles []store.DB, n int, work func(db store.DB, owner string)) {
	var wg sync.WaitGroup
	for g := range n {
		db, owner := handles[g%len(handles)], fmt.Sprintf("instance-%d", g)
		wg.Go(func() { work(db, owner) })
	}
	wg.Wait()
}

// winners runs try as n instances at once (see asInstances) and returns
// the owners for which it returned true. An error fails the test.
func winners(t *testing.T, handles []store.DB, n int, try func(db store.DB, owner string) (bool, error)) []string {
	var (
		mu  sync.Mutex
		won []string
	)
	asInstances(handles, n, func(db store.DB, owner string) {
		ok, err := try(db, owner)
		if err != nil {
			t.Errorf("%s: %v", owner, err)
		}
		if ok {
			mu.Lock()
			won = append(won, owner)
			mu.Unlock()
		}
	})
	return won
}

// testClaimExclusive runs claimers on two handles at once, as instances of
// herald would, each polling what it claims (RecordPoll moves the source's
// next fetch an hour on): over two due times, each source is claimed
// exactly once per due time.
func (c *contract) testClaimExclusive(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	const sources, claimers = 60, 12
	srcs := createSources(t, db, sources, func(i int) string { return fmt.Sprintf("https://host%d.example/feed/%d", i%4, i) })
	start := clk.T
	for round, now := range []time.Time{start, start.Add(time.Hour)} {
		var (
			mu     sync.Mutex
			counts = map[int64]int{}
		)
		asInstances([]store.DB{db, other}, claimers, func(handle store.DB, owner string) {
			for {
				got, err := handle.ClaimDueSources(ctx, owner, now, 10*time.Minute, 3, 0)
				if err != nil {
					t.Errorf("%s: claim: %v", owner, err)
					return
				}
				if len(got) == 0 {
					return
				}
				for _, s := range got {
					mu.Lock()
					counts[s.ID]++
					mu.Unlock()
					s.LastAttempt, s.NextFetch = now, now.Add(time.Hour)
					if _, err := handle.RecordPoll(ctx, s.URL, s, nil); err != nil {
						t.Errorf("%s: record poll of %d: %v", owner, s.ID, err)
						return
					}
				}
			}
		})
		for _, s := range srcs {
			if counts[s.ID] != 1 {
				t.Errorf("round %d: source %d claimed %d times, want once", round, s.ID, counts[s.ID])
			}
		}
	}
}

// testClaimPerHostAcrossClaimers runs claimers with a bound per host on two
// handles at once, none polling: the bound holds over all of them.
func (c *contract) testClaimPerHostAcrossClaimers(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	const hosts, perHost, claimers = 3, 2, 12
	createSources(t, db, 30, func(i int) string { return fmt.Sprintf("https://host%d.example/feed/%d", i%hosts, i) })
	var (
		mu     sync.Mutex
		byHost = map[string]int{}
	)
	asInstances([]store.DB{db, other}, claimers, func(handle store.DB, owner string) {
		for range 3 {
			got, err := handle.ClaimDueSources(ctx, owner, clk.T, time.Hour, 2, perHost)
			if err != nil {
				t.Errorf("%s: claim: %v", owner, err)
				return
			}
			mu.Lock()
			for _, s := range got {
				byHost[s.URL[len("https://"):len("https://host0.example")]]++
			}
			mu.Unlock()
		}
	})
	want := map[string]int{"host0.example": perHost, "host1.example": perHost, "host2.example": perHost}
	if fmt.Sprint(byHost) != fmt.Sprint(want) {
		t.Errorf("claims by host: got %v, want %v", byHost, want)
	}
}

// testClaimLeaseRunsOut: a claim whose holder never polls (it died) is
// taken by another instance when its lease runs out, not before.
func (c *contract) testClaimLeaseRunsOut(t *testing.T) {
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	srcs := createSources(t, db, 3, func(i int) string { return fmt.Sprintf("https://agency.example/feed/%d", i) })
	t0 := clk.T
	if got := claim(t, db, "a", t0, 5*time.Minute, 2, 0); !slices.Equal(got, sourceIDs(srcs[:2]...)) {
		t.Errorf("a claims: got %v, want the first two %v", got, sourceIDs(srcs[:2]...))
	}
	if got := claim(t, other, "b", t0.Add(time.Minute), 5*time.Minute, 0, 0); !slices.Equal(got, sourceIDs(srcs[2])) {
		t.Errorf("b claims while a's lease runs: got %v, want only the third %v", got, srcs[2].ID)
	}
	if got := claim(t, other, "c", t0.Add(5*time.Minute-time.Microsecond), time.Minute, 0, 0); len(got) != 0 {
		t.Errorf("c claims just before the leases end: got %v, want none", got)
	}
	if got := claim(t, other, "c", t0.Add(5*time.Minute), time.Minute, 0, 0); !slices.Equal(got, sourceIDs(srcs[:2]...)) {
		t.Errorf("c claims when a's lease ends: got %v, want a's %v", got, sourceIDs(srcs[:2]...))
	}
	// A claim's own holder is no exception: the claim is live until it ends.
	if got := claim(t, db, "c", t0.Add(5*time.Minute), time.Minute, 0, 0); len(got) != 0 {
		t.Errorf("c claims again: got %v, want none", got)
	}
	// DueSources, for a single poller, still lists what is due.
	if due, err := db.DueSources(context.Background(), t0.Add(5*time.Minute), 0); err != nil || len(due) != 3 {
		t.Errorf("due sources: got %d, %v; want 3", len(due), err)
	}
}

// testClaimRelease: a stopping instance releases its claims, and another
// takes the sources at once; other owners' claims stay.
func (c *contract) testClaimRelease(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	srcs := createSources(t, db, 4, func(i int) string { return fmt.Sprintf("https://agency.example/feed/%d", i) })
	claim(t, db, "a", clk.T, time.Hour, 2, 0)
	claim(t, db, "b", clk.T, time.Hour, 1, 0)
	if err := db.ReleaseSources(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseSources(ctx, "nobody"); err != nil {
		t.Errorf("release with no claims: %v", err)
	}
	want := sourceIDs(srcs[0], srcs[1], srcs[3])
	if got := claim(t, other, "c", clk.T, time.Hour, 0, 0); !slices.Equal(got, want) {
		t.Errorf("c claims after a released: got %v, want a's and the free one %v", got, want)
	}
}

// testClaimPerHost: at most perHost sources of a host are claimed at once,
// across owners and claims already held; hosts are the URL's host and port,
// whatever their case; the longest overdue come first.
func (c *contract) testClaimPerHost(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	t0 := clk.T
	urls := []string{
		"https://a.example/1", "https://A.Example/2", "https://a.example?feed=3", "https://a.example#4",
		"https://a.example:8443/5",
		"https://b.example/6",
	}
	srcs := createSources(t, db, len(urls), func(i int) string { return urls[i] })
	// Each is overdue by less than the one before, but for the fourth,
	// the longest overdue: it comes first.
	for i, s := range srcs {
		s.NextFetch = t0.Add(-time.Duration(len(srcs)-i) * time.Minute)
		if i == 3 {
			s.NextFetch = t0.Add(-time.Hour)
		}
		if _, err := db.RecordPoll(ctx, s.URL, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.ClaimDueSources(ctx, "a", t0, time.Hour, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := sourceIDs(srcs[3], srcs[0], srcs[4], srcs[5])
	if !slices.Equal(sourceIDs(got...), want) {
		t.Errorf("claim two per host: got %v, want %v (the longest overdue first, a.example:8443 another host)", sourceIDs(got...), want)
	}
	if got[0].URL != urls[3] || !got[0].NextFetch.Equal(t0.Add(-time.Hour)) || got[0].Name != "Agency" {
		t.Errorf("claimed source: got %+v, want it as stored", got[0])
	}
	if got := claim(t, db, "b", t0, time.Hour, 10, 2); len(got) != 0 {
		t.Errorf("b claims while a holds two of a.example: got %v, want none", got)
	}
	// a polls one of a.example: one more may go, to anyone.
	s := got[1]
	s.NextFetch = t0.Add(time.Hour)
	if _, err := db.RecordPoll(ctx, s.URL, s, nil); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, db, "b", t0, time.Hour, 10, 2); !slices.Equal(got, sourceIDs(srcs[1])) {
		t.Errorf("b claims after a polled one: got %v, want %v", got, srcs[1].ID)
	}
	// No bound: the rest.
	if got := claim(t, db, "b", t0, time.Hour, 10, 0); !slices.Equal(got, sourceIDs(srcs[2])) {
		t.Errorf("b claims with no bound: got %v, want %v", got, srcs[2].ID)
	}
}

// testClaimHoldHost: a host that asked to be left alone is skipped by every
// claimer until its hold ends; a shorter hold does not cut a longer one.
func (c *contract) testClaimHoldHost(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	t0 := clk.T
	srcs := createSources(t, db, 3, func(i int) string {
		return []string{"https://slow.example/feed", "https://Slow.Example/other", "https://fast.example/feed"}[i]
	})
	if err := db.HoldHost(ctx, "SLOW.example", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := other.HoldHost(ctx, "slow.example", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, other, "a", t0, time.Hour, 0, 0); !slices.Equal(got, sourceIDs(srcs[2])) {
		t.Errorf("claim while slow.example is held: got %v, want only fast.example's %v", got, srcs[2].ID)
	}
	if got := claim(t, other, "a", t0.Add(6*time.Minute), time.Hour, 0, 0); len(got) != 0 {
		t.Errorf("claim after the shorter hold: got %v, want none (the longer one holds)", got)
	}
	if got := claim(t, db, "a", t0.Add(10*time.Minute), time.Hour, 0, 2); !slices.Equal(got, sourceIDs(srcs[0], srcs[1])) {
		t.Errorf("claim when the hold ends: got %v, want slow.example's %v", got, sourceIDs(srcs[0], srcs[1]))
	}
	// A later hold that ends later does replace it.
	if err := db.ReleaseSources(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := db.HoldHost(ctx, "fast.example", t0.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.HoldHost(ctx, "fast.example", t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, db, "b", t0.Add(25*time.Minute), time.Hour, 0, 0); !slices.Equal(got, sourceIDs(srcs[0], srcs[1])) {
		t.Errorf("claim during fast.example's extended hold: got %v, want slow.example's %v", got, sourceIDs(srcs[0], srcs[1]))
	}
	if err := db.HoldHost(ctx, "", t0); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("hold no host: got %v, want ErrInvalid", err)
	}
}

// testClaimRecordPollEnds: recording a poll ends the claim, whoever holds
// it, so a source still due is claimable at once; so does giving the
// source a new URL, which refuses the claimed poll's record.
func (c *contract) testClaimRecordPollEnds(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	t0 := clk.T
	srcs := createSources(t, db, 2, func(i int) string { return fmt.Sprintf("https://agency.example/feed/%d", i) })
	claimed, err := db.ClaimDueSources(ctx, "a", t0, time.Hour, 0, 0)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: got %v, %v", claimed, err)
	}
	// A poll that failed and wants another try at once.
	s := claimed[0]
	s.LastAttempt, s.LastError, s.ConsecutiveErrors = t0, "connection refused", 1
	if _, err := db.RecordPoll(ctx, s.URL, s, nil); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, db, "b", t0, time.Hour, 0, 0); !slices.Equal(got, sourceIDs(srcs[0])) {
		t.Errorf("claim after the poll was recorded: got %v, want %v", got, srcs[0].ID)
	}
	// A person gives the second a new URL while a polls its old one.
	if _, err := db.UpdateSource(ctx, srcs[1].ID, func(s *feed.Source) error { s.URL = "https://agency.example/v2"; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimDueSources(ctx, "b", t0, time.Hour, 0, 0)
	if err != nil || len(got) != 1 || got[0].ID != srcs[1].ID || got[0].URL != "https://agency.example/v2" {
		t.Errorf("claim after a new URL: got %+v, %v; want the source with its new URL", got, err)
	}
	if _, err := db.RecordPoll(ctx, claimed[1].URL, claimed[1], nil); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("record the poll of the old URL: got %v, want ErrConflict", err)
	}
}

func (c *contract) testClaimInvalid(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	if _, err := db.ClaimDueSources(ctx, "", clk.T, time.Minute, 1, 0); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("no owner: got %v, want ErrInvalid", err)
	}
	if _, err := db.ClaimDueSources(ctx, "a", clk.T, 0, 1, 0); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("no lease: got %v, want ErrInvalid", err)
	}
}
