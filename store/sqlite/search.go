package sqlite

// Search and listing.
//
// # The index
//
// article_search (migration 0004) is an FTS5 table over each article's
// title, summary and body text. Its tokenizer is unicode61 (with Porter
// stemming, so "sanction" finds "sanctions"), which splits text at spaces
// and punctuation: right for scripts written with spaces, useless for
// Chinese, Japanese, Thai and the like, where a whole sentence would be one
// token. So the text is prepared in Go first (searchText): letters of those
// scripts become overlapping pairs ("サイバー攻撃" is indexed as "サイ イバ バー
// ー攻 攻撃 撃"), the way Lucene's CJK analyzer does it, and a word of any
// length is found as the phrase of its pairs: サイバー is "サイ イバ バー" and
// matches inside サイバーセキュリティ. Unlike FTS5's trigram tokenizer this
// finds words of two letters (政府, 規制) from the index, and a single letter
// as a prefix of the pairs; it keeps word semantics and Porter stemming for
// everything else, and one index serves a query that mixes the two.
//
// The last letter of a run is indexed on its own too, so that a query word
// that ends where the run ends is found, and a one-letter word can match at
// the end of a run. Separators between two such letters are dropped, as the
// tag rules do (サイバー・攻撃 is サイバー攻撃); HTML block boundaries are not.
//
// # Queries
//
// Users write words, "quoted phrases", word* prefixes, AND (or nothing), OR,
// NOT and parentheses; NOT binds tighter than AND, AND tighter than OR, and
// only upper-case AND, OR and NOT are operators. parseSearch turns that into
// an FTS5 expression in which every term is a quoted phrase, so nothing a
// user types is read as FTS5 syntax. A query must require some term: NOT
// excludes, so "NOT spam" alone is refused; "a OR NOT b" too.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/unicode/norm"
	"modernc.org/sqlite"

	"herald/feed"
)

func init() {
	// The migration that builds the index calls these; the article writer
	// does too, so that index and articles share one definition of the text.
	sqlite.MustRegisterDeterministicScalarFunction("herald_search_text", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, _ := args[0].(string)
		return searchText(s), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("herald_search_html", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, _ := args[0].(string)
		return searchHTML(s), nil
	})
}

// Limits on a search query.
const (
	maxQueryLen   = 1000 // bytes
	maxQueryTerms = 32
	maxQueryDepth = 16 // nested parentheses and NOTs
)

// paragraph marks an HTML block boundary in extracted text: a run of
// unspaced script does not continue across it.
const paragraph = '\u2029'

// A runeClass says what a rune does to segmentation.
type runeClass uint8

const (
	classSep      runeClass = iota
	classLetter             // letter or digit of a script written with spaces
	classUnspaced           // letter of a script written without spaces
	classMark               // combining mark: part of the letter before it
)

func classify(r rune) runeClass {
	if r < utf8.RuneSelf {
		if c := r | 0x20; 'a' <= c && c <= 'z' || '0' <= r && r <= '9' {
			return classLetter
		}
		return classSep
	}
	switch r {
	case 'ー', '々', '〆', 'ゝ', 'ゞ', 'ヽ', 'ヾ':
		// Iteration and length marks are Common script, not Han or kana.
		return classUnspaced
	}
	switch {
	case unicode.IsMark(r):
		return classMark
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
			unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar) {
			return classUnspaced
		}
		return classLetter
	case unicode.Is(unicode.Co, r):
		return classLetter // unicode61 keeps private-use characters in tokens
	}
	return classSep
}

// A segmenter writes text in the form the index takes it (see the comment
// at the top of this file).
type segmenter struct {
	b   strings.Builder
	run []string // letters (with their marks) of the unspaced run being read
	gap bool     // separators were dropped since the run's last letter
	any bool     // some letter or digit was written
}

func (s *segmenter) write(text string) {
	for _, r := range text {
		switch classify(r) {
		case classUnspaced:
			s.run = append(s.run, string(r))
			s.gap, s.any = false, true
		case classMark:
			if len(s.run) > 0 && !s.gap {
				s.run[len(s.run)-1] += string(r)
				continue
			}
			s.flush(false)
			s.b.WriteRune(r)
		case classLetter:
			s.flush(false)
			s.b.WriteRune(r)
			s.any = true
		default:
			switch {
			case r == paragraph:
				s.flush(false)
				s.b.WriteByte('\n')
			case len(s.run) > 0:
				s.gap = true // dropped between two unspaced letters
			default:
				s.b.WriteRune(r)
			}
		}
	}
}

