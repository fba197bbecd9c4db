package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"herald/feed"
	"herald/feed/sanitize"
)

// addSeeds adds every file under testdata/<dir> to f's corpus.
func addSeeds(f *testing.F, dirs ...string) {
	f.Helper()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// checkResult checks the contract every parser keeps, whatever the input:
// articles that come back are valid and sanitized, and errors are *Error
// values naming the file and matching feed.ErrInvalid.
func checkResult(t *testing.T, name string, arts []feed.Article, err error) {
	t.Helper()
	if err == nil && len(arts) == 0 {
		t.Fatal("got no articles and no error")
	}
	if err != nil {
		if !errors.Is(err, feed.ErrInvalid) {
			t.Fatalf("error %q does not match feed.ErrInvalid", err)
		}
		for line := range strings.Lines(err.Error()) {
			if !strings.HasPrefix(line, "ingest "+name+": ") {
				t.Fatalf("error line %q does not start with %q", line, "ingest "+name+": ")
			}
		}
	}
	for _, a := range arts {
		if verr := a.Validate(); verr != nil {
			t.Fatalf("returned an invalid article: %v", verr)
		}
		if a.Origin != feed.OriginOwn {
			t.Fatalf("got origin %q, want %q", a.Origin, feed.OriginOwn)
		}
		if !utf8.ValidString(a.Content) || !utf8.ValidString(a.Summary) {
			t.Fatal("returned text that is not UTF-8")
		}
		if problem := unsafeHTML(a.Content); problem != "" {
			t.Fatalf("content has %s: %q", problem, a.Content)
		}
	}
}

// unsafeHTML describes the first thing in s that sanitize.Newsroom must have
// removed, or returns "".
func unsafeHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "frame", "object", "embed", "form", "input", "button",
				"textarea", "select", "svg", "math", "meta", "link", "base":
				return "a <" + tok.Data + "> element"
			}
			for _, at := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(at.Val), ""))
				switch {
				case strings.HasPrefix(at.Key, "on"), at.Key == "style", at.Key == "srcdoc", at.Key == "formaction":
					return "attribute " + at.Key
				case (at.Key == "href" || at.Key == "src" || at.Key == "cite") && strings.Contains(v, ":") &&
					!strings.HasPrefix(v, "http:") && !strings.HasPrefix(v, "https:") && !strings.HasPrefix(v, "mailto:") &&
					!strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "?") &&
					strings.IndexByte(v, ':') < strings.IndexAny(v+"/", "/?#"):
					return "URL " + at.Val
				}
			}
		}
	}
}

var fuzzOpt = Options{Location: time.FixedZone("newsroom", -5*3600)}

func FuzzParseText(f *testing.F) {
	addSeeds(f, "text")
	f.Add([]byte("Title\n\nPosted: April 4, 2014\n\nBody. -- Jane Doe (jdoe@example.com)\n\nFree Trial\n"))
	f.Add([]byte("Posted:\n\n--\n\n-- \u2014 --"))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, err := ParseText("f.txt", data, fuzzOpt)
		checkResult(t, "f.txt", arts, err)
		if len(arts) > 1 {
			t.Fatalf("got %d articles from a text file, want at most 1", len(arts))
		}
	})
}

func FuzzParseMarkdown(f *testing.F) {
	addSeeds(f, "markdown")
	f.Add([]byte("---\ntitle: T\npublished: 2014-04-04\ntags: [a, b]\n---\n# H\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
	f.Add([]byte("---\na: &x [*x]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, err := ParseMarkdown("f.md", data, fuzzOpt)
		checkResult(t, "f.md", arts, err)
	})
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, "json")
	f.Add([]byte(`{"title": "T", "published": "2014-04-04", "content": "<p onclick=x>y</p>"}`))
	f.Add([]byte(`[{"id": "a", "title": "T", "published": "2014-04-04", "content_text": "x"}, 7, null, []]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, err := ParseJSON("f.json", data, fuzzOpt)
		checkResult(t, "f.json", arts, err)
	})
}

// FuzzParse also exercises format detection: the name's extension is
// chosen by the fuzzer.
func FuzzParse(f *testing.F) {
	exts := []string{".txt", ".md", ".json", "", ".export"}
	for i, dir := range []string{"text", "markdown", "json"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), data)
			f.Add(uint8(4), data)
		}
	}
	f.Fuzz(func(t *testing.T, ext uint8, data []byte) {
		name := "dir/f" + exts[int(ext)%len(exts)]
		arts, err := Parse(name, data, fuzzOpt)
		checkResult(t, name, arts, err)
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p onclick="x">a</p><script>b</script>`,
		`<a href="javascript:alert(1)">x</a><img src=x onerror=y>`,
		`<svg><script>x</script></svg><math><mtext><style>`,
		`<<scr<script>ipt>alert(1)<</script>/script>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := sanitize.Newsroom(s)
		if problem := unsafeHTML(out); problem != "" {
			t.Fatalf("sanitize.Newsroom(%q) = %q, which has %s", s, out, problem)
		}
	})
}
