package guard

import (
	"net/netip"
	"testing"
)

func TestClass(t *testing.T) {
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
		{"fe80::1%eth0", "link-local"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff0e::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},

		// The IPv4 special-purpose registry, first and last address of each.
		{"0.1.2.3", "this network"},
		{"0.255.255.255", "this network"},
		{"100.64.0.0", "shared address space (CGNAT)"},
		{"100.64.0.1", "shared address space (CGNAT)"},
		{"100.127.255.255", "shared address space (CGNAT)"},
		{"192.0.0.0", "IETF protocol assignments"},
		{"192.0.0.170", "IETF protocol assignments"},
		{"192.0.0.255", "IETF protocol assignments"},
		{"192.0.2.0", "documentation"},
		{"192.0.2.1", "documentation"},
		{"192.0.2.255", "documentation"},
		{"198.18.0.0", "benchmarking"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"198.51.100.0", "documentation"},
		{"198.51.100.255", "documentation"},
		{"203.0.113.0", "documentation"},
		{"203.0.113.255", "documentation"},
		{"224.0.0.0", "multicast"},
		{"239.255.255.255", "multicast"},
		{"240.0.0.0", "reserved"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.254", "reserved"},
		{"255.255.255.255", "broadcast"},

		// The IPv6 special-purpose registry.
		{"64:ff9b:1::", "local-use NAT64"},
		{"64:ff9b:1::808:808", "local-use NAT64"}, // refused whatever it embeds
		{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use NAT64"},
		{"100::", "discard-only"},
		{"100::ffff:ffff:ffff:ffff", "discard-only"},
		{"100:0:0:1::1", "dummy prefix"},
		{"2001:2::1", "benchmarking"},
		{"2001:10::1", "IETF protocol assignments"}, // ORCHID, deprecated
		{"2001:1ff::1", "IETF protocol assignments"},
		{"2001:db8::1", "documentation"},
		{"2001:db8:ffff::1", "documentation"},
		{"3fff::1", "documentation"},
		{"3fff:fff::1", "documentation"},
		{"5f00::1", "segment routing (SRv6)"},
		{"fec0::1", "site-local"},
		// Outside 2000::/3: not allocated for the internet.
		{"::1:0:0:1", "reserved"},
		{"::ffff:0:7f00:1", "reserved"}, // SIIT's ::ffff:0:0:0/96 is not the mapped form
		{"4000::1", "reserved"},
		{"e000::1", "reserved"},

		// IPv4-mapped, ::ffff:0:0/96: the IPv4 address decides.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:7f00:1", "loopback"},
		{"0:0:0:0:0:ffff:127.0.0.1", "loopback"},
		{"0000:0000:0000:0000:0000:FFFF:7F00:0001", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:100.64.1.1", "shared address space (CGNAT)"},
		{"::ffff:0.0.0.0", "unspecified"},
		{"::ffff:255.255.255.255", "broadcast"},
		{"::ffff:192.0.2.1", "documentation"},
		// IPv4-compatible, ::/96.
		{"::127.0.0.1", "loopback via IPv4-compatible IPv6"},
		{"::7f00:1", "loopback via IPv4-compatible IPv6"},
		{"::10.0.0.1", "private via IPv4-compatible IPv6"},
		{"::169.254.169.254", "link-local via IPv4-compatible IPv6"},
		{"::0.0.0.2", "this network via IPv4-compatible IPv6"},
		// NAT64, 64:ff9b::/96: the last 32 bits.
		{"64:ff9b::7f00:1", "loopback via NAT64"},
		{"64:ff9b::127.0.0.1", "loopback via NAT64"},
		{"64:ff9b::a9fe:a9fe", "link-local via NAT64"},
		{"64:ff9b::c0a8:101", "private via NAT64"},
		{"64:ff9b::6440:1", "shared address space (CGNAT) via NAT64"},
		{"64:ff9b::e000:1", "multicast via NAT64"},
		// 6to4, 2002::/16: bits 16 to 47.
		{"2002:7f00:1::", "loopback via 6to4"},
		{"2002:7f00:1:ffff::1", "loopback via 6to4"},
		{"2002:a00:1::1", "private via 6to4"},
		{"2002:a9fe:a9fe::", "link-local via 6to4"},
		{"2002:c000:201::1", "documentation via 6to4"},
		// Teredo, 2001::/32: the server in bits 32 to 63, the client
		// inverted in the last 32.
		{"2001:0:7f00:1::808:808", "loopback via Teredo"},                    // server 127.0.0.1
		{"2001:0:808:808:8000:ffff:80ff:fffe", "loopback via Teredo"},        // client 127.0.0.1
		{"2001:0:808:808::f5fe:fffe", "private via Teredo"},                  // client 10.1.0.1
		{"2001:0:a9fe:a9fe::f7f7:f7f7", "link-local via Teredo"},             // server 169.254.169.254
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "documentation via Teredo"}, // RFC 4380's example: client 192.0.2.45
		// Public.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"100.63.255.255", ""},
		{"192.0.1.255", ""},
		{"192.0.3.0", ""},
		{"198.17.255.255", ""},
		{"198.20.0.0", ""},
		{"198.51.101.0", ""},
		{"203.0.114.0", ""},
		{"223.255.255.255", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001::200e", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"64:ff9b::8.8.8.8", ""},
		{"2002:808:808::1", ""},
		{"2001:0:808:808::f7f7:f7f7", ""}, // server 8.8.8.8, client 8.8.8.8
		{"::8.8.8.8", ""},
		{"2001:1::1", ""},     // PCP anycast
		{"2001:3::1", ""},     // AMT
		{"2001:4:112::1", ""}, // AS112-v6
		{"2001:20::1", ""},    // ORCHIDv2
		{"2001:30::1", ""},    // drone remote ID
		{"2001:200::1", ""},   // past 2001::/23
		{"2620:4f:8000::1", ""},
	}
	for _, tt := range tests {
		if got := class(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("class(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}
