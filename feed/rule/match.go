package rule

import (
	"slices"
	"strings"
)

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
func (n *Node) eval(d *Doc, m *[]string) bool {
	mark := len(*m)
	switch n.Op {
	case OpTerm:
		return n.Term.match(d, m)
	case OpNot:
		ok := n.Kids[0].eval(d, m)
		*m = (*m)[:mark]
		return !ok
	case OpAnd:
		for _, k := range n.Kids {
			if !k.eval(d, m) {
				*m = (*m)[:mark]
				return false
			}
		}
		return true
	case OpOr:
		// No short cut: every true branch contributes to matched.
		ok := false
		for _, k := range n.Kids {
			if k.eval(d, m) {
				ok = true
			}
		}
		return ok
	}
	return false
}

func (t *Term) match(d *Doc, m *[]string) bool {
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
func (t *Term) matchPhrase(d *Doc, m *[]string) bool {
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
func (t *Term) matchText(d *Doc, m *[]string) bool {
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
