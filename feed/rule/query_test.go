package rule_test

import (
	"errors"
	"strings"
	"testing"

	"herald/feed"
	"herald/feed/rule"
)

func TestParse(t *testing.T) {
	tests := []struct {
		query string
		want  string // canonical form
	}{
		{"cyber", "cyber"},
		{"  Cyber\t", "Cyber"},
		{`"critical   infrastructure"`, `"critical infrastructure"`},
		{"“critical infrastructure”", `"critical infrastructure"`},
		{"„cyber dialogue“", `"cyber dialogue"`},
		{"cyber*", "cyber*"},
		{`"threat intel*"`, `"threat intel*"`},
		{"a b", "a AND b"},
		{"a AND b", "a AND b"},
		{"a OR b", "a OR b"},
		{"a and b", "a AND and AND b"}, // lower-case keywords are words
		{"a or NOT b", "a AND or AND NOT b"},
		{"NOT a b", "NOT a AND b"},
		{"a OR b c", "a OR b AND c"},
		{"(a OR b) c", "(a OR b) AND c"},
		{"a (b c)", "a AND b AND c"},
		{"(a OR (b OR c)) OR d", "a OR b OR c OR d"},
		{"a NOT (b OR c)", "a AND NOT (b OR c)"},
		{"a NOT (b c)", "a AND NOT (b AND c)"},
		{"a NOT NOT b", "a AND NOT NOT b"},
		{"((a))", "a"},
		{"（a OR b）c", "(a OR b) AND c"},
		{`a"b c"d`, `a AND "b c" AND d`},
		{"U.S.-Japan", "U.S.-Japan"},
		{"cyber-attack*", "cyber-attack*"},
		{"ＡＮＤ", "ＡＮＤ"}, // a word: only ASCII AND is an operator
		{"AND*", "AND*"},
		{"サイバー攻撃", "サイバー攻撃"},
		{"日米*", "日米*"},
		{"a OR NOT b c", "a OR NOT b AND c"},
		// A "*" right after a phrase makes its last word a prefix.
		{`"threat intel"*`, `"threat intel*"`},
		{`"threat  intel "*x`, `"threat intel*" AND x`},
		{`“threat intel”＊`, `"threat intel*"`},
		// Control characters separate, like spaces.
		{"a\x00b \"c\x01d\"", `a AND b AND "c d"`},
		{"«cyber dialogue» ‟x y” ＂z w＂", `"cyber dialogue" AND "x y" AND "z w"`},
	}
	for _, tt := range tests {
		q, err := rule.Parse(tt.query)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.query, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"", "rule: position 0: empty query"},
		{" \t\n", "rule: position 0: empty query"},
		{"(cyber OR policy) AND (a OR b))", `rule: position 30: unbalanced ")"`},
		{")", `rule: position 0: unbalanced ")"`},
		{"a OR (b c", `rule: position 5: unbalanced "("`},
		{"((a) OR b", `rule: position 0: unbalanced "("`},
		{"a ()", "rule: position 2: empty parentheses"},
		{"NOT", "rule: position 0: NOT without a term after it"},
		{"a NOT", "rule: position 2: NOT without a term after it"},
		{"a NOT OR b", "rule: position 2: NOT without a term after it"},
		{"(a NOT) b", "rule: position 3: NOT without a term after it"},
		{"AND a", "rule: position 0: AND without a term before it"},
		{"a AND", "rule: position 2: AND without a term after it"},
		{"a AND OR b", "rule: position 2: AND without a term after it"},
		{"a OR", "rule: position 2: OR without a term after it"},
		{"OR a", "rule: position 0: OR without a term before it"},
		{"(OR a)", "rule: position 1: OR without a term before it"},
		{"a OR AND b", "rule: position 2: OR without a term after it"},
		{"a (b AND) c", "rule: position 5: AND without a term after it"},
		{`cyber "critical infrastructure`, "rule: position 6: the phrase has no closing quote"},
		{`“cyber`, "rule: position 0: the phrase has no closing quote"},
		{`a ""`, "rule: position 2: empty phrase"},
		{`a "  "`, "rule: position 2: empty phrase"},
		{"a &", `rule: position 2: "&" has no letters or digits`},
		{`a "--"`, `rule: position 2: phrase "--" has no letters or digits`},
		{"*", `rule: position 0: "*": "*" can only end a word`},
		{"cy*ber", `rule: position 0: "cy*ber": "*" can only end a word`},
		{"cyber**", `rule: position 0: "cyber**": "*" can only end a word`},
		{`"cyber *"`, `rule: position 0: phrase "cyber *": "*" can only end a word`},
		{"a c*", `rule: position 2: "c*": a prefix needs at least 2 letters before the "*"`},
		{"NOT a", "rule: NOT only excludes articles; the rule also needs a term that must occur (position 0)"},
		{"b OR NOT a", "rule: NOT only excludes articles; the rule also needs a term that must occur (position 5)"},
		{"NOT a NOT b", "rule: NOT only excludes articles; the rule also needs a term that must occur (position 0)"},
		// A match records no term under a NOT, so none may hold by NOTs alone.
		{"NOT NOT a", "rule: NOT only excludes articles; the rule also needs a term that must occur (position 0)"},
		{"NOT (NOT a OR b)", "rule: NOT only excludes articles; the rule also needs a term that must occur (position 0)"},
		{`"a b"*`, `rule: position 0: phrase "a b*": a prefix needs at least 2 letters before the "*"`},
		{`"ab" *`, `rule: position 5: "*": "*" can only end a word`},
		{"a \xff", "rule: position 2: invalid UTF-8"},
		{"ab\xff", "rule: position 2: invalid UTF-8"},
		{"\"ab\xff\"", "rule: position 3: invalid UTF-8"},
		{"サイバー )", `rule: position 5: unbalanced ")"`}, // positions count characters, not bytes
		{strings.Repeat("(", 33) + "a" + strings.Repeat(")", 33), "rule: position 32: nested more than 32 deep"},
		{strings.Repeat("NOT ", 40) + "a", "rule: position 128: nested more than 32 deep"},
		{strings.Repeat("a ", 5001), "rule: is longer than 10000 bytes"},
	}
	for _, tt := range tests {
		q, err := rule.Parse(tt.query)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want error %q", tt.query, q, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("Parse(%q) error = %q, want %q", tt.query, got, tt.want)
		}
		if !errors.Is(err, feed.ErrInvalid) {
			t.Errorf("Parse(%q) error %v does not match feed.ErrInvalid", tt.query, err)
		}
		var v *feed.ValidationError
		if !errors.As(err, &v) || v.Fields[0].Field != "rule" {
			t.Errorf("Parse(%q) error %#v is not a ValidationError of field rule", tt.query, err)
		}
	}
}

