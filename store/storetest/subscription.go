package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testSubscriptions(t *testing.T) {
	t.Run("UpsertAndRenew", c.testSubscriptionUpsertAndRenew)
	t.Run("RenewKeepsDeliveryState", c.testSubscriptionRenewKeepsDeliveryState)
	t.Run("ActiveAndPrune", c.testActiveSubscriptionsAndPrune)
	t.Run("ActiveOrder", c.testActiveSubscriptionsOrder)
	t.Run("DeliveryLog", c.testDeliveryLog)
	t.Run("RecordDeliveryStoresStateOnly", c.testRecordDeliveryStoresStateOnly)
}

// subscription is a valid subscription of callback to the site's Atom feed.
func subscription(callback string, expires time.Time) feed.Subscription {
	return feed.Subscription{Topic: "https://news.example.org/feed.atom", Callback: callback, Secret: "s3cret",
		Lease: feed.DefaultLease, Expires: expires, DeliveredETag: `"e1"`}
}

func (c *contract) testSubscriptionUpsertAndRenew(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	v0 := version(t, db)
	expires := clk.T.Add(feed.DefaultLease)
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example.com/cb", expires))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || !s.Created.Equal(clk.T) || !s.Expires.Equal(expires) || s.Secret != "s3cret" || s.DeliveredETag != `"e1"` || s.Lease != feed.DefaultLease {
		t.Errorf("stored %+v", s)
	}
	// Delivery state moves on.
	s.DeliveredETag, s.Failures, s.NextAttempt = `"e2"`, 2, clk.T.Add(time.Minute)
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 2, Status: 500, Error: "answered 500"}); err != nil {
		t.Fatal(err)
	}
	// Renewal: new secret, lease and expiry; the rest stays.
	clk.Add(time.Hour)
	renew := subscription("https://a.example.com/cb", clk.T.Add(feed.MaxLease))
	renew.Secret, renew.Lease, renew.DeliveredETag = "", feed.MaxLease, `"ignored"`
	r, err := db.UpsertSubscription(ctx, renew)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != s.ID || r.Secret != "" || r.Lease != feed.MaxLease || !r.Expires.Equal(clk.T.Add(feed.MaxLease)) ||
		!r.Created.Equal(s.Created) || r.DeliveredETag != `"e2"` || r.Failures != 2 || !r.NextAttempt.Equal(s.NextAttempt) {
		t.Errorf("renewed %+v, want new secret, lease and expiry over the old delivery state %+v", r, s)
	}
	if log, _ := db.Deliveries(ctx, s.ID, 0); len(log) != 1 {
		t.Errorf("renewal lost the log: %+v", log)
	}
	if v := version(t, db); v != v0 {
		t.Errorf("content version moved from %d to %d: subscriptions are not content", v0, v)
	}

	bad := subscription("ftp://a.example.com/", expires)
	if _, err := db.UpsertSubscription(ctx, bad); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("bad callback: got %v, want feed.ErrInvalid", err)
	}
	bad = subscription("https://a.example.com/other", expires)
	bad.Lease = time.Minute
	if _, err := db.UpsertSubscription(ctx, bad); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("lease below the minimum: got %v, want feed.ErrInvalid", err)
	}
}

