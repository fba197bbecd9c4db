package guard

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestReadHost(t *testing.T) {
	tests := []struct {
		in   string
		want string // an address, "localhost", "name:" and the name, or "invalid"
	}{
		// IPv4 numbers as browsers read them (WHATWG URL, IPv4 parser).
		{"127.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0X7F000001", "127.0.0.1"},
		{"0x0000007f000001", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0177.0.0.01", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0x7f.0.0.0x1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"127.1.", "127.0.0.1"},
		{"１２７．０．０．１", "127.0.0.1"}, // fullwidth digits and dots, mapped by IDNA
		{"169.254.43518", "169.254.169.254"},
		{"0xa9fea9fe", "169.254.169.254"},
		{"1.2.3", "1.2.0.3"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"0x.0x.0", "0.0.0.0"},
		{"4294967295", "255.255.255.255"},
		{"134744072", "8.8.8.8"},
		{"0x8.0x8.0x8.0x8", "8.8.8.8"},
		// Ending in a number and yet no IPv4 address: refused, not looked up.
		{"4294967296", "invalid"},
		{"0x100000000", "invalid"},
		{"0xffffffffff", "invalid"},
		{"99999999999999999999999", "invalid"},
		{"256.0.0.1", "invalid"},
		{"1.2.3.256", "invalid"},
		{"1.2.65536", "invalid"},
		{"1.2.3.4.5", "invalid"},
		{"1.2.3.4.5.", "invalid"},
		{"1.2.3.08", "invalid"},
		{"09.2.3.4", "invalid"},
		{"1..2", "invalid"},
		{"foo.0x4", "invalid"},
		{"foo.09", "invalid"},
		{"example.123", "invalid"},
		{"", "invalid"},
		{".", "invalid"},
		{"0..", "invalid"},
		{"a..b", "invalid"},
		{".example.com", "invalid"},
		{"example.com..", "invalid"},
		// IPv6, as url.URL.Hostname gives it: without brackets.
		{"::1", "::1"},
		{"::127.0.0.1", "::7f00:1"},
		{"::ffff:127.0.0.1", "::ffff:127.0.0.1"},
		{"0:0:0:0:0:ffff:127.0.0.1", "::ffff:127.0.0.1"},
		{"::ffff:7f00:1", "::ffff:127.0.0.1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"1:2:3", "invalid"},
		// localhost names (RFC 6761).
		{"localhost", "localhost"},
		{"LocalHost", "localhost"},
		{"localhost.", "localhost"},
		{"feeds.localhost", "localhost"},
		{"feeds.localhost.", "localhost"},
		{"ｌｏｃａｌｈｏｓｔ", "localhost"},
		// Names.
		{"example.com", "name:example.com"},
		{"Example.COM.", "name:example.com"},
		{"localhost.example", "name:localhost.example"},
		{"0x7g", "name:0x7g"},
		{"1.2.3.4.example", "name:1.2.3.4.example"},
		{"bücher.example", "name:xn--bcher-kva.example"},
	}
	for _, tt := range tests {
		h, err := readHost(tt.in)
		var got string
		switch {
		case err != nil:
			got = "invalid"
			if !errors.Is(err, ErrInvalidHost) {
				t.Errorf("readHost(%q): error %v does not match ErrInvalidHost", tt.in, err)
			}
		case h.addr.IsValid():
			got = h.addr.String()
		case h.localhost:
			got = "localhost"
		default:
			got = "name:" + h.name
		}
		if got != tt.want {
			t.Errorf("readHost(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzReadHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1.", "1.2.3.4.5", "::ffff:1.2.3.4",
		"localhost.", "example.com", "0x", "１２７．０．０．１", "foo.09"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := readHost(s)
		if err != nil {
			return
		}
		// Dotted decimal means what it always meant.
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() && h.addr != a {
			t.Errorf("readHost(%q) = %v, want %v", s, h.addr, a)
		}
		if !h.addr.IsValid() {
			if !h.localhost && (h.name == "" || endsInNumber(h.name)) {
				t.Errorf("readHost(%q) = name %q, which should not be looked up", s, h.name)
			}
			return
		}
		// An address reads back as itself.
		again, err := readHost(h.addr.String())
		if err != nil || again.addr != h.addr {
			t.Errorf("readHost(%q) = %v, but readHost(%q) = %v, %v", s, h.addr, h.addr.String(), again.addr, err)
		}
		if strings.Contains(s, ":") != h.addr.Is6() {
			t.Errorf("readHost(%q) = %v: the wrong family", s, h.addr)
		}
	})
}