func TestParseDepthLimit(t *testing.T) {
	deep := strings.Repeat("(", rule.MaxDepth) + "a" + strings.Repeat(")", rule.MaxDepth)
	if _, err := rule.Parse(deep); err != nil {
		t.Errorf("Parse at MaxDepth: %v", err)
	}
	long := strings.Repeat("a ", rule.MaxQueryLen/2)
	if _, err := rule.Parse(long); err != nil {
		t.Errorf("Parse of %d bytes: %v", len(long), err)
	}
}

// TestParseSearch checks the errors of a search: the language of rules,
// reported for the field q, with a limit on terms.
func TestParseSearch(t *testing.T) {
	if _, err := rule.ParseSearch(strings.TrimSpace(strings.Repeat("a ", rule.MaxSearchTerms))); err != nil {
		t.Errorf("ParseSearch of %d terms: %v", rule.MaxSearchTerms, err)
	}
	if _, err := rule.ParseSearch(`"` + strings.Repeat("a ", 32) + `" ` + strings.Repeat("国", 32)); err != nil {
		t.Errorf("ParseSearch of %d words: %v", rule.MaxSearchWords, err)
	}
	bad := []struct{ in, want string }{
		{"", "q: position 0: empty query"},
		{"   ", "q: position 0: empty query"},
		{"NOT spam", "q: NOT only excludes articles; the query also needs a term that must occur (position 0)"},
		{"a OR NOT b", "q: NOT only excludes"},
		{"NOT NOT cyber", "q: NOT only excludes"},
		{`"unclosed`, "q: position 0: the phrase has no closing quote"},
		{"(cyber", `q: position 0: unbalanced "("`},
		{"cyber)", `q: position 5: unbalanced ")"`},
		{"()", "q: position 0: empty parentheses"},
		{"OR cyber", "q: position 0: OR without a term before it"},
		{"cyber AND", "q: position 6: AND without a term after it"},
		{"cy*ber", `"*" can only end a word`},
		{"c*", `"c*": a prefix needs at least 2 letters before the "*"`},
		{"!!!", `"!!!" has no letters or digits`},
		{strings.Repeat("a ", 40), "q: has more than 32 terms"},
		{`"` + strings.Repeat("a ", 65) + `"`, "q: has more than 64 words"},
		{strings.Repeat("国", 65), "q: has more than 64 words"},
		{strings.Repeat("(", 33) + "a" + strings.Repeat(")", 33), "q: position 32: nested more than 32 deep"},
		{strings.Repeat("x", 10_001), "q: is longer than 10000 bytes"},
	}
	for _, tt := range bad {
		_, err := rule.ParseSearch(tt.in)
		var ve *feed.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "q" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSearch(%q): got %v, want a q error containing %q", tt.in, err, tt.want)
		}
	}
}

