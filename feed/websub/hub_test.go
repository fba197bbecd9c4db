package websub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"herald/feed"
	"herald/feed/guard"
)

const (
	testTopic = "https://news.example.org/tags/cyber-diplomacy/feed.atom"
	testHub   = "https://news.example.org/websub"
)

// bubble is a hub running in a synctest bubble over fakes: time is the
// bubble's, the network is in memory.
type bubble struct {
	t      *testing.T
	hub    *Hub
	store  *fakeStore
	topics *fakeTopics
	net    *fakeNet
}

// startHub runs a hub until the end of the test; call it inside synctest.Test.
func startHub(t *testing.T, o Options) *bubble {
	t.Helper()
	b := &bubble{t: t, store: newFakeStore(), topics: &fakeTopics{}, net: &fakeNet{}}
	b.topics.set(testTopic, "v1")
	o.URL = testHub
	o.Guard.AllowPrivate = true // the fake network has no addresses
	b.hub = New(b.store, o)
	b.hub.client = &http.Client{Transport: b.net, CheckRedirect: b.hub.client.CheckRedirect}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		b.hub.Run(ctx, b.topics)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	synctest.Wait()
	return b
}

// subscriber registers a callback at rawURL and subscribes it directly in
// the store, as a verified subscription would be, with the lease given.
func (b *bubble) subscriber(rawURL, secret string, lease time.Duration) *subscriber {
	b.t.Helper()
	s := &subscriber{}
	b.net.handle(rawURL, s)
	c, _ := b.topics.Topic(b.t.Context(), testTopic)
	_, err := b.store.UpsertSubscription(b.t.Context(), feed.Subscription{Topic: testTopic, Callback: rawURL, Secret: secret,
		Lease: lease, Expires: time.Now().Add(lease), DeliveredETag: c.ETag})
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// change publishes a new version of the topic, as a write in this process
// does, and waits until the hub has done all it will do now.
func (b *bubble) change(body string) {
	b.topics.set(testTopic, body)
	b.store.bump()
	b.hub.Notify()
	synctest.Wait()
}

func TestSubscribeVerifiesIntent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{})
		sub := &subscriber{}
		b.net.handle("https://sub.example.com/cb", sub)
		cb := "https://sub.example.com/cb?id=7&x=a+b"
		err := b.hub.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: cb, Lease: 48 * time.Hour, Secret: "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		gets := sub.challenges()
		if len(gets) != 1 {
			t.Fatalf("got %d verification requests, want 1", len(gets))
		}
		q := gets[0]
		for k, want := range map[string]string{"hub.mode": "subscribe", "hub.topic": testTopic, "hub.lease_seconds": "172800", "id": "7", "x": "a b"} {
			if got := q.Get(k); got != want {
				t.Errorf("verification %s: got %q, want %q", k, got, want)
			}
		}
		if len(q.Get("hub.challenge")) < 16 {
			t.Errorf("hub.challenge %q is too short to be unguessable", q.Get("hub.challenge"))
		}
		s, ok := b.store.sub(testTopic, cb)
		if !ok {
			t.Fatal("verified subscription not stored")
		}
		if want := time.Now().Add(48 * time.Hour); !s.Expires.Equal(want) || s.Secret != "s3cret" || s.DeliveredETag != `"v1"` {
			t.Errorf("stored %+v, want expiry %v, the secret, and the current ETag as delivered", s, want)
		}
		if log := b.store.deliveries(); len(log) != 1 || log[0].Kind != feed.Verify || log[0].Status != 200 || log[0].SubscriptionID != s.ID {
			t.Errorf("log %+v, want one verification of subscription %d", log, s.ID)
		}

		// Unsubscribing is verified too, and removes it.
		if err := b.hub.Request(t.Context(), Request{Mode: Unsubscribe, Topic: testTopic, Callback: cb}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if gets := sub.challenges(); len(gets) != 2 || gets[1].Get("hub.mode") != "unsubscribe" || gets[1].Has("hub.lease_seconds") {
			t.Errorf("unsubscribe verification: got %v", gets)
		}
		if _, ok := b.store.sub(testTopic, cb); ok {
			t.Error("unsubscribed subscription is still stored")
		}
	})
}

func TestIntentNotConfirmed(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*subscriber)
	}{
		{"no echo", func(s *subscriber) { s.noEcho = true }},
		{"404", func(s *subscriber) { s.getCode = http.StatusNotFound }},
		{"redirect", func(s *subscriber) { s.getCode = http.StatusFound }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := startHub(t, Options{})
				sub := &subscriber{}
				sub.set(tc.set)
				b.net.handle("https://sub.example.com/cb", sub)
				if err := b.hub.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: "https://sub.example.com/cb"}); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if len(sub.challenges()) != 1 {
					t.Fatalf("got %d verification requests, want 1", len(sub.challenges()))
				}
				if _, ok := b.store.sub(testTopic, "https://sub.example.com/cb"); ok {
					t.Error("subscription stored without confirmed intent")
				}
			})
		})
	}
}

func TestDeliversEachChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{})
		signed := b.subscriber("https://a.example.com/push", "a secret", feed.DefaultLease)
		plain := b.subscriber("https://b.example.com/push", "", feed.DefaultLease)
		b.change("v2")
		for name, s := range map[string]*subscriber{"signed": signed, "plain": plain} {
			got := s.got()
			if len(got) != 1 || got[0].body != "v2" {
				t.Fatalf("%s: got deliveries %q, want one of v2", name, bodies(got))
			}
			h := got[0].header
			if ct := h.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
			if l := h.Get("Link"); !strings.Contains(l, "<"+testHub+`>; rel="hub"`) || !strings.Contains(l, "<"+testTopic+`>; rel="self"`) {
				t.Errorf("%s: Link %q, want the hub and the topic", name, l)
			}
		}
		// The subscriber's own check: HMAC-SHA256 of the body under its secret.
		m := hmac.New(sha256.New, []byte("a secret"))
		m.Write([]byte("v2"))
		if got, want := signed.got()[0].header.Get("X-Hub-Signature"), "sha256="+hex.EncodeToString(m.Sum(nil)); got != want {
			t.Errorf("signature: got %q, want %q", got, want)
		}
		if sig := plain.got()[0].header.Get("X-Hub-Signature"); sig != "" {
			t.Errorf("unsigned subscription got a signature %q", sig)
		}

		// A write that leaves the topic's document as it was sends nothing.
		b.store.bump()
		b.hub.Notify()
		synctest.Wait()
		if n := len(signed.got()); n != 1 {
			t.Errorf("after a write that did not change the feed: %d deliveries, want 1", n)
		}
		b.change("v3")
		if got := bodies(signed.got()); got != "v2,v3" {
			t.Errorf("got %s, want v2,v3", got)
		}
		for _, d := range b.store.deliveries() {
			if d.Kind != feed.Content || d.Error != "" || d.Status != 204 || d.Attempt != 1 {
				t.Errorf("log entry %+v, want a first content delivery answered 204", d)
			}
		}
	})
}

func TestExpiredAndUnsubscribedGetNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{})
		short := b.subscriber("https://short.example.com/push", "", feed.MinLease)
		long := b.subscriber("https://long.example.com/push", "", feed.DefaultLease)
		gone := b.subscriber("https://gone.example.com/push", "", feed.DefaultLease)
		if err := b.hub.Request(t.Context(), Request{Mode: Unsubscribe, Topic: testTopic, Callback: "https://gone.example.com/push"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(feed.MinLease + time.Minute)
		b.change("v2")
		if got := bodies(long.got()); got != "v2" {
			t.Errorf("active lease: got %q, want v2", got)
		}
		if got := short.got(); len(got) != 0 {
			t.Errorf("expired lease got %q", bodies(got))
		}
		if got := gone.got(); len(got) != 0 {
			t.Errorf("unsubscribed callback got %q", bodies(got))
		}
		// Expired leases are pruned, once an hour.
		time.Sleep(pruneEvery)
		if _, ok := b.store.sub(testTopic, "https://short.example.com/push"); ok {
			t.Error("expired subscription not pruned")
		}
		if _, ok := b.store.sub(testTopic, "https://long.example.com/push"); !ok {
			t.Error("active subscription pruned")
		}
	})
}

func TestRetryWithBackoffThenGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{})
		sub := b.subscriber("https://flaky.example.com/push", "", feed.DefaultLease)
		sub.set(func(s *subscriber) { s.status = http.StatusServiceUnavailable })
		start := time.Now()
		b.change("v2")
		time.Sleep(3 * time.Hour)
		var offsets []time.Duration
		for _, r := range sub.got() {
			offsets = append(offsets, r.at.Sub(start))
		}
		want := []time.Duration{0, time.Minute, 3 * time.Minute, 7 * time.Minute, 15 * time.Minute, 31 * time.Minute, 63 * time.Minute}
		if !slices.Equal(offsets, want) {
			t.Errorf("attempts at %v, want %v", offsets, want)
		}
		log := b.store.deliveries()
		for i, d := range log {
			if d.Attempt != i+1 || d.Status != 503 || d.Error == "" {
				t.Errorf("log entry %d: %+v, want attempt %d failed with 503", i, d, i+1)
			}
		}
		if last := log[len(log)-1]; !strings.Contains(last.Error, "gave up after 7 attempts") {
			t.Errorf("last log entry %q, want it to say the hub gave up", last.Error)
		}
		s, _ := b.store.sub(testTopic, "https://flaky.example.com/push")
		if s.Failures != 0 || !s.NextAttempt.IsZero() || s.DeliveredETag != `"v2"` {
			t.Errorf("after giving up: %+v, want the news dropped and no retry pending", s)
		}

		// The next change is tried afresh, and a success ends the failures.
		sub.set(func(s *subscriber) { s.status = 0 })
		b.change("v3")
		if got := sub.got(); len(got) != 8 || got[7].body != "v3" {
			t.Errorf("after recovery: got %d deliveries ending with %q, want v3 delivered", len(got), got[len(got)-1].body)
		}
	})
}

