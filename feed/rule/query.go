package rule

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"herald/feed"
	"herald/feed/htmltext"
)

// Limits on a query, the same for tag rules and searches. They are the
// limits rules always had: a rule is stored data that must keep parsing,
// feed.Tag.Validate lets it be 10,000 bytes, and a rule may list many
// alternatives. A rule costs little at any length, since it runs over one
// article at a time; a search runs over the whole index, where every word
// is a lookup whose cost grows with the archive (over 20,000 articles, a
// phrase of 250 common words took a second and a half, and one of 2,500
// words, which 10,000 bytes allow, 24 seconds). So a search is also
// bounded by its terms and words, which a person's query hardly nears.
const (
	MaxQueryLen    = 10_000 // bytes
	MaxDepth       = 32     // nested parentheses and NOTs
	MaxSearchTerms = 32     // terms in one search
	// MaxSearchWords is how many words one search may look up, counting
	// each letter of a script written without spaces as a word: the index
	// holds those as pairs of letters.
	MaxSearchWords = 64
	minPrefix      = 2 // letters before a '*'
)

// A Query is a parsed tag rule or search. It is safe for concurrent use.
type Query struct {
	root *Node
	text string // canonical form
}

// An Op is what a Node does.
type Op uint8

const (
	OpOr   Op = iota + 1 // holds when any of Kids holds
	OpAnd                // holds when every one of Kids holds
	OpNot                // holds when Kids[0] does not
	OpTerm               // holds when Term occurs
)

// A Node is an operator of a parsed query, or one of its terms. The nodes
// of a Query are shared by all its users: read them, never change them.
type Node struct {
	Op   Op
	Kids []*Node // OpOr, OpAnd: two or more, none with the same Op; OpNot: one
	Term *Term   // OpTerm
	Pos  int     // where the node starts in the query, in characters from 0
}

// A Term is a word, a prefix or a phrase: words that must occur one right
// after the other.
type Term struct {
	// Text is the term as written: a word, or a phrase without its quotes
	// and with its spaces collapsed, and a "*" wherever it was written (a
	// "*" right after a phrase's closing quote is at the end of Text).
	Text string
	// Phrase reports that the term was written in quotes.
	Phrase bool
	// Parts are what an engine looks for, one right after the other: Text
	// in NFKC normal form (full-width letters and half-width katakana in
	// their usual forms) cut after each "*", without the "*". A "*" after a
	// letter of a script written without spaces makes no prefix (such text
	// is found inside longer runs anyway) and is dropped without a cut.
	// Most terms have one part.
	Parts []Part

	// For matching: see match.go.
	words  []string // normalized
	prefix []bool   // by word: matches any word starting with it
	anyPre bool
	// Terms with letters of scripts written without spaces match as a
	// substring of Doc.text; lead and trail say whether the needle's ends
	// must fall on word boundaries.
	cjk         bool
	needle      string
	lead, trail bool
	shown       string // recorded as matched when no word is a prefix
	lookups     int    // words, counting each letter of a cjk word
}

// A Part is a piece of a Term.
type Part struct {
	Text   string // NFKC normal form; it has a letter or digit
	Prefix bool   // its last word is a prefix: any word starting with it matches
}

// Parse parses a tag rule (see the package comment for the syntax).
//
// Errors are *feed.ValidationError for the field "rule", which match
// feed.ErrInvalid and say what is wrong and where, counting characters from
// 0: `rule: position 14: unbalanced ")"`.
func Parse(rule string) (*Query, error) {
	return parse(rule, "rule", "rule")
}

// ParseSearch parses a search query: the language of tag rules, with
// errors for the field "q" (`q: position 0: unbalanced "("`), and at most
// MaxSearchTerms terms and MaxSearchWords words. Engines compile the
// Query's nodes to their own syntax (Root), so that nothing a user types is
// read as theirs.
func ParseSearch(q string) (*Query, error) {
	query, err := parse(q, "q", "query")
	if err != nil {
		return nil, err
	}
	terms, words := count(query.root)
	switch {
	case terms > MaxSearchTerms:
		return nil, feed.Invalid("q", "has more than %d terms", MaxSearchTerms)
	case words > MaxSearchWords:
		return nil, feed.Invalid("q", "has more than %d words (a letter of Chinese or Japanese counts as one)", MaxSearchWords)
	}
	return query, nil
}

