package stats

import (
	"strings"
	"testing"
)

func TestParseUserAgent(t *testing.T) {
	for _, tc := range []struct {
		ua   string
		name string
		n    int64
		ok   bool
	}{
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )", "Feedly", 42, true},
		{"Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 12 subscribers; )", "Inoreader", 12, true},
		{"NewsBlur Feed Fetcher - 5 subscribers - https://www.newsblur.com/site/6423/daily-news (Mozilla/5.0)", "NewsBlur Feed Fetcher", 5, true},
		{"Feedbin feed-id:123 - 7 subscribers", "Feedbin feed-id:123", 7, true},
		{"theoldreader.com (3 subscribers)", "theoldreader.com", 3, true},
		{"Bloglovin/1.0 (http://www.bloglovin.com; 9 readers)", "Bloglovin", 9, true},
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1 subscriber; )", "Feedly", 1, true},
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1,234 subscribers; )", "Feedly", 1234, true},
		{"Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 12.345 Subscribers; )", "Inoreader", 12345, true},
		{"SomeFetcher (2 READERS)", "SomeFetcher", 2, true},
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 0 subscribers; )", "Feedly", 0, true},
		// No count.
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)", "", 0, false},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "", 0, false},
		{"NetNewsWire (RSS Reader; https://netnewswire.com/)", "", 0, false},
		{"Feed Reader 2", "", 0, false},
		{"subscribers", "", 0, false},
		{"", "", 0, false},
		// Odd ones.
		{"Fetcher/1.0 (v2 readers)", "", 0, false},                          // a word, not a count
		{"Fetcher/1.0 (1.0 readers)", "", 0, false},                         // a version, not thousands
		{"Fetcher/1.0 (1,23 subscribers)", "", 0, false},                    // not groups of three
		{"Fetcher/1.0 (12345678901234 subscribers)", "", 0, false},          // beyond belief
		{"Fetcher/1.0 (99999999999999999999999 subscribers)", "", 0, false}, // overflow
		{"Fetcher/1.0 (5 subscribersX)", "", 0, false},
		{"Fetcher/1.0 (5 readership)", "", 0, false},
		{"/1.0 (5 subscribers)", "", 0, false}, // no name
		{"Fetcher\x00\x01/1.0 (5 subscribers)", "Fetcher", 5, true},
		{strings.Repeat("A", 10_000) + " 5 subscribers", "", 0, false}, // past what is read
		{strings.Repeat("x ", 200) + "7 subscribers", strings.Repeat("x ", 32)[:64-1], 7, true},
		{strings.Repeat("9 ", 5000), "", 0, false},
		{"日本語リーダー/1.0 (4 subscribers)", "日本語リーダー", 4, true},
	} {
		name, n, ok := ParseUserAgent(tc.ua)
		if name != tc.name || n != tc.n || ok != tc.ok {
			t.Errorf("ParseUserAgent(%.60q) = %q, %d, %v; want %q, %d, %v", tc.ua, name, n, ok, tc.name, tc.n, tc.ok)
		}
		if ok && !mayReport(tc.ua) {
			t.Errorf("mayReport(%.60q) is false for a User-Agent that reports", tc.ua)
		}
	}
}

func FuzzParseUserAgent(f *testing.F) {
	f.Add("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )")
	f.Add("theoldreader.com (3 subscribers)")
	f.Add("x 1,234,567 readers")
	f.Fuzz(func(t *testing.T, ua string) {
		name, n, ok := ParseUserAgent(ua)
		if !ok {
			return
		}
		if name == "" || len(name) > maxAggregatorName || n < 0 || n > maxReported {
			t.Errorf("ParseUserAgent(%q) = %q, %d", ua, name, n)
		}
		control := strings.IndexFunc(ua, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
		if !strings.Contains(ua, name) && !control && strings.ToValidUTF8(ua, "") == ua {
			t.Errorf("name %q is not from %q", name, ua)
		}
	})
}
