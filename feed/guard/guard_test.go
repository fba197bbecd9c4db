package guard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	lo := netip.MustParseAddrPort("127.0.0.1:8080")
	tests := []struct {
		name    string
		p       Policy
		ap      string
		blocked bool
	}{
		{"default refuses loopback", Policy{}, "127.0.0.1:8080", true},
		{"default allows public", Policy{}, "93.184.216.34:443", false},
		{"allow private", Policy{AllowPrivate: true}, "10.0.0.1:80", false},
		{"exempt address and port", Policy{Allow: []netip.AddrPort{lo}}, "127.0.0.1:8080", false},
		{"exempt address, other port", Policy{Allow: []netip.AddrPort{lo}}, "127.0.0.1:8081", true},
		{"exempt any port", Policy{Allow: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.5:0")}}, "10.0.0.5:8443", false},
		{"mapped form of an exemption", Policy{Allow: []netip.AddrPort{lo}}, "[::ffff:127.0.0.1]:8080", false},
		{"zone does not dodge", Policy{}, "[fe80::1%eth0]:80", true},
		{"mapped form does not dodge", Policy{}, "[::ffff:7f00:1]:80", true},
		{"IPv4-compatible form does not dodge", Policy{}, "[::127.0.0.1]:80", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Check(netip.MustParseAddrPort(tt.ap))
			var be *BlockedError
			if got := errors.As(err, &be); got != tt.blocked {
				t.Errorf("Check(%s) = %v, want blocked %v", tt.ap, err, tt.blocked)
			}
		})
	}
}

func TestControl(t *testing.T) {
	for _, tt := range []struct {
		p       Policy
		address string
		want    string // the error, or ""
	}{
		{Policy{}, "127.0.0.1:80", "refusing to connect to 127.0.0.1 (loopback)"},
		{Policy{}, "[::ffff:169.254.169.254]:80", "refusing to connect to 169.254.169.254 (link-local)"},
		{Policy{}, "[64:ff9b::a00:1]:443", "refusing to connect to 64:ff9b::a00:1 (private via NAT64)"},
		{Policy{}, "100.64.0.1:443", "refusing to connect to 100.64.0.1 (shared address space (CGNAT))"},
		{Policy{}, "nonsense:80", "refusing to connect to nonsense (unparseable address)"},
		{Policy{AllowPrivate: true}, "127.0.0.1:80", ""},
		{Policy{}, "8.8.8.8:53", ""},
	} {
		got := ""
		if err := tt.p.Control("tcp", tt.address, nil); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%+v.Control(%s) = %q, want %q", tt.p, tt.address, got, tt.want)
		}
	}
}

// stubResolver answers from its table and records what it was asked, so
// that no test reaches DNS. A name not in the table does not exist.
type stubResolver struct {
	addrs map[string][]string
	asked []string
}

