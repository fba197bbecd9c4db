package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/rule"
	"herald/feed/web"
	"herald/store"
	"herald/store/storetest"
)

type fixture struct {
	t       *testing.T
	db      store.DB
	srv     *httptest.Server
	token   string
	now     time.Time
	handler *web.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, nil)
}

// newFixtureWith lets a test change the server's configuration.
func newFixtureWith(t *testing.T, configure func(*web.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	db := storetest.Open(t, store.Options{
		Authority: "news.example.org", SeedTags: rule.Defaults(), Now: func() time.Time { return f.now }})
	f.db = db
	secret, hash := feed.NewTokenSecret()
	if _, err := db.CreateToken(ctx, "test", hash); err != nil {
		t.Fatal(err)
	}
	f.token = secret
	f.srv = httptest.NewServer(nil)
	base, _ := url.Parse(f.srv.URL)
	cfg := web.Config{BaseURL: base, Title: "Test Desk", StaleAfter: time.Nanosecond,
		Now: func() time.Time { return f.now }}
	if configure != nil {
		configure(&cfg)
	}
	f.handler = web.New(db, cfg)
	f.srv.Config.Handler = f.handler
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) put(id, title, body string, tags ...string) *http.Response {
	f.t.Helper()
	a := map[string]any{"title": title, "content": "<p>" + body + "</p>", "published": "2026-11-20T10:00:00Z", "tags": tags, "authors": []string{"Ana Reporter"}}
	b, _ := json.Marshal(a)
	// Its tags are made as needed: the tests name tags freely.
	resp, _ := f.do("PUT", "/api/articles/"+id+"?create_tags=1", string(b), "Authorization", "Bearer "+f.token)
	if resp.StatusCode >= 300 {
		f.t.Fatalf("PUT %s: %d", id, resp.StatusCode)
	}
	return resp
}

func (f *fixture) do(method, path, body string, header ...string) (*http.Response, []byte) {
	f.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, r)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := rawTransport.RoundTrip(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// rawTransport neither follows redirects nor asks for gzip by itself.
var rawTransport = &http.Transport{DisableCompression: true}

func TestFeedValidatorsPerTag(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "Water plant hit", "hackers reached a water treatment plant", "alpha")
	f.put("b1", "Other news", "nothing relevant", "beta")
	a, _ := f.do("GET", "/tags/alpha/feed.rss", "")
	b, _ := f.do("GET", "/tags/beta/feed.rss", "")
	if a.StatusCode != 200 || b.StatusCode != 200 {
		t.Fatalf("got %d and %d, want 200", a.StatusCode, b.StatusCode)
	}
	f.now = f.now.Add(time.Hour)
	f.put("a1", "Water plant hit again", "hackers reached a water treatment plant", "alpha")
	a2, _ := f.do("GET", "/tags/alpha/feed.rss", "", "If-None-Match", a.Header.Get("ETag"))
	if a2.StatusCode != 200 || a2.Header.Get("ETag") == a.Header.Get("ETag") {
		t.Errorf("edited tag: got %d etag %s, want 200 and a new ETag", a2.StatusCode, a2.Header.Get("ETag"))
	}
	if got, want := a2.Header.Get("Last-Modified"), f.now.Format(http.TimeFormat); got != want {
		t.Errorf("Last-Modified: got %s, want %s", got, want)
	}
	b2, _ := f.do("GET", "/tags/beta/feed.rss", "", "If-None-Match", b.Header.Get("ETag"))
	if b2.StatusCode != 304 {
		t.Errorf("untouched tag: got %d, want 304", b2.StatusCode)
	}
	if b2.Header.Get("ETag") != b.Header.Get("ETag") {
		t.Errorf("304 ETag: got %s, want %s", b2.Header.Get("ETag"), b.Header.Get("ETag"))
	}
	b3, _ := f.do("GET", "/tags/beta/feed.rss", "", "If-Modified-Since", b.Header.Get("Last-Modified"))
	if b3.StatusCode != 304 {
		t.Errorf("If-Modified-Since: got %d, want 304", b3.StatusCode)
	}
	old := time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	if b4, _ := f.do("GET", "/tags/beta/feed.rss", "", "If-Modified-Since", old); b4.StatusCode != 200 {
		t.Errorf("If-Modified-Since before the change: got %d, want 200", b4.StatusCode)
	}
	// If-None-Match wins over If-Modified-Since.
	if b5, _ := f.do("GET", "/tags/beta/feed.rss", "", "If-None-Match", `"other"`, "If-Modified-Since", b.Header.Get("Last-Modified")); b5.StatusCode != 200 {
		t.Errorf("a stale ETag with a fresh date: got %d, want 200", b5.StatusCode)
	}
}

func TestDeletionMovesLastModified(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "First", "one", "alpha")
	f.now = f.now.Add(time.Hour)
	f.put("a2", "Second", "two", "alpha")
	before, _ := f.do("GET", "/tags/alpha/feed.atom", "")
	f.now = f.now.Add(time.Hour)
	if resp, _ := f.do("DELETE", "/api/articles/a2", "", "Authorization", "Bearer "+f.token); resp.StatusCode != 204 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	after, _ := f.do("GET", "/tags/alpha/feed.atom", "", "If-Modified-Since", before.Header.Get("Last-Modified"))
	if after.StatusCode != 200 {
		t.Errorf("after deleting the newest item: got %d, want 200", after.StatusCode)
	}
}

