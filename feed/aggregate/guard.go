package aggregate

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"syscall"
)

// A Guard decides which addresses herald may connect to on behalf of
// somebody else's URL: a feed source, or later a WebSub callback. By default
// it refuses every address that is not on the public internet, so that a
// source URL (or a redirect, or a DNS answer) cannot point herald at its own
// machine, the local network or a cloud metadata service.
//
// The check belongs at connect time, after DNS resolution, which is what
// Control gives: it runs for every connection, so every redirect hop and
// every DNS answer is checked, and a name that resolves to a public address
// when the source is added and to 127.0.0.1 later is still refused.
type Guard struct {
	// AllowPrivate lifts the check (intranet deployments and tests).
	AllowPrivate bool
	// Allow lists addresses that pass even though they are not public: one
	// intranet feed server, say. A zero port matches every port.
	Allow []netip.AddrPort
}

// DialControl returns a net.Dialer Control function that refuses
// non-public addresses unless allowPrivate is set.
func DialControl(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return Guard{AllowPrivate: allowPrivate}.Control
}

// Control is a net.Dialer Control function: it returns a *BlockedError for
// an address g refuses. address is the resolved "ip:port".
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Control is always called with a numeric address; anything else is
		// not something we can vouch for.
		host, _, _ := net.SplitHostPort(address)
		return &BlockedError{Addr: host, Class: "unparseable address"}
	}
	return g.Check(ap)
}

// Check returns a *BlockedError when g refuses to connect to ap, else nil.
func (g Guard) Check(ap netip.AddrPort) error {
	if g.AllowPrivate {
		return nil
	}
	ip := ap.Addr().Unmap().WithZone("")
	if slices.ContainsFunc(g.Allow, func(a netip.AddrPort) bool {
		return a.Addr().Unmap() == ip && (a.Port() == 0 || a.Port() == ap.Port())
	}) {
		return nil
	}
	if class := addrClass(ip); class != "" {
		return &BlockedError{Addr: ip.String(), Class: class}
	}
	return nil
}

// A BlockedError says that a Guard refused an address.
type BlockedError struct {
	Addr  string // the IP address
	Class string // why: "loopback", "private", "link-local", ...
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("refusing to connect to %s (%s); set --allow-private-sources to allow", e.Addr, e.Class)
}

// Special-purpose ranges that are not the public internet, beyond what
// netip.Addr's own predicates cover. See the IANA special-purpose address
// registries (RFC 6890 and successors).
var blockedPrefixes = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
}

// nat64 is the well-known NAT64 prefix (RFC 6052): its last 32 bits are an
// IPv4 address, which a NAT64 gateway would connect to.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// addrClass returns why ip is not a public address, or "" when it is.
func addrClass(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	for _, b := range blockedPrefixes {
		if b.prefix.Contains(ip) {
			return b.class
		}
	}
	if nat64.Contains(ip) {
		b := ip.As16()
		if class := addrClass(netip.AddrFrom4([4]byte(b[12:16]))); class != "" {
			return class + " via NAT64"
		}
	}
	return ""
}