// flush writes the pending unspaced run as pairs of letters followed by its
// last letter alone. A query's final run (last) leaves that letter out, so
// that the term also matches inside a longer run; it reports whether the
// run was a single letter, which a query then searches as a prefix.
func (s *segmenter) flush(last bool) (single bool) {
	n := len(s.run)
	if n == 0 {
		return false
	}
	s.b.WriteByte(' ')
	if n == 1 {
		s.b.WriteString(s.run[0])
	} else {
		for i := 0; i+1 < n; i++ {
			if i > 0 {
				s.b.WriteByte(' ')
			}
			s.b.WriteString(s.run[i])
			s.b.WriteString(s.run[i+1])
		}
		if !last {
			s.b.WriteByte(' ')
			s.b.WriteString(s.run[n-1])
		}
	}
	s.b.WriteByte(' ')
	s.run, s.gap = s.run[:0], false
	return n == 1
}

// searchText returns plain text as the index takes it.
func searchText(text string) string {
	var s segmenter
	s.write(norm.NFKC.String(text))
	s.flush(false)
	return s.b.String()
}

// inlineElements do not end a run of text; every other element does.
var inlineElements = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true,
	atom.Cite: true, atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true,
	atom.Em: true, atom.Font: true, atom.I: true, atom.Ins: true, atom.Kbd: true,
	atom.Mark: true, atom.Q: true, atom.Rp: true, atom.Rt: true, atom.Ruby: true,
	atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strike: true,
	atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.Tt: true,
	atom.U: true, atom.Var: true, atom.Wbr: true,
}

// skippedElements hold no prose: scripts, styles and ruby annotations
// (漢<rt>かん</rt>字 is 漢字).
var skippedElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true, atom.Noscript: true,
	atom.Rt: true, atom.Rp: true, atom.Textarea: true, atom.Title: true,
}

// searchHTML returns the text of an HTML fragment as the index takes it.
func searchHTML(h string) string {
	var text strings.Builder
	z := html.NewTokenizer(strings.NewReader(h))
	var skip atom.Atom // the element whose text is being skipped
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return searchText(text.String())
		case html.TextToken:
			if skip == 0 {
				text.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if !inlineElements[a] {
				text.WriteRune(paragraph)
			}
			switch {
			case tt == html.EndTagToken && a == skip:
				skip = 0
			case tt == html.StartTagToken && skip == 0 && skippedElements[a]:
				skip = a
			}
		}
	}
}

// parseSearch checks a user's query and returns it as an FTS5 MATCH
// expression. Errors are *feed.ValidationError for the field "q", saying
// what is wrong and where (counting characters from 0).
func parseSearch(q string) (string, error) {
	if len(q) > maxQueryLen {
		return "", feed.Invalid("q", "is longer than %d bytes", maxQueryLen)
	}
	if !utf8.ValidString(q) {
		return "", feed.Invalid("q", "is not valid UTF-8")
	}
	// Control characters separate, like spaces; FTS5 would take a NUL
	// for the end of the expression.
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, q)
	toks, err := lexSearch(norm.NFKC.String(q))
	if err != nil {
		return "", err
	}
	p := &queryParser{toks: toks}
	if p.peek().kind == tokEOF {
		return "", feed.Invalid("q", "has nothing to search for")
	}
	root, err := p.or(0)
	if err != nil {
		return "", err
	}
	if t := p.peek(); t.kind != tokEOF {
		return "", queryError(t.pos, `unbalanced ")"`)
	}
	if p.terms > maxQueryTerms {
		return "", feed.Invalid("q", "has more than %d terms", maxQueryTerms)
	}
	if root.negOnly() {
		return "", feed.Invalid("q", "NOT only excludes: the query also needs a word that must occur")
	}
	return root.positive()
}