// testSubscriptionRenewKeepsDeliveryState checks what the hub relies on
// when a subscriber renews, even after its lease ran out (before a prune):
// the subscription is active again and keeps its ID, log and delivery
// state, and one subscription of the same callback to another topic is
// another subscription. A new subscription takes the delivery state given.
func (c *contract) testSubscriptionRenewKeepsDeliveryState(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	first := subscription("https://a.example.com/cb", clk.T.Add(time.Hour))
	first.Failures, first.NextAttempt = 1, clk.T.Add(time.Minute)
	s, err := db.UpsertSubscription(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if s.Failures != 1 || !s.NextAttempt.Equal(first.NextAttempt) || s.DeliveredETag != `"e1"` {
		t.Errorf("new subscription: got %+v, want the delivery state given", s)
	}
	s.Failures, s.NextAttempt, s.DeliveredETag = 3, clk.T.Add(time.Hour), `"e3"`
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 3, Status: 503}); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Hour) // the lease ran out
	if active, _ := db.ActiveSubscriptions(ctx, clk.T); len(active) != 0 {
		t.Fatalf("active after the lease: %+v", active)
	}
	again := subscription("https://a.example.com/cb", clk.T.Add(feed.DefaultLease))
	again.Failures, again.NextAttempt, again.DeliveredETag = 0, time.Time{}, `"fresh"`
	r, err := db.UpsertSubscription(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != s.ID || r.Failures != 3 || !r.NextAttempt.Equal(s.NextAttempt) || r.DeliveredETag != `"e3"` || !r.Expires.Equal(again.Expires) {
		t.Errorf("renewed after its lease: got %+v, want id %d with failures 3, next attempt %v, etag \"e3\"", r, s.ID, s.NextAttempt)
	}
	active, err := db.ActiveSubscriptions(ctx, clk.T)
	if err != nil || len(active) != 1 || active[0].ID != s.ID || active[0].Failures != 3 {
		t.Errorf("active after renewal: got %+v, %v", active, err)
	}
	if log, _ := db.Deliveries(ctx, s.ID, 0); len(log) != 1 || log[0].Attempt != 3 {
		t.Errorf("log after renewal: got %+v", log)
	}
	otherTopic := subscription("https://a.example.com/cb", clk.T.Add(feed.DefaultLease))
	otherTopic.Topic = "https://news.example.org/tags/alpha/feed.atom"
	o, err := db.UpsertSubscription(ctx, otherTopic)
	if err != nil {
		t.Fatal(err)
	}
	if o.ID == s.ID || o.Failures != 0 {
		t.Errorf("same callback, other topic: got %+v, want a subscription of its own", o)
	}
	if all, _ := db.Subscriptions(ctx); len(all) != 2 {
		t.Errorf("subscriptions: got %d, want 2", len(all))
	}
}

func (c *contract) testActiveSubscriptionsAndPrune(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	now := clk.T
	for i, expires := range []time.Time{now.Add(time.Hour), now.Add(-time.Second), now, now.Add(2 * time.Hour)} {
		if _, err := db.UpsertSubscription(ctx, subscription(fmt.Sprintf("https://s%d.example.com/", i), expires)); err != nil {
			t.Fatal(err)
		}
	}
	active, err := db.ActiveSubscriptions(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 2 || active[0].Callback != "https://s0.example.com/" || active[1].Callback != "https://s3.example.com/" {
		t.Errorf("active at now: %+v, want s0 and s3", active)
	}
	if all, _ := db.Subscriptions(ctx); len(all) != 4 {
		t.Errorf("all: %d, want 4", len(all))
	}
	n, err := db.PruneSubscriptions(ctx, now)
	if err != nil || n != 2 {
		t.Errorf("prune: %d, %v; want 2 removed", n, err)
	}
	if all, _ := db.Subscriptions(ctx); len(all) != 2 {
		t.Errorf("after prune: %d, want 2", len(all))
	}
}

// testActiveSubscriptionsOrder checks the order the hub delivers in: by
// topic, then by ID; and Subscriptions by ID.
func (c *contract) testActiveSubscriptionsOrder(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	var ids []int64
	for i, topic := range []string{"https://news.example.org/z.atom", "https://news.example.org/a.atom", "https://news.example.org/z.atom", "https://news.example.org/a.atom"} {
		s := subscription(fmt.Sprintf("https://s%d.example.com/", i), clk.T.Add(time.Hour))
		s.Topic = topic
		stored, err := db.UpsertSubscription(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, stored.ID)
	}
	active, err := db.ActiveSubscriptions(ctx, clk.T)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, s := range active {
		got = append(got, s.ID)
	}
	if want := []int64{ids[1], ids[3], ids[0], ids[2]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("active: got %v, want %v (by topic, then ID)", got, want)
	}
	all, err := db.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, s := range all {
		got = append(got, s.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("all: got %v, want %v (by ID)", got, ids)
	}
}

func (c *contract) testDeliveryLog(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example.com/cb", clk.T.Add(feed.DefaultLease)))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LogDelivery(ctx, feed.Delivery{SubscriptionID: s.ID, Time: clk.T, Kind: feed.Verify, Attempt: 1, Status: 200, Duration: 3 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for i := range feed.DeliveryLogSize + 5 {
		clk.Add(time.Second)
		d := feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: i + 1, Status: 503, Error: fmt.Sprintf("failure %d", i+1)}
		if err := db.RecordDelivery(ctx, s, d); err != nil {
			t.Fatal(err)
		}
	}
	log, err := db.Deliveries(ctx, s.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != feed.DeliveryLogSize {
		t.Fatalf("log keeps %d entries, want %d", len(log), feed.DeliveryLogSize)
	}
	if first := log[0]; first.Attempt != feed.DeliveryLogSize+5 || first.Error != "failure 25" || !first.Time.Equal(clk.T) ||
		first.Kind != feed.Content || first.Status != 503 || first.SubscriptionID != s.ID {
		t.Errorf("newest entry %+v", first)
	}
	if last := log[len(log)-1]; last.Attempt != 6 {
		t.Errorf("oldest entry kept: attempt %d, want 6 (the verification and 5 oldest dropped)", last.Attempt)
	}
	if three, _ := db.Deliveries(ctx, s.ID, 3); len(three) != 3 || three[0].Attempt != 25 {
		t.Errorf("limit 3: %+v", three)
	}

	if err := db.DeleteSubscription(ctx, s.Topic, s.Callback); err != nil {
		t.Fatal(err)
	}
	if log, _ := db.Deliveries(ctx, s.ID, 0); len(log) != 0 {
		t.Errorf("the log outlived its subscription: %d entries", len(log))
	}
	if err := db.DeleteSubscription(ctx, s.Topic, s.Callback); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: got %v, want feed.ErrNotFound", err)
	}
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 1}); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("record for a removed subscription: got %v, want feed.ErrNotFound", err)
	}
	if err := db.LogDelivery(ctx, feed.Delivery{SubscriptionID: s.ID, Time: clk.T, Kind: feed.Verify, Attempt: 1}); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("log for a removed subscription: got %v, want feed.ErrNotFound", err)
	}
}

