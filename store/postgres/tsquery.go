package postgres

import (
	"strings"

	"herald/feed/rule"
	"herald/store/internal/searchtext"
)

// tsquery compiles a search parsed by rule.ParseSearch to an SQL
// expression of type tsquery, adding its lexemes to a as parameters. No
// text of the query becomes tsquery syntax: each lexeme is a parameter,
// which the expression quotes (quote_literal) and casts to a tsquery of
// that one lexeme (text to tsquery takes a quoted lexeme as it is), with
// ":*" for a prefix; the operators between them (&&, ||, !!, <->) are the
// expression's own. The lexemes are the index's (lexeme.go): a term is
// the phrase of its parts' words, segmented by searchtext.Query and
// stemmed, a prefix part's last word ending in ":*", as store/sqlite's
// FTS5 expression has them.
//
// ok is false when the search matches nothing: every term it needs has a
// word that the index cannot hold (too long for PostgreSQL, or a lone
// diacritic, which folds to nothing).
func tsquery(q *rule.Query, a *args) (expr string, ok bool) {
	expr, v := compile(q.Root(), a)
	// ParseSearch accepts only queries that need some term outside every
	// NOT, and such a node is never always true: v is not always.
	return expr, v == some
}

// What a node of a search compiles to: an expression, or a constant for
// a node whose terms the index cannot hold.
type tsValue int8

const (
	some   tsValue = iota // the expression holds for some articles
	never                 // for none
	always                // for every article
)

func compile(n *rule.Node, a *args) (string, tsValue) {
	switch n.Op {
	case rule.OpTerm:
		return phrase(n.Term, a)
	case rule.OpNot:
		e, v := compile(n.Kids[0], a)
		switch v {
		case never:
			return "", always
		case always:
			return "", never
		}
		return "!!(" + e + ")", some
	}
	op, absorbs, drops := " && ", never, always
	if n.Op == rule.OpOr {
		op, absorbs, drops = " || ", always, never
	}
	var parts []string
	for _, k := range n.Kids {
		e, v := compile(k, a)
		switch v {
		case absorbs:
			return "", absorbs
		case some:
			parts = append(parts, e)
		}
	}
	switch len(parts) {
	case 0:
		return "", drops
	case 1:
		return parts[0], some
	}
	return "(" + strings.Join(parts, op) + ")", some
}

// phrase compiles a term: its words one right after the other.
func phrase(t *rule.Term, a *args) (string, tsValue) {
	var ops []string
	for i, p := range t.Parts {
		words, single := searchtext.Query(p.Text, i == len(t.Parts)-1)
		var toks []string
		tokens(words, func(tok string) { toks = append(toks, tok) })
		for j, tok := range toks {
			lex := lexeme(tok)
			if lex == "" {
				return "", never
			}
			op := "quote_literal(" + a.add(lex) + "::text)"
			if j == len(toks)-1 && (p.Prefix || single) {
				op += " || ':*'"
			}
			ops = append(ops, "("+op+")::tsquery")
		}
	}
	switch len(ops) {
	case 0:
		return "", never
	case 1:
		return ops[0], some
	}
	return "(" + strings.Join(ops, " <-> ") + ")", some
}
