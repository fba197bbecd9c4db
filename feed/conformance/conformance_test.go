package conformance

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tb records what report does instead of stopping the test.
type tb struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (t *tb) Helper() {}
func (t *tb) Skipf(format string, args ...any) {
	t.skipped, t.msg = true, fmt.Sprintf(format, args...)
}
func (t *tb) Fatalf(format string, args ...any) {
	t.failed, t.msg = true, fmt.Sprintf(format, args...)
}
func (t *tb) Fatal(args ...any) { t.failed, t.msg = true, fmt.Sprint(args...) }

func TestReport(t *testing.T) {
	missing := fmt.Errorf("check: %w", &MissingError{Tool: "jing", Install: "install Debian package jing"})
	for _, tc := range []struct {
		name, ci    string
		err         error
		skip, fail  bool
		msgContains string
	}{
		{"ok", "", nil, false, false, ""},
		{"invalid", "", errors.New("entry without id"), false, true, "entry without id"},
		{"missing locally", "", missing, true, false, "Debian package jing"},
		{"missing in CI", "true", missing, false, true, "CI must install"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &tb{TB: t}
			report(r, tc.err)
			if r.skipped != tc.skip || r.failed != tc.fail {
				t.Errorf("skipped, failed = %v, %v, want %v, %v", r.skipped, r.failed, tc.skip, tc.fail)
			}
			if !strings.Contains(r.msg, tc.msgContains) {
				t.Errorf("message %q does not contain %q", r.msg, tc.msgContains)
			}
		})
	}
}

func TestRejects(t *testing.T) {
	t.Setenv("CI", "")
	r := &tb{TB: t}
	Rejects(r, nil)
	if !r.failed {
		t.Error("Rejects(nil) did not fail the test")
	}
	r = &tb{TB: t}
	Rejects(r, errors.New("bozo 1"))
	if r.failed || r.skipped {
		t.Error("Rejects(a verdict) failed or skipped the test")
	}
}

// TestMissingTools hides every tool and checks that each check says which
// package to install rather than failing some other way.
func TestMissingTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := python
	python = filepath.Join(t.TempDir(), "python3")
	defer func() { python = saved }()

	_, fpErr := CheckFeedParser(t.Context(), []byte("<rss/>"), 0)
	for name, err := range map[string]error{
		"jing":       CheckAtom(t.Context(), []byte("<feed/>")),
		"feedparser": fpErr,
		"newsboat":   CheckNewsboat(t.Context(), "http://127.0.0.1:1/", 0),
		"node":       CheckJSONFeed(t.Context(), []byte("{}")),
	} {
		var missing *MissingError
		if !errors.As(err, &missing) {
			t.Errorf("%s: got %v, want a *MissingError", name, err)
			continue
		}
		if !strings.Contains(missing.Install, "Debian package") {
			t.Errorf("%s: %q names no package to install", name, missing.Install)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("repoRoot() = %s, which has no go.mod", root)
	}
	if _, err := os.Stat(filepath.Join(root, ".ci", "jsonfeed-validate.mjs")); err != nil {
		t.Errorf("repoRoot() = %s: %v", root, err)
	}
}

// Small documents, valid and not, for each check on its own; the render
// package runs the checks on real feeds.
const (
	validAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>t</title><id>tag:example.com,2024:f</id><updated>2024-01-01T00:00:00Z</updated>
  <author><name>a</name></author>
  <entry><title>e</title><id>tag:example.com,2024:e</id><updated>2024-01-01T00:00:00Z</updated>
    <link href="https://example.com/e"/></entry>
</feed>
`
	validRSS = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><link>https://example.com/</link><description>d</description>
  <item><title>e</title><link>https://example.com/e</link><guid isPermaLink="false">tag:example.com,2024:e</guid></item>
</channel></rss>
`
	validJSON = `{"version": "https://jsonfeed.org/version/1.1", "title": "t",
  "items": [{"id": "tag:example.com,2024:e", "content_text": "e"}]}`
)

func TestCheckAtom(t *testing.T) {
	Atom(t, []byte(validAtom))
	for name, doc := range map[string]string{
		"entry without id":   strings.Replace(validAtom, "<id>tag:example.com,2024:e</id>", "", 1),
		"no author at all":   strings.Replace(validAtom, "<author><name>a</name></author>", "", 1),
		"not well-formed":    validAtom[:len(validAtom)/2],
		"updated not a date": strings.Replace(validAtom, "<updated>2024-01-01T00:00:00Z</updated>", "<updated>yesterday</updated>", 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			Rejects(t, CheckAtom(t.Context(), []byte(doc)))
		})
	}
}

func TestCheckFeedParser(t *testing.T) {
	p := FeedParser(t, []byte(validRSS), 1)
	if p.Version != "rss20" || p.Entries[0].ID != "tag:example.com,2024:e" || p.Entries[0].Title != "e" {
		t.Errorf("got %+v, want an rss20 feed with entry tag:example.com,2024:e titled e", p)
	}
	_, err := CheckFeedParser(t.Context(), []byte(validRSS), 2)
	Rejects(t, err)
	_, err = CheckFeedParser(t.Context(), []byte(strings.Replace(validRSS, "<title>e</title>", "<title>e & f</title>", 1)), 1)
	Rejects(t, err)
}

func TestCheckNewsboat(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(validRSS))
	}))
	defer srv.Close()
	Newsboat(t, srv.URL+"/feed", 1)
	Rejects(t, CheckNewsboat(t.Context(), srv.URL+"/feed", 2))
	Rejects(t, CheckNewsboat(t.Context(), srv.URL+"/missing", 0))
}

func TestCheckJSONFeed(t *testing.T) {
	JSONFeed(t, []byte(validJSON))
	for name, doc := range map[string]string{
		"item without id":      strings.Replace(validJSON, `"id": "tag:example.com,2024:e", `, "", 1),
		"item without content": strings.Replace(validJSON, `, "content_text": "e"`, "", 1),
		"unknown member":       strings.Replace(validJSON, `"title": "t"`, `"title": "t", "bogus": 1`, 1),
		"not JSON":             validJSON[:10],
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			Rejects(t, CheckJSONFeed(t.Context(), []byte(doc)))
		})
	}
}

// TestCheckAtomUTF8: characters outside the Basic Multilingual Plane (four
// bytes in UTF-8) are valid, over several of the XML parser's buffers; a cut
// sequence is refused by herald's own check, saying where, with the bytes
// around it.
func TestCheckAtomUTF8(t *testing.T) {
	text := strings.Repeat("News 📰 of 𝕏 and 🇯🇵. ", 1200) // ~30 KB
	doc := strings.Replace(validAtom, "<title>e</title>", "<title>e</title><summary>"+text+"</summary>", 1)
	if err := CheckAtom(t.Context(), []byte(doc)); err != nil {
		t.Errorf("valid feed with astral characters: %v", err)
	}
	bad := strings.Replace(validAtom, "<title>e</title>", "<title>e\xf0\x9f</title>", 1)
	err := CheckAtom(t.Context(), []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "feed.atom:5:18: not valid UTF-8") || !strings.Contains(err.Error(), `<title>e\xf0\x9f</title>`) {
		t.Errorf("feed with a cut UTF-8 sequence: got %v, want it refused with its line, column and bytes", err)
	}
}
