package guard

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// ErrInvalidHost is matched (errors.Is) by the error for a host that is
// neither a name nor an address: one that ends in a number but is no IPv4
// address ("1.2.3.256", "0x1.08"), which browsers refuse rather than look
// up as a name, a name with an empty label ("a..b"), or one that no IDNA
// mapping makes ASCII.
var ErrInvalidHost = errors.New("not a valid host")

// A host is what the host of a URL names, read the way browsers read it.
// Exactly one field is set.
type host struct {
	addr      netip.Addr // an IP address, in any spelling
	localhost bool       // localhost or a name under it: loopback (RFC 6761)
	name      string     // otherwise a name to look up, lower case ASCII
}

// readHost reads the host of a URL (without brackets or port) as the
// WHATWG URL Standard's host parser does for http and https
// (https://url.spec.whatwg.org/#host-parsing): after IDNA mapping, a host
// whose last label is a number is an IPv4 address in one to four parts,
// each decimal, octal (leading 0) or hexadecimal (leading 0x), so that
// "2130706433", "0x7f000001", "0177.0.0.1" and "127.1" all name 127.0.0.1.
// Such a host is never a name to look up. One trailing dot is dropped; a
// name with an empty label is refused.
func readHost(s string) (host, error) {
	if s == "" {
		return host{}, fmt.Errorf("empty host: %w", ErrInvalidHost)
	}
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return host{}, fmt.Errorf("host %q: %w", s, ErrInvalidHost)
		}
		return host{addr: a}, nil
	}
	ascii := s
	if !isASCII(s) {
		// As net/http does before it dials: fullwidth digits and dots
		// become ASCII ones here.
		var err error
		if ascii, err = idna.Lookup.ToASCII(s); err != nil {
			return host{}, fmt.Errorf("host %q: %w", s, ErrInvalidHost)
		}
	}
	ascii = strings.ToLower(ascii)
	if endsInNumber(ascii) {
		a, ok := parseIPv4(ascii)
		if !ok {
			return host{}, fmt.Errorf("host %q: %w", s, ErrInvalidHost)
		}
		return host{addr: a}, nil
	}
	name := strings.TrimSuffix(ascii, ".")
	if name == "" || slices.Contains(strings.Split(name, "."), "") {
		// An empty label is no name in DNS.
		return host{}, fmt.Errorf("host %q: %w", s, ErrInvalidHost)
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return host{localhost: true}, nil
	}
	return host{name: name}, nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// endsInNumber is the WHATWG "ends in a number checker": whether the last
// label of s (after dropping one empty label) is all digits or parses as
// an IPv4 number.
func endsInNumber(s string) bool {
	labels := strings.Split(s, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 is the WHATWG IPv4 parser: one to four numbers separated by
// dots (one trailing dot allowed), every one but the last at most 255 and
// the last filling the bytes that remain.
func parseIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(5-len(parts))) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Number is the WHATWG IPv4 number parser: decimal, octal after a
// leading 0, hexadecimal after 0x or 0X; "0x" alone is zero. Values past
// 32 bits come back as 1<<32 (too large for any part).
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	var n uint64
	for _, c := range []byte(s) {
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		n = min(n*base+d, 1<<32)
	}
	return n, true
}
