package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
)

// server is a herald serve run by the test through run, on a loopback port.
type server struct {
	base string
	db   string
	done chan int
	stop context.CancelFunc
}

func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	db := filepath.Join(t.TempDir(), "herald.db")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{db: db, done: make(chan int, 1), stop: cancel}
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--stale-after", "1ns"}, extra...)
	go func() {
		code := run(ctx, args, noEnv, pw, io.Discard)
		pw.Close()
		s.done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	go io.Copy(io.Discard, pr)
	_, rest, _ := strings.Cut(line, "serving ")
	s.base, _, _ = strings.Cut(rest, " ")
	t.Cleanup(func() {
		cancel()
		if code := <-s.done; code != 0 {
			t.Errorf("serve exited with %d, want 0", code)
		}
	})
	return s
}

func noEnv(string) string { return "" }

// herald runs a subcommand against the server's database and returns its
// exit code and output.
func (s *server) herald(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args[:1:1], append([]string{"--db", s.db}, args[1:]...)...)
	code := run(context.Background(), args, noEnv, &out, &errOut)
	return code, out.String(), errOut.String()
}

func (s *server) do(t *testing.T, method, path, token string, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed, no gzip added
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestEndToEnd(t *testing.T) {
	s := startServer(t)

	// A token for the API.
	code, secret, stderr := s.herald(t, "token", "create", "newsroom")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	token := strings.TrimSpace(secret)

	// Writes need the token.
	article := `{"id":"talks-1","title":"Cyber dialogue with Japan resumes","content":"<p>Officials held a bilateral cyber dialogue on critical infrastructure.</p>","authors":["Ana Reporter"],"published":"2026-11-20T10:00:00Z","tags":["asia"]}`
	if resp, _ := s.do(t, "PUT", "/api/articles/talks-1", "", article); resp.StatusCode != 401 {
		t.Fatalf("PUT without a token: got %d, want 401", resp.StatusCode)
	}
	if resp, _ := s.do(t, "PUT", "/api/articles/talks-1", "hrd_wrong", article); resp.StatusCode != 401 {
		t.Fatalf("PUT with a bad token: got %d, want 401", resp.StatusCode)
	}
	resp, body := s.do(t, "PUT", "/api/articles/talks-1?create_tags=1", token, article)
	if resp.StatusCode != 201 {
		t.Fatalf("PUT: got %d %s, want 201", resp.StatusCode, body)
	}
	var got feed.Article
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if !got.HasTag("asia") || !got.HasTag("cyber-diplomacy") || !got.HasTag("critical-infrastructure") {
		t.Errorf("tags: got %+v, want asia by hand and the rule tags", got.Tags)
	}
	for _, tg := range got.Tags {
		if tg.Slug == "cyber-diplomacy" && (tg.Rule == "" || len(tg.Matched) == 0) {
			t.Errorf("rule tag without rule or matched words: %+v", tg)
		}
	}
	// The same PUT again changes nothing.
	resp, _ = s.do(t, "PUT", "/api/articles/talks-1", token, article)
	if resp.StatusCode != 200 || resp.Header.Get("X-Herald-Change") != "unchanged" {
		t.Errorf("repeated PUT: got %d %s, want 200 unchanged", resp.StatusCode, resp.Header.Get("X-Herald-Change"))
	}
	// Bad input names the fields.
	resp, body = s.do(t, "POST", "/api/articles", token, `{"title":"","published":"someday"}`)
	if resp.StatusCode != 422 || !bytes.Contains(body, []byte(`"field"`)) {
		t.Errorf("invalid article: got %d %s, want 422 naming fields", resp.StatusCode, body)
	}
	resp, _ = s.do(t, "POST", "/api/articles", token, `{not json`)
	if resp.StatusCode != 400 {
		t.Errorf("malformed JSON: got %d, want 400", resp.StatusCode)
	}

	// The CLI ingests a folder while the server runs; a bad file is reported
	// and the rest still goes in.
	dir := t.TempDir()
	writeFile(t, dir, "grid.md", "---\ntitle: Grid operators drill for a cyberattack\npublished: 2026-11-21\nauthors: [Lee Park]\n---\n\nUtilities practised restoring the power grid after a simulated cyber intrusion.\n")
	writeFile(t, dir, "broken.json", `{"title": 5}`)
	code, out, stderr := s.herald(t, "ingest", dir)
	if code != 1 {
		t.Errorf("ingest with a bad file: exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "broken.json") || !strings.Contains(out, "1 articles created") {
		t.Errorf("ingest report: stdout %q stderr %q", out, stderr)
	}

	// Feeds: every format, validated, with cheap polling. Each validator has
	// a subtest of its own, so that a missing one skips only its check.
	feeds := map[string]int{"/tags/critical-infrastructure/feed": 2, "/feed": 2, "/tags/asia/feed": 1}
	for path, items := range feeds {
		name := strings.TrimPrefix(path, "/")
		resp, body := s.do(t, "GET", path+".atom", "", "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
			t.Fatalf("%s.atom: got %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		t.Run(name+".atom/jing", func(t *testing.T) { conformance.Atom(t, body) })
		t.Run(name+".atom/feedparser", func(t *testing.T) { conformance.FeedParser(t, body, items) })
		t.Run(name+".atom/newsboat", func(t *testing.T) { conformance.Newsboat(t, s.base+path+".atom", items) })
		resp, body = s.do(t, "GET", path+".rss", "", "")
		if resp.Header.Get("Content-Type") != "application/rss+xml; charset=utf-8" {
			t.Errorf("%s.rss: content type %q", path, resp.Header.Get("Content-Type"))
		}
		t.Run(name+".rss/feedparser", func(t *testing.T) { conformance.FeedParser(t, body, items) })
		t.Run(name+".rss/newsboat", func(t *testing.T) { conformance.Newsboat(t, s.base+path+".rss", items) })
		resp, body = s.do(t, "GET", path+".json", "", "")
		if resp.Header.Get("Content-Type") != "application/feed+json; charset=utf-8" {
			t.Errorf("%s.json: content type %q", path, resp.Header.Get("Content-Type"))
		}
		t.Run(name+".json/ajv", func(t *testing.T) { conformance.JSONFeed(t, body) })
	}

	ciFeed := "/tags/critical-infrastructure/feed.atom"
	asiaFeed := "/tags/asia/feed.atom"
	otherFeed := "/tags/information-sharing/feed.atom"
	first, _ := s.do(t, "GET", ciFeed, "", "")
	etag := first.Header.Get("ETag")
	if etag == "" || first.Header.Get("Last-Modified") == "" || !strings.Contains(first.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("validators missing: %v", first.Header)
	}
	if resp, _ := s.do(t, "GET", ciFeed, "", "", "If-None-Match", etag); resp.StatusCode != 304 {
		t.Errorf("re-poll with If-None-Match: got %d, want 304", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", ciFeed, "", "", "If-Modified-Since", first.Header.Get("Last-Modified")); resp.StatusCode != 304 {
		t.Errorf("re-poll with If-Modified-Since: got %d, want 304", resp.StatusCode)
	}
	otherBefore, _ := s.do(t, "GET", otherFeed, "", "")
	asiaBefore, _ := s.do(t, "GET", asiaFeed, "", "")

	// Editing the grid article changes its tag's feed, and no other.
	writeFile(t, dir, "grid.md", "---\ntitle: Grid operators drill for a cyberattack\npublished: 2026-11-21\nauthors: [Lee Park]\n---\n\nUtilities practised restoring the power grid after a simulated cyber intrusion. A second drill is planned.\n")
	os.Remove(filepath.Join(dir, "broken.json"))
	if code, out, stderr := s.herald(t, "ingest", dir); code != 0 || !strings.Contains(out, "1 updated") {
		t.Fatalf("re-ingest: exit %d %q %q", code, out, stderr)
	}
	after, _ := s.do(t, "GET", ciFeed, "", "", "If-None-Match", etag)
	if after.StatusCode != 200 || after.Header.Get("ETag") == etag {
		t.Errorf("edited article's feed: got %d with ETag %s, want 200 with a new ETag", after.StatusCode, after.Header.Get("ETag"))
	}
	if resp, _ := s.do(t, "GET", otherFeed, "", "", "If-None-Match", otherBefore.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Errorf("an unrelated tag's feed: got %d, want 304 (its ETag must not move)", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", asiaFeed, "", "", "If-None-Match", asiaBefore.Header.Get("ETag")); resp.StatusCode != 304 {
		t.Errorf("another tag's feed: got %d, want 304", resp.StatusCode)
	}

	// Renaming a tag redirects its old feed URL.
	if code, _, stderr := s.herald(t, "tags", "rename", "asia", "asia-pacific"); code != 0 {
		t.Fatalf("tags rename: %s", stderr)
	}
	resp, _ = s.do(t, "GET", "/tags/asia/feed.rss?limit=5", "", "")
	if resp.StatusCode != 301 || !strings.HasSuffix(resp.Header.Get("Location"), "/tags/asia-pacific/feed.rss?limit=5") {
		t.Errorf("old tag feed: got %d to %q, want 301 to the new slug", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = s.do(t, "GET", "/tags/no-such-tag/feed.atom", "", "")
	if resp.StatusCode != 404 || !bytes.Contains(body, []byte("/tags/critical-infrastructure/feed.atom")) {
		t.Errorf("unknown tag: got %d %s, want a 404 listing the tags", resp.StatusCode, body)
	}

	// The pages the feeds link to.
	resp, _ = s.do(t, "GET", "/articles/talks-1", "", "")
	if resp.StatusCode != 301 {
		t.Fatalf("article without slug: got %d, want 301", resp.StatusCode)
	}
	resp, body = s.do(t, "GET", strings.TrimPrefix(resp.Header.Get("Location"), s.base), "", "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Cyber dialogue with Japan resumes")) || !bytes.Contains(body, []byte(`rel="alternate" type="application/atom+xml"`)) {
		t.Errorf("article page: got %d, want the article with autodiscovery links", resp.StatusCode)
	}

	// Delete through the API.
	if resp, _ := s.do(t, "DELETE", "/api/articles/talks-1", token, ""); resp.StatusCode != 204 {
		t.Errorf("DELETE: got %d, want 204", resp.StatusCode)
	}
	if resp, _ := s.do(t, "GET", "/api/articles/talks-1", "", ""); resp.StatusCode != 404 {
		t.Errorf("GET after DELETE: got %d, want 404", resp.StatusCode)
	}
}

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDemoServes(t *testing.T) {
	s := startServer(t, "--demo")
	for _, path := range []string{"/", "/feeds.opml", "/tags/cyber-diplomacy", "/healthz", "/static/style.css"} {
		if resp, _ := s.do(t, "GET", path, "", ""); resp.StatusCode != 200 {
			t.Errorf("%s: got %d, want 200", path, resp.StatusCode)
		}
	}
	for _, tag := range []string{"cyber-diplomacy", "critical-infrastructure", "information-sharing"} {
		_, body := s.do(t, "GET", "/tags/"+tag+"/feed.atom", "", "")
		if n := bytes.Count(body, []byte("<entry")); n == 0 {
			t.Errorf("demo tag %s has no entries", tag)
		}
		t.Run(tag+".atom/jing", func(t *testing.T) { conformance.Atom(t, body) })
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--help"}, noEnv, &out, &errOut); code != 0 {
		t.Errorf("serve --help: exit %d", code)
	}
	for _, want := range []string{"-db", "HERALD_DB", "-addr", "HERALD_ADDR", "-base-url", "HERALD_BASE_URL", "-timezone", "HERALD_TIMEZONE"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("serve --help lacks %s", want)
		}
	}
	if code := run(context.Background(), []string{"nonsense"}, noEnv, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	env := func(k string) string {
		if k == "HERALD_TIMEZONE" {
			return "Mars/Olympus"
		}
		return ""
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"tags", "--db", filepath.Join(t.TempDir(), "x.db")}, env, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "Mars/Olympus") {
		t.Errorf("bad HERALD_TIMEZONE: exit %d %q, want 2 naming it", code, errOut.String())
	}
	_ = time.Second
}

// Logs are batched when stderr is not a terminal; every line must still be
// out when serve returns.
func TestServeFlushesLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var logs bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", filepath.Join(t.TempDir(), "h.db"), "--addr", "127.0.0.1:0", "--poll=false"}, noEnv, pw, &logs)
		pw.Close()
	}()
	if _, err := bufio.NewReader(pr).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	for _, want := range []string{`"msg":"listening"`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}
