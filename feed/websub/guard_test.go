package websub

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/guard"
)

// stubResolver answers from its table, so that no test reaches DNS, and
// records what it was asked. A name not in the table does not exist.
type stubResolver struct {
	mu    sync.Mutex
	addrs map[string][]netip.Addr
	asked []string
}

func (r *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	if as, ok := r.addrs[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestRequestRefusesPrivateCallbacks(t *testing.T) {
	r := &stubResolver{addrs: map[string][]netip.Addr{
		"intranet.example": {netip.MustParseAddr("10.0.0.7")},
		"split.example":    {netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("::1")},
		"sub.example":      {netip.MustParseAddr("93.184.216.34")},
	}}
	st := newFakeStore()
	h := New(st, Options{URL: testHub, Guard: guard.Policy{Resolver: r}}) // public addresses only
	for cb, class := range map[string]string{
		"http://127.0.0.1:9/cb":          "loopback",
		"http://localhost:9/cb":          "loopback",
		"https://10.1.2.3/cb":            "private",
		"http://[::1]:8080/cb":           "loopback",
		"http://169.254.169.254/latest/": "link-local",
		// Every spelling of an address, read as browsers read it.
		"http://2130706433/cb":         "loopback",
		"http://0x7f000001/cb":         "loopback",
		"http://0177.0.0.1/cb":         "loopback",
		"http://127.1/cb":              "loopback",
		"http://localhost./cb":         "loopback",
		"http://push.localhost/cb":     "loopback",
		"http://[::ffff:127.0.0.1]/cb": "loopback",
		"http://[::127.0.0.1]/cb":      "loopback via IPv4-compatible IPv6",
		"http://[64:ff9b::a00:1]/cb":   "private via NAT64",
		"http://100.64.0.1/cb":         "shared address space (CGNAT)",
		"http://198.51.100.7/cb":       "documentation",
		// Names: one refused address is enough.
		"https://intranet.example/cb": "private",
		"https://split.example/cb":    "loopback",
		// Neither a name nor an address.
		"http://1.2.3.256/cb": "not a valid host",
		// Nobody to verify the intent.
		"https://gone.example/cb": "does not resolve",
	} {
		err := h.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: cb})
		var ve *feed.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "hub.callback" || !strings.Contains(err.Error(), class) {
			t.Errorf("%s: got %v, want a hub.callback error saying %s", cb, err, class)
		}
		if err != nil && strings.Contains(err.Error(), "--") {
			t.Errorf("%s: got %v, which names a flag", cb, err)
		}
	}
	if q := st.queued(); len(q) != 0 {
		t.Errorf("%d refused requests queued", len(q))
	}
	slices.Sort(r.asked)
	if want := []string{"gone.example", "intranet.example", "split.example"}; !slices.Equal(r.asked, want) {
		t.Errorf("the resolver was asked for %q, want only the names %q", r.asked, want)
	}
	if err := h.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: "https://sub.example/cb"}); err != nil {
		t.Errorf("a callback on a public address: got %v, want the request taken", err)
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
