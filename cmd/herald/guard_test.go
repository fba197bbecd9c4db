package main

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// No test asks DNS: source URLs added in tests resolve through stubDNS,
// where a name not listed does not exist.
func init() { resolver = stubDNS{"intranet.example": {netip.MustParseAddr("10.0.0.9")}} }

type stubDNS map[string][]netip.Addr

func (r stubDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if as, ok := r[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestCheckSourceURL(t *testing.T) {
	const hint = "; --allow-private-sources allows it"
	guarded, open := pollFlags{}, pollFlags{allowPrivate: true}
	for _, tt := range []struct {
		url  string
		want string // the error, or ""
	}{
		{"http://127.0.0.1:8080/feed", "refusing to connect to 127.0.0.1 (loopback)" + hint},
		{"http://2130706433:8080/feed", "refusing to connect to 127.0.0.1 (loopback) for host 2130706433" + hint},
		{"http://0x7f000001/feed", "refusing to connect to 127.0.0.1 (loopback) for host 0x7f000001" + hint},
		{"http://localhost./feed", "refusing to connect to 127.0.0.1 (loopback) for host localhost." + hint},
		{"http://[::127.0.0.1]/feed", "refusing to connect to ::7f00:1 (loopback via IPv4-compatible IPv6) for host ::127.0.0.1" + hint},
		{"https://intranet.example/feed", "refusing to connect to 10.0.0.9 (private) for host intranet.example" + hint},
		{"http://1.2.3.256/feed", `host "1.2.3.256": not a valid host`},
		// Not resolving now is no reason to refuse: the poller tells.
		{"https://feeds.example/rss", ""},
		{"https://134744072/rss", ""},
	} {
		got := ""
		if err := guarded.checkSourceURL(t.Context(), tt.url); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("checkSourceURL(%s) = %q\nwant %q", tt.url, got, tt.want)
		}
		if err := open.checkSourceURL(t.Context(), tt.url); err != nil && !strings.Contains(tt.want, "not a valid host") {
			t.Errorf("with --allow-private-sources, checkSourceURL(%s) = %v, want nil", tt.url, err)
		}
	}
}

// herald source add reads a host the way the fetcher will, and says which
// flag would allow it.
func TestSourceAddRefusesNumericLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "herald.db")
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"source", "add", "--db", db, "http://0177.0.0.1:8080/feed"}, noEnv, &out, &errOut)
	want := "refusing to connect to 127.0.0.1 (loopback) for host 0177.0.0.1; --allow-private-sources allows it"
	if code != 1 || !strings.Contains(errOut.String(), want) {
		t.Errorf("source add http://0177.0.0.1:8080/feed: exit %d %q, want 1 and %q", code, errOut.String(), want)
	}
}