// TestParseTree checks the tree that engines compile: operators, terms and
// the parts of each term.
func TestParseTree(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cyber", `[cyber]`},
		{"a b OR c NOT d", `OR(AND([a] [b]) AND([c] NOT([d])))`},
		{"cyber*", `[cyber*]`},
		{`"threat intel"*`, `["threat intel*"]`},
		{`"threat intel*"`, `["threat intel*"]`},
		{`"cyber* policy"`, `["cyber*" "policy"]`},
		{"cyber-attack*", `[cyber-attack*]`},
		{"ｃｙｂｅｒ＊", `[cyber*]`},
		// A "*" after an unspaced letter makes no prefix and no cut.
		{`"日米* サイバー"`, `["日米 サイバー"]`},
		{"日米*", `[日米]`},
		{`"サイバー* attack*"`, `["サイバー attack*"]`},
		{"C++", `[C++]`},
	}
	for _, tt := range tests {
		q, err := rule.ParseSearch(tt.in)
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", tt.in, err)
			continue
		}
		if got := tree(q.Root()); got != tt.want {
			t.Errorf("ParseSearch(%q) tree %s, want %s", tt.in, got, tt.want)
		}
	}
}

// tree writes n as OP(kids...), a term as its parts in brackets, a phrase's
// quoted, a prefix part followed by "*".
func tree(n *rule.Node) string {
	var b strings.Builder
	switch n.Op {
	case rule.OpTerm:
		b.WriteByte('[')
		for i, p := range n.Term.Parts {
			if i > 0 {
				b.WriteByte(' ')
			}
			s := p.Text
			if p.Prefix {
				s += "*"
			}
			if n.Term.Phrase {
				s = `"` + s + `"`
			}
			b.WriteString(s)
		}
		b.WriteByte(']')
		return b.String()
	case rule.OpAnd:
		b.WriteString("AND(")
	case rule.OpOr:
		b.WriteString("OR(")
	case rule.OpNot:
		b.WriteString("NOT(")
	}
	for i, k := range n.Kids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tree(k))
	}
	b.WriteByte(')')
	return b.String()
}

