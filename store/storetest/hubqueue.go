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

func (c *contract) testHubQueue(t *testing.T) {
	t.Run("Requests", c.testHubRequests)
	t.Run("RequestsBounded", c.testHubRequestsBounded)
	t.Run("RequestClaimsExclusive", c.testHubRequestClaimsExclusive)
	t.Run("RequestLeases", c.testHubRequestLeases)
	t.Run("Deliveries", c.testDeliveryClaims)
	t.Run("DeliveryClaimsExclusive", c.testDeliveryClaimsExclusive)
}

const topic = "https://news.example.org/feed.atom"

// hubRequest is a subscribe request of callback to the site's Atom feed.
func hubRequest(callback string) *feed.HubRequest {
	return &feed.HubRequest{Mode: "subscribe", Topic: topic, Callback: callback, Secret: "s3cret", Lease: feed.DefaultLease}
}

// requestIDs returns the IDs of rs, in order.
func requestIDs(rs ...feed.HubRequest) []int64 {
	ids := []int64{}
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// pending returns PendingHubRequests, failing the test on an error.
func pending(t *testing.T, db store.DB) int {
	t.Helper()
	n, err := db.PendingHubRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testHubRequests: requests are stored whole and claimed oldest first; a
// newer request of the same subscriber replaces a waiting one, whose
// finishing then finds it gone.
func (c *contract) testHubRequests(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	v0 := version(t, db)
	first := hubRequest("https://a.example/cb")
	first.Lease = 90*time.Minute + 300*time.Millisecond
	if err := db.EnqueueHubRequest(ctx, first, 0); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || !first.Created.Equal(clk.T) || first.Lease != 90*time.Minute {
		t.Errorf("queued: got %+v, want an ID, created now, the lease to the second", first)
	}
	clk.Add(time.Second)
	second := hubRequest("https://b.example/cb")
	if err := db.EnqueueHubRequest(ctx, second, 0); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	// The first subscriber changes its mind.
	replaced := &feed.HubRequest{Mode: "unsubscribe", Topic: topic, Callback: "https://a.example/cb"}
	if err := db.EnqueueHubRequest(ctx, replaced, 0); err != nil {
		t.Fatal(err)
	}
	if replaced.ID == first.ID || pending(t, db) != 2 {
		t.Errorf("replaced: got ID %d (first %d) and %d pending, want a new ID and 2 pending", replaced.ID, first.ID, pending(t, db))
	}
	got, err := db.ClaimHubRequests(ctx, "a", clk.T, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.HubRequest{*second, *replaced}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("claimed: got %+v, want the waiting ones, oldest first, whole: %+v", got, want)
	}
	if err := db.FinishHubRequest(ctx, first.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("finish the replaced request: got %v, want ErrNotFound", err)
	}
	if err := db.FinishHubRequest(ctx, second.ID); err != nil {
		t.Errorf("finish: %v", err)
	}
	if err := db.FinishHubRequest(ctx, second.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("finish twice: got %v, want ErrNotFound", err)
	}
	if n := pending(t, db); n != 1 {
		t.Errorf("pending: got %d, want 1", n)
	}
	// A request replaced while it is being verified: the newer one waits,
	// and the verifier's finishing the old one leaves it.
	newer := hubRequest("https://a.example/cb")
	if err := db.EnqueueHubRequest(ctx, newer, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishHubRequest(ctx, replaced.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("finish a request replaced while claimed: got %v, want ErrNotFound", err)
	}
	if got, _ := db.ClaimHubRequests(ctx, "b", clk.T, time.Minute, 0); !slices.Equal(requestIDs(got...), []int64{newer.ID}) {
		t.Errorf("claim after the replacement: got %v, want the newer request %d", requestIDs(got...), newer.ID)
	}

	bad := &feed.HubRequest{Mode: "publish", Topic: topic, Callback: "ftp://a.example/cb"}
	var ve *feed.ValidationError
	if err := db.EnqueueHubRequest(ctx, bad, 0); !errors.As(err, &ve) || len(ve.Fields) != 2 {
		t.Errorf("bad request: got %v, want a ValidationError naming hub.mode and hub.callback", err)
	}
	if v := version(t, db); v != v0 {
		t.Errorf("the queue moved the content version from %d to %d", v0, v)
	}
}

// testHubRequestsBounded: past max waiting requests a new one is refused
// with ErrBusy; a replacement, which adds none, is not.
func (c *contract) testHubRequestsBounded(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	for i := range 3 {
		if err := db.EnqueueHubRequest(ctx, hubRequest(fmt.Sprintf("https://a.example/cb/%d", i)), 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.EnqueueHubRequest(ctx, hubRequest("https://a.example/cb/3"), 3); !errors.Is(err, feed.ErrBusy) {
		t.Errorf("a fourth of 3: got %v, want ErrBusy", err)
	}
	if err := db.EnqueueHubRequest(ctx, hubRequest("https://a.example/cb/1"), 3); err != nil {
		t.Errorf("a replacement at the bound: %v", err)
	}
	if err := db.EnqueueHubRequest(ctx, hubRequest("https://a.example/cb/4"), 0); err != nil {
		t.Errorf("no bound: %v", err)
	}
	if n := pending(t, db); n != 4 {
		t.Errorf("pending: got %d, want 4", n)
	}
}

// testHubRequestClaimsExclusive runs claimers on two handles at once: each
// request is claimed by exactly one.
func (c *contract) testHubRequestClaimsExclusive(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	const requests, claimers = 40, 8
	var want []int64
	for i := range requests {
		r := hubRequest(fmt.Sprintf("https://a.example/cb/%d", i))
		if err := db.EnqueueHubRequest(ctx, r, 0); err != nil {
			t.Fatal(err)
		}
		want = append(want, r.ID)
	}
	var (
		mu  sync.Mutex
		got []int64
	)
	asInstances([]store.DB{db, other}, claimers, func(handle store.DB, owner string) {
		for {
			rs, err := handle.ClaimHubRequests(ctx, owner, clk.T, time.Minute, 3)
			if err != nil {
				t.Errorf("%s: claim: %v", owner, err)
				return
			}
			if len(rs) == 0 {
				return
			}
			if !slices.IsSorted(requestIDs(rs...)) {
				t.Errorf("%s: claimed %v, want the oldest first", owner, requestIDs(rs...))
			}
			mu.Lock()
			got = append(got, requestIDs(rs...)...)
			mu.Unlock()
		}
	})
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("claimed %v, want each of %v once", got, want)
	}
	if n := pending(t, db); n != requests {
		t.Errorf("pending while claimed: got %d, want %d", n, requests)
	}
}

// testHubRequestLeases: a claimed request goes to another claimer when the
// lease runs out, or at once when its holder releases its hub work.
func (c *contract) testHubRequestLeases(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	t0 := clk.T
	r := hubRequest("https://a.example/cb")
	if err := db.EnqueueHubRequest(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	claimIDs := func(owner string, now time.Time) []int64 {
		t.Helper()
		rs, err := db.ClaimHubRequests(ctx, owner, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		return requestIDs(rs...)
	}
	if got := claimIDs("a", t0); !slices.Equal(got, []int64{r.ID}) {
		t.Fatalf("a claims: got %v, want %d", got, r.ID)
	}
	if got := claimIDs("b", t0.Add(59*time.Second)); len(got) != 0 {
		t.Errorf("b claims during a's lease: got %v, want none", got)
	}
	if got := claimIDs("b", t0.Add(time.Minute)); !slices.Equal(got, []int64{r.ID}) {
		t.Errorf("b claims when a's lease ends: got %v, want %d", got, r.ID)
	}
	if err := db.ReleaseHub(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs("c", t0.Add(time.Minute)); len(got) != 0 {
		t.Errorf("c claims after a (no longer the holder) released: got %v, want none", got)
	}
	if err := db.ReleaseHub(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if got := claimIDs("c", t0.Add(time.Minute)); !slices.Equal(got, []int64{r.ID}) {
		t.Errorf("c claims after b released: got %v, want %d", got, r.ID)
	}
	if _, err := db.ClaimHubRequests(ctx, "", t0, time.Minute, 1); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("no owner: got %v, want ErrInvalid", err)
	}
}

// testDeliveryClaims: a subscription is claimed for a version of its topic
// only when that version is news to it, its lease runs, its next attempt
// has come and no live claim holds it; recording the delivery ends the
// claim.
func (c *contract) testDeliveryClaims(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	t0 := clk.T
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example/cb", t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	claimAt := func(etag, owner string, now time.Time) bool {
		t.Helper()
		ok, err := db.ClaimDelivery(ctx, s.ID, etag, owner, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if claimAt(`"e1"`, "a", t0) {
		t.Error("claimed for the version delivered already")
	}
	if !claimAt(`"e2"`, "a", t0) {
		t.Fatal("not claimed for news")
	}
	if claimAt(`"e2"`, "b", t0) || claimAt(`"e3"`, "b", t0.Add(30*time.Second)) || claimAt(`"e2"`, "a", t0) {
		t.Error("claimed while a's claim is live")
	}
	// a delivers e2.
	s.DeliveredETag = `"e2"`
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: t0, Kind: feed.Content, Attempt: 1, Status: 204}); err != nil {
		t.Fatal(err)
	}
	if claimAt(`"e2"`, "b", t0) {
		t.Error("claimed for e2 once it was delivered")
	}
	if !claimAt(`"e3"`, "b", t0) {
		t.Fatal("not claimed for e3 after the delivery of e2 ended a's claim")
	}
	// b fails: the next attempt waits five minutes.
	s.Failures, s.NextAttempt = 1, t0.Add(5*time.Minute)
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: t0, Kind: feed.Content, Attempt: 1, Status: 500, Error: "answered 500"}); err != nil {
		t.Fatal(err)
	}
	if claimAt(`"e3"`, "c", t0.Add(5*time.Minute-time.Microsecond)) {
		t.Error("claimed before the next attempt")
	}
	if !claimAt(`"e3"`, "c", t0.Add(5*time.Minute)) {
		t.Fatal("not claimed when the next attempt came")
	}
	// c dies: its claim runs out, or is released.
	if claimAt(`"e3"`, "d", t0.Add(5*time.Minute+59*time.Second)) {
		t.Error("claimed during c's lease")
	}
	if !claimAt(`"e3"`, "d", t0.Add(6*time.Minute)) {
		t.Error("not claimed when c's lease ended")
	}
	if err := db.ReleaseHub(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if !claimAt(`"e3"`, "e", t0.Add(6*time.Minute)) {
		t.Error("not claimed once d released it")
	}
	// No delivery once the subscription's lease ran out, nor to nobody.
	if err := db.ReleaseHub(ctx, "e"); err != nil {
		t.Fatal(err)
	}
	if claimAt(`"e3"`, "f", t0.Add(time.Hour)) {
		t.Error("claimed for an expired subscription")
	}
	if ok, err := db.ClaimDelivery(ctx, s.ID+100, `"e3"`, "f", t0, time.Minute); ok || err != nil {
		t.Errorf("claim for no subscription: got %v, %v; want false", ok, err)
	}
	if _, err := db.ClaimDelivery(ctx, s.ID, `"e4"`, "f", t0, 0); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("no lease: got %v, want ErrInvalid", err)
	}
}

// testDeliveryClaimsExclusive: of many claimers on two handles asking at
// once for the same version, exactly one gets it.
func (c *contract) testDeliveryClaimsExclusive(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example/cb", clk.T.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	for _, etag := range []string{`"e2"`, `"e3"`} {
		won := winners(t, []store.DB{db, other}, 12, func(handle store.DB, owner string) (bool, error) {
			return handle.ClaimDelivery(ctx, s.ID, etag, owner, clk.T, time.Minute)
		})
		if len(won) != 1 {
			t.Errorf("claims for %s: won by %v, want exactly one", etag, won)
		}
		s.DeliveredETag = etag
		if err := other.RecordDelivery(ctx, s, feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 1, Status: 204}); err != nil {
			t.Fatal(err)
		}
	}
}
