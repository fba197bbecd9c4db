package stats

import (
	"strings"
	"unicode/utf8"
)

// maxUserAgent is how much of a User-Agent ParseUserAgent reads: a longer
// one is cut there, so that a hostile header costs no more than that.
const maxUserAgent = 512

// maxAggregatorName bounds the name ParseUserAgent gives an aggregator.
const maxAggregatorName = 64

// maxReported is the largest subscriber count believed; a larger one is no
// report.
const maxReported = 1_000_000_000

// ParseUserAgent reads the subscriber count that a feed aggregator reports
// in its User-Agent, as Feedly, Inoreader, NewsBlur, Feedbin, The Old
// Reader and others do ("42 subscribers", "1 subscriber", "3 readers",
// "1,234 subscribers"), and names the aggregator: the User-Agent up to the
// first "/", "(", ";" or " - " ("Feedly", "NewsBlur Feed Fetcher",
// "Feedbin feed-id:123", "theoldreader.com"), so that each of an
// aggregator's feed ids reports on its own. ok is false when the
// User-Agent reports no count.
func ParseUserAgent(ua string) (aggregator string, subscribers int64, ok bool) {
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	for i := 0; i < len(ua); i++ {
		c := ua[i]
		if c != 's' && c != 'S' && c != 'r' && c != 'R' {
			continue
		}
		word := ""
		switch {
		case hasWordFold(ua[i:], "subscriber"):
			word = "subscriber"
		case hasWordFold(ua[i:], "reader"):
			word = "reader"
		default:
			continue
		}
		end := i + len(word)
		if end < len(ua) && (ua[end] == 's' || ua[end] == 'S') {
			end++
		}
		if end < len(ua) && isLetter(ua[end]) {
			continue // "readership", "subscribers2"
		}
		if n, ok := countBefore(ua[:i]); ok {
			name := aggregatorName(ua)
			if name == "" {
				return "", 0, false
			}
			return name, n, true
		}
	}
	return "", 0, false
}

// hasWordFold reports whether s starts with word, in any case.
func hasWordFold(s, word string) bool {
	return len(s) >= len(word) && strings.EqualFold(s[:len(word)], word)
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// countBefore reads the number that ends s, after one space: "... 42 ",
// "... 1,234 " or "... 1.234 " (groups of three after a separator).
func countBefore(s string) (int64, bool) {
	if !strings.HasSuffix(s, " ") {
		return 0, false
	}
	s = s[:len(s)-1]
	j := len(s)
	for j > 0 && (isDigit(s[j-1]) || s[j-1] == ',' || s[j-1] == '.') {
		j--
	}
	num := s[j:]
	if num == "" || !isDigit(num[0]) || !isDigit(num[len(num)-1]) {
		return 0, false
	}
	if j > 0 && (isLetter(s[j-1]) || s[j-1] == '-' && j > 1 && isDigit(s[j-2])) {
		return 0, false // "v2 readers", part of a word
	}
	var n int64
	groups := strings.FieldsFunc(num, func(r rune) bool { return r == ',' || r == '.' })
	if len(groups) > 1 {
		if strings.Contains(num, ",,") || strings.Contains(num, "..") || strings.ContainsRune(num, ',') && strings.ContainsRune(num, '.') {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false // a version such as 1.0, not a count
			}
		}
		if len(groups[0]) > 3 {
			return 0, false
		}
	}
	for _, g := range groups {
		for k := range len(g) {
			n = n*10 + int64(g[k]-'0')
			if n > maxReported {
				return 0, false
			}
		}
	}
	return n, true
}

// aggregatorName is ua up to the first "/", "(", ";" or " - ", trimmed
// and cut to maxAggregatorName bytes at a letter's edge.
func aggregatorName(ua string) string {
	end := len(ua)
	for _, sep := range []string{"/", "(", ";", " - "} {
		if i := strings.Index(ua, sep); i >= 0 && i < end {
			end = i
		}
	}
	// Invalid bytes and control characters go first (strings.Map would
	// turn each invalid byte into a three-byte U+FFFD), then the cut.
	name := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ua[:end], "")))
	if len(name) > maxAggregatorName {
		name = name[:maxAggregatorName]
		for len(name) > 0 && !utf8.RuneStart(name[len(name)-1]) {
			name = name[:len(name)-1]
		}
		if len(name) > 0 && name[len(name)-1] >= utf8.RuneSelf {
			name = name[:len(name)-1] // the first byte of a letter cut short
		}
	}
	return strings.TrimSpace(name)
}

// mayReport reports cheaply whether ua could hold a count: a digit, a
// space and a word starting with s or r ("42 subscribers", "3 readers"),
// as ParseUserAgent needs; so that the polls of ordinary readers skip it.
func mayReport(ua string) bool {
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	for i := 1; i+1 < len(ua); i++ {
		j := strings.IndexByte(ua[i:], ' ')
		if j < 0 {
			return false
		}
		i += j
		if i+1 < len(ua) && isDigit(ua[i-1]) && (ua[i+1]|0x20 == 's' || ua[i+1]|0x20 == 'r') {
			return true
		}
	}
	return false
}
