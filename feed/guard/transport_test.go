package guard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loopbackServer is an httptest server on 127.0.0.1 that counts its
// requests.
func loopbackServer(t *testing.T) (port string, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Port(), hits
}

// Numeric spellings of 127.0.0.1 and localhost names reach the loopback
// server when the policy allows it, and nothing when it does not.
func TestTransport(t *testing.T) {
	port, hits := loopbackServer(t)
	hosts := []string{"127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.0.1.", "localhost", "localhost.", "feeds.localhost"}

	refusing := &http.Client{Transport: Policy{}.Transport(time.Second, 1)}
	for _, h := range hosts {
		_, err := refusing.Get("http://" + net.JoinHostPort(h, port) + "/")
		var be *BlockedError
		if !errors.As(err, &be) || be.Addr != "127.0.0.1" || be.Class != "loopback" {
			t.Errorf("GET via %s with the default policy: got %v, want 127.0.0.1 refused as loopback", h, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server saw %d requests through a refusing policy, want none", n)
	}

	exempt := netip.MustParseAddrPort("127.0.0.1:" + port)
	for _, p := range []Policy{{AllowPrivate: true}, {Allow: []netip.AddrPort{exempt}}} {
		tr := p.Transport(time.Second, 1)
		c := &http.Client{Transport: tr}
		for _, h := range hosts {
			resp, err := c.Get("http://" + net.JoinHostPort(h, port) + "/")
			if err != nil {
				t.Errorf("GET via %s with %+v: %v", h, p, err)
				continue
			}
			resp.Body.Close()
		}
		tr.CloseIdleConnections()
	}
	if n, want := hits.Load(), int32(2*len(hosts)); n != want {
		t.Errorf("the server saw %d requests, want %d", n, want)
	}

	_, err := (&http.Client{Transport: Policy{AllowPrivate: true}.Transport(time.Second, 1)}).Get("http://1.2.3.256:" + port + "/")
	if !errors.Is(err, ErrInvalidHost) {
		t.Errorf("GET of an invalid IPv4 host: got %v, want ErrInvalidHost", err)
	}
}

// The dialer sends no host that reads as an address, nor localhost, to the
// resolver; names go there as they are.
func TestDialerResolvesNamesOnly(t *testing.T) {
	port, hits := loopbackServer(t)
	var mu sync.Mutex
	var dns []string // what reached the resolver's network
	d := &net.Dialer{Timeout: time.Second, Resolver: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			mu.Lock()
			defer mu.Unlock()
			dns = append(dns, address)
			return nil, errors.New("no DNS in tests")
		},
	}}
	for _, h := range []string{"2130706433", "0x7f.1", "0177.0.0.01", "127.1.", "localhost.", "x.localhost", "[::ffff:127.0.0.1]"} {
		c, err := dialer{d}.dial(t.Context(), "tcp", h+":"+port)
		if err != nil {
			t.Errorf("dial %s: %v", h, err)
			continue
		}
		c.Close()
	}
	if _, err := (dialer{d}).dial(t.Context(), "tcp", "1.2.3.4.5:"+port); !errors.Is(err, ErrInvalidHost) {
		t.Errorf("dial 1.2.3.4.5: got %v, want ErrInvalidHost", err)
	}
	if len(dns) != 0 {
		t.Errorf("numeric and localhost hosts reached DNS: %q", dns)
	}
	// A name does go to the resolver (this one fails at once).
	if _, err := (dialer{d}).dial(t.Context(), "tcp", "feeds.example.:"+port); err == nil || len(dns) == 0 {
		t.Errorf("dial of a name: got %v and %d lookups, want the resolver asked", err, len(dns))
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("plain connections made %d requests", n)
	}
}
