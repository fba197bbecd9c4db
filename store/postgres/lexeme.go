package postgres

// Lexemes: the words of the search index, made in Go the way SQLite's FTS5
// tokenizer makes them from the same text (porter over unicode61 with
// remove_diacritics 2 and categories 'L* N* Co M*', store/sqlite's
// migration 0004), so that both engines index and look up the same
// lexemes, whatever PostgreSQL's text search parser, configurations and
// locale would make of the text. lexeme_test.go holds the two to each other
// over every code point and many words.

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/text/unicode/norm"

	"herald/store/internal/searchtext"
)

// PostgreSQL's limits on a tsvector.
const (
	maxLexeme    = 2046    // bytes in one lexeme: a longer word is not indexed
	maxPosition  = 16383   // a word further on takes this position
	maxPositions = 256     // positions kept for one lexeme
	maxLexemes   = 1 << 20 // bytes of all the lexemes of one vector
)

// The weights of the fields in the index (see search.go).
const (
	weightTitle   = 'A'
	weightSummary = 'B'
	weightBody    = 'C'
)

// tokens calls fn for each token of text, folded (lower case, Latin
// letters without their diacritics). A token is a run of the characters
// that unicode61 reads as part of a word: letters, digits, marks and
// private-use characters by SQLite's Unicode tables, which isWordRune
// follows. A token can be empty (a lone diacritic, which folding removes);
// it still takes a position.
func tokens(text string, fn func(tok string)) {
	tokenBytes(text, func(tok []byte) { fn(string(tok)) })
}

// tokenBytes is tokens with each token in a buffer that fn must not keep.
func tokenBytes(text string, fn func(tok []byte)) {
	b := make([]byte, 0, 64)
	in := false
	for _, r := range text {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			b = append(b, byte(r))
		case 'A' <= r && r <= 'Z':
			b = append(b, byte(r)+'a'-'A')
		case r >= utf8.RuneSelf && isWordRune(r):
			if f := foldRune(r); f >= 0 {
				b = utf8.AppendRune(b, f)
			}
		default:
			if in {
				fn(b)
				b = b[:0]
				in = false
			}
			continue
		}
		in = true
	}
	if in {
		fn(b)
	}
}

// A runeRange is the runes lo to hi, and a number v that says what
// becomes of them (see unicode61.go).
type runeRange struct {
	lo, hi rune
	v      int32
}

// lookup returns the range of ranges (sorted, apart) that holds r.
func lookup(ranges []runeRange, r rune) (runeRange, bool) {
	i := sort.Search(len(ranges), func(i int) bool { return ranges[i].hi >= r })
	if i < len(ranges) && ranges[i].lo <= r {
		return ranges[i], true
	}
	return runeRange{}, false
}

// isWordRune reports whether a non-ASCII rune is part of a word for
// unicode61: a letter, digit, mark or private-use character, or a code
// point that SQLite's tables (an earlier Unicode than Go's) leave
// unassigned, which they count as one; unicode61Words lists where the two
// versions part.
func isWordRune(r rune) bool {
	if x, ok := lookup(unicode61Words, r); ok {
		return x.v == 1
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) || unicode.Is(unicode.Co, r) ||
		!unicode.In(r, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf, unicode.Cs)
}

// foldRune folds a non-ASCII word rune as unicode61 does, returning -1 for
// one that folding removes (a combining diacritic): simple case folding in
// the Basic Multilingual Plane and of Deseret, then a Latin letter with
// diacritics becomes its ASCII letter. unicode61Folds lists the runes that
// SQLite's (earlier) Unicode tables fold otherwise.
func foldRune(r rune) rune {
	if x, ok := lookup(unicode61Folds, r); ok {
		return r + x.v
	}
	switch {
	case r < 0x10000:
		if u := unicode.ToUpper(r); u != r {
			r = unicode.ToLower(u) // ſ is s, ς is σ, as in case folding
		} else {
			r = unicode.ToLower(r)
		}
		if r < rune(len(plainLatin)) {
			if p := plainLatin[r]; p != 0 {
				return p
			}
		}
		return r
	case 0x10400 <= r && r < 0x10428:
		return r + 40
	}
	return r
}

// plainLatin maps each lower-case letter below U+2000 that decomposes to
// an ASCII letter and diacritics (U+0300 to U+036F) to that letter, and
// each diacritic of those decompositions to -1: what remove_diacritics 2
// does, from the same canonical decompositions.
var plainLatin = func() []rune {
	t := make([]rune, 0x2000)
	for r := rune(0xc0); r < 0x2000; r++ {
		d := norm.NFD.String(string(r))
		base, n := utf8.DecodeRuneInString(d)
		if n == len(d) || base >= utf8.RuneSelf || !unicode.IsLetter(base) || unicode.ToLower(r) != r {
			continue
		}
		marks := []rune(d[n:])
		if slices.ContainsFunc(marks, func(m rune) bool { return m < 0x300 || m >= 0x370 }) {
			continue
		}
		t[r] = unicode.ToLower(base)
		for _, m := range marks {
			t[m] = -1
		}
	}
	return t
}()

