package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York without the system zone database

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"herald/feed"
	"herald/feed/sanitize"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

var newYork = mustLoadLocation("America/New_York")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// readFile returns testdata/name.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseOne parses data, which must yield exactly one article.
func parseOne(t *testing.T, name string, data []byte, opt Options) feed.Article {
	t.Helper()
	arts, err := Parse(name, data, opt)
	if err != nil {
		t.Fatalf("Parse(%q): %v", name, err)
	}
	if len(arts) != 1 {
		t.Fatalf("Parse(%q) returned %d articles, want 1", name, len(arts))
	}
	return arts[0]
}

// paragraphs returns the text of each top-level <p> of an HTML fragment.
func paragraphs(t *testing.T, fragment string) []string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range nodes {
		if n.Type == html.ElementNode && n.Data == "p" {
			var b strings.Builder
			for d := range n.Descendants() {
				if d.Type == html.TextNode {
					b.WriteString(d.Data)
				}
			}
			out = append(out, b.String())
		}
	}
	return out
}

// wantParseError checks that err is an *Error that matches feed.ErrInvalid
// and whose message starts with "ingest "+name and contains every part.
func wantParseError(t *testing.T, err error, name string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", parts)
	}
	if !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("errors.Is(%v, feed.ErrInvalid) = false, want true", err)
	}
	if _, ok := errors.AsType[*Error](err); !ok {
		t.Errorf("error %v (%T) is not an *Error", err, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "ingest "+name+": ") {
		t.Errorf("got error %q, want it to start with %q", msg, "ingest "+name+": ")
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("got error %q, want it to contain %q", msg, p)
		}
	}
}

// checkArticle checks what every parsed article must satisfy.
func checkArticle(t *testing.T, a feed.Article) {
	t.Helper()
	if err := a.Validate(); err != nil {
		t.Errorf("article %q: Validate: %v", a.ID, err)
	}
	if a.Origin != feed.OriginOwn {
		t.Errorf("article %q: got origin %q, want %q", a.ID, a.Origin, feed.OriginOwn)
	}
	if got := sanitize.Newsroom(a.Content); got != a.Content {
		t.Errorf("article %q: content changes when sanitized again:\n got %q\nwant %q", a.ID, got, a.Content)
	}
}

func TestParseDetectsFormat(t *testing.T) {
	jsonDoc := []byte(`{"id": "a1", "title": "JSON title", "content_text": "Body.", "published": "2014-04-04"}`)
	mdDoc := []byte("---\ntitle: Markdown title\npublished: 2014-04-04\n---\n\nBody.\n")
	headingDoc := []byte("# Heading title\n\nBody.\n")
	textDoc := []byte("Text title\n\nPosted: April 4, 2014\n\nBody.\n")
	tests := []struct {
		name      string
		data      []byte
		wantTitle string
		wantErr   bool
	}{
		{"a.json", jsonDoc, "JSON title", false},
		{"A.JSON", jsonDoc, "JSON title", false},
		{"a.md", mdDoc, "Markdown title", false},
		{"a.markdown", mdDoc, "Markdown title", false},
		{"a.txt", textDoc, "Text title", false},
		{"A.TXT", textDoc, "Text title", false},
		{"exports/no-extension", textDoc, "Text title", false},
		// Unknown extensions are sniffed.
		{"a.export", jsonDoc, "JSON title", false},
		{"a.export", append([]byte("\ufeff \n"), jsonDoc...), "JSON title", false},
		{"a.note", mdDoc, "Markdown title", false},
		{"a.text", textDoc, "Text title", false},
		// The extension wins over the content.
		{"a.txt", jsonDoc, "", true},
		// A heading without front matter has no date.
		{"a.note", headingDoc, "", true},
	}
	for _, tt := range tests {
		arts, err := Parse(tt.name, tt.data, Options{})
		if tt.wantErr {
			if err == nil {
				t.Errorf("Parse(%q, %.20q): got no error, want one", tt.name, tt.data)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q, %.20q): %v", tt.name, tt.data, err)
			continue
		}
		if len(arts) != 1 || arts[0].Title != tt.wantTitle {
			t.Errorf("Parse(%q, %.20q): got %d articles, first %+v, want title %q", tt.name, tt.data, len(arts), arts, tt.wantTitle)
		}
	}
}

