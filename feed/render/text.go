package render

import (
	"strings"
	"unicode/utf8"
)

// clean returns s fit for any of the three formats: C0 controls other than
// tab, newline and carriage return, DEL and the C1 controls are dropped;
// invalid UTF-8 (which includes encoded surrogates) and U+FFFE and U+FFFF,
// which XML 1.0 forbids, become U+FFFD, one per run of bad bytes. Input that
// needs none of this, the usual case, is returned without copying.
func clean(s string) string {
	for i := 0; i < len(s); {
		// Eight bytes at a time while they are all printable ASCII.
		if i+8 <= len(s) && printable8(s[i:i+8]) {
			i += 8
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if !okASCII(c) {
				return cleanFrom(s, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || isC1(r) || r == 0xFFFE || r == 0xFFFF {
			return cleanFrom(s, i)
		}
		i += n
	}
	return s
}

// cleanFrom does clean's work from s[i], the first byte that needs it.
func cleanFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	replaced := false // the last thing written was a U+FFFD for bad input
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if okASCII(c) {
				b.WriteByte(c)
				replaced = false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case isC1(r):
			continue // dropped, like the C0 controls
		case (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF:
			if !replaced {
				b.WriteRune(utf8.RuneError)
				replaced = true
			}
			continue
		default:
			b.WriteRune(r)
		}
		replaced = false
	}
	return b.String()
}

func okASCII(c byte) bool {
	return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r'
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }

// rssText is RSS plain text, written by the XML encoder exactly as held. The
// RSS Best Practices Profile asks for '&', '<' and '>' in plain text to be
// written as hexadecimal character references, which the encoder cannot be
// told to do.
type rssText struct {
	Inner string `xml:",innerxml"`
}

// plain returns s, cleaned, as RSS plain text.
func plain(s string) rssText {
	return rssText{Inner: escapeRSS(clean(s))}
}

// escapeRSS escapes s, which clean has passed, for an XML text node.
// A carriage return is escaped too, or parsers would turn it into a newline.
func escapeRSS(s string) string {
	if !strings.ContainsAny(s, "&<>\r") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&#x26;")
		case '<':
			b.WriteString("&#x3C;")
		case '>':
			b.WriteString("&#x3E;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// printable8 reports whether all eight bytes of s are printable ASCII
// (0x20 to 0x7e), testing them as one word: a byte is outside that range if
// its top bit is set, if subtracting 0x20 from it borrows, or if it is 0x7f.
func printable8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	del := w ^ (0x7f * ones)
	return (w|(w-0x20*ones)|((del-ones)&^del))&highs == 0
}
