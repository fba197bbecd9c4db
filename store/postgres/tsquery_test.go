package postgres

import (
	"fmt"
	"strings"
	"testing"

	"herald/feed/rule"
)

// TestTsquery checks the tsquery expressions that searches compile to,
// with their lexemes shown in place of the parameters that carry them.
// (rule.TestParseSearch checks the queries that do not parse.)
func TestTsquery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cyber", `'cyber'`},
		{"cyber policy", `('cyber' && 'polici')`},
		{`"critical infrastructure" OR grid`, `(('critic' <-> 'infrastructur') || 'grid')`},
		{"a OR b c", `('a' || ('b' && 'c'))`},
		{"cyber NOT dialogue", `('cyber' && !!('dialogu'))`},
		{"x (a OR NOT b)", `('x' && ('a' || !!('b')))`},
		{"hospital*", `'hospit':*`},
		{`"threat intel*"`, `('threat' <-> 'intel':*)`},
		{`"cyber* policy"`, `('cyber':* <-> 'polici')`},
		{"サイバー", `('サイ' <-> 'イバ' <-> 'バー')`},
		{"政府", `'政府'`},
		{"税", `'税':*`},
		{"AI規制", `('ai' <-> '規制')`},
		{`"日米* サイバー"`, `('日米' <-> '米サ' <-> 'サイ' <-> 'イバ' <-> 'バー')`},
		{"cyber-attack", `('cyber' <-> 'attack')`},
		{"Résumé ＣＹＢＥＲ ｻｲﾊﾞｰ", `('resum' && 'cyber' && ('サイ' <-> 'イバ' <-> 'バー'))`},
		// What tsquery would read as syntax is a separator here, as in
		// the index: never an operator, a weight or a quote.
		{`a&b|c`, `('a' <-> 'b' <-> 'c')`},
		{`it's`, `('it' <-> 's')`},
		{`x:A`, `('x' <-> 'a')`},
		{`!x y`, `('x' && 'y')`},
		{`back\slash`, `('back' <-> 'slash')`},
		// A word too long for PostgreSQL is in no article.
		{strings.Repeat("a", 3000), `nothing`},
		{strings.Repeat("a", 3000) + " OR grid", `'grid'`},
		{"grid NOT " + strings.Repeat("a", 3000), `'grid'`},
	}
	for _, tt := range tests {
		q, err := rule.ParseSearch(tt.in)
		if err != nil {
			t.Errorf("ParseSearch(%.40q): %v", tt.in, err)
			continue
		}
		var a args
		expr, ok := tsquery(q, &a)
		got := "nothing"
		if ok {
			got = showLexemes(expr, a)
		}
		if got != tt.want {
			t.Errorf("tsquery(%.40q): got %s, want %s", tt.in, got, tt.want)
		}
	}
}

// showLexemes writes expr with each lexeme in place of the expression
// that makes a tsquery of it.
func showLexemes(expr string, a args) string {
	for i := len(a); i > 0; i-- {
		lex := fmt.Sprintf("'%s'", a[i-1])
		p := fmt.Sprintf("$%d::text", i)
		expr = strings.ReplaceAll(expr, "(quote_literal("+p+") || ':*')::tsquery", lex+":*")
		expr = strings.ReplaceAll(expr, "(quote_literal("+p+"))::tsquery", lex)
	}
	return expr
}
