package searchtext

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cyber dialogue", "Cyber dialogue"},
		{"サイバー攻撃", " サイ イバ バー ー攻 攻撃 撃 "},
		{"税", " 税 "},
		// Separators between two unspaced letters go; spaced words stay apart.
		{"サイバー・攻撃", " サイ イバ バー ー攻 攻撃 撃 "},
		{"AI規制法", "AI 規制 制法 法 "},
		// NFKC: full-width Latin and half-width katakana.
		{"ｃｙｂｅｒ ｻｲﾊﾞｰ", "cyber  サイ イバ バー ー "},
		// What rules ignore inside a word stays for the tokenizer to split at.
		{"cyber\u00adsecurity", "cyber\u00adsecurity"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Grid <b>drill</b></p><p>Next</p>", "\nGrid drill\n\nNext\n"},
		// Ruby annotations are not text; the base is one run.
		{"<p>漢<rt>かん</rt>字</p>", "\n 漢字 字 \n"},
		// A block boundary ends a run.
		{"<p>政府</p><p>規制</p>", "\n 政府 府 \n\n 規制 制 \n"},
		{"<p>a &amp; b<script>var x</script></p>", "\na & b\n\n\n"},
		// Nor is what stands in for a frame or an embed: as for tag rules.
		{"<p>seen</p><iframe>framed</iframe><noembed>embedded</noembed><noframes>f</noframes>", "\nseen\n\n\n\n\n\n\n"},
	}
	for _, tt := range tests {
		if got := HTML(tt.in); got != tt.want {
			t.Errorf("HTML(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuery(t *testing.T) {
	tests := []struct {
		in     string
		last   bool
		want   string
		single bool
	}{
		{"cyber", true, "cyber", false},
		{"C++", true, "C++", false},
		{"サイバー", true, "サイ イバ バー", false},
		{"サイバー", false, "サイ イバ バー ー", false},
		{"政府", true, "政府", false},
		{"税", true, "税", true},
		{"税", false, "税", false},
		{"AI規制", true, "AI 規制", false},
		{"日米 サイバー", true, "日米 米サ サイ イバ バー", false},
		{"ｻｲﾊﾞｰ", true, "サイ イバ バー", false},
	}
	for _, tt := range tests {
		got, single := Query(tt.in, tt.last)
		if got != tt.want || single != tt.single {
			t.Errorf("Query(%q, %v) = %q, %v; want %q, %v", tt.in, tt.last, got, single, tt.want, tt.single)
		}
	}
}

// BenchmarkHTML prepares the body of a 5 KB article for the index, as every
// write of an article does.
func BenchmarkHTML(b *testing.B) {
	var body strings.Builder
	for body.Len() < 5000 {
		body.WriteString("<p>Officials from <b>both</b> governments discussed norms for state behaviour in cyberspace &amp; the grid. ")
		body.WriteString("経済産業省は、サイバーセキュリティ対策の強化を発表しました。</p>\n")
	}
	h := body.String()
	b.SetBytes(int64(len(h)))
	for b.Loop() {
		HTML(h)
	}
}