func TestGzipAndHead(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "First", strings.Repeat("words ", 200), "alpha")
	plain, plainBody := f.do("GET", "/feed.json", "")
	zipped, zBody := f.do("GET", "/feed.json", "", "Accept-Encoding", "gzip")
	if zipped.Header.Get("Content-Encoding") != "gzip" || zipped.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: headers %v", zipped.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zBody))
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if !bytes.Equal(unz, plainBody) {
		t.Errorf("gzip body differs from the plain one")
	}
	if len(zBody) >= len(plainBody) {
		t.Errorf("gzip did not shrink: %d >= %d", len(zBody), len(plainBody))
	}
	if zipped.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Errorf("both encodings share the strong ETag %s", plain.Header.Get("ETag"))
	}
	if r, _ := f.do("GET", "/feed.json", "", "Accept-Encoding", "gzip;q=0"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
	if r, _ := f.do("GET", "/feed.json", "", "If-None-Match", zipped.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("the gzip ETag on a plain request: got %d, want 304", r.StatusCode)
	}
	head, headBody := f.do("HEAD", "/feed.json", "")
	if head.StatusCode != 200 || len(headBody) != 0 || head.Header.Get("Content-Length") != plain.Header.Get("Content-Length") {
		t.Errorf("HEAD: got %d, %d body bytes, length %q; want 200, none, %q", head.StatusCode, len(headBody), head.Header.Get("Content-Length"), plain.Header.Get("Content-Length"))
	}
}

func TestFeedRouting(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "Both", "x", "alpha", "beta")
	f.put("a2", "Alpha only", "x", "alpha")
	tests := []struct {
		path     string
		status   int
		location string
		items    int
	}{
		{"/tags/alpha+beta/feed.atom", 200, "", 1},
		{"/tags/beta+alpha/feed.atom", 301, "/tags/alpha+beta/feed.atom", 0},
		{"/tags/alpha/feed.atom?limit=1", 200, "", 1},
		{"/tags/alpha/feed.atom", 200, "", 2},
		{"/tags/alpha/feed.atom?origin=external", 200, "", 0},
		{"/tags/alpha/feed.atom?limit=0", 400, "", 0},
		{"/tags/alpha/feed.atom?limit=x", 400, "", 0},
		{"/tags/alpha/feed.atom?origin=martian", 400, "", 0},
		{"/tags/nope/feed.json", 404, "", 0},
		{"/tags/alpha+nope/feed.rss", 404, "", 0},
	}
	for _, tt := range tests {
		resp, body := f.do("GET", tt.path, "")
		if resp.StatusCode != tt.status {
			t.Errorf("%s: got %d, want %d", tt.path, resp.StatusCode, tt.status)
			continue
		}
		if tt.location != "" && !strings.HasSuffix(resp.Header.Get("Location"), tt.location) {
			t.Errorf("%s: Location %q, want …%s", tt.path, resp.Header.Get("Location"), tt.location)
		}
		if tt.status == 200 {
			if n := bytes.Count(body, []byte("<entry")); n != tt.items {
				t.Errorf("%s: got %d entries, want %d", tt.path, n, tt.items)
			}
		}
	}
}

