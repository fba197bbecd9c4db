package render

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain ascii", "plain ascii"},
		{"tab\tnewline\ncr\r", "tab\tnewline\ncr\r"},
		{"nul\x00bell\x07esc\x1bdel\x7f", "nulbellescdel"},
		{"C1 \u0085\u009f here", "C1  here"},
		{"日本語 and é", "日本語 and é"},
		{"bad \xff\xfe bytes", "bad \ufffd bytes"},
		{"truncated \xe6\x97", "truncated \ufffd"},
		{"surrogate \xed\xa0\x80!", "surrogate \ufffd!"},
		{"nonchars \ufffe\uffff", "nonchars \ufffd"},
		{"kept \ufffd and \U0001F600", "kept \ufffd and \U0001F600"},
		{"\xff\x01\xff", "\ufffd"},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// cleanByRune is clean written the obvious way, to check clean against.
func cleanByRune(s string) string {
	var b strings.Builder
	replaced := false
	for i, r := range s {
		bad := r == 0xfffe || r == 0xffff
		if r == utf8.RuneError {
			_, n := utf8.DecodeRuneInString(s[i:])
			bad = n == 1
		}
		switch {
		case bad:
			if !replaced {
				b.WriteRune(utf8.RuneError)
			}
			replaced = true
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r >= 0x7f && r <= 0x9f:
		default:
			b.WriteRune(r)
			replaced = false
		}
	}
	return b.String()
}

func FuzzClean(f *testing.F) {
	for _, a := range articles() {
		f.Add(a.Title)
		f.Add(a.Content)
	}
	f.Add("12345678\x1f2345678\x7f")
	f.Add(" \x20\x20\x20\x20\x20\x20\x1f")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := clean(s), cleanByRune(s); got != want {
			t.Errorf("clean(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestPrintable8 tries every byte value at every position of a word.
func TestPrintable8(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{' ', 'a', '~'} {
				w := bytes.Repeat([]byte{fill}, 8)
				w[pos] = byte(c)
				want := c >= 0x20 && c <= 0x7e
				if got := printable8(string(w)); got != want {
					t.Errorf("printable8(%q) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func TestCleanDoesNotCopyCleanText(t *testing.T) {
	s := strings.Repeat("Clean text, 日本語 too. ", 100)
	if n := testing.AllocsPerRun(100, func() { _ = clean(s) }); n != 0 {
		t.Errorf("clean of clean text made %v allocations, want 0", n)
	}
}

func TestEscapeRSS(t *testing.T) {
	in := "A & B <c> \"d\" 'e'\r"
	want := "A &#x26; B &#x3C;c&#x3E; \"d\" 'e'&#xD;"
	if got := escapeRSS(in); got != want {
		t.Errorf("escapeRSS(%q) = %q, want %q", in, got, want)
	}
}
