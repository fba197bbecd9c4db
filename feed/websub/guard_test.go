package websub

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/feed"
)

func TestRequestRefusesPrivateCallbacks(t *testing.T) {
	h := New(newFakeStore(), Options{URL: testHub}) // the zero Guard: public addresses only
	for cb, class := range map[string]string{
		"http://127.0.0.1:9/cb":          "loopback",
		"http://localhost:9/cb":          "loopback",
		"https://10.1.2.3/cb":            "private",
		"http://[::1]:8080/cb":           "loopback",
		"http://169.254.169.254/latest/": "link-local",
	} {
		err := h.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: cb})
		var ve *feed.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "hub.callback" || !strings.Contains(err.Error(), class) {
			t.Errorf("%s: got %v, want a hub.callback error saying %s", cb, err, class)
		}
	}
	if len(h.queue) != 0 {
		t.Errorf("%d refused requests queued", len(h.queue))
	}
	open := New(newFakeStore(), Options{URL: testHub, Guard: guardOff})
	if err := open.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: "http://127.0.0.1:9/cb"}); err != nil {
		t.Errorf("with private callbacks allowed: got %v, want the request taken", err)
	}
}

// A callback that passed at subscribe time but points at a private address
// when herald connects (its name resolves elsewhere now, say) gets nothing:
// the guard is checked at every connection, for deliveries and verifications.
func TestGuardCheckedAtEveryConnection(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(r.URL.Query().Get("hub.challenge")))
	}))
	defer srv.Close()
	st, ft := newFakeStore(), &fakeTopics{}
	st.recorded = make(chan feed.Delivery, 10)
	ft.set(testTopic, "v1")
	_, err := st.UpsertSubscription(t.Context(), feed.Subscription{Topic: testTopic, Callback: srv.URL + "/push",
		Lease: feed.DefaultLease, Expires: time.Now().Add(feed.DefaultLease), DeliveredETag: `"v0"`})
	if err != nil {
		t.Fatal(err)
	}
	h := New(st, Options{URL: testHub, Retry: RetryPolicy{Attempts: 1}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		h.Run(ctx, ft)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()
	select {
	case d := <-st.recorded:
		if d.Status != 0 || !strings.Contains(d.Error, "refused to connect to 127.0.0.1") {
			t.Errorf("delivery to a loopback callback: got %+v, want it refused by the guard", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no delivery recorded within 30s")
	}
	h.verify(ctx, ft, Request{Mode: Subscribe, Topic: testTopic, Callback: srv.URL + "/other"})
	if _, ok := st.sub(testTopic, srv.URL+"/other"); ok {
		t.Error("a verification to a loopback callback stored a subscription")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback callback was reached %d times, want 0", n)
	}
}
