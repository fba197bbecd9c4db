package feed

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestArticleSlug(t *testing.T) {
	tests := []struct{ title, want string }{
		{"Grid operators drill for a cyberattack", "grid-operators-drill-for-a-cyberattack"},
		{"U.S., Japan's officials: talks (2014)", "u-s-japans-officials-talks-2014"},
		{"  --Leading and trailing--  ", "leading-and-trailing"},
		{"Résumé rules for CISOs", "résumé-rules-for-cisos"},
		{"政府、重要インフラのサイバー演習を拡大へ　電力・ガス事業者も参加", "政府-重要インフラのサイバー演習を拡大へ-電力-ガス事業者"}, // cut near 80 bytes
		{"ＮＩＳＣ、２０２６年度の計画", "nisc-2026年度の計画"},
		{"佐々木氏が講演", "佐々木氏が講演"},
		{"政府宣布扩大网络安全演练", "政府宣布扩大网络安全演练"},
		{"정부, 사이버 훈련 확대", "정부-사이버-훈련-확대"},
		{"Η κυβέρνηση ΕΝΙΣΧΥΕΙ", "η-κυβέρνηση-ενισχυει"},
		{"सरकार ने साइबर सुरक्षा बढ़ाई", "सरकार-ने-साइबर-सुरक्षा-बढ़ाई"}, // vowel signs are marks
		{"ガ\u3099", "ガ\u3099"},                 // a decomposed voiced mark stays
		{"\u0301Accent first", "accent-first"}, // a mark with no letter is not kept
		{"!!! ??? ---", "article"},
		{"", "article"},
		{"「」。、", "article"},
	}
	for _, tt := range tests {
		got := ArticleSlug(tt.title)
		if got != tt.want {
			t.Errorf("ArticleSlug(%q) = %q, want %q", tt.title, got, tt.want)
		}
		if !ValidArticleSlug(got) {
			t.Errorf("ArticleSlug(%q) = %q, which ValidArticleSlug refuses", tt.title, got)
		}
	}
}

// ArticleSlug must give what Slugify gives for ASCII titles, so that slugs
// made before it are made the same way.
func TestArticleSlugASCIIIsSlugify(t *testing.T) {
	titles := []string{
		"Grid operators drill for a cyberattack",
		"U.S., EU negotiators open talks on cyber norms and incident reporting -- a very long title indeed, longer than eighty bytes",
		strings.Repeat("abcdefghi ", 12),
		strings.Repeat("x", 200),
		"Japan's and China's",
		"",
	}
	for _, title := range titles {
		want := Slugify(title)
		if want == "" {
			want = "article"
		}
		if got := ArticleSlug(title); got != want {
			t.Errorf("ArticleSlug(%q) = %q, Slugify gives %q", title, got, want)
		}
	}
}

func TestArticleSlugLength(t *testing.T) {
	for _, title := range []string{
		strings.Repeat("重要インフラ", 40),
		strings.Repeat("사이버 ", 60),
		strings.Repeat("a", 300),
		strings.Repeat("𝒜𝒷 ", 100), // four-byte letters
	} {
		got := ArticleSlug(title)
		if len(got) > 85 || len(got) < 75 || !utf8.ValidString(got) || strings.HasSuffix(got, "-") {
			t.Errorf("ArticleSlug(%d-byte title) = %q (%d bytes), want about 80 bytes of whole characters", len(title), got, len(got))
		}
		if !ValidArticleSlug(got) {
			t.Errorf("ArticleSlug(%d-byte title) = %q, which ValidArticleSlug refuses", len(title), got)
		}
	}
}

// Every letter ArticleSlug keeps, lower-cased, is one ValidArticleSlug takes.
func TestArticleSlugLowerCaseIsStable(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		if l := unicode.ToLower(r); unicode.ToLower(l) != l || !unicode.IsLetter(l) {
			t.Errorf("ToLower(%U) = %U, which is not its own lower case letter", r, l)
		}
	}
}

func TestValidArticleSlug(t *testing.T) {
	for _, s := range []string{
		"grid-drill", "a", "2026", "政府-演習", "정부-사이버-훈련", "résumé", "सुरक्षा", "nisc-2026年度",
		strings.Repeat("演", MaxArticleSlugLen/3),
	} {
		if !ValidArticleSlug(s) {
			t.Errorf("ValidArticleSlug(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"", "-grid", "grid-", "grid--drill", "Grid", "grid drill", "grid_drill", "grid/drill", "grid.drill",
		"政府、演習", "%E6%94%BF", "\u0301a", "a-\u0301b", "a\xffb", "Résumé",
		strings.Repeat("演", MaxArticleSlugLen/3+1),
	} {
		if ValidArticleSlug(s) {
			t.Errorf("ValidArticleSlug(%q) = true, want false", s)
		}
	}
}

func TestValidateArticleSlug(t *testing.T) {
	a := Article{ID: "a1", Title: "政府が演習", Content: "<p>本文</p>", Published: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	for _, slug := range []string{"", "政府が演習", "grid-drill"} {
		a.Slug = slug
		if err := a.Validate(); err != nil {
			t.Errorf("slug %q: Validate: %v, want nil", slug, err)
		}
	}
	a.Slug = "政府 演習"
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("slug %q: Validate = %v, want a slug error", a.Slug, err)
	}
	// Tags stay ASCII.
	a.Slug, a.Tags = "", []ArticleTag{{Slug: "政府"}}
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "tags") {
		t.Errorf("tag 政府: Validate = %v, want a tags error", err)
	}
}

// A permalink built the way herald builds URLs carries the slug
// percent-encoded, and decoding the path gives the slug back.
func TestArticleSlugInURL(t *testing.T) {
	slug := ArticleSlug("政府、演習を拡大")
	u := url.URL{Scheme: "https", Host: "news.example.org", Path: "/articles/a1/" + slug}
	want := "https://news.example.org/articles/a1/%E6%94%BF%E5%BA%9C-%E6%BC%94%E7%BF%92%E3%82%92%E6%8B%A1%E5%A4%A7"
	if got := u.String(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	back, err := url.Parse(want)
	if err != nil || strings.TrimPrefix(back.Path, "/articles/a1/") != slug {
		t.Errorf("parsing %s gave path %q, %v; want the slug %q back", want, back.Path, err, slug)
	}
}