func queryError(pos int, format string, args ...any) error {
	return feed.Invalid("q", "position %d: %s", pos, fmt.Sprintf(format, args...))
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokTerm
	tokAnd
	tokOr
	tokNot
	tokOpen
	tokClose
)

type queryToken struct {
	kind   tokKind
	text   string // tokTerm: the word, or the phrase between its quotes
	prefix bool   // tokTerm: ended with '*'
	pos    int    // in characters
}

func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' || r == '„' }

// lexSearch splits a query into terms, operators and parentheses.
func lexSearch(q string) ([]queryToken, error) {
	rs := []rune(q)
	var toks []queryToken
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			toks = append(toks, queryToken{kind: tokOpen, pos: i})
			i++
		case r == ')':
			toks = append(toks, queryToken{kind: tokClose, pos: i})
			i++
		case isQuote(r):
			end := i + 1
			for end < len(rs) && !isQuote(rs[end]) {
				end++
			}
			if end == len(rs) {
				return nil, queryError(i, "the phrase has no closing quote")
			}
			t := queryToken{kind: tokTerm, text: string(rs[i+1 : end]), pos: i}
			i = end + 1
			if i < len(rs) && rs[i] == '*' {
				t.prefix = true
				i++
			}
			toks = append(toks, t)
		default:
			end := i
			for end < len(rs) && !unicode.IsSpace(rs[end]) && rs[end] != '(' && rs[end] != ')' && !isQuote(rs[end]) {
				end++
			}
			word := string(rs[i:end])
			t := queryToken{kind: tokTerm, text: word, pos: i}
			switch word {
			case "AND":
				t.kind = tokAnd
			case "OR":
				t.kind = tokOr
			case "NOT":
				t.kind = tokNot
			}
			if t.kind == tokTerm {
				t.text, t.prefix = strings.CutSuffix(word, "*")
				if strings.Contains(t.text, "*") {
					return nil, queryError(i, `"*" can only end a word`)
				}
			}
			toks = append(toks, t)
			i = end
		}
	}
	return append(toks, queryToken{kind: tokEOF, pos: len(rs)}), nil
}

type queryOp uint8

const (
	opTerm queryOp = iota
	opAnd
	opOr
	opNot
)

type queryNode struct {
	op   queryOp
	kids []*queryNode
	tok  queryToken // opTerm
}

type queryParser struct {
	toks  []queryToken
	i     int
	terms int
}

func (p *queryParser) peek() queryToken { return p.toks[p.i] }
func (p *queryParser) next() queryToken { t := p.toks[p.i]; p.i++; return t }

// or := and { "OR" and }
func (p *queryParser) or(depth int) (*queryNode, error) {
	n, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tokOr {
		p.next()
		m, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		n = join(opOr, n, m)
	}
	return n, nil
}

// and := unary { ["AND"] unary }
func (p *queryParser) and(depth int) (*queryNode, error) {
	n, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for {
		switch p.peek().kind {
		case tokAnd:
			p.next()
		case tokTerm, tokNot, tokOpen:
		default:
			return n, nil
		}
		m, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		n = join(opAnd, n, m)
	}
}

// unary := "NOT" unary | "(" or ")" | term
func (p *queryParser) unary(depth int) (*queryNode, error) {
	if depth > maxQueryDepth {
		return nil, queryError(p.peek().pos, "nests parentheses and NOTs more than %d deep", maxQueryDepth)
	}
	t := p.next()
	switch t.kind {
	case tokNot:
		k, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		if k.op == opNot {
			return k.kids[0], nil // NOT NOT a is a
		}
		return &queryNode{op: opNot, kids: []*queryNode{k}}, nil
	case tokOpen:
		if p.peek().kind == tokClose {
			return nil, queryError(t.pos, "empty parentheses")
		}
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokClose {
			return nil, queryError(t.pos, `unbalanced "("`)
		}
		return n, nil
	case tokTerm:
		p.terms++
		return &queryNode{op: opTerm, tok: t}, nil
	case tokEOF:
		return nil, queryError(t.pos, "the query ends where a word was expected")
	case tokClose:
		return nil, queryError(t.pos, `unbalanced ")"`)
	default:
		name := map[tokKind]string{tokAnd: "AND", tokOr: "OR"}[t.kind]
		return nil, queryError(t.pos, "%s needs a word before it", name)
	}
}

