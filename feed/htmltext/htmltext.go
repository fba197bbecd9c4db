// Package htmltext reads the text of HTML the one way herald reads it
// everywhere (tag rules, the search index, summaries and titles): one walker
// with one table of the elements whose text is not article text and of the
// elements that end a run of text, and one classifier of the characters
// that words are made of.
package htmltext

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// inline elements do not end a run of text: "cyber<b>security</b>" is one
// word. Every other element, known or not, does. Ruby annotations (rt, rp)
// are inline and skipped, so the base text around them is one run:
// 漢<rt>かん</rt>字 is 漢字.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.Acronym: true, atom.B: true, atom.Bdi: true, atom.Bdo: true,
	atom.Cite: true, atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true,
	atom.Em: true, atom.Font: true, atom.I: true, atom.Ins: true, atom.Kbd: true,
	atom.Mark: true, atom.Q: true, atom.Rp: true, atom.Rt: true, atom.Ruby: true,
	atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strike: true,
	atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.Tt: true,
	atom.U: true, atom.Var: true, atom.Wbr: true,
}

// rawText elements hold text without markup up to their end tag, as the
// HTML tokenizer reads them; none of it is article text. The text of
// iframe and noembed is what a browser shows when it cannot show the
// frame or the embed, not part of the article.
var rawText = map[atom.Atom]bool{
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Plaintext: true,
	atom.Script: true, atom.Style: true, atom.Textarea: true, atom.Title: true, atom.Xmp: true,
}

// skipped elements may hold markup, but their text is not article text.
var skipped = map[atom.Atom]bool{
	atom.Noscript: true, atom.Rp: true, atom.Rt: true, atom.Template: true,
}

// A Handler receives what Walk reads.
type Handler interface {
	// Text receives a run of text with its character references decoded.
	// Text that no Edge separates belongs together: "cyber<b>security</b>"
	// is Text("cyber"), Text("security").
	Text(s string)
	// Edge receives a start or end tag of an element that ends a run of
	// text: every element but the inline ones (a, b, em, span, ...). a is 0
	// for an element that HTML does not define.
	Edge(a atom.Atom, end bool)
}

// Walk reads the HTML fragment h and gives hd its text and the edges of its
// block elements. The text of script, style, template, noscript, iframe,
// noembed, noframes, textarea, title, xmp and plaintext elements and of
// ruby annotations (rt, rp) is not given.
//
// It strips markup by following the HTML tokenizer's rules as far as article
// text needs them: tags with quoted attribute values, comments, doctypes and
// raw text elements such as script; a '<' that starts none of these is text.
// A tag that the input ends inside is dropped, as HTML does, with the rest
// of the input. This is several times faster than golang.org/x/net/html's
// Tokenizer, which matters because every stored article passes through
// here more than once.
func Walk(h string, hd Handler) {
	var skip atom.Atom // the element whose text is being skipped
	text := 0          // start of the text not yet given
	for i := 0; i < len(h); {
		lt := strings.IndexByte(h[i:], '<')
		if lt < 0 {
			break
		}
		lt += i
		kind, name, end := scanMarkup(h, lt)
		if kind == notMarkup {
			i = lt + 1
			continue
		}
		if skip == 0 {
			giveText(hd, h[text:lt])
		}
		i, text = end, end
		if kind == comment {
			continue
		}
		a := lookupAtom(name)
		if !inline[a] {
			hd.Edge(a, kind == endTag)
		}
		switch {
		case kind == endTag:
			if a == skip {
				skip = 0
			}
		case rawText[a]:
			i = endTagIndex(h, end, name)
			text = i
		case skip == 0 && skipped[a]:
			skip = a
		}
	}
	if skip == 0 {
		giveText(hd, h[text:])
	}
}

// giveText gives hd a run of text, decoding its character references.
func giveText(hd Handler, t string) {
	if t == "" {
		return
	}
	if strings.IndexByte(t, '&') >= 0 {
		t = html.UnescapeString(t)
	}
	hd.Text(t)
}

type markup uint8

const (
	notMarkup markup = iota // a '<' that is just text
	startTag
	endTag
	comment // comments, doctypes, processing instructions, CDATA, "</>"
)

