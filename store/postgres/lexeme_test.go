package postgres

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"go/format"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	_ "modernc.org/sqlite"
)

var update = flag.Bool("update", false, "rewrite unicode61.go from SQLite's tokenizer")

// The tokenizer of store/sqlite's search index (migration 0004), and the
// same without stemming.
const (
	sqliteIndexTokenizer = `porter unicode61 remove_diacritics 2 categories 'L* N* Co M*'`
	sqliteWordTokenizer  = `unicode61 remove_diacritics 2 categories 'L* N* Co M*'`
)

// sqliteTokens returns the tokens that FTS5 with the tokenizer makes of
// each text, in order.
func sqliteTokens(t *testing.T, tokenizer string, texts []string) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "tokens.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE VIRTUAL TABLE s USING fts5 (body, tokenize = '` + strings.ReplaceAll(tokenizer, "'", "''") + `')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab (s, instance)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		if _, err := tx.Exec(`INSERT INTO s (rowid, body) VALUES (?, ?)`, i, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT doc, term FROM v ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := make([][]string, len(texts))
	for rows.Next() {
		var (
			doc  int
			term sql.NullString // NULL: an empty token
		)
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		out[doc] = append(out[doc], term.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// goLexemes returns the tokens of text, stemmed if stem, in order.
func goLexemes(text string, stem bool) []string {
	var out []string
	tokens(text, func(tok string) {
		if stem {
			tok = porter(tok)
		}
		out = append(out, tok)
	})
	return out
}

// codePointProbes returns texts that probe every code point from 0x80 on:
// "q" + c + "q", 256 to a text. A code point that is part of a word makes
// one token of its probe, "q" + what it folds to + "q"; a separator makes
// two, "q" and "q".
func codePointProbes() (texts []string, points [][]rune) {
	var (
		b  strings.Builder
		cs []rune
	)
	for c := rune(0x80); c <= utf8.MaxRune; c++ {
		if !utf8.ValidRune(c) {
			continue
		}
		b.WriteString("q" + string(c) + "q ")
		cs = append(cs, c)
		if len(cs) == 256 || c == utf8.MaxRune {
			texts, points = append(texts, b.String()), append(points, cs)
			b.Reset()
			cs = nil
		}
	}
	return texts, points
}

// readProbes reads the tokens of probes: for each code point whether it is
// part of a word and, if so, what it folds to (-1 for nothing).
func readProbes(t *testing.T, points []rune, toks []string) (word map[rune]bool, fold map[rune]rune) {
	t.Helper()
	word, fold = map[rune]bool{}, map[rune]rune{}
	for _, c := range points {
		if len(toks) == 0 {
			t.Fatalf("probes of %U: out of tokens", c)
		}
		tok := toks[0]
		toks = toks[1:]
		if tok == "q" {
			word[c] = false
			if len(toks) == 0 || toks[0] != "q" {
				t.Fatalf("probe of %U: got %q then not q", c, tok)
			}
			toks = toks[1:]
			continue
		}
		word[c] = true
		f, n := utf8.DecodeRuneInString(tok[1:])
		switch {
		case tok == "qq":
			fold[c] = -1
		case len(tok) != 2+n || tok[0] != 'q' || tok[len(tok)-1] != 'q':
			t.Fatalf("probe of %U: got token %q", c, tok)
		default:
			fold[c] = f
		}
	}
	return word, fold
}

// TestUnicode61 checks that Go reads every code point as SQLite's FTS5
// does: as part of a word or not, and folded to the same. With -update it
// rewrites unicode61.go, the code points where SQLite's tables (of an
// earlier Unicode version than Go's) part from the rules of isWordRune and
// foldRune.
func TestUnicode61(t *testing.T) {
	texts, points := codePointProbes()
	sqlite := sqliteTokens(t, sqliteWordTokenizer, texts)
	if *update {
		unicode61Words, unicode61Folds = nil, nil
	}
	var words, folds []runeRange
	extend := func(ranges []runeRange, c rune, v int32) []runeRange {
		if n := len(ranges); n > 0 && ranges[n-1].hi == c-1 && ranges[n-1].v == v {
			ranges[n-1].hi = c
			return ranges
		}
		return append(ranges, runeRange{c, c, v})
	}
	bad := 0
	for i, text := range texts {
		word, fold := readProbes(t, points[i], sqlite[i])
		if *update {
			for _, c := range points[i] {
				if word[c] != isWordRune(c) {
					v := int32(0)
					if word[c] {
						v = 1
					}
					words = extend(words, c, v)
				}
				if word[c] && fold[c] != foldRune(c) && fold[c] >= 0 {
					folds = extend(folds, c, fold[c]-c)
				}
			}
			continue
		}
		goWord, goFold := readProbes(t, points[i], goLexemes(text, false))
		for _, c := range points[i] {
			if (goWord[c] != word[c] || goFold[c] != fold[c]) && bad < 20 {
				bad++
				t.Errorf("%U: got word %v folded to %U, want %v, %U (as SQLite)", c, goWord[c], goFold[c], word[c], fold[c])
			}
		}
	}
	if !*update {
		return
	}
	var b bytes.Buffer
	b.WriteString(`// Code generated by "go test -run TestUnicode61 -update"; DO NOT EDIT.

package postgres

// unicode61Words lists the code points that SQLite's unicode61 tokenizer
// reads otherwise than isWordRune's rule would: as part of a word (1) or
// as a separator (0).
var unicode61Words = []runeRange{
`)
	for _, r := range words {
		fmt.Fprintf(&b, "{%#x, %#x, %d},\n", r.lo, r.hi, r.v)
	}
	b.WriteString(`}

// unicode61Folds lists the code points that unicode61 folds otherwise than
// foldRune's rule would: each to itself plus the third number.
var unicode61Folds = []runeRange{
`)
	for _, r := range folds {
		fmt.Fprintf(&b, "{%#x, %#x, %d},\n", r.lo, r.hi, r.v)
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("unicode61.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPorter checks that Go stems words as SQLite's porter tokenizer does:
// real words with many suffixes, and random ones that try every rule.
func TestPorter(t *testing.T) {
	stems := strings.Fields(`sanction hospital critical infrastructure official relate condition
		rational digit conform radical differ vietnam analog vile hope agree feed plaster bleed
		motor sing conflat troubl siz hop tann fall hiss fizz fail fil agre happi sky generous
		valenc hesit digitiz conform radic sensit electr effect adjust depend adopt homolog
		communism activ angular bowdler formal revival allowanc infer airlin gyroscop adjustab
		defens irrit replac adapt depend commun cease controll roll general good news dying
		lying early only gently ugly atlas bias cosmos skies tying idly singly herald search
		ransomware semiconductor quantum undersea cable telecommunication municipality`)
	suffixes := []string{"", "s", "es", "ies", "sses", "ss", "ed", "eed", "ing", "ly", "y", "e", "ness",
		"ational", "tional", "enci", "anci", "izer", "bli", "alli", "entli", "eli", "ousli", "ization",
		"ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti", "biliti", "logi",
		"icate", "ative", "alize", "iciti", "ical", "ful", "al", "ance", "ence", "er", "ic", "able",
		"ible", "ant", "ement", "ment", "ent", "ion", "sion", "tion", "ou", "ism", "ate", "iti", "ous",
		"ive", "ize", "at", "bl", "iz", "ll"}
	var words []string
	for _, s := range stems {
		for _, x := range suffixes {
			words = append(words, s+x)
		}
	}
	rng := rand.New(rand.NewPCG(8, 13))
	const letters = "aaeeiioouuybcdfgklmnprsstvwxzlyse"
	for range 30_000 {
		b := make([]byte, 1+rng.IntN(14))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		words = append(words, string(b))
	}
	words = append(words, strings.Repeat("ing", 21)+"s", strings.Repeat("ational", 10))
	var texts []string
	for i := 0; i < len(words); i += 500 {
		texts = append(texts, strings.Join(words[i:min(i+500, len(words))], " "))
	}
	sqlite := sqliteTokens(t, sqliteIndexTokenizer, texts)
	bad := 0
	for i, text := range texts {
		got := goLexemes(text, true)
		want := sqlite[i]
		if len(got) != len(want) {
			t.Fatalf("text %d: got %d lexemes, want %d", i, len(got), len(want))
		}
		for j := range got {
			if got[j] != want[j] && bad < 20 {
				bad++
				t.Errorf("stem of %q: got %q, want %q (as SQLite)", strings.Fields(text)[j], got[j], want[j])
			}
		}
	}
}

// TestLexemes checks whole texts as the index takes them: HTML, Japanese
// pairs, widths, accents, case.
func TestLexemes(t *testing.T) {
	texts := []string{
		"Cyber dialogue opens in Tokyo; the sanctioned group attacked hospitals.",
		"経済産業省は、サイバーセキュリティ対策の強化を発表しました。ｻｲﾊﾞｰ",
		"Résumé, naïve café: ÀÉÎÕÜ ǖ ǅungla ſtraße ΣΊΣΥΦΟΣ Ωmega ǈ İstanbul ı",
		"C++ cyber-attack e-mail U.S. 3.14 x² ½ ⅷ ①",
		"hello🤔world 😀 a\u0301b \u0301 q",
		"The committee will hold a hearing on information sharing between companies and the government.",
	}
	sqlite := sqliteTokens(t, sqliteIndexTokenizer, texts)
	for i, text := range texts {
		got, want := goLexemes(text, true), sqlite[i]
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("lexemes of %q:\ngot  %q\nwant %q (as SQLite)", text, got, want)
		}
	}
}

// TestDocument checks the tsvector text of an article: weights by field,
// positions, a gap between fields, quoting.
func TestDocument(t *testing.T) {
	tests := []struct {
		title, summary, content string
		want                    string
	}{
		{"Grid report", "", "<p>grid</p>", `'grid':1A,5C 'report':2A`},
		{"Grid", "Grid sanctions", "<p>The grids.</p><p>Grid</p>", `'grid':1A,3B,7C,8C 'sanction':4B 'the':6C`},
		{"政府の方針", "", "", `'の方':3A '府の':2A '政府':1A '方針':4A '針':5A`},
		{"It's", "", "<p>a\\b</p>", `'a':5C 'b':6C 'it':1A 's':2A`},
		{"", "", "", ``},
	}
	for _, tt := range tests {
		if got := document(tt.title, tt.summary, tt.content); got != tt.want {
			t.Errorf("document(%q, %q, %q): got %s, want %s", tt.title, tt.summary, tt.content, got, tt.want)
		}
	}
	// A word repeated past the limits keeps 256 positions, the last at the
	// last position PostgreSQL has.
	long := document("", "", strings.Repeat("grid ", 20_000))
	if n := strings.Count(long, ","); n != maxPositions-1 {
		t.Errorf("positions of a word 20,000 times: got %d, want %d", n+1, maxPositions)
	}
	long = document("", "", strings.Repeat("x ", 20_000)+"grid")
	if !strings.Contains(long, "'grid':16383C") {
		t.Errorf("a word past the last position: got %.80s..., want 'grid':16383C", long[strings.Index(long, "'grid'"):])
	}
}