func parse(query, field, noun string) (*Query, error) {
	if len(query) > MaxQueryLen {
		return nil, feed.Invalid(field, "is longer than %d bytes", MaxQueryLen)
	}
	p := &parser{field: field}
	if err := p.lex(query); err != nil {
		return nil, err
	}
	if len(p.toks) == 1 { // only EOF
		return nil, p.errorf(0, "empty query")
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errorf(t.pos, `unbalanced ")"`)
	}
	if n := negativeOnly(root); n != nil {
		// The position goes last: "q: NOT only excludes" is what clients
		// of the search API have always seen.
		return nil, feed.Invalid(field, "NOT only excludes articles; the %s also needs a term that must occur (position %d)", noun, n.Pos)
	}
	q := &Query{root: root}
	var b strings.Builder
	root.write(&b, 0)
	q.text = b.String()
	return q, nil
}

// String returns q in canonical form: operators spelled out, parentheses
// only where precedence needs them, phrases in straight quotes with single
// spaces. Parse(q.String()) gives an equivalent query.
func (q *Query) String() string { return q.text }

// Root returns the root of q's tree of operators and terms. Every query
// needs some term to occur: no query holds where none of its terms, or
// only terms under a NOT, occur.
func (q *Query) Root() *Node { return q.root }

// negativeOnly returns the NOT that lets n hold without any term outside
// every NOT occurring, or nil if n needs such a term. That is stricter than
// "n holds when no term occurs" (NOT NOT a is refused), because a match
// records only the terms outside every NOT.
func negativeOnly(n *Node) *Node {
	switch n.Op {
	case OpNot:
		return n
	case OpAnd:
		var first *Node
		for _, k := range n.Kids {
			m := negativeOnly(k)
			if m == nil {
				return nil
			}
			if first == nil {
				first = m
			}
		}
		return first
	case OpOr:
		for _, k := range n.Kids {
			if m := negativeOnly(k); m != nil {
				return m
			}
		}
	}
	return nil
}

// count returns how many terms n has and how many words they look up.
func count(n *Node) (terms, words int) {
	if n.Op == OpTerm {
		return 1, n.Term.lookups
	}
	for _, k := range n.Kids {
		t, w := count(k)
		terms, words = terms+t, words+w
	}
	return terms, words
}

// Lexing.

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tPhrase
	tAnd
	tOr
	tNot
	tOpen
	tClose
)

type token struct {
	kind tokKind
	pos  int    // in runes
	text string // tWord, tPhrase: as written (a phrase without its quotes)
	star bool   // tPhrase: a '*' right after the closing quote
}

func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '‟', '＂', '«', '»':
		return true
	}
	return false
}

// isStar reports whether r is a '*' or one of the forms NFKC makes one.
func isStar(r rune) bool { return r == '*' || r == '＊' || r == '﹡' }

func isOpen(r rune) bool  { return r == '(' || r == '（' }
func isClose(r rune) bool { return r == ')' || r == '）' }