func TestDefaultID(t *testing.T) {
	tests := []struct{ name, want string }{
		{"2014-04-04-us-japan-talks.txt", "2014-04-04-us-japan-talks"},
		{"notes/2014-04-04-US-Japan talks.txt", "2014-04-04-us-japan-talks"},
		{`C:\exports\Seed Article.TXT`, "seed-article"},
		{"drafts/Japan's cyber strategy.md", "japans-cyber-strategy"},
		{"archive.2015.03.json", "archive-2015-03"},
		{"no-extension", "no-extension"},
		{"/abs/path/x.markdown", "x"},
	}
	for _, tt := range tests {
		if got := DefaultID(tt.name); got != tt.want {
			t.Errorf("DefaultID(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	// Names with no ASCII letters or digits still get a stable, valid ID,
	// distinct for distinct names.
	a, b := DefaultID("notes/日本.txt"), DefaultID("日本語.txt")
	for _, id := range []string{a, b, DefaultID(".txt"), DefaultID("")} {
		if !feed.ValidID(id) {
			t.Errorf("DefaultID gave %q, which is not a valid ID", id)
		}
	}
	if again := DefaultID("other/dir/日本.txt"); again != a {
		t.Errorf("DefaultID is not stable: got %q then %q for the same base name", a, again)
	}
	if a == b {
		t.Errorf("DefaultID(%q) = DefaultID(%q) = %q, want them to differ", "日本.txt", "日本語.txt", a)
	}
	long := strings.Repeat("word-", 60) + ".txt"
	if id := DefaultID(long); !feed.ValidID(id) {
		t.Errorf("DefaultID(%d-byte name) = %q, not a valid ID", len(long), id)
	}
}

func TestParseRejectsLargeFiles(t *testing.T) {
	big := bytes.Repeat([]byte("a"), MaxFileSize+1)
	for _, parse := range []struct {
		name string
		fn   func(string, []byte, Options) ([]feed.Article, error)
	}{{"big.txt", ParseText}, {"big.md", ParseMarkdown}, {"big.json", ParseJSON}, {"big.bin", Parse}} {
		arts, err := parse.fn(parse.name, big, Options{})
		if len(arts) != 0 {
			t.Errorf("%s: got %d articles, want none", parse.name, len(arts))
		}
		wantParseError(t, err, parse.name, "4194305 bytes", "limit is 4194304")
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.txt", Err: feed.Invalid("published", "is required")}, "ingest a.txt: published: is required"},
		{&Error{File: "a.md", Line: 3, Err: errors.New("boom")}, "ingest a.md: line 3: boom"},
		{&Error{File: "b.json", Item: 2, Line: 14, Err: feed.Invalid("title", "is required")}, "ingest b.json: item 2: line 14: title: is required"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, feed.ErrInvalid) {
			t.Errorf("errors.Is(%q, feed.ErrInvalid) = false, want true", tt.want)
		}
	}
	var v *feed.ValidationError
	if !errors.As(tests[2].err, &v) || v.Fields[0].Field != "title" {
		t.Errorf("errors.As(%v) did not find the *feed.ValidationError for title", tests[2].err)
	}
}

func TestSummarize(t *testing.T) {
	word := "cyber "
	long := strings.Repeat(word, 100) // 600 characters
	tests := []struct{ in, want string }{
		{"", ""},
		{"  Short   summary\n text. ", "Short summary text."},
		{strings.Repeat("x", SummaryLen), strings.Repeat("x", SummaryLen)},
		// Cut at the last word boundary before the limit.
		{long, strings.TrimSpace(strings.Repeat(word, 49)) + "…"},
		// A long word with no space near the limit is cut mid-word.
		{strings.Repeat("y", 2*SummaryLen), strings.Repeat("y", SummaryLen-1) + "…"},
		// Punctuation before the cut is dropped; closing quotes are kept.
		{strings.Repeat("ab, ", 75) + "tail", strings.Repeat("ab, ", 73) + "ab…"},
		// Japanese has no spaces: the cut is after the last full stop or comma.
		{strings.Repeat("政府は演習を拡大した。", 40), strings.TrimSuffix(strings.Repeat("政府は演習を拡大した。", 27), "。") + "…"},
		{strings.Repeat("政府は、演習を拡大した", 40), strings.Repeat("政府は、演習を拡大した", 26) + "政府は…"},
	}
	for _, tt := range tests {
		got := summarize(tt.in)
		if got != tt.want {
			t.Errorf("summarize(%.30q…) = %q, want %q", tt.in, got, tt.want)
		}
		if n := len([]rune(got)); n > SummaryLen {
			t.Errorf("summarize(%.30q…) has %d characters, want at most %d", tt.in, n, SummaryLen)
		}
	}
}

func TestSplitParagraphs(t *testing.T) {
	hard := "This paragraph was wrapped\nby an editor at a narrow\nwidth.\n\nSecond one."
	long := strings.Repeat("A long line of text. ", 8)
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"One.\n\n\n\nTwo.", []string{"One.", "Two."}},
		{hard, []string{"This paragraph was wrapped by an editor at a narrow width.", "Second one."}},
		{"\t Tabs\u00a0and\u2003odd  spaces \r\n\r\nCRLF.\r\n", []string{"Tabs and odd spaces", "CRLF."}},
		// One paragraph per line, no blank lines between.
		{long + "\n" + long + "\nShort last.", []string{strings.TrimSpace(long), strings.TrimSpace(long), "Short last."}},
		{"zero\u200bwidth", []string{"zerowidth"}},
		// Chinese and Japanese lines are joined without a space; Korean with one.
		{"政府は、重要インフラの\n演習を拡大した。\n\n次の段落。", []string{"政府は、重要インフラの演習を拡大した。", "次の段落。"}},
		{"정부는 주요\n기반시설 훈련을", []string{"정부는 주요 기반시설 훈련을"}},
	}
	for _, tt := range tests {
		if got := splitParagraphs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitParagraphs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// goldenCase is what a golden file records about one input file.
type goldenCase struct {
	Articles []feed.Article `json:"articles"`
	Error    string         `json:"error,omitempty"`
}

// TestGolden parses every file under testdata/{text,markdown,json} and
// compares the result with testdata/golden. Run with -update to rewrite
// the golden files after an intended change, and review the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		dir := filepath.Base(filepath.Dir(path))
		if dir != "text" && dir != "markdown" && dir != "json" {
			continue
		}
		n++
		t.Run(dir+"/"+filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.ToSlash(filepath.Join(dir, filepath.Base(path)))
			arts, err := Parse(name, data, Options{Location: newYork})
			g := goldenCase{Articles: arts}
			if err != nil {
				g.Error = err.Error()
			}
			for _, a := range arts {
				checkArticle(t, a)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // so that diffs show the HTML as HTML
			enc.SetIndent("", "\t")
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", "golden", dir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Parse(%q) differs from %s (run go test -update and review the diff):\n got %s\nwant %s", name, golden, got, want)
			}
		})
	}
	if n < 10 {
		t.Errorf("found %d input files under testdata, want at least 10", n)
	}
}

