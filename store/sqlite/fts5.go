package sqlite

import (
	"slices"
	"strings"

	"herald/feed/rule"
	"herald/store/internal/searchtext"
)

// matchExpr returns a search parsed by rule.ParseSearch as an FTS5 MATCH
// expression. Every term is a quoted phrase, segmented as the index is
// (searchtext.Query), so that the tokenizer reads it as the index's tokens
// and no character of it as syntax; a term cut by a "*" inside it is
// phrases joined by "+".
//
// FTS5's NOT is binary ("a NOT b"), so a query is written in terms of what
// must occur: ParseSearch refuses a query that can hold with no term
// occurring, and negOnly, positive and complement rewrite the rest.
func matchExpr(q *rule.Query) string {
	return positive(q.Root())
}

// negOnly reports whether n can hold without any term occurring.
func negOnly(n *rule.Node) bool {
	switch n.Op {
	case rule.OpNot:
		return !negOnly(n.Kids[0])
	case rule.OpAnd:
		for _, k := range n.Kids {
			if !negOnly(k) {
				return false
			}
		}
		return true
	case rule.OpOr:
		return slices.ContainsFunc(n.Kids, negOnly)
	}
	return false
}

// positive returns the FTS5 expression of n, which is not negOnly.
func positive(n *rule.Node) string {
	switch n.Op {
	case rule.OpTerm:
		return phrase(n.Term)
	case rule.OpNot: // NOT k where k is negOnly: k is NOT e, so n is e
		return complement(n.Kids[0])
	case rule.OpOr:
		return joinKids(n.Kids, " OR ", positive)
	}
	// AND: the terms that must occur, less those that must not.
	var pos, neg []*rule.Node
	for _, k := range n.Kids {
		if negOnly(k) {
			neg = append(neg, k)
		} else {
			pos = append(pos, k)
		}
	}
	expr := joinKids(pos, " AND ", positive)
	for _, k := range neg {
		expr = "(" + expr + " NOT " + complement(k) + ")"
	}
	return expr
}

// complement returns an FTS5 expression e such that n, which is negOnly,
// holds exactly when e does not.
func complement(n *rule.Node) string {
	switch n.Op {
	case rule.OpNot: // NOT k, k positive
		return positive(n.Kids[0])
	case rule.OpAnd: // NOT e1 AND NOT e2 is NOT (e1 OR e2)
		return joinKids(n.Kids, " OR ", complement)
	}
	// OR with a negOnly branch: NOT e1 OR NOT e2 OR p1 OR p2 is
	// NOT ((e1 AND e2) NOT (p1 OR p2)).
	var neg, pos []*rule.Node
	for _, k := range n.Kids {
		if negOnly(k) {
			neg = append(neg, k)
		} else {
			pos = append(pos, k)
		}
	}
	e := joinKids(neg, " AND ", complement)
	if len(pos) == 0 {
		return e
	}
	return "(" + e + " NOT " + joinKids(pos, " OR ", positive) + ")"
}

func joinKids(kids []*rule.Node, sep string, f func(*rule.Node) string) string {
	if len(kids) == 1 {
		return f(kids[0])
	}
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = f(k)
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// phrase returns a term as FTS5 phrases: one per part, joined by "+", each
// with a "*" if it ends in a prefix. A term that ends in a single letter of
// a script written without spaces searches it as a prefix, since the index
// has it only as the first letter of pairs (and alone at the end of a run).
func phrase(t *rule.Term) string {
	var b strings.Builder
	for i, p := range t.Parts {
		last := i == len(t.Parts)-1
		words, single := searchtext.Query(p.Text, last)
		if i > 0 {
			b.WriteString(" + ")
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(words, `"`, `""`))
		b.WriteByte('"')
		if p.Prefix || single {
			b.WriteByte('*')
		}
	}
	return b.String()
}
