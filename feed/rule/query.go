package rule

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"herald/feed"
)

// Limits on a query. MaxQueryLen matches the cap feed.Tag.Validate puts on
// a tag's rule.
const (
	MaxQueryLen = 10_000 // bytes
	MaxDepth    = 32     // nested parentheses and NOTs
	minPrefix   = 2      // letters before a '*'
)

// A Query is a parsed tag rule. It is safe for concurrent use.
type Query struct {
	root *node
	text string // canonical form
}

type op uint8

const (
	opOr op = iota + 1
	opAnd
	opNot
	opTerm
)

type node struct {
	op   op
	kids []*node // opOr, opAnd: two or more; opNot: one
	term *term   // opTerm
	pos  int     // in runes, for errors
}

// A term is a word, phrase or prefix.
type term struct {
	text   string // as written: the bare word, or the phrase between its quotes
	quoted bool
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
}

// Parse parses a tag rule (see the package comment for the syntax).
//
// Errors are *feed.ValidationError for the field "rule", which match
// feed.ErrInvalid and say what is wrong and where, counting characters from
// 0: `rule: position 14: unbalanced ")"`.
func Parse(query string) (*Query, error) {
	if len(query) > MaxQueryLen {
		return nil, feed.Invalid("rule", "is longer than %d bytes", MaxQueryLen)
	}
	toks, err := lex(query)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 { // only EOF
		return nil, syntaxError(0, "empty query")
	}
	p := &parser{toks: toks}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, syntaxError(t.pos, `unbalanced ")"`)
	}
	if n := negativeOnly(root); n != nil {
		return nil, syntaxError(n.pos, "NOT only excludes articles; the rule also needs a term that must occur")
	}
	q := &Query{root: root}
	var b strings.Builder
	root.write(&b, 0)
	q.text = b.String()
	return q, nil
}

func syntaxError(pos int, format string, args ...any) error {
	return feed.Invalid("rule", "position %d: %s", pos, fmt.Sprintf(format, args...))
}

// String returns q in canonical form: operators spelled out, parentheses
// only where precedence needs them, phrases in straight quotes with single
// spaces. Parse(q.String()) gives an equivalent query.
func (q *Query) String() string { return q.text }

// negativeOnly returns the NOT that lets n be true without any term
// occurring, or nil if n needs some term to occur.
func negativeOnly(n *node) *node {
	switch n.op {
	case opNot:
		return n
	case opAnd:
		var first *node
		for _, k := range n.kids {
			m := negativeOnly(k)
			if m == nil {
				return nil
			}
			if first == nil {
				first = m
			}
		}
		return first
	case opOr:
		for _, k := range n.kids {
			if m := negativeOnly(k); m != nil {
				return m
			}
		}
	}
	return nil
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
}

func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '‟', '＂', '«', '»':
		return true
	}
	return false
}

func isOpen(r rune) bool  { return r == '(' || r == '（' }
func isClose(r rune) bool { return r == ')' || r == '）' }

func lex(q string) ([]token, error) {
	var toks []token
	pos := 0
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, syntaxError(pos, "invalid UTF-8")
		case unicode.IsSpace(r):
		case isOpen(r):
			toks = append(toks, token{kind: tOpen, pos: pos})
		case isClose(r):
			toks = append(toks, token{kind: tClose, pos: pos})
		case isQuote(r):
			start, open, j, p := pos, i+size, i+size, pos+1
			for {
				if j >= len(q) {
					return nil, syntaxError(start, "unterminated quote")
				}
				r, size = utf8.DecodeRuneInString(q[j:])
				if r == utf8.RuneError && size == 1 {
					return nil, syntaxError(p, "invalid UTF-8")
				}
				if isQuote(r) {
					break
				}
				j += size
				p++
			}
			toks = append(toks, token{kind: tPhrase, pos: start, text: q[open:j]})
			i, pos = j, p
		default:
			start, j, p := pos, i, pos
			for j < len(q) {
				r, size = utf8.DecodeRuneInString(q[j:])
				if r == utf8.RuneError && size == 1 {
					return nil, syntaxError(p, "invalid UTF-8")
				}
				if unicode.IsSpace(r) || isOpen(r) || isClose(r) || isQuote(r) {
					break
				}
				j += size
				p++
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
			toks = append(toks, t)
			i, pos = j, p
			continue
		}
		i += size
		pos++
	}
	return append(toks, token{kind: tEOF, pos: pos}), nil
}

// Parsing, by recursive descent:
//
//	or    = and { "OR" and }
//	and   = unary { ["AND"] unary }
//	unary = "NOT" unary | word | phrase | "(" or ")"