// An article that states no language gets the one its script tells, or else
// the newsroom's (Options.Language, "en" when empty); one that states it
// keeps it.
func TestParseLanguage(t *testing.T) {
	tests := []struct {
		name, data, lang, want string
	}{
		{"a.json", `{"title": "Grid drill", "content_text": "Operators drilled.", "published": "2026-11-20"}`, "", "en"},
		{"a.json", `{"title": "Grid drill", "content_text": "Operators drilled.", "published": "2026-11-20"}`, "fr", "fr"},
		{"a.json", `{"title": "Grid drill", "content_text": "Operators drilled.", "published": "2026-11-20", "language": "de"}`, "fr", "de"},
		{"a.json", `{"title": "演習", "content_text": "政府は重要インフラの演習を拡大した。", "published": "2026-11-20"}`, "fr", "ja"},
		{"a.json", `{"title": "演習", "content_text": "政府は重要インフラの演習を拡大した。", "published": "2026-11-20"}`, "ja-JP", "ja-JP"},
		{"a.json", `{"title": "Drill", "content": "<p><a href=\"https://example.org/long/english/path\">政府は重要インフラの演習を拡大した。</a></p>", "published": "2026-11-20"}`, "", "ja"},
		{"a.json", `{"title": "演習", "content_text": "政府は演習を拡大した。", "published": "2026-11-20", "language": "en"}`, "", "en"},
		{"a.md", "---\ntitle: 사이버 훈련 확대\npublished: 2026-11-20\n---\n\n정부는 주요 기반시설 사이버 훈련을 확대한다고 밝혔다.\n", "", "ko"},
		{"a.md", "---\ntitle: Drill\npublished: 2026-11-20\nlanguage: en-GB\n---\n\n政府は演習を拡大した。\n", "", "en-GB"},
		{"a.txt", "网信部门发布修订稿\n\n发布时间：2026年11月19日\n\n网信部门发布数据出境安全评估办法的修订稿。\n", "en", "zh"},
		{"a.txt", "Grid drill\n\nPosted: April 4, 2014\n\nOperators drilled.\n", "en-GB", "en-GB"},
	}
	for _, tt := range tests {
		a := parseOne(t, tt.name, []byte(tt.data), Options{Language: tt.lang})
		if a.Language != tt.want {
			t.Errorf("Parse(%s %.40q) with language %q: got %q, want %q", tt.name, tt.data, tt.lang, a.Language, tt.want)
		}
	}
}