// isBlank reports whether r separates tokens. Control characters do too:
// no engine should see them.
func isBlank(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

func (p *parser) lex(q string) error {
	pos := 0
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return p.errorf(pos, "invalid UTF-8")
		case isBlank(r):
		case isOpen(r):
			p.toks = append(p.toks, token{kind: tOpen, pos: pos})
		case isClose(r):
			p.toks = append(p.toks, token{kind: tClose, pos: pos})
		case isQuote(r):
			start, open, j, n := pos, i+size, i+size, pos+1
			for {
				if j >= len(q) {
					return p.errorf(start, "the phrase has no closing quote")
				}
				r, size = utf8.DecodeRuneInString(q[j:])
				if r == utf8.RuneError && size == 1 {
					return p.errorf(n, "invalid UTF-8")
				}
				if isQuote(r) {
					break
				}
				j += size
				n++
			}
			t := token{kind: tPhrase, pos: start, text: q[open:j]}
			i, pos = j+size, n+1
			if r, size := utf8.DecodeRuneInString(q[i:]); isStar(r) {
				t.star = true
				i += size
				pos++
			}
			p.toks = append(p.toks, t)
			continue
		default:
			start, j, n := pos, i, pos
			for j < len(q) {
				r, size = utf8.DecodeRuneInString(q[j:])
				if r == utf8.RuneError && size == 1 {
					return p.errorf(n, "invalid UTF-8")
				}
				if isBlank(r) || isOpen(r) || isClose(r) || isQuote(r) {
					break
				}
				j += size
				n++
			}
			t := token{kind: tWord, pos: start, text: q[i:j]}
			switch t.text {
			case "AND":
				t.kind = tAnd
			case "OR":
				t.kind = tOr
			case "NOT":
				t.kind = tNot
			}
			p.toks = append(p.toks, t)
			i, pos = j, n
			continue
		}
		i += size
		pos++
	}
	p.toks = append(p.toks, token{kind: tEOF, pos: pos})
	return nil
}

// Parsing, by recursive descent:
//
//	or    = and { "OR" and }
//	and   = unary { ["AND"] unary }
//	unary = "NOT" unary | word | phrase | "(" or ")"

type parser struct {
	field string // of errors
	toks  []token
	i     int
	depth int
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return feed.Invalid(p.field, "position %d: %s", pos, fmt.Sprintf(format, args...))
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) take() token {
	t := p.toks[p.i]
	p.i++
	return t
}

// operand reports whether the next token can start an operand.
func (p *parser) operand() bool {
	switch p.peek().kind {
	case tWord, tPhrase, tOpen, tNot:
		return true
	}
	return false
}