func (r *stubResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.asked = append(r.asked, host)
	if network != "ip" {
		return nil, errors.New("stub: unexpected network " + network)
	}
	as, ok := r.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range as {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	r := &stubResolver{addrs: map[string][]string{
		"feeds.example":    {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
		"intranet.example": {"10.0.0.5"},
		"split.example":    {"93.184.216.34", "127.0.0.1"}, // one bad answer is enough
		"mapped.example":   {"::ffff:192.168.1.1"},
		"nat64.example":    {"64:ff9b::a9fe:a9fe"},
		"empty.example":    {},
	}}
	p := Policy{Resolver: r}
	tests := []struct {
		url  string
		want string // the error, "" for none
	}{
		// Numeric hosts, in every spelling: checked, never looked up.
		{"http://127.0.0.1/feed", "refusing to connect to 127.0.0.1 (loopback)"},
		{"http://2130706433/feed", "refusing to connect to 127.0.0.1 (loopback) for host 2130706433"},
		{"http://0x7f000001/feed", "refusing to connect to 127.0.0.1 (loopback) for host 0x7f000001"},
		{"http://0177.0.0.1/feed", "refusing to connect to 127.0.0.1 (loopback) for host 0177.0.0.1"},
		{"http://127.1/feed", "refusing to connect to 127.0.0.1 (loopback) for host 127.1"},
		{"http://127.0.0.1./feed", "refusing to connect to 127.0.0.1 (loopback) for host 127.0.0.1."},
		{"http://0xa9fea9fe/latest/meta-data/", "refusing to connect to 169.254.169.254 (link-local) for host 0xa9fea9fe"},
		{"http://0/", "refusing to connect to 0.0.0.0 (unspecified) for host 0"},
		{"http://100.64.0.1/", "refusing to connect to 100.64.0.1 (shared address space (CGNAT))"},
		{"http://192.0.2.10/", "refusing to connect to 192.0.2.10 (documentation)"},
		{"http://[::1]:8080/", "refusing to connect to ::1 (loopback)"},
		{"http://[::127.0.0.1]/", "refusing to connect to ::7f00:1 (loopback via IPv4-compatible IPv6) for host ::127.0.0.1"},
		{"http://[::ffff:127.0.0.1]/", "refusing to connect to 127.0.0.1 (loopback) for host ::ffff:127.0.0.1"},
		{"http://[::ffff:7f00:1]/", "refusing to connect to 127.0.0.1 (loopback) for host ::ffff:7f00:1"},
		{"http://[0:0:0:0:0:ffff:127.0.0.1]/", "refusing to connect to 127.0.0.1 (loopback) for host 0:0:0:0:0:ffff:127.0.0.1"},
		{"http://[64:ff9b::7f00:1]/", "refusing to connect to 64:ff9b::7f00:1 (loopback via NAT64)"},
		{"http://[64:ff9b:1::808:808]/", "refusing to connect to 64:ff9b:1::808:808 (local-use NAT64)"},
		{"http://[2002:7f00:1::1]/", "refusing to connect to 2002:7f00:1::1 (loopback via 6to4)"},
		{"http://[2001:0:808:808:8000:ffff:80ff:fffe]/", "refusing to connect to 2001:0:808:808:8000:ffff:80ff:fffe (loopback via Teredo)"},
		{"http://[fe80::1%25eth0]/", "refusing to connect to fe80::1 (link-local) for host fe80::1%eth0"},
		{"https://134744072/feed", ""}, // 8.8.8.8
		{"https://[2606:4700:4700::1111]/feed", ""},
		// localhost names are loopback, whatever DNS would say.
		{"http://localhost:9/cb", "refusing to connect to 127.0.0.1 (loopback) for host localhost"},
		{"http://localhost./cb", "refusing to connect to 127.0.0.1 (loopback) for host localhost."},
		{"http://LOCALHOST/cb", "refusing to connect to 127.0.0.1 (loopback) for host LOCALHOST"},
		{"http://feeds.localhost/cb", "refusing to connect to 127.0.0.1 (loopback) for host feeds.localhost"},
		// Names: every address they resolve to must pass.
		{"https://feeds.example/rss", ""},
		{"https://FEEDS.example./rss", ""},
		{"http://intranet.example/rss", "refusing to connect to 10.0.0.5 (private) for host intranet.example"},
		{"http://split.example/rss", "refusing to connect to 127.0.0.1 (loopback) for host split.example"},
		{"http://mapped.example/rss", "refusing to connect to 192.168.1.1 (private) for host mapped.example"},
		{"http://nat64.example/rss", "refusing to connect to 64:ff9b::a9fe:a9fe (link-local via NAT64) for host nat64.example"},
		// What does not resolve is no refusal, but the caller hears of it.
		{"http://gone.example/rss", "resolve gone.example: lookup gone.example: no such host"},
		{"http://empty.example/rss", "resolve empty.example: no addresses"},
		// Hosts browsers refuse.
		{"http://1.2.3.256/", `host "1.2.3.256": not a valid host`},
		{"http://1.2.3.4.5/", `host "1.2.3.4.5": not a valid host`},
		{"http://example.09/", `host "example.09": not a valid host`},
	}
	for _, tt := range tests {
		got := ""
		if err := p.CheckURL(t.Context(), tt.url); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckURL(%s) = %q\nwant %q", tt.url, got, tt.want)
		}
	}
	asked := slices.Sorted(slices.Values(r.asked))
	want := []string{"empty.example", "feeds.example", "feeds.example", "gone.example", "intranet.example", "mapped.example", "nat64.example", "split.example"}
	if !slices.Equal(asked, want) {
		t.Errorf("the resolver was asked for %q, want only the names %q", asked, want)
	}
}

func TestCheckURLErrors(t *testing.T) {
	r := &stubResolver{addrs: map[string][]string{"intranet.example": {"10.0.0.5"}}}
	p := Policy{Resolver: r}
	var be *BlockedError
	if err := p.CheckURL(t.Context(), "http://intranet.example:8443/"); !errors.As(err, &be) ||
		be.Addr != "10.0.0.5" || be.Class != "private" || be.Host != "intranet.example" {
		t.Errorf("got %#v, want a *BlockedError for 10.0.0.5, private, intranet.example", err)
	}
	if err := p.CheckURL(t.Context(), "http://gone.example/"); !errors.As(err, new(*LookupError)) || errors.As(err, new(*BlockedError)) {
		t.Errorf("a name that does not resolve: got %#v, want a *LookupError only", err)
	}
	if err := p.CheckURL(t.Context(), "http://0x100000000/"); !errors.Is(err, ErrInvalidHost) {
		t.Errorf("an invalid IPv4 number: got %v, want ErrInvalidHost", err)
	}

	// The port is the URL's or the scheme's, for Allow.
	exempt := Policy{Resolver: r, Allow: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.5:443")}}
	for u, ok := range map[string]bool{
		"https://intranet.example/":     true,
		"http://intranet.example:443/":  true,
		"http://intranet.example/":      false,
		"https://intranet.example:444/": false,
	} {
		if err := exempt.CheckURL(t.Context(), u); (err == nil) != ok {
			t.Errorf("with 10.0.0.5:443 exempt, CheckURL(%s) = %v, want allowed %v", u, err, ok)
		}
	}

	// AllowPrivate asks nobody, yet still refuses what is no host.
	open := &stubResolver{}
	allowed := Policy{AllowPrivate: true, Resolver: open}
	for _, u := range []string{"http://127.0.0.1/", "http://intranet.example/", "http://localhost/"} {
		if err := allowed.CheckURL(t.Context(), u); err != nil {
			t.Errorf("with AllowPrivate, CheckURL(%s) = %v, want nil", u, err)
		}
	}
	if len(open.asked) != 0 {
		t.Errorf("with AllowPrivate the resolver was asked for %q", open.asked)
	}
	if err := allowed.CheckURL(t.Context(), "http://1.2.3.4.5/"); !errors.Is(err, ErrInvalidHost) {
		t.Errorf("with AllowPrivate, an invalid IPv4 number: got %v, want ErrInvalidHost", err)
	}
	if err := allowed.CheckURL(t.Context(), "http://a b/"); err == nil || !strings.Contains(err.Error(), "invalid character") {
		t.Errorf("an unparseable URL: got %v", err)
	}
}