// scanMarkup reports what starts at h[lt], which is '<', its tag name, and
// where it ends.
func scanMarkup(h string, lt int) (kind markup, name string, end int) {
	k := lt + 1
	if k >= len(h) {
		return notMarkup, "", 0
	}
	switch c := h[k]; {
	case isASCIILetter(c):
		name = tagName(h, k)
		return tag(startTag, name, h, k+len(name))
	case c == '/':
		switch {
		case k+1 >= len(h):
			return notMarkup, "", 0
		case isASCIILetter(h[k+1]):
			name = tagName(h, k+1)
			return tag(endTag, name, h, k+1+len(name))
		}
		return comment, "", closeAngle(h, k)
	case c == '!':
		if strings.HasPrefix(h[k:], "!--") {
			b := k + 3
			switch {
			case strings.HasPrefix(h[b:], ">"): // <!-->
				return comment, "", b + 1
			case strings.HasPrefix(h[b:], "->"): // <!--->
				return comment, "", b + 2
			}
			// The comment ends at "-->" or "--!>".
			for {
				e := strings.Index(h[b:], "--")
				if e < 0 {
					return comment, "", len(h)
				}
				b += e + 2
				switch {
				case strings.HasPrefix(h[b:], ">"):
					return comment, "", b + 1
				case strings.HasPrefix(h[b:], "!>"):
					return comment, "", b + 2
				}
				b-- // "--->" ends a comment too
			}
		}
		return comment, "", closeAngle(h, k)
	case c == '?':
		return comment, "", closeAngle(h, k)
	}
	return notMarkup, "", 0
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// tagName returns the tag name starting at h[i].
func tagName(h string, i int) string {
	j := i
	for j < len(h) && !isSpace(h[j]) && h[j] != '/' && h[j] != '>' {
		j++
	}
	return h[i:j]
}

// tag finishes scanning a tag whose attributes start at h[i], following
// the attribute states of the HTML tokenizer. A tag that the input ends
// inside is dropped, as HTML does, with the rest of the input.
func tag(kind markup, name, h string, i int) (markup, string, int) {
	dropped := func() (markup, string, int) { return comment, "", len(h) }
	for {
		// Before an attribute name.
		for i < len(h) && (isSpace(h[i]) || h[i] == '/') {
			i++
		}
		if i >= len(h) {
			return dropped()
		}
		if h[i] == '>' {
			return kind, name, i + 1
		}
		// The name; its first character may be anything, '=' included.
		for i++; i < len(h) && !isSpace(h[i]) && h[i] != '/' && h[i] != '>' && h[i] != '='; i++ {
		}
		for i < len(h) && isSpace(h[i]) {
			i++
		}
		if i >= len(h) {
			return dropped()
		}
		if h[i] != '=' {
			continue
		}
		// The value.
		for i++; i < len(h) && isSpace(h[i]); i++ {
		}
		if i >= len(h) {
			return dropped()
		}
		switch q := h[i]; q {
		case '"', '\'':
			e := strings.IndexByte(h[i+1:], q)
			if e < 0 {
				return dropped()
			}
			i += e + 2
		case '>':
		default:
			for i < len(h) && !isSpace(h[i]) && h[i] != '>' {
				i++
			}
		}
	}
}

// closeAngle returns the index after the next '>' from h[i], or len(h).
func closeAngle(h string, i int) int {
	if e := strings.IndexByte(h[i:], '>'); e >= 0 {
		return i + e + 1
	}
	return len(h)
}

// endTagIndex returns the index of the end tag for name at or after h[i], or
// len(h).
func endTagIndex(h string, i int, name string) int {
	for {
		e := strings.Index(h[i:], "</")
		if e < 0 {
			return len(h)
		}
		i += e
		j := i + 2 + len(name)
		if j <= len(h) && strings.EqualFold(h[i+2:j], name) && (j == len(h) || isSpace(h[j]) || h[j] == '/' || h[j] == '>') {
			return i
		}
		i += 2
	}
}

// lookupAtom returns the atom for a tag name in any case, or 0.
func lookupAtom(name string) atom.Atom {
	var b [16]byte
	if len(name) > len(b) {
		return 0
	}
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return atom.Lookup(b[:len(name)])
}
