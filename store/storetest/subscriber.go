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

func (c *contract) testSubscribers(t *testing.T) {
	t.Run("Subscribers", c.testSubscriberLifecycle)
	t.Run("ListAndLookup", c.testSubscriberListAndLookup)
	t.Run("UsageAddsUp", c.testSubscriberUsageAddsUp)
}

func (c *contract) testSubscriberLifecycle(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
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
	seen := clk.T.Add(time.Hour)
	for range 2 {
		if err := db.AddUsage(ctx, map[int64]feed.Usage{s.ID: {Polls: 3, NotModified: 1, LastSeen: seen, UserAgents: agents}, 999: {Polls: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err = db.Subscriber(ctx, "partner")
	if err != nil {
		t.Fatal(err)
	}
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

// testSubscriberListAndLookup checks what "herald subscriber" and the
// private feeds read: every field as created, the list by name with
// revoked ones, a rotated token that finds the same subscriber, and the
// errors for unknown names.
func (c *contract) testSubscriberListAndLookup(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	zed := &feed.Subscriber{Name: "zed", Plan: feed.PlanSummary, Tags: []string{"alpha", "beta"}, RatePerMinute: 60, Attribution: true}
	if err := db.CreateSubscriber(ctx, zed, []byte("hash-z")); err != nil {
		t.Fatal(err)
	}
	amy := &feed.Subscriber{Name: "amy", Plan: feed.PlanFull}
	if err := db.CreateSubscriber(ctx, amy, []byte("hash-a")); err != nil {
		t.Fatal(err)
	}
	if zed.ID == 0 || amy.ID == 0 || zed.ID == amy.ID {
		t.Fatalf("ids: got %d and %d", zed.ID, amy.ID)
	}
	got, err := db.Subscriber(ctx, "zed")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != zed.ID || got.Plan != feed.PlanSummary || !slices.Equal(got.Tags, zed.Tags) || got.RatePerMinute != 60 ||
		!got.Attribution || !got.Created.Equal(clk.T) || !got.Revoked.IsZero() || got.Usage.Polls != 0 {
		t.Errorf("read back: got %+v, want %+v created now", got, zed)
	}
	if err := db.RotateSubscriber(ctx, "zed", []byte("hash-z2")); err != nil {
		t.Fatal(err)
	}
	if s, err := db.SubscriberByToken(ctx, []byte("hash-z2")); err != nil || s.ID != zed.ID || s.Name != "zed" {
		t.Errorf("new token: got %+v, %v; want zed", s, err)
	}
	clk.Add(time.Hour)
	if err := db.RevokeSubscriber(ctx, "amy"); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeSubscriber(ctx, "amy"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("revoking twice: got %v, want ErrNotFound", err)
	}
	list, err := db.Subscribers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "amy" || list[1].Name != "zed" || !list[0].Revoked.Equal(clk.T) || !list[1].Revoked.IsZero() {
		t.Errorf("subscribers: got %+v, want amy (revoked now) then zed", list)
	}
	if _, err := db.Subscriber(ctx, "nobody"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown subscriber: got %v, want ErrNotFound", err)
	}
	if err := db.RotateSubscriber(ctx, "nobody", []byte("h")); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("rotating an unknown subscriber: got %v, want ErrNotFound", err)
	}
	if err := db.RevokeSubscriber(ctx, "nobody"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("revoking an unknown subscriber: got %v, want ErrNotFound", err)
	}
}

// testSubscriberUsageAddsUp flushes usage from several goroutines on two
// handles at once, as several instances of herald flush what they counted:
// every count is added, and LastSeen is the latest of them, whatever the
// order the flushes land in.
func (c *contract) testSubscriberUsageAddsUp(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org"})
	s := &feed.Subscriber{Name: "partner", Plan: feed.PlanFull}
	if err := db.CreateSubscriber(ctx, s, []byte("hash")); err != nil {
		t.Fatal(err)
	}
	const flushers, each = 6, 10
	latest := clk.T.Add(time.Duration(flushers*each) * time.Minute)
	var wg sync.WaitGroup
	for f := range flushers {
		handle := []store.DB{db, other}[f%2]
		wg.Go(func() {
			for i := range each {
				// The latest time goes in first from one flusher: later
				// flushes with earlier times must not move LastSeen back.
				seen := latest.Add(-time.Duration(f*each+i) * time.Minute)
				u := feed.Usage{Polls: 2, NotModified: 1, LastSeen: seen, UserAgents: map[string]int64{"Reader/1": 1, fmt.Sprintf("Flusher/%d", f): 2}}
				if err := handle.AddUsage(ctx, map[int64]feed.Usage{s.ID: u}); err != nil {
					t.Errorf("flusher %d: %v", f, err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := db.Subscriber(ctx, "partner")
	if err != nil {
		t.Fatal(err)
	}
	u := got.Usage
	if u.Polls != 2*flushers*each || u.NotModified != flushers*each || !u.LastSeen.Equal(latest) {
		t.Errorf("usage: got %d polls, %d not modified, last seen %v; want %d, %d, %v",
			u.Polls, u.NotModified, u.LastSeen, 2*flushers*each, flushers*each, latest)
	}
	if u.UserAgents["Reader/1"] != flushers*each || u.UserAgents["Flusher/3"] != 2*each {
		t.Errorf("user agents: got %v", u.UserAgents)
	}
	// Usage of nobody is skipped; an empty flush is no error.
	if err := db.AddUsage(ctx, map[int64]feed.Usage{s.ID + 100: {Polls: 5}}); err != nil {
		t.Errorf("usage of an unknown id: %v", err)
	}
	if err := db.AddUsage(ctx, nil); err != nil {
		t.Errorf("no usage: %v", err)
	}
}
