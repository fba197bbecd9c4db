package wdiff

import (
	"runtime"
	"strings"
	"testing"
)

func TestCompareHTML(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"same", "The grid drill.", "The grid drill.", "The grid drill."},
		{"one word", "The drill is in May this year.", "The drill is in June this year.",
			"The drill is in <del>May</del> <ins>June</ins> this year."},
		{"added words", "Ten utilities took part.", "Ten water utilities took part.",
			"Ten <ins>water</ins> utilities took part."},
		{"removed at the end", "It ended at noon, officials said.", "It ended at noon.",
			"It ended at <del>noon, officials said.</del> <ins>noon.</ins>"},
		{"escaped", "a < b & c", "a > b & c", "a <del>&lt;</del> <ins>&gt;</ins> b &amp; c"},
		{"paragraphs", "First paragraph.\n\nSecond one.", "First paragraph.\n\nSecond two.",
			"First paragraph.\n\nSecond <del>one.</del> <ins>two.</ins>"},
		{"new paragraph", "One.", "One.\n\nTwo.", "One.<ins>\n\nTwo.</ins>"},
		{"Japanese", "政府は五月に演習", "政府は六月に演習", "政府は<del>五</del><ins>六</ins>月に演習"},
		{"empty old", "", "All new.", "<ins>All new.</ins>"},
		{"empty new", "All gone.", "", "<del>All gone.</del>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(tc.old, tc.new)
			if got := d.HTML(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if d.Changed() != (tc.old != tc.new) {
				t.Errorf("changed: got %t", d.Changed())
			}
			if d.Granularity != "word" {
				t.Errorf("granularity: got %q, want word", d.Granularity)
			}
		})
	}
}

func TestText(t *testing.T) {
	got := Text("<p>One <b>bold</b> word.</p><ul><li>A</li><li>B &amp; C</li></ul>")
	if words := Words(got); len(words) != 9 || words[3].Text != "\n" {
		t.Errorf("tokens of %q: got %+v", got, words)
	}
	if d := Compare(Text("<p>One.</p><p>Two.</p>"), Text("<p>One.</p><p>Three.</p>")); d.HTML() != "One.\n\n<del>Two.</del><ins>Three.</ins>" {
		t.Errorf("HTML diff: got %q", d.HTML())
	}
}

// TestCompareLarge checks the bound: texts whose differing middles are
// too long for a word table fall back to paragraphs, and texts with too
// many differing paragraphs to whole replacement, each still exact at its
// edges and small in memory.
func TestCompareLarge(t *testing.T) {
	para := func(prefix string, n, words int) string {
		var ps []string
		for i := range n {
			var w []string
			for j := range words {
				w = append(w, prefix+strings.Repeat("x", (i+j)%7+1))
			}
			ps = append(ps, strings.Join(w, " "))
		}
		return strings.Join(ps, "\n\n")
	}
	// 200 paragraphs of 20 words, every word of the middle changed: 4000
	// by 4000 words is over MaxCells; 200 by 200 paragraphs is not.
	old := "Start.\n\n" + para("a", 200, 20) + "\n\nEnd."
	new := "Start.\n\n" + para("b", 200, 20) + "\n\nEnd."
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d := Compare(old, new)
	runtime.ReadMemStats(&after)
	// A word table would take 4001*4001*4 bytes, 64 MB; the bound is
	// MaxCells cells, 16 MB, and paragraphs take far less.
	if got := after.TotalAlloc - before.TotalAlloc; got > 4*MaxCells {
		t.Errorf("allocated %d bytes, want at most %d", got, 4*MaxCells)
	}
	if d.Granularity != "paragraph" {
		t.Fatalf("granularity: got %q, want paragraph", d.Granularity)
	}
	h := d.HTML()
	if !strings.HasPrefix(h, "Start.\n\n<del>") || !strings.HasSuffix(h, "</ins>\n\nEnd.") {
		t.Errorf("paragraph diff: got %.80q...%.80q", h, h[len(h)-80:])
	}
	// 5000 single-word paragraphs each: too many for paragraphs too.
	old = strings.Repeat("alpha\n\n", 5000) + "same"
	new = strings.Repeat("beta\n\n", 5000) + "same"
	d = Compare(old, new)
	if d.Granularity != "whole" || len(d.Chunks) != 3 || d.Chunks[2].Op != Equal {
		t.Errorf("granularity %q, %d chunks; want whole, 3", d.Granularity, len(d.Chunks))
	}
}

// BenchmarkCompareLarge measures a word diff at the bound.
func BenchmarkCompareLarge(b *testing.B) {
	var ow, nw []string
	for i := range 2000 {
		ow = append(ow, "w"+strings.Repeat("o", i%5))
		nw = append(nw, "w"+strings.Repeat("o", (i+1)%5))
	}
	old, new := strings.Join(ow, " "), strings.Join(nw, " ")
	for b.Loop() {
		Compare(old, new)
	}
}

func FuzzCompare(f *testing.F) {
	f.Add("The drill is in May.", "The drill is in June.")
	f.Add("政府は五月\n\nに演習", "one\n\n\ntwo")
	f.Fuzz(func(t *testing.T, old, new string) {
		d := Compare(old, new)
		// The old text's tokens are the Equal and Delete ones, the new
		// text's the Equal and Insert ones, in order.
		var a, b []string
		for _, c := range d.Chunks {
			for _, tok := range c.Tokens {
				if c.Op != Insert {
					a = append(a, tok.Text)
				}
				if c.Op != Delete {
					b = append(b, tok.Text)
				}
			}
		}
		if got, want := strings.Join(a, "|"), join(Words(old)); got != want {
			t.Errorf("old: got %q, want %q", got, want)
		}
		if got, want := strings.Join(b, "|"), join(Words(new)); got != want {
			t.Errorf("new: got %q, want %q", got, want)
		}
	})
}

func join(ts []Token) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Text)
	}
	return strings.Join(s, "|")
}
