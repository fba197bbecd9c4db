// Package wdiff compares two versions of a text word by word, for the
// public pages of corrections: a longest common subsequence over words,
// bounded so that a huge article cannot make it quadratic in memory.
package wdiff

import (
	"html"
	"strings"
	"unicode"

	"golang.org/x/net/html/atom"

	"herald/feed/htmltext"
)

// MaxCells bounds the table of the longest common subsequence: the words
// that differ between the two texts (after their common beginning and end)
// multiplied together. Over it, the texts are compared paragraph by
// paragraph, and over it again, the part that differs is shown removed and
// added whole. At 4 bytes a cell the table takes at most 16 MB.
const MaxCells = 4 << 20

// An Op says what a chunk of the difference is.
type Op int

const (
	Equal  Op = iota // in both versions
	Delete           // in the old version only
	Insert           // in the new version only
)

// A Token is a word, a character of a script written without spaces (Han,
// Hiragana, Katakana), or a paragraph break (Text "\n").
type Token struct {
	Text string
	// Space says that white space came before it in its text.
	Space bool
}

// A Chunk is a run of tokens with the same Op.
type Chunk struct {
	Op     Op
	Tokens []Token
}

// A Diff is the difference between two texts.
type Diff struct {
	Chunks []Chunk
	// Granularity is "word", or "paragraph" when the texts were too far
	// apart for words (see MaxCells), or "whole" when they were too far
	// apart for paragraphs too.
	Granularity string
}

// Changed reports whether the texts differ.
func (d Diff) Changed() bool {
	for _, c := range d.Chunks {
		if c.Op != Equal {
			return true
		}
	}
	return false
}

// Words splits the plain text s into tokens: words, the characters of
// scripts written without spaces, and paragraph breaks at each run of
// white space holding a blank line.
func Words(s string) []Token {
	var (
		out   []Token
		word  strings.Builder
		space bool
		lines int // newlines in the pending white space
	)
	flush := func() {
		if word.Len() > 0 {
			out = append(out, Token{Text: word.String(), Space: space})
			word.Reset()
			space = false
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			flush()
			space = true
			if r == '\n' {
				lines++
			}
			continue
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			if lines >= 2 && len(out) > 0 {
				out = append(out, Token{Text: "\n"})
				space = false
			}
			lines = 0
			flush()
			out = append(out, Token{Text: string(r), Space: space})
			space = false
			continue
		}
		if lines >= 2 && len(out) > 0 {
			flush()
			out = append(out, Token{Text: "\n"})
			space = false
		}
		lines = 0
		word.WriteRune(r)
	}
	flush()
	return out
}

// Text returns the text of the HTML fragment h, its block elements (p,
// li, headings, ...) made paragraphs separated by blank lines.
func Text(h string) string {
	var p paragraphs
	htmltext.Walk(h, &p)
	return strings.TrimSpace(p.b.String())
}

type paragraphs struct{ b strings.Builder }

func (p *paragraphs) Text(s string)        { p.b.WriteString(s) }
func (p *paragraphs) Edge(atom.Atom, bool) { p.b.WriteString("\n\n") }

// Compare returns the difference from the text old to the text new (plain
// text, as Words reads it).
func Compare(old, new string) Diff {
	a, b := Words(old), Words(new)
	// The common beginning and end cost nothing to find and are most of
	// a corrected article.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre].Text == b[pre].Text {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf].Text == b[len(b)-1-suf].Text {
		suf++
	}
	d := Diff{Granularity: "word"}
	d.add(Equal, a[:pre])
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	switch {
	case fits(len(ma), len(mb)):
		lcs(&d, ma, mb)
	default:
		pa, pb := split(ma), split(mb)
		if fits(len(pa), len(pb)) {
			d.Granularity = "paragraph"
			lcsParagraphs(&d, pa, pb)
		} else {
			d.Granularity = "whole"
			d.add(Delete, ma)
			d.add(Insert, mb)
		}
	}
	d.add(Equal, a[len(a)-suf:])
	return d
}