func TestRetrySendsTheLatestContent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{})
		sub := b.subscriber("https://flaky.example.com/push", "", feed.DefaultLease)
		sub.set(func(s *subscriber) { s.status = http.StatusInternalServerError })
		b.change("v2")
		b.change("v3") // while v2 waits for its retry
		sub.set(func(s *subscriber) { s.status = 0 })
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := bodies(sub.got()); got != "v2,v3" {
			t.Errorf("got %s, want v2 (failed) then v3 at the retry", got)
		}
		if s, _ := b.store.sub(testTopic, "https://flaky.example.com/push"); s.Failures != 0 || s.DeliveredETag != `"v3"` {
			t.Errorf("after the retry: %+v", s)
		}
	})
}

func TestGoneRemovesSubscription(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{})
		sub := b.subscriber("https://left.example.com/push", "", feed.DefaultLease)
		sub.set(func(s *subscriber) { s.status = http.StatusGone })
		b.change("v2")
		if _, ok := b.store.sub(testTopic, "https://left.example.com/push"); ok {
			t.Error("subscription kept after 410 Gone")
		}
		b.change("v3")
		if n := len(sub.got()); n != 1 {
			t.Errorf("got %d deliveries, want 1 (none after 410)", n)
		}
	})
}

func TestNoticesOtherProcessesWithinCheckEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := startHub(t, Options{CheckEvery: 2 * time.Second})
		sub := b.subscriber("https://sub.example.com/push", "", feed.DefaultLease)
		start := time.Now()
		// Another process writes: the version moves, nobody calls Notify.
		b.topics.set(testTopic, "v2")
		b.store.bump()
		time.Sleep(5 * time.Second)
		got := sub.got()
		if len(got) != 1 || got[0].body != "v2" {
			t.Fatalf("got %q, want v2", bodies(got))
		}
		if d := got[0].at.Sub(start); d > 2*time.Second {
			t.Errorf("delivered %v after the write, want within CheckEvery (2s)", d)
		}
	})
}

func TestRunStopsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, ft, n := newFakeStore(), &fakeTopics{}, &fakeNet{}
		ft.set(testTopic, "v1")
		h := New(st, Options{URL: testHub, Guard: guardOff, Timeout: time.Hour})
		h.client = &http.Client{Transport: n}
		sub := &subscriber{hang: true}
		n.handle("https://slow.example.com/push", sub)
		st.UpsertSubscription(t.Context(), feed.Subscription{Topic: testTopic, Callback: "https://slow.example.com/push",
			Lease: feed.DefaultLease, Expires: time.Now().Add(feed.DefaultLease)})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			h.Run(ctx, ft)
			close(done)
		}()
		synctest.Wait() // the delivery hangs in the callback
		select {
		case <-done:
			t.Fatal("Run returned before its context ended")
		default:
		}
		cancel()
		<-done // returns, with the hanging delivery cut short
		if log := st.deliveries(); len(log) != 0 {
			t.Errorf("a delivery cut short by shutdown was recorded: %+v", log)
		}
		if s, _ := st.sub(testTopic, "https://slow.example.com/push"); s.DeliveredETag != "" || s.Failures != 0 {
			t.Errorf("after shutdown: %+v, want the news still pending and no failure counted", s)
		}
	})
}

func TestRequestQueue(t *testing.T) {
	st := newFakeStore()
	h := New(st, Options{URL: testHub, Guard: guardOff, MaxPending: 1})
	ctx := t.Context()
	a := Request{Mode: Subscribe, Topic: testTopic, Callback: "https://a.example.com/"}
	if err := h.Request(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Secret = "newer"
	if err := h.Request(ctx, a); err != nil {
		t.Errorf("a repeated request: got %v, want it to replace the one waiting", err)
	}
	if q := st.queued(); len(q) != 1 || q[0].Secret != "newer" || q[0].Callback != "https://a.example.com/" {
		t.Errorf("queued %+v: the newer request did not replace the one waiting", q)
	}
	err := h.Request(ctx, Request{Mode: Subscribe, Topic: testTopic, Callback: "https://b.example.com/"})
	if !errors.Is(err, ErrBusy) {
		t.Errorf("a request past MaxPending: got %v, want ErrBusy", err)
	}
	if err := h.Request(ctx, Request{Mode: Subscribe, Topic: testTopic, Callback: "ftp://b.example.com/"}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("a bad callback: got %v, want feed.ErrInvalid", err)
	}
}

// guardOff lets the hub call any address: the fake network has none.
var guardOff = guard.Policy{AllowPrivate: true}