func (p *parser) or() (*Node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*Node{n}
	for p.peek().kind == tOr {
		t := p.take()
		if !p.operand() {
			return nil, p.errorf(t.pos, "OR without a term after it")
		}
		if n, err = p.and(); err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return join(OpOr, kids), nil
}

func (p *parser) and() (*Node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*Node{n}
	for {
		if t := p.peek(); t.kind == tAnd {
			p.take()
			if !p.operand() {
				return nil, p.errorf(t.pos, "AND without a term after it")
			}
		} else if !p.operand() {
			break
		}
		if n, err = p.unary(); err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return join(OpAnd, kids), nil
}

// join makes one node of kids, flattening kids that are the same operator.
func join(o Op, kids []*Node) *Node {
	if len(kids) == 1 {
		return kids[0]
	}
	n := &Node{Op: o, Pos: kids[0].Pos}
	for _, k := range kids {
		if k.Op == o {
			n.Kids = append(n.Kids, k.Kids...)
		} else {
			n.Kids = append(n.Kids, k)
		}
	}
	return n
}

func (p *parser) nest(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(pos, "nested more than %d deep", MaxDepth)
	}
	return nil
}

func (p *parser) unary() (*Node, error) {
	t := p.take()
	switch t.kind {
	case tNot:
		if !p.operand() {
			return nil, p.errorf(t.pos, "NOT without a term after it")
		}
		if err := p.nest(t.pos); err != nil {
			return nil, err
		}
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Node{Op: OpNot, Kids: []*Node{k}, Pos: t.pos}, nil
	case tWord, tPhrase:
		tm, err := p.term(t)
		if err != nil {
			return nil, err
		}
		return &Node{Op: OpTerm, Term: tm, Pos: t.pos}, nil
	case tOpen:
		if p.peek().kind == tClose {
			return nil, p.errorf(t.pos, "empty parentheses")
		}
		if err := p.nest(t.pos); err != nil {
			return nil, err
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.take().kind != tClose {
			return nil, p.errorf(t.pos, `unbalanced "("`)
		}
		p.depth--
		return n, nil
	case tAnd:
		return nil, p.errorf(t.pos, "AND without a term before it")
	case tOr:
		return nil, p.errorf(t.pos, "OR without a term before it")
	case tClose:
		return nil, p.errorf(t.pos, `unbalanced ")"`)
	}
	// Unreachable: callers check operand() first and parse rejects an empty query.
	return nil, p.errorf(t.pos, "term expected")
}

// term splits a word or phrase token into normalized words and parts.
func (p *parser) term(t token) (*Term, error) {
	tm := &Term{Text: t.text, Phrase: t.kind == tPhrase}
	if tm.Phrase {
		tm.Text = strings.Join(strings.FieldsFunc(t.text, isBlank), " ")
		if t.star {
			tm.Text += "*"
		}
		if tm.Text == "" {
			return nil, p.errorf(t.pos, "empty phrase")
		}
	}
	written := `"` + tm.Text + `"`
	if tm.Phrase {
		written = "phrase " + written
	}
	text := norm.NFKC.String(tm.Text)
	s := &splitter{query: true}
	s.add(text)
	s.endWord(false)
	if s.bad != "" {
		return nil, p.errorf(t.pos, "%s: %s", written, s.bad)
	}
	if len(s.spans) == 0 {
		return nil, p.errorf(t.pos, "%s has no letters or digits", written)
	}
	for _, sp := range s.spans {
		w := string(s.buf[sp.start:sp.end])
		if sp.prefix && !sp.cjk && utf8.RuneCountInString(w) < minPrefix {
			return nil, p.errorf(t.pos, "%s: a prefix needs at least %d letters before the \"*\"", written, minPrefix)
		}
		tm.words = append(tm.words, w)
		tm.lookups++
		if sp.cjk {
			tm.lookups = tm.lookups - 1 + utf8.RuneCountInString(w)
		}
		tm.prefix = append(tm.prefix, sp.prefix)
		tm.anyPre = tm.anyPre || sp.prefix
		tm.cjk = tm.cjk || sp.cjk
	}
	tm.Parts = parts(text, s.stars)
	tm.shown = strings.NewReplacer("*", "", "＊", "", "﹡", "").Replace(tm.Text)
	if tm.cjk {
		var b strings.Builder
		for i, sp := range s.spans {
			if i > 0 && !(s.spans[i-1].cjk && sp.cjk) {
				b.WriteByte(' ')
			}
			b.WriteString(tm.words[i])
		}
		tm.needle = b.String()
		last := len(s.spans) - 1
		tm.lead = !s.spans[0].cjk
		tm.trail = !s.spans[last].cjk && !s.spans[last].prefix
	}
	return tm, nil
}

// parts cuts a term's normalized text after the stars that make prefixes.
func parts(text string, stars []star) []Part {
	var (
		out   []Part
		piece strings.Builder
		from  int
	)
	for _, st := range stars {
		piece.WriteString(text[from:st.at])
		from = st.at + 1
		if st.cjk {
			continue
		}
		out = append(out, Part{Text: strings.TrimSpace(piece.String()), Prefix: true})
		piece.Reset()
	}
	piece.WriteString(text[from:])
	if rest := strings.TrimSpace(piece.String()); hasLetters(rest) {
		out = append(out, Part{Text: rest})
	}
	return out
}

func hasLetters(s string) bool {
	for _, r := range s {
		if c := htmltext.Classify(r); c == htmltext.Letter || c == htmltext.Unspaced {
			return true
		}
	}
	return false
}

// Canonical form.

func (o Op) prec() int { return int(o) } // OpOr < OpAnd < OpNot < OpTerm

func (n *Node) write(b *strings.Builder, outer int) {
	paren := n.Op.prec() < outer
	if paren {
		b.WriteByte('(')
	}
	switch n.Op {
	case OpOr, OpAnd:
		for i, k := range n.Kids {
			if i > 0 {
				if n.Op == OpOr {
					b.WriteString(" OR ")
				} else {
					b.WriteString(" AND ")
				}
			}
			k.write(b, n.Op.prec()+1)
		}
	case OpNot:
		b.WriteString("NOT ")
		n.Kids[0].write(b, OpNot.prec())
	case OpTerm:
		if n.Term.Phrase {
			b.WriteByte('"')
			b.WriteString(n.Term.Text)
			b.WriteByte('"')
		} else {
			b.WriteString(n.Term.Text)
		}
	}
	if paren {
		b.WriteByte(')')
	}
}
