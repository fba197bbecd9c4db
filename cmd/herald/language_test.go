package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
)

// japaneseExport is one of feed/ingest's Japanese test exports: the
// newsroom's CMS export in Japanese, signed "-- 佐藤　美咲".
const japaneseExport = "../../feed/ingest/testdata/text/2026-11-20-undersea-cable-drill-ja.txt"

// TestLanguageEndToEnd ingests a Japanese plain-text export with herald
// ingest while herald serve runs, and checks what readers get: the author
// found and the sign-off gone, a Unicode slug percent-encoded in every link
// and answering in either encoding, and the language on the page and in
// the feeds.
func TestLanguageEndToEnd(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	writeFile(t, dir, "grid.txt", "Grid operators drill for a cyberattack\n\nPosted: November 21, 2026\n\nUtilities practised restoring the power grid after a simulated cyber intrusion. -- Lee Park\n")
	if code, out, stderr := s.herald(t, "ingest", japaneseExport); code != 0 || !strings.Contains(out, "1 articles created") {
		t.Fatalf("ingest: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if code, _, stderr := s.herald(t, "ingest", "--language", "en-GB", dir); code != 0 {
		t.Fatalf("ingest --language en-GB: exit %d: %s", code, stderr)
	}
	if code, _, stderr := s.herald(t, "ingest", "--language", "English", dir); code != 2 || !strings.Contains(stderr, `--language "English"`) {
		t.Errorf("ingest --language English: exit %d, stderr %q; want 2 naming the flag", code, stderr)
	}

	const id = "2026-11-20-undersea-cable-drill-ja"
	resp, body := s.do(t, "GET", "/api/articles/"+id, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/articles/%s: %d %s", id, resp.StatusCode, body)
	}
	var a feed.Article
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	if a.Language != "ja" {
		t.Errorf("language: got %q, want ja", a.Language)
	}
	if len(a.Authors) != 1 || a.Authors[0] != "佐藤 美咲" {
		t.Errorf("authors: got %q, want [佐藤 美咲]", a.Authors)
	}
	if strings.Contains(a.Content, "佐藤") || strings.Contains(a.Content, "--") {
		t.Errorf("the sign-off is still in the body: %q", a.Content)
	}
	if want := feed.ArticleSlug(a.Title); a.Slug != want || !strings.HasPrefix(a.Slug, "海底ケーブル") {
		t.Fatalf("slug: got %q, want %q (the store must make slugs with feed.ArticleSlug)", a.Slug, want)
	}
	permalink := "/articles/" + id + "/" + url.PathEscape(a.Slug)

	// The page answers at the percent-encoded permalink, whatever the case
	// of its hex digits, and says it is Japanese.
	for _, path := range []string{permalink, strings.ToLower(permalink)} {
		resp, body = s.do(t, "GET", path, "", "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: got %d, want 200", path, resp.StatusCode)
		}
	}
	page := string(body)
	for _, want := range []string{`<html lang="ja">`, "佐藤 美咲", "海底ケーブルの切断想定", `<link rel="canonical" href="` + s.base + permalink + `">`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "-- 佐藤") || strings.Contains(page, "無料体験") {
		t.Errorf("page has the sign-off or the marketing")
	}
	// The bare and the outdated permalinks redirect to the encoded one.
	for _, path := range []string{"/articles/" + id, "/articles/" + id + "/article"} {
		resp, _ = s.do(t, "GET", path, "", "")
		if resp.StatusCode != 301 || resp.Header.Get("Location") != s.base+permalink {
			t.Errorf("GET %s: got %d to %q, want 301 to %q", path, resp.StatusCode, resp.Header.Get("Location"), s.base+permalink)
		}
	}
	// The home page links to it encoded.
	if _, home := s.do(t, "GET", "/", "", ""); !bytes.Contains(home, []byte(`href="`+s.base+permalink+`"`)) {
		t.Errorf("home page has no link to %s", permalink)
	}

	// Atom: the entry is xml:lang="ja", credits the author and links to
	// the encoded permalink; the document is valid.
	resp, body = s.do(t, "GET", "/feed.atom", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /feed.atom: %d", resp.StatusCode)
	}
	var doc struct {
		Entries []struct {
			Lang  string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Title string `xml:"title"`
			Links []struct {
				Rel  string `xml:"rel,attr"`
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Authors []string `xml:"author>name"`
			Content string   `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	langs := map[string]string{}
	for _, e := range doc.Entries {
		langs[e.Title] = e.Lang
		if e.Lang != "ja" {
			continue
		}
		if len(e.Links) == 0 || e.Links[0].Href != s.base+permalink {
			t.Errorf("Atom entry links %+v, want %s", e.Links, s.base+permalink)
		}
		if len(e.Authors) != 1 || e.Authors[0] != "佐藤 美咲" {
			t.Errorf("Atom entry authors %q, want [佐藤 美咲]", e.Authors)
		}
		if strings.Contains(e.Content, "佐藤") {
			t.Errorf("Atom entry content has the sign-off")
		}
	}
	if langs[a.Title] != "ja" || langs["Grid operators drill for a cyberattack"] != "en-GB" {
		t.Errorf("Atom entries' xml:lang by title: %q; want ja for the export and en-GB for the English one", langs)
	}
	t.Run("feed.atom/jing", func(t *testing.T) { conformance.Atom(t, body) })

	// JSON Feed: the item's url is the encoded permalink, its language ja.
	_, body = s.do(t, "GET", "/feed.json", "", "")
	var jf struct {
		Items []struct {
			URL      string `json:"url"`
			Language string `json:"language"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &jf); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range jf.Items {
		found = found || it.URL == s.base+permalink && it.Language == "ja"
	}
	if !found {
		t.Errorf("JSON Feed items %+v: none with url %s and language ja", jf.Items, s.base+permalink)
	}
	t.Run("feed.json/ajv", func(t *testing.T) { conformance.JSONFeed(t, body) })

	// The English export got the newsroom's language from --language.
	resp, _ = s.do(t, "GET", "/articles/grid", "", "")
	if resp.StatusCode != 301 {
		t.Fatalf("GET /articles/grid: got %d, want 301", resp.StatusCode)
	}
	resp, body = s.do(t, "GET", strings.TrimPrefix(resp.Header.Get("Location"), s.base), "", "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`<html lang="en-GB">`)) {
		t.Errorf("English page: got %d, want 200 with lang en-GB", resp.StatusCode)
	}

	// The API gives an article sent without a language the one its text
	// is in.
	_, secret, _ := s.herald(t, "token", "create", "newsroom")
	resp, body = s.do(t, "POST", "/api/articles", strings.TrimSpace(secret),
		`{"id":"ko-1","title":"사이버 훈련 확대","content_text":"정부는 주요 기반시설 사이버 훈련을 확대한다고 밝혔다.","published":"2026-11-21"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("POST Korean article: %d %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Language != "ko" || a.Slug != "사이버-훈련-확대" {
		t.Errorf("POST Korean article: got language %q, slug %q (%v); want ko, 사이버-훈련-확대", a.Language, a.Slug, err)
	}
}

// TestServeLanguage: herald serve's --language is the language the API
// gives articles that state none and whose script does not tell.
func TestServeLanguage(t *testing.T) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := []string{"serve", "--db", filepath.Join(t.TempDir(), "herald.db"), "--addr", "127.0.0.1:0", "--language", "French"}
	if code := run(ctx, args, noEnv, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `--language "French"`) {
		t.Errorf("serve --language French: exit %d, stderr %q; want 2 naming the flag", code, errOut.String())
	}

	s := startServer(t, "--language", "fr")
	_, secret, _ := s.herald(t, "token", "create", "newsroom")
	for body, want := range map[string]string{
		`{"id":"fr-1","title":"Exercice de crise","content_text":"Les opérateurs ont répété une panne.","published":"2026-11-21"}`: "fr",
		`{"id":"ja-1","title":"演習","content_text":"政府は重要インフラの演習を拡大した。","published":"2026-11-21"}`:                                  "ja",
		`{"id":"de-1","title":"Übung","content_text":"Die Betreiber übten.","published":"2026-11-21","language":"de"}`:             "de",
	} {
		resp, got := s.do(t, "POST", "/api/articles", strings.TrimSpace(secret), body)
		var a feed.Article
		if err := json.Unmarshal(got, &a); resp.StatusCode != 201 || err != nil || a.Language != want {
			t.Errorf("POST %s: got %d, language %q; want 201, %s (serve must pass --language to web.Config.Language)", body, resp.StatusCode, a.Language, want)
		}
	}
}