type parser struct {
	toks  []token
	i     int
	depth int
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

func (p *parser) or() (*node, error) {
	n, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*node{n}
	for p.peek().kind == tOr {
		t := p.take()
		if !p.operand() {
			return nil, syntaxError(t.pos, "OR without a term after it")
		}
		if n, err = p.and(); err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return join(opOr, kids), nil
}

func (p *parser) and() (*node, error) {
	n, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*node{n}
	for {
		if t := p.peek(); t.kind == tAnd {
			p.take()
			if !p.operand() {
				return nil, syntaxError(t.pos, "AND without a term after it")
			}
		} else if !p.operand() {
			break
		}
		if n, err = p.unary(); err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	return join(opAnd, kids), nil
}

// join makes one node of kids, flattening kids that are the same operator.
func join(o op, kids []*node) *node {
	if len(kids) == 1 {
		return kids[0]
	}
	n := &node{op: o, pos: kids[0].pos}
	for _, k := range kids {
		if k.op == o {
			n.kids = append(n.kids, k.kids...)
		} else {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

func (p *parser) nest(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return syntaxError(pos, "nested more than %d deep", MaxDepth)
	}
	return nil
}

func (p *parser) unary() (*node, error) {
	t := p.take()
	switch t.kind {
	case tNot:
		if !p.operand() {
			return nil, syntaxError(t.pos, "NOT without a term after it")
		}
		if err := p.nest(t.pos); err != nil {
			return nil, err
		}
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &node{op: opNot, kids: []*node{k}, pos: t.pos}, nil
	case tWord, tPhrase:
		tm, err := newTerm(t)
		if err != nil {
			return nil, err
		}
		return &node{op: opTerm, term: tm, pos: t.pos}, nil
	case tOpen:
		if p.peek().kind == tClose {
			return nil, syntaxError(t.pos, "empty parentheses")
		}
		if err := p.nest(t.pos); err != nil {
			return nil, err
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.take().kind != tClose {
			return nil, syntaxError(t.pos, `unbalanced "("`)
		}
		p.depth--
		return n, nil
	case tAnd:
		return nil, syntaxError(t.pos, "AND without a term before it")
	case tOr:
		return nil, syntaxError(t.pos, "OR without a term before it")
	case tClose:
		return nil, syntaxError(t.pos, `unbalanced ")"`)
	}
	// Unreachable: callers check operand() first and Parse rejects an empty query.
	return nil, syntaxError(t.pos, "term expected")
}

// newTerm splits a word or phrase token into normalized words.
func newTerm(t token) (*term, error) {
	tm := &term{text: t.text, quoted: t.kind == tPhrase}
	if tm.quoted {
		tm.text = strings.Join(strings.Fields(t.text), " ")
		if tm.text == "" {
			return nil, syntaxError(t.pos, "empty phrase")
		}
	}
	written := `"` + tm.text + `"`
	if tm.quoted {
		written = "phrase " + written
	}
	s := &splitter{query: true}
	s.add(tm.text)
	s.endWord(false)
	if s.bad != "" {
		return nil, syntaxError(t.pos, "%s: %s", written, s.bad)
	}
	if len(s.spans) == 0 {
		return nil, syntaxError(t.pos, "%s has no letters or digits", written)
	}
	for _, sp := range s.spans {
		w := string(s.buf[sp.start:sp.end])
		if sp.prefix && !sp.cjk && utf8.RuneCountInString(w) < minPrefix {
			return nil, syntaxError(t.pos, "%s: a prefix needs at least %d letters before the \"*\"", written, minPrefix)
		}
		tm.words = append(tm.words, w)
		tm.prefix = append(tm.prefix, sp.prefix)
		tm.anyPre = tm.anyPre || sp.prefix
		tm.cjk = tm.cjk || sp.cjk
	}
	tm.shown = strings.NewReplacer("*", "", "＊", "").Replace(tm.text)
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

// Canonical form.

func (o op) prec() int { return int(o) } // opOr < opAnd < opNot < opTerm

func (n *node) write(b *strings.Builder, outer int) {
	paren := n.op.prec() < outer
	if paren {
		b.WriteByte('(')
	}
	switch n.op {
	case opOr, opAnd:
		for i, k := range n.kids {
			if i > 0 {
				if n.op == opOr {
					b.WriteString(" OR ")
				} else {
					b.WriteString(" AND ")
				}
			}
			k.write(b, n.op.prec()+1)
		}
	case opNot:
		b.WriteString("NOT ")
		n.kids[0].write(b, opNot.prec())
	case opTerm:
		if n.term.quoted {
			b.WriteByte('"')
			b.WriteString(n.term.text)
			b.WriteByte('"')
		} else {
			b.WriteString(n.term.text)
		}
	}
	if paren {
		b.WriteByte(')')
	}
}

// Matching.

// Match reports whether d satisfies q and, if so, the distinct terms that
// made it true, in the order the rule evaluates them: words and phrases as
// written in the rule (without quotes), and for a prefix the words of the
// article it matched, in order of first appearance. Every true branch of an
// OR counts; terms under a NOT never do.
func (q *Query) Match(d *Doc) (matched []string, ok bool) {
	var m []string
	if !q.root.eval(d, &m) {
		return nil, false
	}
	out := m[:0]
	for _, s := range m {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, true
}

// eval appends to *m what made n true and leaves *m as it found it when n is false.
func (n *node) eval(d *Doc, m *[]string) bool {
	mark := len(*m)
	switch n.op {
	case opTerm:
		return n.term.match(d, m)
	case opNot:
		ok := n.kids[0].eval(d, m)
		*m = (*m)[:mark]
		return !ok
	case opAnd:
		for _, k := range n.kids {
			if !k.eval(d, m) {
				*m = (*m)[:mark]
				return false
			}
		}
		return true
	case opOr:
		// No short cut: every true branch contributes to matched.
		ok := false
		for _, k := range n.kids {
			if k.eval(d, m) {
				ok = true
			}
		}
		return ok
	}
	return false
}

func (t *term) match(d *Doc, m *[]string) bool {
	switch {
	case t.cjk:
		return t.matchText(d, m)
	case len(t.words) == 1 && !t.anyPre:
		if _, ok := d.id(t.words[0]); ok {
			*m = append(*m, t.shown)
			return true
		}
		return false
	case len(t.words) == 1:
		found := false
		d.withPrefix(t.words[0], func(id int32) {
			*m = append(*m, d.vocab[id])
			found = true
		})
		return found
	}
	return t.matchPhrase(d, m)
}

// matchPhrase matches a phrase by walking the positions of its first word.
func (t *term) matchPhrase(d *Doc, m *[]string) bool {
	var buf [8]int32
	ids := buf[:0]
	for i, w := range t.words {
		id := int32(-1)
		if !t.prefix[i] {
			var ok bool
			if id, ok = d.id(w); !ok {
				return false
			}
		}
		ids = append(ids, id)
	}
	at := func(p int32) bool {
		if int(p)+len(ids) > len(d.toks) {
			return false
		}
		for i, id := range ids[1:] {
			got := d.toks[int(p)+1+i]
			if got < 0 || id >= 0 && got != id || id < 0 && !strings.HasPrefix(d.vocab[got], t.words[i+1]) {
				return false
			}
		}
		return true
	}
	if !t.anyPre {
		for p := d.first[ids[0]]; p >= 0; p = d.next[p] {
			if at(p) {
				*m = append(*m, t.shown)
				return true
			}
		}
		return false
	}

	// With a prefix, record each distinct phrase of the article it matched,
	// in order of appearance.
	var starts []int32
	if ids[0] >= 0 {
		for p := d.first[ids[0]]; p >= 0; p = d.next[p] {
			starts = append(starts, p)
		}
	} else {
		d.withPrefix(t.words[0], func(id int32) {
			for p := d.first[id]; p >= 0; p = d.next[p] {
				starts = append(starts, p)
			}
		})
		slices.Sort(starts)
	}
	found := false
	for _, p := range starts {
		if !at(p) {
			continue
		}
		words := make([]string, len(ids))
		for i := range words {
			words[i] = d.vocab[d.toks[int(p)+i]]
		}
		*m = append(*m, strings.Join(words, " "))
		found = true
	}
	return found
}

// matchText matches a term with letters of a script written without spaces
// as a substring of d.text.
func (t *term) matchText(d *Doc, m *[]string) bool {
	for from := 0; from < len(d.text); {
		i := strings.Index(d.text[from:], t.needle)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(t.needle)
		if (!t.lead || i == 0 || isBreak(d.text[i-1])) &&
			(!t.trail || end == len(d.text) || isBreak(d.text[end])) {
			*m = append(*m, t.shown)
			return true
		}
		from = i + 1
	}
	return false
}

// isBreak reports whether b separates words in Doc.text. Words of spaced
// scripts are always set off by one of these, so a needle that starts or
// ends with such a word is on a word boundary exactly when it is next to one.
func isBreak(b byte) bool { return b == ' ' || b == '\n' }
