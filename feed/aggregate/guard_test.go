package aggregate

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
)

func TestAddrClass(t *testing.T) {
	tests := []struct {
		ip, want string
	}{
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"fc00::1", "private"},
		{"169.254.169.254", "link-local"}, // cloud metadata
		{"fe80::1", "link-local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this network"},
		{"100.64.0.1", "shared address space (CGNAT)"},
		{"100.127.255.255", "shared address space (CGNAT)"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "benchmarking"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:100.64.1.1", "shared address space (CGNAT)"},
		{"64:ff9b::7f00:1", "loopback via NAT64"},
		{"64:ff9b::a9fe:a9fe", "link-local via NAT64"},
		// Public.
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"192.0.2.1", ""}, // documentation, but not ours to reach either way
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
	}
	for _, tt := range tests {
		if got := addrClass(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("addrClass(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func TestGuardCheck(t *testing.T) {
	lo := netip.MustParseAddrPort("127.0.0.1:8080")
	tests := []struct {
		name    string
		g       Guard
		ap      string
		blocked bool
	}{
		{"default refuses loopback", Guard{}, "127.0.0.1:8080", true},
		{"default allows public", Guard{}, "93.184.216.34:443", false},
		{"allow private", Guard{AllowPrivate: true}, "10.0.0.1:80", false},
		{"exempt address and port", Guard{Allow: []netip.AddrPort{lo}}, "127.0.0.1:8080", false},
		{"exempt address, other port", Guard{Allow: []netip.AddrPort{lo}}, "127.0.0.1:8081", true},
		{"exempt any port", Guard{Allow: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.5:0")}}, "10.0.0.5:8443", false},
		{"mapped form of an exemption", Guard{Allow: []netip.AddrPort{lo}}, "[::ffff:127.0.0.1]:8080", false},
		{"zone does not dodge", Guard{}, "[fe80::1%eth0]:80", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.Check(netip.MustParseAddrPort(tt.ap))
			var be *BlockedError
			if got := errors.As(err, &be); got != tt.blocked {
				t.Errorf("Check(%s) = %v, want blocked %v", tt.ap, err, tt.blocked)
			}
		})
	}

	if err := DialControl(false)("tcp", "127.0.0.1:80", nil); err == nil {
		t.Error("DialControl(false) allowed 127.0.0.1")
	}
	if err := DialControl(true)("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("DialControl(true) = %v, want nil", err)
	}
	if err := DialControl(false)("tcp", "8.8.8.8:53", nil); err != nil {
		t.Errorf("DialControl(false) refused a public address: %v", err)
	}
}

func TestGuardRefusesLoopbackSource(t *testing.T) {
	var hits atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(fixture(t, "rss2.xml"))
	})
	f := NewFetcher(Options{}) // the default guard
	t.Cleanup(f.Close)
	u, _ := url.Parse(srv.URL)

	tests := []struct {
		url   string
		addrs []string // what the host name may resolve to
	}{
		{srv.URL + "/feed", []string{"127.0.0.1"}},
		{"http://localhost:" + u.Port() + "/feed", []string{"127.0.0.1", "::1"}},
	}
	for _, tt := range tests {
		_, err := f.Fetch(t.Context(), testSource(tt.url))
		var be *BlockedError
		if !errors.As(err, &be) || be.Class != "loopback" || !slices.Contains(tt.addrs, be.Addr) {
			t.Fatalf("%s: err = %v, want a loopback *BlockedError for one of %q", tt.url, err, tt.addrs)
		}
		want := "fetch " + tt.url + ": refusing to connect to " + be.Addr + " (loopback); set --allow-private-sources to allow"
		if err.Error() != want {
			t.Errorf("err = %q\nwant %q", err, want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}

	allowed := NewFetcher(Options{Guard: Guard{AllowPrivate: true}})
	t.Cleanup(allowed.Close)
	if _, err := allowed.Fetch(t.Context(), testSource(srv.URL+"/feed")); err != nil {
		t.Errorf("with AllowPrivate: %v", err)
	}
}

// An allowed host that redirects to a refused one: the guard runs at
// connect time, so the redirect target is checked too. The "allowed host" is
// a loopback server exempted by address and port; the target is another
// loopback server, which the guard must refuse.
func TestGuardRefusesRedirectTarget(t *testing.T) {
	var targetHits atomic.Int32
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		w.Write(fixture(t, "rss2.xml"))
	})
	front := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal-feed", http.StatusMovedPermanently)
	})
	frontAddr := netip.MustParseAddrPort(front.Listener.Addr().String())
	targetAddr := netip.MustParseAddrPort(target.Listener.Addr().String())

	f := NewFetcher(Options{Guard: Guard{Allow: []netip.AddrPort{frontAddr}}})
	t.Cleanup(f.Close)
	src := testSource(front.URL + "/feed")
	_, err := f.Fetch(t.Context(), src)
	var be *BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BlockedError", err)
	}
	want := "fetch " + src.URL + ": redirected to " + target.URL + "/internal-feed: refusing to connect to " +
		targetAddr.Addr().String() + " (loopback); set --allow-private-sources to allow"
	if err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}
	if n := targetHits.Load(); n != 0 {
		t.Errorf("the redirect target saw %d requests, want none", n)
	}

	// The same chain passes when the target is exempt too, so the refusal
	// above is the guard's doing and not a broken setup.
	both := NewFetcher(Options{Guard: Guard{Allow: []netip.AddrPort{frontAddr, targetAddr}}})
	t.Cleanup(both.Close)
	resp, err := both.Fetch(t.Context(), src)
	if err != nil || resp.FinalURL != target.URL+"/internal-feed" || targetHits.Load() != 1 {
		t.Errorf("with both exempt: err %v, response %+v, target hits %d", err, resp, targetHits.Load())
	}
}