func TestOPMLAndPages(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "Grid drill", "a drill of the power grid after a cyber intrusion", "alpha")
	_, body := f.do("GET", "/feeds.opml", "")
	var doc struct {
		Outlines []struct {
			XMLURL   string `xml:"xmlUrl,attr"`
			Outlines []struct {
				XMLURL string `xml:"xmlUrl,attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, o := range doc.Outlines {
		for _, c := range o.Outlines {
			urls = append(urls, c.XMLURL)
		}
	}
	joined := strings.Join(urls, " ")
	for _, slug := range []string{"alpha", "cyber-diplomacy", "critical-infrastructure", "information-sharing"} {
		if !strings.Contains(joined, "/tags/"+slug+"/feed.atom") {
			t.Errorf("OPML lacks the %s feed: %s", slug, joined)
		}
	}
	for _, p := range []string{"/", "/tags/alpha", "/articles/a1/grid-drill"} {
		resp, body := f.do("GET", p, "")
		if resp.StatusCode != 200 {
			t.Errorf("%s: got %d", p, resp.StatusCode)
		}
		for _, want := range []string{`name="viewport"`, `rel="alternate" type="application/atom+xml"`, `rel="alternate" type="application/rss+xml"`, `rel="alternate" type="application/feed+json"`} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("%s lacks %s", p, want)
			}
		}
	}
	if resp, body := f.do("GET", "/articles/a1/wrong-slug", ""); resp.StatusCode != 301 {
		t.Errorf("wrong slug: got %d %s, want 301", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/articles/nope/x", ""); resp.StatusCode != 404 {
		t.Errorf("unknown article: got %d, want 404", resp.StatusCode)
	}
	if resp, _ := f.do("GET", "/no/such/page", ""); resp.StatusCode != 404 {
		t.Errorf("unknown page: got %d, want 404", resp.StatusCode)
	}
}

func TestAPIErrors(t *testing.T) {
	f := newFixture(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	f.put("a1", "One", "x")
	tests := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		contains                 string
	}{
		{"no token", "POST", "/api/articles", `{}`, nil, 401, "token"},
		{"basic auth", "POST", "/api/articles", `{}`, []string{"Authorization", "Basic eDp5"}, 401, "token"},
		{"bad json", "POST", "/api/articles", `{`, auth, 400, "JSON"},
		{"invalid fields", "POST", "/api/articles", `{"title":"","content":"x","published":"2026-01-01"}`, auth, 422, `"field": "title"`},
		{"unknown field", "POST", "/api/articles", `{"title":"t","content":"x","published":"2026-01-01","colour":"red"}`, auth, 400, `unknown field \"colour\" (known: id,`},
		{"duplicate POST", "POST", "/api/articles", `{"id":"a1","title":"t","content":"x","published":"2026-01-01"}`, auth, 409, "PUT"},
		{"id mismatch", "PUT", "/api/articles/a1", `{"id":"a2","title":"t","content":"x","published":"2026-01-01"}`, auth, 422, "id"},
		{"bad path id", "PUT", "/api/articles/-x", `{"title":"t","content":"x","published":"2026-01-01"}`, auth, 422, "id"},
		{"too large", "PUT", "/api/articles/big", `{"title":"` + strings.Repeat("x", 5<<20) + `"}`, auth, 413, "request body is larger than 4 MiB"},
		{"missing", "GET", "/api/articles/nope", ``, nil, 404, "not found"},
		{"bad rule", "POST", "/api/tags", `{"slug":"t","name":"T","rule":"(cyber"}`, auth, 422, "rule"},
		{"tag conflict", "POST", "/api/tags", `{"slug":"cyber-diplomacy","name":"T"}`, auth, 409, "in use"},
		{"unknown tag", "PATCH", "/api/tags/nope", `{"name":"x"}`, auth, 404, "not found"},
	}
	for _, tt := range tests {
		resp, body := f.do(tt.method, tt.path, tt.body, tt.header...)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: got %d %s, want %d containing %q", tt.name, resp.StatusCode, body, tt.status, tt.contains)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q, want JSON", tt.name, ct)
		}
	}
}

func TestAPIRoundTripAndTags(t *testing.T) {
	f := newFixture(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	resp, body := f.do("POST", "/api/articles?create_tags=1", `{"title":"Cyber dialogue opens","content":"<p>A bilateral cyber dialogue <script>alert(1)</script>opened.</p>","published":"2026-11-20","tags":["Asia Pacific"]}`, auth...)
	if resp.StatusCode != 201 || resp.Header.Get("Location") == "" {
		t.Fatalf("POST without id: got %d %s", resp.StatusCode, body)
	}
	var a feed.Article
	json.Unmarshal(body, &a)
	if a.ID == "" || strings.Contains(a.Content, "script") {
		t.Errorf("got id %q content %q; want a made-up id and sanitized content", a.ID, a.Content)
	}
	if !a.HasTag("asia-pacific") || !a.HasTag("cyber-diplomacy") {
		t.Errorf("tags: got %+v", a.Tags)
	}
	// What GET returns can be PUT back unchanged.
	_, got := f.do("GET", "/api/articles/"+a.ID, "")
	resp, _ = f.do("PUT", "/api/articles/"+a.ID, string(got), auth...)
	if resp.StatusCode != 200 || resp.Header.Get("X-Herald-Change") != "unchanged" {
		t.Errorf("PUT of the GET body: got %d %s, want 200 unchanged", resp.StatusCode, resp.Header.Get("X-Herald-Change"))
	}
	// Rename through the API; the old slug redirects.
	resp, body = f.do("PATCH", "/api/tags/asia-pacific", `{"slug":"indo-pacific","description":"The region."}`, auth...)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"indo-pacific"`) {
		t.Fatalf("PATCH: got %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/tags/asia-pacific", ""); resp.StatusCode != 301 {
		t.Errorf("old tag page: got %d, want 301", resp.StatusCode)
	}
	_, body = f.do("GET", "/api/tags", "")
	if !strings.Contains(string(body), `"indo-pacific"`) {
		t.Errorf("tag list lacks the renamed tag: %s", body)
	}
}
