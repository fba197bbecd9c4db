package ingest

import (
	"strings"

	"golang.org/x/net/html/atom"

	"herald/feed/htmltext"
)

// htmlText returns the text of an HTML fragment with white space collapsed,
// read as htmltext reads it. If firstParagraph is set it returns the text of
// the first <p> that has any, falling back to all the text when no <p> does.
func htmlText(fragment string, firstParagraph bool) string {
	if firstParagraph {
		var p paragraph
		htmltext.Walk(fragment, &p)
		if p.found != "" {
			return p.found
		}
	}
	return htmltext.Text(fragment)
}

// A paragraph finds the text of the first <p> that has any.
type paragraph struct {
	text  strings.Builder
	depth int // of <p> elements
	found string
}

func (p *paragraph) Text(s string) {
	if p.depth > 0 && p.found == "" {
		p.text.WriteString(s)
	}
}

func (p *paragraph) Edge(a atom.Atom, end bool) {
	// Keep words in neighbouring blocks and cells apart.
	p.text.WriteByte(' ')
	switch {
	case a != atom.P || p.found != "":
	case !end:
		p.depth++
	case p.depth > 0:
		p.depth--
		if p.depth == 0 {
			p.found = strings.Join(strings.Fields(p.text.String()), " ")
			p.text.Reset()
		}
	}
}