// join combines a and b under op, flattening nested nodes of the same op.
func join(op queryOp, a, b *queryNode) *queryNode {
	n := &queryNode{op: op}
	for _, k := range []*queryNode{a, b} {
		if k.op == op {
			n.kids = append(n.kids, k.kids...)
		} else {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

// negOnly reports whether n can hold without any term occurring, which
// FTS5 (whose NOT is "a NOT b") cannot express on its own.
func (n *queryNode) negOnly() bool {
	switch n.op {
	case opNot:
		return !n.kids[0].negOnly()
	case opAnd:
		for _, k := range n.kids {
			if !k.negOnly() {
				return false
			}
		}
		return true
	case opOr:
		return slices.ContainsFunc(n.kids, (*queryNode).negOnly)
	}
	return false
}

// positive returns the FTS5 expression of n, which is not negOnly.
func (n *queryNode) positive() (string, error) {
	switch n.op {
	case opTerm:
		return n.tok.phrase()
	case opNot: // NOT k where k is negOnly: k is NOT e, so n is e
		return n.kids[0].complement()
	case opOr:
		return n.joinKids(" OR ", (*queryNode).positive)
	}
	// AND: the terms that must occur, less those that must not.
	var pos, neg []*queryNode
	for _, k := range n.kids {
		if k.negOnly() {
			neg = append(neg, k)
		} else {
			pos = append(pos, k)
		}
	}
	expr, err := (&queryNode{op: opAnd, kids: pos}).joinKids(" AND ", (*queryNode).positive)
	if err != nil {
		return "", err
	}
	for _, k := range neg {
		e, err := k.complement()
		if err != nil {
			return "", err
		}
		expr = "(" + expr + " NOT " + e + ")"
	}
	return expr, nil
}

// complement returns an FTS5 expression e such that n, which is negOnly,
// holds exactly when e does not.
func (n *queryNode) complement() (string, error) {
	switch n.op {
	case opNot: // NOT k, k positive
		return n.kids[0].positive()
	case opAnd: // NOT e1 AND NOT e2 is NOT (e1 OR e2)
		return n.joinKids(" OR ", (*queryNode).complement)
	}
	// OR with a negOnly branch: NOT e1 OR NOT e2 OR p1 OR p2 is
	// NOT ((e1 AND e2) NOT (p1 OR p2)).
	var neg, pos []*queryNode
	for _, k := range n.kids {
		if k.negOnly() {
			neg = append(neg, k)
		} else {
			pos = append(pos, k)
		}
	}
	e, err := (&queryNode{op: opAnd, kids: neg}).joinKids(" AND ", (*queryNode).complement)
	if err != nil || len(pos) == 0 {
		return e, err
	}
	p, err := (&queryNode{op: opOr, kids: pos}).joinKids(" OR ", (*queryNode).positive)
	if err != nil {
		return "", err
	}
	return "(" + e + " NOT " + p + ")", nil
}

func (n *queryNode) joinKids(sep string, f func(*queryNode) (string, error)) (string, error) {
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		s, err := f(k)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(" + strings.Join(parts, sep) + ")", nil
}

// phrase returns the term as a quoted FTS5 phrase, segmented as the index
// is, so that the tokenizer reads it as the index's tokens and no character
// of it as syntax.
func (t queryToken) phrase() (string, error) {
	var s segmenter
	s.write(t.text)
	single := s.flush(true)
	if !s.any {
		return "", queryError(t.pos, "%q has no letters or digits to search for", t.text)
	}
	prefix := t.prefix || single
	if t.prefix && !single && letters(t.text) < 2 {
		return "", queryError(t.pos, `"*" needs at least two letters before it`)
	}
	p := `"` + strings.ReplaceAll(strings.TrimSpace(s.b.String()), `"`, `""`) + `"`
	if prefix {
		p += "*"
	}
	return p, nil
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			n++
		}
	}
	return n
}

// A listing is an ArticleFilter checked and ready to run.
type listing struct {
	f     feed.ArticleFilter
	order feed.ArticleOrder
	match string // FTS5 expression; "" for none
	limit int
	after *listKey // from the cursor
}

// listKey is where an article sits in a listing's order.
type listKey struct {
	seq, published, rev int64
	rank                float64
	floor               int64 // OrderRank: the ranking window's first rowid
}

func newListing(f feed.ArticleFilter) (*listing, error) {
	l := &listing{f: f, order: f.Order, limit: f.Limit}
	if l.limit <= 0 {
		l.limit = feed.DefaultLimit
	}
	l.limit = min(l.limit, feed.MaxLimit)
	if f.Query != "" {
		m, err := parseSearch(f.Query)
		if err != nil {
			return nil, err
		}
		l.match = m
	}
	switch l.order {
	case "":
		l.order = feed.OrderPublished
		if l.match != "" {
			l.order = feed.OrderRank
		}
	case feed.OrderPublished, feed.OrderChanged:
	case feed.OrderRank:
		if l.match == "" {
			return nil, feed.Invalid("order", "rank needs a search query")
		}
	default:
		return nil, feed.Invalid("order", "must be %q, %q or %q", feed.OrderPublished, feed.OrderChanged, feed.OrderRank)
	}
	if f.Cursor != "" {
		if f.Offset > 0 {
			return nil, feed.Invalid("cursor", "cannot go with an offset")
		}
		k, err := l.decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		l.after = k
	}
	return l, nil
}

// fingerprint identifies what the listing selects and how it is sorted, so
// that a cursor is not taken to another listing, where it would skip or
// repeat articles.
func (l *listing) fingerprint() string {
	tags := slices.Clone(l.f.Tags)
	slices.Sort(tags)
	h := sha256.Sum256(fmt.Appendf(nil, "%q|%s|%d|%d|%s|%s", tags, l.f.Origin, l.f.Source,
		toMicros(l.f.Since), l.match, l.order))
	return base64.RawURLEncoding.EncodeToString(h[:6])
}

// Cursors are opaque to clients: "a1|" + fingerprint + "|" + the key of the
// last article returned, in base64.
func (l *listing) encodeCursor(k listKey) string {
	var key string
	switch l.order {
	case feed.OrderChanged:
		key = strconv.FormatInt(k.rev, 10)
	case feed.OrderRank:
		key = strconv.FormatFloat(k.rank, 'g', -1, 64) + "|" + strconv.FormatInt(k.seq, 10) + "|" + strconv.FormatInt(k.floor, 10)
	default:
		key = strconv.FormatInt(k.published, 10) + "|" + strconv.FormatInt(k.seq, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("a1|" + l.fingerprint() + "|" + key))
}

func (l *listing) decodeCursor(c string) (*listKey, error) {
	bad := feed.Invalid("cursor", "is not a cursor that this listing gave out")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) < 3 || parts[0] != "a1" {
		return nil, bad
	}
	if parts[1] != l.fingerprint() {
		return nil, feed.Invalid("cursor", "belongs to a listing with other filters, query or order; start again without a cursor")
	}
	var (
		k    listKey
		errs [3]error
	)
	switch key := parts[2:]; {
	case l.order == feed.OrderChanged && len(key) == 1:
		k.rev, errs[0] = strconv.ParseInt(key[0], 10, 64)
	case l.order == feed.OrderRank && len(key) == 3:
		k.rank, errs[0] = strconv.ParseFloat(key[0], 64)
		k.seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
		k.floor, errs[2] = strconv.ParseInt(key[2], 10, 64)
	case l.order == feed.OrderPublished && len(key) == 2:
		k.published, errs[0] = strconv.ParseInt(key[0], 10, 64)
		k.seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
	default:
		return nil, bad
	}
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		return nil, bad
	}
	return &k, nil
}

