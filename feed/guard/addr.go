package guard

import "net/netip"

// The addresses that are not the public internet, from IANA's registries:
//
//   - IPv4 Special-Purpose Address Registry,
//     https://www.iana.org/assignments/iana-ipv4-special-registry/
//   - IPv6 Special-Purpose Address Registry,
//     https://www.iana.org/assignments/iana-ipv6-special-registry/
//   - IPv4 Multicast Address Space Registry (224.0.0.0/4) and IPv6
//     Multicast Address Space Registry (ff00::/8)
//   - IPv6 Address Space, https://www.iana.org/assignments/ipv6-address-space/:
//     only 2000::/3 is global unicast; the rest is reserved, unique local,
//     link-local, site-local or multicast.
//
// Every entry the special-purpose registries mark not globally reachable is
// here. 192.0.0.0/24 and 2001::/23 (IETF protocol assignments) are refused
// whole, save the IPv6 assignments the registry marks globally reachable: a
// few anycast addresses nobody serves feeds or callbacks from either way.
//
// The forms that embed an IPv4 address are judged by it (see embedded):
// ::ffff:0:0/96 (IPv4-mapped), ::/96 (IPv4-compatible, deprecated),
// 64:ff9b::/96 (NAT64), 2002::/16 (6to4) and 2001::/32 (Teredo).
//
// Ranges are looked at in order; the first that holds the address decides,
// and an empty class means public.
var ranges = []struct {
	prefix netip.Prefix
	class  string
}{
	// IPv4.
	{netip.MustParsePrefix("0.0.0.0/32"), "unspecified"},
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},

	// IPv6.
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("100:0:0:1::/64"), "dummy prefix"},
	// Within 2001::/23, the globally reachable assignments: PCP, TURN and
	// DNS-SD SRP anycast, AMT, AS112, ORCHIDv2, drone remote ID.
	{netip.MustParsePrefix("2001:1::1/128"), ""},
	{netip.MustParsePrefix("2001:1::2/128"), ""},
	{netip.MustParsePrefix("2001:1::3/128"), ""},
	{netip.MustParsePrefix("2001:3::/32"), ""},
	{netip.MustParsePrefix("2001:4:112::/48"), ""},
	{netip.MustParsePrefix("2001:20::/28"), ""},
	{netip.MustParsePrefix("2001:30::/28"), ""},
	{netip.MustParsePrefix("2001:2::/48"), "benchmarking"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing (SRv6)"},
	{netip.MustParsePrefix("fc00::/7"), "private"}, // unique local
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// globalUnicast is the only IPv6 space allocated for the public internet.
var globalUnicast = netip.MustParsePrefix("2000::/3")

// Prefixes whose addresses embed an IPv4 address.
var (
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	teredo         = netip.MustParsePrefix("2001::/32")
)

// class returns why ip is not a public address, or "" when it is.
func class(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap() // ::ffff:0:0/96 in every spelling
	if !ip.IsValid() {
		return "invalid"
	}
	if ip.Is6() && !ip.IsUnspecified() && !ip.IsLoopback() {
		if v4s, via := embedded(ip); via != "" {
			for _, v4 := range v4s {
				if c := class(v4); c != "" {
					return c + " via " + via
				}
			}
			// What a gateway would connect to is public; the IPv6
			// prefix itself is no more private than that.
			return ""
		}
	}
	for _, r := range ranges {
		if r.prefix.Contains(ip) {
			return r.class
		}
	}
	if ip.Is6() && !globalUnicast.Contains(ip) {
		return "reserved"
	}
	return ""
}

// embedded returns the IPv4 addresses that ip, an IPv6 address, carries and
// the name of the form that carries them, or "" when it carries none.
func embedded(ip netip.Addr) ([]netip.Addr, string) {
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		// RFC 6052: the last 32 bits.
		return []netip.Addr{netip.AddrFrom4([4]byte(b[12:16]))}, "NAT64"
	case ipv4Compatible.Contains(ip):
		// RFC 4291, section 2.5.5.1: the last 32 bits.
		return []netip.Addr{netip.AddrFrom4([4]byte(b[12:16]))}, "IPv4-compatible IPv6"
	case sixToFour.Contains(ip):
		// RFC 3056: 2002:V4ADDR::/48, bits 16 to 47.
		return []netip.Addr{netip.AddrFrom4([4]byte(b[2:6]))}, "6to4"
	case teredo.Contains(ip):
		// RFC 4380, section 4: the server in bits 32 to 63, the client
		// in the last 32 bits with every bit inverted.
		client := [4]byte{^b[12], ^b[13], ^b[14], ^b[15]}
		return []netip.Addr{netip.AddrFrom4([4]byte(b[4:8])), netip.AddrFrom4(client)}, "Teredo"
	}
	return nil, ""
}