// fits reports whether a table of n by m cells is within MaxCells.
func fits(n, m int) bool {
	return n == 0 || m == 0 || (n+1) <= MaxCells/(m+1)
}

// add appends tokens as op, joining the last chunk when it has the same op.
func (d *Diff) add(op Op, tokens []Token) {
	if len(tokens) == 0 {
		return
	}
	if n := len(d.Chunks); n > 0 && d.Chunks[n-1].Op == op {
		d.Chunks[n-1].Tokens = append(d.Chunks[n-1].Tokens, tokens...)
		return
	}
	d.Chunks = append(d.Chunks, Chunk{Op: op, Tokens: append([]Token(nil), tokens...)})
}

// lcs adds the difference of a and b, by a longest common subsequence of
// their tokens' texts.
func lcs(d *Diff, a, b []Token) {
	table(len(a), len(b), func(i, j int) bool { return a[i].Text == b[j].Text },
		func(op Op, i int) {
			if op == Insert {
				d.add(op, b[i:i+1])
			} else {
				d.add(op, a[i:i+1])
			}
		})
}

// lcsParagraphs adds the difference of the paragraphs a and b, whole
// paragraphs at a time.
func lcsParagraphs(d *Diff, a, b [][]Token) {
	same := func(x, y []Token) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i].Text != y[i].Text {
				return false
			}
		}
		return true
	}
	table(len(a), len(b), func(i, j int) bool { return same(a[i], b[j]) },
		func(op Op, i int) {
			if op == Insert {
				d.add(op, b[i])
			} else {
				d.add(op, a[i])
			}
		})
}

// table walks a longest common subsequence of two sequences of n and m
// items (eq compares them), calling emit for each item in order: Equal
// and Delete with an index into the first, Insert into the second. n*m is
// within MaxCells.
func table(n, m int, eq func(i, j int) bool, emit func(Op, int)) {
	// l[i*(m+1)+j] is the length of a longest common subsequence of the
	// items from i and from j on.
	w := m + 1
	l := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				l[i*w+j] = l[(i+1)*w+j+1] + 1
			} else {
				l[i*w+j] = max(l[(i+1)*w+j], l[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case eq(i, j):
			emit(Equal, i)
			i, j = i+1, j+1
		case l[(i+1)*w+j] >= l[i*w+j+1]:
			emit(Delete, i)
			i++
		default:
			emit(Insert, j)
			j++
		}
	}
	for ; i < n; i++ {
		emit(Delete, i)
	}
	for ; j < m; j++ {
		emit(Insert, j)
	}
}

// split cuts tokens into paragraphs, each break token ending the one before
// it.
func split(tokens []Token) [][]Token {
	var out [][]Token
	start := 0
	for i, t := range tokens {
		if t.Text == "\n" {
			out = append(out, tokens[start:i+1])
			start = i + 1
		}
	}
	if start < len(tokens) {
		out = append(out, tokens[start:])
	}
	return out
}

// HTML returns d as escaped HTML: removed tokens in <del>, added ones in
// <ins>, paragraph breaks as blank lines (for an element styled
// white-space: pre-wrap).
func (d Diff) HTML() string {
	var b strings.Builder
	first := true
	for _, c := range d.Chunks {
		open, end := "", ""
		switch c.Op {
		case Delete:
			open, end = "<del>", "</del>"
		case Insert:
			open, end = "<ins>", "</ins>"
		}
		for k, t := range c.Tokens {
			if t.Text == "\n" {
				if k == 0 {
					b.WriteString(open)
				}
				b.WriteString("\n\n")
				first = true
				if k == len(c.Tokens)-1 {
					b.WriteString(end)
				}
				continue
			}
			if t.Space && !first {
				b.WriteByte(' ')
			}
			first = false
			if k == 0 {
				b.WriteString(open)
			}
			b.WriteString(html.EscapeString(t.Text))
			if k == len(c.Tokens)-1 {
				b.WriteString(end)
			}
		}
	}
	return b.String()
}