// rankWindow bounds the work of ranking a query that matches many
// articles: bm25 costs about a microsecond per match, so a word in every
// article of a large archive would take a tenth of a second. Such a query is
// ranked among its rankWindow most recently stored matches, and lists only
// those in OrderRank (the other orders list every match). A variable for
// tests.
var rankWindow = 20_000

// filterChunk is how many ranked candidates one query checks against the
// filters.
const filterChunk = 256

// queryer is a *sql.Tx or *sql.DB.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// filtered reports whether the listing has filters beyond its query.
func (l *listing) filtered() bool {
	return len(l.f.Tags) > 0 || l.f.Origin != "" || l.f.Source != 0 || !l.f.Since.IsZero()
}

// filters returns the conditions on the article a of the listing's tags
// (from the first-th on), origin, source and time.
func (l *listing) filters(first int) ([]string, []any) {
	var (
		where []string
		args  []any
	)
	for _, slug := range l.f.Tags[first:] {
		where = append(where, "EXISTS (SELECT 1 FROM article_tags x WHERE x.article_seq = a.seq AND x.tag_id = (SELECT id FROM tags WHERE slug = ?))")
		args = append(args, slug)
	}
	if l.f.Origin != "" {
		where = append(where, "a.origin = ?")
		args = append(args, string(l.f.Origin))
	}
	if l.f.Source != 0 {
		where = append(where, "a.source_id = ?")
		args = append(args, l.f.Source)
	}
	if !l.f.Since.IsZero() {
		where = append(where, "a.changed >= ?")
		args = append(args, toMicros(l.f.Since))
	}
	return where, args
}