// TestStringRoundTrip checks that the canonical form parses to a query that
// prints the same and matches the same articles.
func TestStringRoundTrip(t *testing.T) {
	queries := []string{
		`(cyber OR "information security") AND NOT (crime OR "data breach") diplomat*`,
		`“critical  infrastructure” OR (SCADA （grid OR utilit*）)`,
		`NOT NOT a b OR c NOT d`,
		`a OR (b OR (c AND (d OR e)))`,
		`"cyber attack*" U.S.-Japan サイバー 日米*`,
	}
	for _, d := range rule.Defaults() {
		queries = append(queries, d.Rule)
	}
	docs := []*rule.Doc{
		rule.NewDoc("Cyber diplomacy", "<p>a b c d e, SCADA utilities</p>"),
		rule.NewDoc("Critical infrastructure", "<p>cyber diplomats, crime</p>"),
		rule.NewDoc("日米サイバー対話", "<p>U.S.-Japan cyber-attacks</p>"),
	}
	for _, s := range queries {
		q, err := rule.Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		q2, err := rule.Parse(q.String())
		if err != nil {
			t.Errorf("Parse(%q) (canonical form of %q): %v", q.String(), s, err)
			continue
		}
		if q2.String() != q.String() {
			t.Errorf("canonical form of %q is %q, but that reparses as %q", s, q.String(), q2.String())
		}
		for i, d := range docs {
			m1, ok1 := q.Match(d)
			m2, ok2 := q2.Match(d)
			if ok1 != ok2 || strings.Join(m1, "|") != strings.Join(m2, "|") {
				t.Errorf("doc %d: %q matches %v %q, its canonical form %v %q", i, s, ok1, m1, ok2, m2)
			}
		}
	}
}

// checkParts checks that every term of n has parts an engine can look for.
func checkParts(t *testing.T, s string, n *rule.Node) {
	t.Helper()
	if n.Op != rule.OpTerm {
		for _, k := range n.Kids {
			checkParts(t, s, k)
		}
		return
	}
	if len(n.Term.Parts) == 0 {
		t.Fatalf("Parse(%q): term %q has no parts", s, n.Term.Text)
	}
	for _, p := range n.Term.Parts {
		if p.Text == "" || strings.ContainsAny(p.Text, "*\x00") {
			t.Fatalf("Parse(%q): term %q has part %q", s, n.Term.Text, p.Text)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cyber", `"critical infrastructure" OR SCADA`, "a NOT (b OR c*)", "((a))",
		"“phrase” （x）", `a"b"c`, "サイバー 日米*", "cy*ber", "NOT a", "a AND", ")(", `"`,
		`"threat intel"*`, `"日米* サイバー"`, "a\x00b", "NOT NOT a",
	} {
		f.Add(s)
	}
	for _, d := range rule.Defaults() {
		f.Add(d.Rule)
	}
	doc := rule.NewDoc("U.S.-Japan cyber dialogue", "<p>Critical infrastructure &amp; threat information; サイバー攻撃</p>")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := rule.Parse(s)
		if err != nil {
			if !errors.Is(err, feed.ErrInvalid) {
				t.Fatalf("Parse(%q) error %v does not match feed.ErrInvalid", s, err)
			}
			return
		}
		q2, err := rule.Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q: %v", s, q.String(), err)
		}
		if q2.String() != q.String() {
			t.Fatalf("Parse(%q): canonical form %q reparses as %q", s, q.String(), q2.String())
		}
		m1, ok1 := q.Match(doc)
		m2, ok2 := q2.Match(doc)
		if ok1 != ok2 || strings.Join(m1, "\x00") != strings.Join(m2, "\x00") {
			t.Fatalf("Parse(%q) matches %v %q, its canonical form %v %q", s, ok1, m1, ok2, m2)
		}
		if ok1 && len(m1) == 0 {
			t.Fatalf("Parse(%q) matched with no terms recorded", s)
		}
		checkParts(t, s, q.Root())
		if sq, err := rule.ParseSearch(s); err == nil && sq.String() != q.String() {
			t.Fatalf("ParseSearch(%q) = %q, Parse = %q", s, sq, q)
		}
		// The query text as an article must not break the splitter either.
		q.Match(rule.NewDoc(s, s))
	})
}
