package postgres

// porter returns the stem of a folded token as SQLite's FTS5 porter
// tokenizer gives it, so that both engines index and search the same
// lexemes: Martin Porter's algorithm (1980) over the token's bytes, where
// a byte that is not an ASCII vowel (any byte of a non-ASCII letter) counts
// as a consonant; tokens shorter than 3 or longer than 64 bytes are left
// alone. The rules and their conditions are FTS5's, in its order: within a
// step, the first rule whose suffix ends the word (and is shorter than it)
// decides, whether or not its condition then holds.
func porter(tok string) string {
	if len(tok) < 3 || len(tok) > 64 {
		return tok
	}
	b := []byte(tok)
	b = porterStep1A(b)
	if nb, ok := applyRule(b, step1B); ok {
		b = nb
		if nb, ok := applyRule(b, step1B2); ok {
			b = nb
		} else if c := b[len(b)-1]; len(b) > 1 && !isVowel(c, false) && c != 'l' && c != 's' && c != 'z' && c == b[len(b)-2] {
			b = b[:len(b)-1]
		} else if mEq1(b) && oStar(b) {
			b = append(b, 'e')
		}
	}
	if n := len(b); b[n-1] == 'y' && hasVowel(b[:n-1]) {
		b[n-1] = 'i'
	}
	b, _ = applyRule(b, step2)
	b, _ = applyRule(b, step3)
	b, _ = applyRule(b, step4)
	if n := len(b); b[n-1] == 'e' && (mGt1(b[:n-1]) || mEq1(b[:n-1]) && !oStar(b[:n-1])) {
		b = b[:n-1]
	}
	if n := len(b); n > 1 && b[n-1] == 'l' && b[n-2] == 'l' && mGt1(b[:n-1]) {
		b = b[:n-1]
	}
	return string(b)
}

// porterStep1A removes a plural "s": sses -> ss, ies -> i, ss -> ss, s -> "".
func porterStep1A(b []byte) []byte {
	n := len(b)
	switch {
	case b[n-1] != 's':
	case b[n-2] == 'e':
		if n > 4 && b[n-4] == 's' && b[n-3] == 's' || n > 3 && b[n-3] == 'i' {
			return b[:n-2]
		}
		return b[:n-1]
	case b[n-2] != 's':
		return b[:n-1]
	}
	return b
}

// A porterRule replaces a suffix when the rest of the word (the stem)
// meets a condition.
type porterRule struct {
	suffix, repl string
	cond         func(stem []byte) bool
}

// applyRule applies the first rule of rules whose suffix ends b and is
// shorter than it, and reports whether it changed b (its condition held).
func applyRule(b []byte, rules []porterRule) ([]byte, bool) {
	for _, r := range rules {
		n := len(b) - len(r.suffix)
		if n <= 0 || string(b[n:]) != r.suffix {
			continue
		}
		if r.cond != nil && !r.cond(b[:n]) {
			return b, false
		}
		return append(b[:n], r.repl...), true
	}
	return b, false
}

var (
	step1B = []porterRule{
		{"eed", "ee", mGt0}, {"ed", "", hasVowel},
		{"ing", "", hasVowel},
	}
	step1B2 = []porterRule{{"at", "ate", nil}, {"bl", "ble", nil}, {"iz", "ize", nil}}
	step2   = []porterRule{
		{"ational", "ate", mGt0}, {"tional", "tion", mGt0},
		{"enci", "ence", mGt0}, {"anci", "ance", mGt0},
		{"izer", "ize", mGt0},
		{"logi", "log", mGt0},
		{"bli", "ble", mGt0}, {"alli", "al", mGt0}, {"entli", "ent", mGt0}, {"eli", "e", mGt0}, {"ousli", "ous", mGt0},
		{"ization", "ize", mGt0}, {"ation", "ate", mGt0}, {"ator", "ate", mGt0},
		{"alism", "al", mGt0}, {"iveness", "ive", mGt0}, {"fulness", "ful", mGt0}, {"ousness", "ous", mGt0},
		{"aliti", "al", mGt0}, {"iviti", "ive", mGt0}, {"biliti", "ble", mGt0},
	}
	step3 = []porterRule{
		{"ical", "ic", mGt0},
		{"ness", "", mGt0},
		{"icate", "ic", mGt0}, {"iciti", "ic", mGt0},
		{"ful", "", mGt0},
		{"ative", "", mGt0},
		{"alize", "al", mGt0},
	}
	step4 = []porterRule{
		{"al", "", mGt1},
		{"ance", "", mGt1}, {"ence", "", mGt1},
		{"er", "", mGt1},
		{"ic", "", mGt1},
		{"able", "", mGt1}, {"ible", "", mGt1},
		{"ant", "", mGt1}, {"ement", "", mGt1}, {"ment", "", mGt1}, {"ent", "", mGt1},
		{"ion", "", mGt1ST}, {"ou", "", mGt1},
		{"ism", "", mGt1},
		{"ate", "", mGt1}, {"iti", "", mGt1},
		{"ous", "", mGt1},
		{"ive", "", mGt1},
		{"ize", "", mGt1},
	}
)

// isVowel reports whether c is a vowel; y is one after a consonant
// (yIsVowel).
func isVowel(c byte, yIsVowel bool) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	case 'y':
		return yIsVowel
	}
	return false
}

// gobbleVC returns the length of the shortest prefix of s that is a run of
// consonants, then vowels, then one consonant, or 0 if there is none.
// prevCons says whether the letter before s was a consonant.
func gobbleVC(s []byte, prevCons bool) int {
	cons := prevCons
	i := 0
	for ; i < len(s); i++ {
		if cons = !isVowel(s[i], cons); !cons {
			break
		}
	}
	for i++; i < len(s); i++ {
		if cons = !isVowel(s[i], cons); cons {
			return i + 1
		}
	}
	return 0
}

// mGt0 reports whether the stem's measure m (its vowel-consonant
// sequences) is more than 0; mGt1, more than 1; mEq1, exactly 1.
func mGt0(stem []byte) bool { return gobbleVC(stem, false) > 0 }

func mGt1(stem []byte) bool {
	n := gobbleVC(stem, false)
	return n > 0 && gobbleVC(stem[n:], true) > 0
}

func mEq1(stem []byte) bool {
	n := gobbleVC(stem, false)
	return n > 0 && gobbleVC(stem[n:], true) == 0
}

// mGt1ST is m > 1 with a stem that ends in s or t.
func mGt1ST(stem []byte) bool {
	c := stem[len(stem)-1]
	return (c == 's' || c == 't') && mGt1(stem)
}

// oStar reports whether the stem ends consonant, vowel, consonant, the last
// not w, x or y.
func oStar(stem []byte) bool {
	switch stem[len(stem)-1] {
	case 'w', 'x', 'y':
		return false
	}
	mask, cons := 0, false
	for _, c := range stem {
		cons = !isVowel(c, cons)
		mask <<= 1
		if cons {
			mask |= 1
		}
	}
	return mask&7 == 5
}

// hasVowel reports whether the stem has a vowel (y after its first letter
// counts).
func hasVowel(stem []byte) bool {
	for i, c := range stem {
		if isVowel(c, i > 0) {
			return true
		}
	}
	return false
}