// keys returns the keys of up to limit+1 articles of the listing, in order
// (the one more tells whether there are more).
func (l *listing) keys(ctx context.Context, q queryer) ([]listKey, error) {
	if l.order == feed.OrderRank {
		return l.rankedKeys(ctx, q)
	}
	var (
		from  = "articles a"
		where []string
		args  []any
	)
	seq, published := "a.seq", "a.published"
	first := 0
	if l.order == feed.OrderPublished && len(l.f.Tags) > 0 {
		// The first tag drives the scan along its feed index.
		seq, published = "t0.article_seq", "t0.published"
		from = "article_tags t0 JOIN articles a ON a.seq = t0.article_seq"
		where = append(where, "t0.tag_id = (SELECT id FROM tags WHERE slug = ?)")
		args = append(args, l.f.Tags[0])
		first = 1
	}
	if l.match != "" {
		// The unary + keeps the planner from driving the scan by the
		// matches, which would sort them all; walking the order's index and
		// probing the (Bloom-filtered) matches stops after one page.
		where = append(where, "+"+seq+" IN (SELECT rowid FROM article_search WHERE article_search MATCH ?)")
		args = append(args, l.match)
	}
	w, a := l.filters(first)
	where, args = append(where, w...), append(args, a...)
	var order string
	if l.order == feed.OrderChanged {
		order = "a.rev"
		if l.after != nil {
			where = append(where, "a.rev > ?")
			args = append(args, l.after.rev)
		}
	} else {
		order = published + " DESC, " + seq + " DESC"
		if k := l.after; k != nil {
			where = append(where, "("+published+", "+seq+") < (?, ?)")
			args = append(args, k.published, k.seq)
		}
	}
	query := "SELECT " + seq + ", " + published + ", a.rev FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + order + " LIMIT ? OFFSET ?"
	args = append(args, l.limit+1, max(l.f.Offset, 0))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []listKey
	for rows.Next() {
		var k listKey
		if err := rows.Scan(&k.seq, &k.published, &k.rev); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// rankedKeys returns the keys of the best matches, best first; of equal
// rank, the later stored first. The ranking runs inside the index over the
// matches stored at or after the window's floor (see rankWindow), which the
// first page sets and the cursor carries; filters are applied to the ranked
// candidates a chunk at a time, so that a page of common matches is found
// without joining every match. When fewer than a page of the window's
// matches pass the filters, the first page widens the window to every match.
func (l *listing) rankedKeys(ctx context.Context, q queryer) ([]listKey, error) {
	floor := int64(0)
	if l.after != nil {
		floor = l.after.floor
	} else {
		err := q.QueryRowContext(ctx, `SELECT rowid FROM article_search WHERE article_search MATCH ?
			ORDER BY rowid DESC LIMIT 1 OFFSET ?`, l.match, rankWindow-1).Scan(&floor)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	for {
		keys, err := l.rankedFrom(ctx, q, floor)
		if err != nil || len(keys) > l.limit || floor == 0 || l.after != nil || !l.filtered() {
			return keys, err
		}
		floor = 0
	}
}

// rankedFrom is rankedKeys over the matches stored at or after floor.
func (l *listing) rankedFrom(ctx context.Context, q queryer, floor int64) ([]listKey, error) {
	query := `SELECT rowid, rank FROM article_search WHERE article_search MATCH ? AND rowid >= ?`
	args := []any{l.match, floor}
	if k := l.after; k != nil {
		query += " AND (rank > ? OR (rank = ? AND rowid < ?))"
		args = append(args, k.rank, k.rank, k.seq)
	}
	query += " ORDER BY rank, rowid DESC"
	want := l.limit + 1 + max(l.f.Offset, 0)
	if !l.filtered() {
		query += " LIMIT ?"
		args = append(args, want)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var cands []listKey
	for rows.Next() {
		k := listKey{floor: floor}
		if err := rows.Scan(&k.seq, &k.rank); err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var keys []listKey
	if !l.filtered() {
		keys = cands
	} else {
		where, fargs := l.filters(0)
		check := "SELECT a.seq FROM articles a WHERE a.seq IN (SELECT value FROM json_each(?)) AND " + strings.Join(where, " AND ")
		for i := 0; i < len(cands) && len(keys) < want; i += filterChunk {
			chunk := cands[i:min(i+filterChunk, len(cands))]
			seqs := make([]int64, len(chunk))
			for j, k := range chunk {
				seqs[j] = k.seq
			}
			pass, err := querySeqs(ctx, q, check, append([]any{int64sJSON(seqs)}, fargs...)...)
			if err != nil {
				return nil, err
			}
			for _, k := range chunk {
				if pass[k.seq] {
					keys = append(keys, k)
				}
			}
		}
	}
	keys = keys[min(max(l.f.Offset, 0), len(keys)):]
	return keys[:min(len(keys), l.limit+1)], nil
}

// querySeqs runs a query of article seqs and returns them as a set.
func querySeqs(ctx context.Context, q queryer, query string, args ...any) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := map[int64]bool{}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, err
		}
		set[seq] = true
	}
	return set, rows.Err()
}

// ArticlePage returns one page of the articles f selects, in f's order,
// with their tags and the cursor of the next page.
//
// Paging with cursors never skips or repeats an article while others are
// written, within these limits. In OrderChanged (the order for polling)
// every write of an article gives it a new place at the end, so a walk
// returns every article that exists when it reaches the end, in the version
// it had when returned, and returns an article again only if it changed
// after it was returned; deleted articles drop out (see Changes). In
// OrderPublished, articles published later than the page being read are not
// part of the rest of the walk (start again, or poll OrderChanged, for
// them), and an edit that moves an article's published time may make the
// walk miss it or see it twice. OrderRank pages are consistent while the
// index does not change; any write moves scores a little, so a walk over a
// changing archive should search in OrderChanged. A query that matches more
// than rankWindow articles is ranked among the rankWindow most recently
// stored of them.
//
// Errors: a *feed.ValidationError for a query that does not parse (field
// "q"), a cursor from another listing (field "cursor") or a bad order.
func (db *DB) ArticlePage(ctx context.Context, f feed.ArticleFilter) (*feed.ArticlePage, error) {
	l, err := newListing(f)
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	tx, err := db.read.BeginTx(ctx, nil) // one snapshot for the keys and the articles
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	defer tx.Rollback()
	keys, err := l.keys(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	page := &feed.ArticlePage{NextCursor: f.Cursor}
	if len(keys) > l.limit {
		keys, page.More = keys[:l.limit], true
	}
	if len(keys) == 0 {
		return page, nil
	}
	seqs := make([]int64, len(keys))
	for i, k := range keys {
		seqs[i] = k.seq
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+articleColumns+", a.seq FROM articles a WHERE a.seq IN (SELECT value FROM json_each(?))", int64sJSON(seqs))
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	var got []int64
	arts, err := scanArticlesWith(ctx, tx, rows, func() []any {
		got = append(got, 0)
		return []any{&got[len(got)-1]}
	})
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	at := make(map[int64]int, len(got))
	for i, seq := range got {
		at[seq] = i
	}
	for _, k := range keys {
		if i, ok := at[k.seq]; ok {
			page.Articles = append(page.Articles, arts[i])
		}
	}
	page.NextCursor = l.encodeCursor(keys[len(keys)-1])
	return page, nil
}
