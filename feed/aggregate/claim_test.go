package aggregate

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/store"
)

// Pollers with owners share their work through the store's claims, as
// herald serve processes on one database do. Here they share one store
// handle; the store's contract tests show the same across handles and
// processes.

// countingServer serves the Atom fixture at every path after delay,
// counting requests per path and the most under way at once.
type countingServer struct {
	*httptest.Server
	delay time.Duration
	// status, when set, answers every request of a path with it (and
	// Retry-After: retryAfter seconds).
	status     map[string]int
	retryAfter int

	mu        sync.Mutex
	hits      map[string]int
	now, most int
	body      []byte
}

func newCountingServer(t testing.TB, delay time.Duration) *countingServer {
	t.Helper()
	cs := &countingServer{delay: delay, hits: map[string]int{}, status: map[string]int{}, body: fixture(t, "atom.xml")}
	cs.Server = httptest.NewServer(http.HandlerFunc(cs.serve))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) serve(w http.ResponseWriter, r *http.Request) {
	cs.mu.Lock()
	cs.hits[r.URL.Path]++
	cs.now++
	cs.most = max(cs.most, cs.now)
	status := cs.status[r.URL.Path]
	cs.mu.Unlock()
	defer func() {
		cs.mu.Lock()
		cs.now--
		cs.mu.Unlock()
	}()
	select {
	case <-time.After(cs.delay):
	case <-r.Context().Done():
		return
	}
	if status != 0 {
		w.Header().Set("Retry-After", strconv.Itoa(cs.retryAfter))
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml")
	w.Write(cs.body)
}

func (cs *countingServer) count(path string) int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.hits[path]
}

func (cs *countingServer) maxAtOnce() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.most
}

// clock is a settable clock for pollers and the claims they take.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ownedPoller returns a Poller that claims as owner, on the clock.
func ownedPoller(t testing.TB, db store.DB, owner string, clk *clock, o PollerOptions) *Poller {
	t.Helper()
	f := NewFetcher(Options{Guard: guard.Policy{AllowPrivate: true}, Timeout: 10 * time.Second})
	t.Cleanup(f.Close)
	o.Owner, o.Now = owner, clk.Now
	o.Policy.Rand = func() float64 { return 0 }
	return NewPoller(db, f, o)
}

