// Package guard provides the one policy for which network addresses herald
// may connect to on behalf of a URL somebody else gave it.
package guard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"syscall"
)

// A Policy decides which addresses herald may connect to on behalf of
// somebody else's URL: a feed source or a WebSub callback. By default it
// refuses every address that is not on the public internet, so that a URL
// (or a redirect, or a DNS answer) cannot point herald at its own machine,
// the local network or a cloud metadata service.
//
// What protects herald is Control, at connect time, after DNS: it runs for
// every connection, so every redirect hop and every DNS answer is checked,
// and a name that resolves to a public address when a URL is added and to
// 127.0.0.1 later is still refused. CheckURL applies the same policy when a
// URL is added, so that whoever adds it hears at once.
//
// The zero Policy refuses non-public addresses and resolves names with
// net.DefaultResolver.
type Policy struct {
	// AllowPrivate lifts the check (intranet deployments and tests).
	AllowPrivate bool
	// Allow lists addresses that pass even though they are not public: one
	// intranet feed server, say. A zero port matches every port.
	Allow []netip.AddrPort
	// Resolver looks up host names for CheckURL; net.DefaultResolver when
	// nil. Connections resolve through the system's resolver either way.
	Resolver Resolver
}

// A Resolver looks up the addresses of a host name (*net.Resolver is one).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// A BlockedError says that a Policy refused an address. It names no flag
// or setting: the caller that shows it to a person says what would allow it.
type BlockedError struct {
	Addr  string // the IP address, or the host when it is no address
	Class string // why: "loopback", "private", "link-local", ...
	// Host is the URL's host when it differs from Addr: a name, or another
	// spelling of the address ("0x7f000001"). Only CheckURL sets it.
	Host string
}

func (e *BlockedError) Error() string {
	if e.Host != "" {
		return fmt.Sprintf("refusing to connect to %s (%s) for host %s", e.Addr, e.Class, e.Host)
	}
	return fmt.Sprintf("refusing to connect to %s (%s)", e.Addr, e.Class)
}

// A LookupError says that CheckURL could not resolve a URL's host name. It
// is not a refusal: the name may resolve later, and Control checks whatever
// it resolves to then.
type LookupError struct {
	Host string
	Err  error
}

func (e *LookupError) Error() string { return "resolve " + e.Host + ": " + e.Err.Error() }
func (e *LookupError) Unwrap() error { return e.Err }

// Check returns a *BlockedError when p refuses to connect to ap, else nil.
func (p Policy) Check(ap netip.AddrPort) error {
	if p.AllowPrivate {
		return nil
	}
	ip := ap.Addr().WithZone("").Unmap()
	if slices.ContainsFunc(p.Allow, func(a netip.AddrPort) bool {
		return a.Addr().WithZone("").Unmap() == ip && (a.Port() == 0 || a.Port() == ap.Port())
	}) {
		return nil
	}
	if c := class(ip); c != "" {
		return &BlockedError{Addr: ip.String(), Class: c}
	}
	return nil
}

// Control is a net.Dialer Control function: it returns a *BlockedError for
// an address p refuses. address is the resolved "ip:port".
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Control is always called with a numeric address; anything else is
		// not something we can vouch for.
		host, _, _ := net.SplitHostPort(address)
		return &BlockedError{Addr: host, Class: "unparseable address"}
	}
	return p.Check(ap)
}

// CheckURL applies p to the host of rawURL before anything connects to it.
// The host is read as browsers read it (see readHost): an IP address in
// any spelling is checked as that address and never looked up, localhost
// and the names under it are loopback (RFC 6761), and any other name is
// resolved with p.Resolver and refused when ANY of its addresses is
// refused, since a connection may go to any of them. The port is the URL's,
// or the scheme's default.
//
// A name that does not resolve is no refusal: CheckURL returns a
// *LookupError, which the caller may take as a reason to refuse (a WebSub
// callback nobody can reach) or not (a feed whose DNS is down for an hour),
// since Control checks every connection either way. ctx bounds the lookup.
//
// Errors: *BlockedError when p refuses the host or one of its addresses,
// *LookupError, and an error matching ErrInvalidHost for a host that is
// neither a name nor an address (whatever p allows), or an error from
// url.Parse.
func (p Policy) CheckURL(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	h, err := readHost(u.Hostname())
	if err != nil {
		return err
	}
	if p.AllowPrivate {
		return nil
	}
	port, _ := strconv.ParseUint(u.Port(), 10, 16)
	if u.Port() == "" {
		port = map[string]uint64{"http": 80, "https": 443}[u.Scheme]
	}
	var addrs []netip.Addr
	switch {
	case h.addr.IsValid():
		addrs = []netip.Addr{h.addr}
	case h.localhost:
		addrs = loopback
	default:
		r := p.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		addrs, err = r.LookupNetIP(ctx, "ip", h.name)
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}
		if err != nil {
			return &LookupError{Host: h.name, Err: err}
		}
	}
	for _, a := range addrs {
		err := p.Check(netip.AddrPortFrom(a, uint16(port)))
		var be *BlockedError
		if errors.As(err, &be) {
			if host := u.Hostname(); host != be.Addr {
				be.Host = host
			}
			return be
		}
	}
	return nil
}

// loopback is what localhost names stand for, in the order they are dialled.
var loopback = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