// lexeme stems a token, or returns "" for one that cannot be indexed.
func lexeme(tok string) string {
	if tok == "" || len(tok) > maxLexeme {
		return ""
	}
	return porter(tok)
}

// A stemCache holds the lexemes of the tokens seen, by token: a newsroom's
// articles share most of their words, and stemming one costs more than
// looking it up. One goroutine uses a cache at a time.
type stemCache map[string]string

// maxStems is the size at which a stemCache starts again.
const maxStems = 100_000

// lexeme returns lexeme(tok), from the cache or stemmed now.
func (c stemCache) lexeme(tok []byte) string {
	if lex, ok := c[string(tok)]; ok {
		return lex
	}
	if len(c) >= maxStems {
		clear(c)
	}
	t := string(tok)
	lex := lexeme(t)
	c[t] = lex
	return lex
}

// A docBuilder builds the tsvector of an article: the lexemes of its
// fields, each with its positions and the field's weight.
type docBuilder struct {
	pos   int                                  // of the last token
	at    map[string][]pgtype.TSVectorPosition // lexeme -> its positions
	bytes int                                  // of all the lexemes
	stems stemCache
}

// add adds a field's text, as searchtext prepares it, with its weight. A
// position is left out between fields, so that no phrase spans two.
func (d *docBuilder) add(text string, weight byte) {
	if d.at == nil {
		d.at = map[string][]pgtype.TSVectorPosition{}
	}
	if d.pos > 0 {
		d.pos++
	}
	if d.stems == nil {
		d.stems = stemCache{}
	}
	tokenBytes(text, func(tok []byte) {
		d.pos++
		lex := d.stems.lexeme(tok)
		if lex == "" {
			return
		}
		ps, ok := d.at[lex]
		if !ok {
			if d.bytes+len(lex) >= maxLexemes {
				return
			}
			d.bytes += len(lex)
		}
		if len(ps) == maxPositions {
			return
		}
		// Past maxPosition every word takes that one, which a lexeme
		// holds once, with the weight it had first (the fields come in
		// order of weight, so the highest, as PostgreSQL keeps of two).
		pos := uint16(min(d.pos, maxPosition))
		if len(ps) > 0 && ps[len(ps)-1].Position == pos {
			return
		}
		d.at[lex] = append(ps, pgtype.TSVectorPosition{Position: pos, Weight: pgtype.TSVectorWeight(weight)})
	})
}

// lexemes returns the vector's lexemes in order.
func (d *docBuilder) lexemes() []string {
	lexes := make([]string, 0, len(d.at))
	for lex := range d.at {
		lexes = append(lexes, lex)
	}
	slices.Sort(lexes)
	return lexes
}

// Vector returns the vector as pgx sends it: in tsvector's binary form,
// which the server takes as it is, where the text form would cost it a
// parse (a tenth of a millisecond for an article of 5 KB).
func (d *docBuilder) Vector() pgtype.TSVector {
	v := pgtype.TSVector{Valid: true}
	for _, lex := range d.lexemes() {
		v.Lexemes = append(v.Lexemes, pgtype.TSVectorLexeme{Word: lex, Positions: d.at[lex]})
	}
	return v
}

// String returns the vector in tsvector's input syntax, lexemes in order.
func (d *docBuilder) String() string {
	var b strings.Builder
	var num []byte
	for i, lex := range d.lexemes() {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeQuoted(&b, lex)
		b.WriteByte(':')
		for j, p := range d.at[lex] {
			if j > 0 {
				b.WriteByte(',')
			}
			num = strconv.AppendUint(num[:0], uint64(p.Position), 10)
			b.Write(num)
			b.WriteByte(byte(p.Weight))
		}
	}
	return b.String()
}

// writeQuoted writes a lexeme as tsvector input quotes it.
func writeQuoted(b *strings.Builder, lex string) {
	b.WriteByte('\'')
	for _, r := range lex {
		if r == '\'' || r == '\\' {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
}

// document returns the search index's vector of an article, in tsvector's
// input syntax: its title (weight A), summary (B) and body (C), prepared by
// searchtext as every engine's index takes them.
func document(title, summary, content string) string {
	d := build(title, summary, content, nil)
	return d.String()
}

// vector returns the vector of document, for pgx to send in binary; stems
// (nil for none) is a cache of the goroutine that calls it.
func vector(title, summary, content string, stems stemCache) pgtype.TSVector {
	d := build(title, summary, content, stems)
	return d.Vector()
}

func build(title, summary, content string, stems stemCache) *docBuilder {
	d := &docBuilder{stems: stems}
	d.add(searchtext.Text(title), weightTitle)
	d.add(searchtext.Text(summary), weightSummary)
	d.add(searchtext.HTML(content), weightBody)
	return d
}
