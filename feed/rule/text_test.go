package rule

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// words returns d's words in order, with "|" where a run of text ends. A
// Doc never starts with a boundary or has two in a row.
func (d *Doc) words() string {
	var out []string
	for _, id := range d.toks {
		if id < 0 {
			out = append(out, "|")
		} else {
			out = append(out, d.vocab[id])
		}
	}
	return strings.Join(out, " ")
}

func TestNewDocWords(t *testing.T) {
	tests := []struct {
		title, body string
		want        string
	}{
		{"Cyber Talks", "<p>Next week.</p>", "cyber talks | next week |"},
		{"", "U.S.-Japan Cyber Dialogue", "u s japan cyber dialogue"},
		{"", "<p>AT&amp;T &lt;b&gt; caf&eacute; &#8220;quoted&#8221;</p>", "at t b café quoted |"},
		{"", "cyber<b>security</b> <em>policy</em>", "cybersecurity policy"},
		{"", "<p>critical</p><p>infrastructure</p>", "critical | infrastructure |"},
		{"", "critical<br>infrastructure", "critical | infrastructure"},
		{"", "a<script>var cyber = 1</script>b<style>p{}</style>", "a | b |"},
		// What a browser shows in place of a frame or an embed is not the article's.
		{"", "<p>a</p><iframe src=x>frame</iframe><noembed>embed</noembed><noscript>script</noscript>b", "a | b"},
		{"", "<ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>", "漢字"},
		{"", "<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>", "漢字"},
		{"", "<!-- cyber -->policy", "policy"},
		{"Ｃｙｂｅｒ　ＰＯＬＩＣＹ ２０２４", "", "cyber policy 2024 |"},
		{"ｻｲﾊﾞｰ", "", "サイバー |"},
		{"Japan’s cyber‑attack—“policy”", "", "japan s cyber attack policy |"},
		{"cyber\u00adsecurity zero\u200bwidth", "", "cybersecurity zero width |"},
		{"STRASSE Straße ΟΔΥΣΣΕΥΣ Οδυσσεύς", "", "strasse strasse οδυσσευσ οδυσσεύσ |"},
		{"日本G7サミット2024年", "", "日本 g7 サミット 2024 年 |"},
		{"नमस्ते दुनिया", "", "नमस्ते दुनिया |"}, // combining vowel signs stay in the word
	}
	for _, tt := range tests {
		if got := NewDoc(tt.title, tt.body).words(); got != tt.want {
			t.Errorf("NewDoc(%q, %q) words = %q, want %q", tt.title, tt.body, got, tt.want)
		}
	}
}

func TestNewDocIndex(t *testing.T) {
	d := NewDoc("cyber policy", "<p>cyber talks; policy cybersecurity cyber</p>")
	if want := []string{"cyber", "policy", "talks", "cybersecurity"}; !slices.Equal(d.vocab, want) {
		t.Errorf("vocab = %q, want %q", d.vocab, want)
	}
	id, _ := d.id("cyber")
	var got []int32
	for p := d.first[id]; p >= 0; p = d.next[p] {
		got = append(got, p)
	}
	if want := []int32{0, 3, 7}; !slices.Equal(got, want) {
		t.Errorf("positions of cyber = %v, want %v", got, want)
	}
	var pre []string
	d.withPrefix("cy", func(id int32) { pre = append(pre, d.vocab[id]) })
	if want := []string{"cyber", "cybersecurity"}; !slices.Equal(pre, want) {
		t.Errorf("words with prefix cy = %q, want %q", pre, want)
	}
}

func TestNewDocText(t *testing.T) {
	tests := []struct {
		title, body string
		want        string
	}{
		{"plain English", "", ""}, // no text needed when nothing is CJK
		{"日米サイバー対話", "<p>日本、米国。Cyber Dialogue 2024年</p>", "日米サイバー対話\n日本米国 cyber dialogue 2024 年\n"},
		{"サイバー・セキュリティ", "", "サイバーセキュリティ\n"},
	}
	for _, tt := range tests {
		if got := NewDoc(tt.title, tt.body).text; got != tt.want {
			t.Errorf("NewDoc(%q, %q).text = %q, want %q", tt.title, tt.body, got, tt.want)
		}
	}
}

// TestDocLookup fills the word table as far as it goes and looks up words
// that are in it and words that are not.
func TestDocLookup(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 17, 1000} {
		words := make([]string, n)
		for i := range words {
			words[i] = fmt.Sprintf("w%d", i)
		}
		d := NewDoc("", strings.Join(words, " "))
		for i, w := range words {
			if id, ok := d.id(w); !ok || d.vocab[id] != w {
				t.Errorf("%d words: id(%q) = %d, %v; want %d", n, w, id, ok, i)
			}
		}
		for _, w := range []string{"absent", "w", fmt.Sprintf("w%d", n)} {
			if id, ok := d.id(w); ok {
				t.Errorf("%d words: id(%q) = %d, true; want false", n, w, id)
			}
		}
	}
}