func TestPollersShareDueSources(t *testing.T) {
	clk := &clock{t: time.Now()}
	db := openStore(t, clk.Now)
	srv := newCountingServer(t, 20*time.Millisecond)
	const n = 40
	for i := range n {
		addSource(t, db, fmt.Sprintf("%s/feed/%d", srv.URL, i))
	}
	var pollers []*Poller
	for i := range 3 {
		pollers = append(pollers, ownedPoller(t, db, fmt.Sprintf("instance-%d", i), clk, PollerOptions{Workers: 4, PerHost: 12}))
	}
	for round := 1; round <= 3; round++ {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			sums []Summary
		)
		for _, p := range pollers {
			wg.Go(func() {
				sum, err := p.PollDue(t.Context())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				sums = append(sums, sum)
				mu.Unlock()
			})
		}
		wg.Wait()
		total := 0
		for _, s := range sums {
			total += s.Sources
		}
		if total != n {
			t.Errorf("round %d: %d sources polled by the three, want %d", round, total, n)
		}
		for i := range n {
			if got := srv.count(fmt.Sprintf("/feed/%d", i)); got != round {
				t.Errorf("round %d: /feed/%d fetched %d times, want %d", round, i, got, round)
			}
		}
		srcs, err := db.DueSources(t.Context(), clk.Now(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(srcs) != 0 {
			t.Errorf("round %d: %d sources due still after the pass", round, len(srcs))
		}
		clk.add(time.Hour) // every source is due again
	}
}

// --fetch-per-host holds across instances: two pollers, each allowed 2 per
// host, never fetch more than 2 at once from the one host.
func TestPollersPerHostAcrossInstances(t *testing.T) {
	clk := &clock{t: time.Now()}
	db := openStore(t, clk.Now)
	srv := newCountingServer(t, 30*time.Millisecond)
	for i := range 12 {
		addSource(t, db, fmt.Sprintf("%s/feed/%d", srv.URL, i))
	}
	var wg sync.WaitGroup
	for i := range 2 {
		p := ownedPoller(t, db, fmt.Sprintf("instance-%d", i), clk, PollerOptions{Workers: 8, PerHost: 2})
		wg.Go(func() {
			if _, err := p.PollDue(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := srv.maxAtOnce(); m > 2 {
		t.Errorf("%d fetches at once from one host by two instances, want at most 2", m)
	}
	for i := range 12 {
		if got := srv.count(fmt.Sprintf("/feed/%d", i)); got != 1 {
			t.Errorf("/feed/%d fetched %d times, want 1", i, got)
		}
	}
}

// A 429 with Retry-After holds the host for every instance until then.
func TestRetryAfterHoldsHostForAll(t *testing.T) {
	clk := &clock{t: time.Now()}
	db := openStore(t, clk.Now)
	srv := newCountingServer(t, 0)
	srv.status["/feed/0"], srv.retryAfter = http.StatusTooManyRequests, 600
	addSource(t, db, srv.URL+"/feed/0")
	// The second is due a minute later, after the first's answer.
	second := addSource(t, db, srv.URL+"/feed/1")
	if _, err := db.RecordPoll(t.Context(), second.URL, withNextFetch(*second, clk.Now().Add(time.Minute)), nil); err != nil {
		t.Fatal(err)
	}
	a := ownedPoller(t, db, "instance-a", clk, PollerOptions{})
	b := ownedPoller(t, db, "instance-b", clk, PollerOptions{})
	if _, err := a.PollDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Minute)
	if _, err := b.PollDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := srv.count("/feed/1"); got != 0 {
		t.Errorf("the other source of a host that asked for 10 minutes was fetched %d times within 2", got)
	}
	clk.add(9 * time.Minute)
	if _, err := b.PollDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := [2]int{srv.count("/feed/0"), srv.count("/feed/1")}, [2]int{2, 1}; got != want {
		t.Errorf("after the hold: fetches %v, want %v", got, want)
	}
}

func withNextFetch(s feed.Source, at time.Time) feed.Source {
	s.NextFetch, s.LastAttempt = at, at.Add(-time.Hour)
	return s
}

// A poller whose Run is stopped gives back the claims of the polls it cut
// short, so that another instance takes them at once.
func TestStoppedPollerReleasesClaims(t *testing.T) {
	clk := &clock{t: time.Now()}
	db := openStore(t, clk.Now)
	srv := newCountingServer(t, time.Hour) // answers nothing in time
	for i := range 3 {
		addSource(t, db, fmt.Sprintf("%s/feed/%d", srv.URL, i))
	}
	p := ownedPoller(t, db, "stopping", clk, PollerOptions{PerHost: 3})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		p.Run(ctx)
		close(done)
	}()
	for srv.count("/feed/0")+srv.count("/feed/1")+srv.count("/feed/2") < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	other, err := db.ClaimDueSources(t.Context(), "other", clk.Now(), time.Minute, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 0 {
		t.Fatalf("another instance claimed %d sources while the poller held them", len(other))
	}
	cancel()
	<-done
	other, err = db.ClaimDueSources(t.Context(), "other", clk.Now(), time.Minute, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 3 {
		t.Errorf("after the poller stopped another instance claimed %d sources, want all 3 at once", len(other))
	}
}

// Sources claimed by an instance that died are polled by another once the
// claim's lease has run out, not before.
func TestDeadInstanceSourcesTakenOver(t *testing.T) {
	clk := &clock{t: time.Now()}
	db := openStore(t, clk.Now)
	srv := newCountingServer(t, 0)
	for i := range 3 {
		addSource(t, db, fmt.Sprintf("%s/feed/%d", srv.URL, i))
	}
	if got, err := db.ClaimDueSources(t.Context(), "dead", clk.Now(), 20*time.Second, 2, 0); err != nil || len(got) != 2 {
		t.Fatalf("the dead instance's claims: %d, %v", len(got), err)
	}
	p := ownedPoller(t, db, "alive", clk, PollerOptions{PerHost: 3})
	sum, err := p.PollDue(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sources != 1 {
		t.Errorf("while the dead instance's lease runs: polled %d, want only the 1 it did not hold", sum.Sources)
	}
	clk.add(21 * time.Second)
	if sum, err = p.PollDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if sum.Sources != 2 {
		t.Errorf("after the lease: polled %d, want the 2 the dead instance held", sum.Sources)
	}
}

func TestPollerDefaultLease(t *testing.T) {
	db := openStore(t, nil)
	f := NewFetcher(Options{Timeout: 7 * time.Second})
	defer f.Close()
	p := NewPoller(db, f, PollerOptions{Owner: "x"})
	if p.opt.Lease != 21*time.Second {
		t.Errorf("lease %v, want three times the fetch timeout (21s)", p.opt.Lease)
	}
}
