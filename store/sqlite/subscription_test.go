package sqlite

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"herald/feed"
)

func subscription(callback string, expires time.Time) feed.Subscription {
	return feed.Subscription{Topic: "https://news.example.org/feed.atom", Callback: callback, Secret: "s3cret",
		Lease: feed.DefaultLease, Expires: expires, DeliveredETag: `"e1"`}
}

func TestSubscriptionUpsertAndRenew(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	v0, _ := db.Version(ctx)
	expires := clk.t.Add(feed.DefaultLease)
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example.com/cb", expires))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || !s.Created.Equal(clk.t) || !s.Expires.Equal(expires) || s.Secret != "s3cret" || s.DeliveredETag != `"e1"` || s.Lease != feed.DefaultLease {
		t.Errorf("stored %+v", s)
	}
	// Delivery state moves on.
	s.DeliveredETag, s.Failures, s.NextAttempt = `"e2"`, 2, clk.t.Add(time.Minute)
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: clk.t, Kind: feed.Content, Attempt: 2, Status: 500, Error: "answered 500"}); err != nil {
		t.Fatal(err)
	}
	// Renewal: new secret, lease and expiry; the rest stays.
	clk.t = clk.t.Add(time.Hour)
	renew := subscription("https://a.example.com/cb", clk.t.Add(feed.MaxLease))
	renew.Secret, renew.Lease, renew.DeliveredETag = "", feed.MaxLease, `"ignored"`
	r, err := db.UpsertSubscription(ctx, renew)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != s.ID || r.Secret != "" || r.Lease != feed.MaxLease || !r.Expires.Equal(clk.t.Add(feed.MaxLease)) ||
		!r.Created.Equal(s.Created) || r.DeliveredETag != `"e2"` || r.Failures != 2 || !r.NextAttempt.Equal(s.NextAttempt) {
		t.Errorf("renewed %+v, want new secret, lease and expiry over the old delivery state %+v", r, s)
	}
	if log, _ := db.Deliveries(ctx, s.ID, 0); len(log) != 1 {
		t.Errorf("renewal lost the log: %+v", log)
	}
	if v, _ := db.Version(ctx); v != v0 {
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

func TestActiveSubscriptionsAndPrune(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	now := clk.t
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

func TestDeliveryLog(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	s, err := db.UpsertSubscription(ctx, subscription("https://a.example.com/cb", clk.t.Add(feed.DefaultLease)))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LogDelivery(ctx, feed.Delivery{SubscriptionID: s.ID, Time: clk.t, Kind: feed.Verify, Attempt: 1, Status: 200, Duration: 3 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	for i := range feed.DeliveryLogSize + 5 {
		clk.t = clk.t.Add(time.Second)
		d := feed.Delivery{Time: clk.t, Kind: feed.Content, Attempt: i + 1, Status: 503, Error: fmt.Sprintf("failure %d", i+1)}
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
	if first := log[0]; first.Attempt != feed.DeliveryLogSize+5 || first.Error != "failure 25" || !first.Time.Equal(clk.t) ||
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
	if err := db.RecordDelivery(ctx, s, feed.Delivery{Time: clk.t, Kind: feed.Content, Attempt: 1}); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("record for a removed subscription: got %v, want feed.ErrNotFound", err)
	}
	if err := db.LogDelivery(ctx, feed.Delivery{SubscriptionID: s.ID, Time: clk.t, Kind: feed.Verify, Attempt: 1}); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("log for a removed subscription: got %v, want feed.ErrNotFound", err)
	}
}
