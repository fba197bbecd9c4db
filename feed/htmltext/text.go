package htmltext

import (
	"strings"
	"unicode"

	"golang.org/x/net/html/atom"
)

// Text returns the text of the HTML fragment h as one line: what Walk
// gives, with a space at every edge and each run of white space (NUL
// included) made one space, trimmed.
func Text(h string) string {
	var t line
	t.b.Grow(len(h))
	Walk(h, &t)
	return t.b.String()
}

// A line collects text for Text.
type line struct {
	b     strings.Builder
	space bool // white space is pending
}

func (t *line) Edge(atom.Atom, bool) { t.space = true }

func (t *line) Text(s string) {
	for _, r := range s {
		if r == 0 || unicode.IsSpace(r) {
			t.space = true
			continue
		}
		if t.space && t.b.Len() > 0 {
			t.b.WriteByte(' ')
		}
		t.space = false
		t.b.WriteRune(r)
	}
}
