package sqlite

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"herald/feed"
)

func TestSubscribers(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	s := &feed.Subscriber{Name: "partner", Plan: feed.PlanFull, Tags: []string{"alpha"}, RatePerMinute: 10}
	if err := db.CreateSubscriber(ctx, s, []byte("hash-1")); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSubscriber(ctx, &feed.Subscriber{Name: "partner", Plan: feed.PlanFull}, []byte("hash-2")); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("duplicate name: got %v, want ErrConflict", err)
	}
	if err := db.CreateSubscriber(ctx, &feed.Subscriber{Name: "x", Plan: "gold"}, []byte("hash-3")); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("bad plan: got %v, want ErrInvalid", err)
	}
	got, err := db.SubscriberByToken(ctx, []byte("hash-1"))
	if err != nil || got.Name != "partner" || got.Tags[0] != "alpha" || got.RatePerMinute != 10 {
		t.Fatalf("by token: got %+v, %v", got, err)
	}
	if _, err := db.SubscriberByToken(ctx, []byte("nope")); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}

	// Usage adds up, and only the busiest user agents are kept.
	agents := map[string]int64{}
	for i := range feed.MaxUserAgents + 5 {
		agents[fmt.Sprintf("UA/%02d", i)] = int64(i + 1)
	}
	seen := clk.t.Add(time.Hour)
	for range 2 {
		if err := db.AddUsage(ctx, map[int64]feed.Usage{s.ID: {Polls: 3, NotModified: 1, LastSeen: seen, UserAgents: agents}, 999: {Polls: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = db.Subscriber(ctx, "partner")
	u := got.Usage
	if u.Polls != 6 || u.NotModified != 2 || !u.LastSeen.Equal(seen) || len(u.UserAgents) != feed.MaxUserAgents || u.UserAgents["UA/24"] != 50 {
		t.Errorf("usage: got %+v", u)
	}
	if _, ok := u.UserAgents["UA/00"]; ok {
		t.Errorf("the quietest user agent was kept over busier ones")
	}

	if err := db.RotateSubscriber(ctx, "partner", []byte("hash-9")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubscriberByToken(ctx, []byte("hash-1")); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("old hash after rotation: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeSubscriber(ctx, "partner"); err != nil {
		t.Fatal(err)
	}
	got, _ = db.SubscriberByToken(ctx, []byte("hash-9"))
	if got == nil || got.Revoked.IsZero() {
		t.Errorf("revoked subscriber: got %+v, want Revoked set", got)
	}
	if err := db.RotateSubscriber(ctx, "partner", []byte("hash-10")); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("rotating a revoked subscriber: got %v, want ErrNotFound", err)
	}
}