// testRecordDeliveryStoresStateOnly checks that RecordDelivery writes the
// delivery state and nothing else of the subscription it is given (the
// hub's copy may be older than a renewal), that LogDelivery changes no
// state, and that a log is read back whole.
func (c *contract) testRecordDeliveryStoresStateOnly(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example.com/cb", clk.T.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	stale := *s
	stale.Secret, stale.Expires, stale.Lease = "old secret", clk.T.Add(-time.Hour), feed.MinLease
	stale.DeliveredETag, stale.Failures, stale.NextAttempt = `"e9"`, 4, clk.T.Add(10*time.Minute)
	d := feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 4, Status: 502, Duration: 1500 * time.Millisecond, Error: "bad gateway"}
	if err := db.RecordDelivery(ctx, &stale, d); err != nil {
		t.Fatal(err)
	}
	if err := db.LogDelivery(ctx, feed.Delivery{SubscriptionID: s.ID, Time: clk.T.Add(time.Second), Kind: feed.Verify, Attempt: 1, Status: 200}); err != nil {
		t.Fatal(err)
	}
	all, err := db.Subscriptions(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("subscriptions: got %+v, %v", all, err)
	}
	got := all[0]
	if got.Secret != "s3cret" || !got.Expires.Equal(s.Expires) || got.Lease != s.Lease {
		t.Errorf("a delivery changed the lease: got %+v, want secret, expiry and lease of %+v", got, s)
	}
	if got.DeliveredETag != `"e9"` || got.Failures != 4 || !got.NextAttempt.Equal(stale.NextAttempt) {
		t.Errorf("delivery state: got %+v, want etag \"e9\", 4 failures, next attempt %v", got, stale.NextAttempt)
	}
	log, err := db.Deliveries(ctx, s.ID, 0)
	if err != nil || len(log) != 2 {
		t.Fatalf("log: got %+v, %v", log, err)
	}
	if e := log[1]; e.SubscriptionID != s.ID || !e.Time.Equal(d.Time) || e.Kind != d.Kind || e.Attempt != 4 || e.Status != 502 ||
		e.Duration != d.Duration || e.Error != d.Error {
		t.Errorf("recorded delivery: got %+v, want %+v", e, d)
	}
	if e := log[0]; e.Kind != feed.Verify || e.Status != 200 {
		t.Errorf("logged delivery: got %+v", e)
	}
	if log, err := db.Deliveries(ctx, s.ID+100, 0); err != nil || len(log) != 0 {
		t.Errorf("log of no subscription: got %+v, %v; want empty", log, err)
	}
}
