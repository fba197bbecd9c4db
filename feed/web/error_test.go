package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/web"
	"herald/store"
)

// TestConcurrentCreate posts one article id many times at once, and holds
// each request at its write to the store until all have come that far: a
// check made before the write would let every one of them through. The
// store checks and creates in one transaction, so exactly one POST creates
// it and the others are told it exists.
func TestConcurrentCreate(t *testing.T) {
	f := newFixture(t)
	const n = 8
	gate := &gatedStore{DB: f.db, n: n, open: make(chan struct{})}
	srv := httptest.NewServer(web.New(gate, web.Config{}))
	defer srv.Close()
	body := `{"id":"raced","title":"Raced","content":"<p>x</p>","published":"2026-11-20T10:00:00Z"}`
	statuses := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", srv.URL+"/api/articles", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+f.token)
			resp, err := rawTransport.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			statuses[i], bodies[i] = resp.StatusCode, b.String()
		})
	}
	wg.Wait()
	created := 0
	for i, status := range statuses {
		switch {
		case status == http.StatusCreated:
			created++
		case status != http.StatusConflict || !strings.Contains(bodies[i], "PUT /api/articles/raced"):
			t.Errorf("POST %d: got %d %s, want 201 or 409 pointing at PUT", i, status, bodies[i])
		}
	}
	if created != 1 {
		t.Errorf("%d concurrent POSTs of one id: %d got 201, want exactly 1 (statuses %v)", n, created, statuses)
	}
}

// gatedStore holds each caller of a write of an article until n callers
// have come, so that they reach the store together.
type gatedStore struct {
	store.DB
	n       int
	mu      sync.Mutex
	arrived int
	open    chan struct{}
}

func (g *gatedStore) wait() {
	g.mu.Lock()
	if g.arrived++; g.arrived == g.n {
		close(g.open)
	}
	g.mu.Unlock()
	select {
	case <-g.open:
	case <-time.After(10 * time.Second): // fewer writes than requests: go on
	}
}

func (g *gatedStore) UpsertArticle(ctx context.Context, a *feed.Article) (feed.Change, error) {
	g.wait()
	return g.DB.UpsertArticle(ctx, a)
}

func (g *gatedStore) CreateArticle(ctx context.Context, a *feed.Article) error {
	g.wait()
	return g.DB.CreateArticle(ctx, a)
}

// brokenStore fails every read of tags, as a store whose disk went away.
type brokenStore struct{ store.DB }

var errDisk = errors.New("disk /dev/sdb1 on fire")

func (brokenStore) Tags(context.Context) ([]feed.Tag, error)                  { return nil, errDisk }
func (brokenStore) TagNames(context.Context) (map[string]string, error)       { return nil, errDisk }
func (brokenStore) Tag(context.Context, string) (*feed.Tag, error)            { return nil, errDisk }
func (brokenStore) Version(context.Context) (int64, error)                    { return 0, errDisk }
func (brokenStore) Authenticate(context.Context, []byte) (*feed.Token, error) { return nil, errDisk }

// TestServerErrors checks the answers to a failure inside herald, in each
// route's format: the status, a body that says nothing internal, no-store,
// and one log line, at error, that says what failed.
func TestServerErrors(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	s := web.New(brokenStore{f.db}, web.Config{
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	for _, tt := range []struct {
		path, ctype string
		status      int
	}{
		{"/", "text/html", 500},
		{"/tags/alpha", "text/html", 500},
		{"/feeds.opml", "text/plain", 500},
		{"/tags/alpha/feed.atom", "text/plain", 500},
		{"/api/tags", "application/json", 500},
		{"/healthz", "text/plain", 503},
	} {
		logs.Reset()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.ctype) {
			t.Errorf("%s: got %d %s, want %d %s", tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.status, tt.ctype)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", tt.path, cc)
		}
		if strings.Contains(rec.Body.String(), "disk") {
			t.Errorf("%s: the body tells the client what failed inside: %s", tt.path, rec.Body)
		}
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		var line struct {
			Level, Msg, Path, Err string
			Status                int
		}
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &line) != nil {
			t.Errorf("%s: logged %d lines, want 1:\n%s", tt.path, len(lines), logs.String())
			continue
		}
		if line.Level != "ERROR" || line.Msg != "request" || line.Path != tt.path || line.Status != tt.status || !strings.Contains(line.Err, "on fire") {
			t.Errorf("%s: logged %s, want the request at ERROR with its error", tt.path, lines[0])
		}
	}
}

// TestClientErrors checks that an error answer carries its headers and is
// kept by no cache.
func TestClientErrors(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "One", "x", "alpha")
	tok, _ := f.addSubscriber(`{"name":"slow","plan":"full","rate_per_minute":1}`)
	f.do("GET", "/s/"+tok+"/feed.atom", "")
	for _, tt := range []struct {
		method, path string
		header       []string
		status       int
		name, value  string // a header the answer must carry
	}{
		{"POST", "/api/articles", nil, 401, "WWW-Authenticate", `Bearer realm="herald"`},
		{"POST", "/api/articles", []string{"Authorization", "Bearer nope"}, 401, "WWW-Authenticate", `Bearer realm="herald", error="invalid_token"`},
		{"GET", "/s/" + tok + "/feed.atom", nil, 429, "Retry-After", "60"},
		{"GET", "/websub", nil, 405, "Allow", "POST"},
		{"GET", "/tags/nope/feed.atom", nil, 404, "Content-Type", "text/plain; charset=utf-8"},
		{"GET", "/tags/alpha/feed.atom?limit=0", nil, 400, "Content-Type", "text/plain; charset=utf-8"},
		{"GET", "/articles/nope/x", nil, 404, "Content-Type", "text/html; charset=utf-8"},
		{"GET", "/static/nope.css", nil, 404, "Content-Type", "text/html; charset=utf-8"},
		{"GET", "/search?q=(x", nil, 422, "Content-Type", "text/html; charset=utf-8"},
		{"GET", "/api/articles/nope", nil, 404, "Content-Type", "application/json; charset=utf-8"},
	} {
		resp, body := f.do(tt.method, tt.path, "", tt.header...)
		if resp.StatusCode != tt.status || resp.Header.Get(tt.name) != tt.value {
			t.Errorf("%s %s: got %d with %s %q, want %d with %q\n%s", tt.method, tt.path, resp.StatusCode, tt.name,
				resp.Header.Get(tt.name), tt.status, tt.value, body)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", tt.method, tt.path, cc)
		}
		if resp.Header.Get("ETag") != "" {
			t.Errorf("%s %s: an error has an ETag", tt.method, tt.path)
		}
	}
}

// TestCachePolicy checks the Cache-Control of each kind of answer.
func TestCachePolicy(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) { c.FeedMaxAge = 90_000_000_000 }) // 90s
	fill(t, f, 300)
	f.put("a1", "One", "x", "alpha")
	tok, _ := f.addSubscriber(`{"name":"partner","plan":"full"}`)
	if resp, _ := f.do("PATCH", "/api/tags/alpha", `{"slug":"alpha-2"}`, "Authorization", "Bearer "+f.token); resp.StatusCode != 200 {
		t.Fatalf("rename: %d", resp.StatusCode)
	}
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"/feed.atom", 200, "public, max-age=90"},
		{"/tags/alpha-2/feed.rss?limit=5", 200, "public, max-age=90"},
		{"/search/feed.json?q=one", 200, "public, max-age=90"},
		{"/tags/alpha-2/archive/current.atom", 200, "public, max-age=90"},
		{"/tags/alpha-2/archive/1.atom", 200, "public, max-age=2592000"}, // closed
		{"/s/" + tok + "/feed.atom", 200, "private, max-age=90"},
		{"/s/" + tok + "/tags/alpha-2/archive/1.atom", 200, "private, max-age=2592000"},
		{"/tags/alpha/feed.atom", 301, "public, max-age=3600"},
		{"/tags/alpha", 301, "public, max-age=3600"},
		{"/articles/a1", 301, "public, max-age=3600"},
		{"/", 200, "public, max-age=60"},
		{"/articles/a1/one", 200, "public, max-age=60"},
		{"/feeds.opml", 200, "public, max-age=300"},
		{"/api/articles", 200, "no-cache"},
		{"/api/tags", 200, "no-cache"},
		{"/api/articles/a1", 200, "no-store"},
		{"/healthz", 200, "no-store"},
	} {
		resp, _ := f.do("GET", tt.path, "")
		if resp.StatusCode != tt.status || resp.Header.Get("Cache-Control") != tt.want {
			t.Errorf("%s: got %d %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Cache-Control"), tt.status, tt.want)
		}
	}
	// The open archive page redirects to the current document for a while
	// only: no Cache-Control.
	found := false
	for n := 2; n < 10 && !found; n++ {
		resp, _ := f.do("GET", fmt.Sprintf("/tags/alpha-2/archive/%d.atom", n), "")
		if found = resp.StatusCode == 302; found && resp.Header.Get("Cache-Control") != "" {
			t.Errorf("the open archive page: Cache-Control %q, want none", resp.Header.Get("Cache-Control"))
		}
	}
	if !found {
		t.Errorf("no archive page answered 302")
	}
}

// TestCachedAnswerIsTheRoutedOne asks for feeds twice: the first answer is
// built through the routes, later ones come from the cache by path. Both
// must be the same, for every way of asking.
func TestCachedAnswerIsTheRoutedOne(t *testing.T) {
	f, _ := newHubFixture(t)
	f.put("a1", "Water plant hit", strings.Repeat("hackers reached a water treatment plant ", 20), "alpha")
	for _, path := range []string{"/feed.atom", "/tags/alpha/feed.json", "/tags/alpha/archive/current.rss"} {
		for _, hdr := range [][]string{nil, {"Accept-Encoding", "gzip"}} {
			first, firstBody := f.do("GET", path, "", hdr...)
			second, secondBody := f.do("GET", path, "", hdr...)
			if first.StatusCode != 200 || !bytes.Equal(firstBody, secondBody) || fmt.Sprint(headers(first)) != fmt.Sprint(headers(second)) {
				t.Errorf("%s %v: the second answer differs from the first:\n%d %v\n%d %v", path, hdr,
					first.StatusCode, headers(first), second.StatusCode, headers(second))
			}
			cond := append([]string{"If-None-Match", first.Header.Get("ETag")}, hdr...)
			nm, _ := f.do("GET", path, "", cond...)
			head, headBody := f.do("HEAD", path, "", hdr...)
			if nm.StatusCode != 304 || nm.Header.Get("ETag") != first.Header.Get("ETag") || nm.Header.Get("Link") != first.Header.Get("Link") {
				t.Errorf("%s %v: conditional GET got %d %v", path, hdr, nm.StatusCode, headers(nm))
			}
			if head.StatusCode != 200 || len(headBody) != 0 || fmt.Sprint(headers(head)) != fmt.Sprint(headers(first)) {
				t.Errorf("%s %v: HEAD got %d %v, %d bytes", path, hdr, head.StatusCode, headers(head), len(headBody))
			}
		}
	}
	// What is not a current 200 goes through the routes each time.
	for range 2 {
		if resp, body := f.do("GET", "/tags/nope/feed.atom", ""); resp.StatusCode != 404 || !strings.Contains(string(body), "/tags/alpha/feed.atom") {
			t.Errorf("unknown tag: got %d %s", resp.StatusCode, body)
		}
		if resp, _ := f.do("POST", "/feed.atom", ""); resp.StatusCode != 404 {
			t.Errorf("POST to a cached feed: got %d, want 404", resp.StatusCode)
		}
	}
	// A write is seen at once.
	before, _ := f.do("GET", "/tags/alpha/feed.json", "")
	f.put("a2", "Another", "text", "alpha")
	if after, _ := f.do("GET", "/tags/alpha/feed.json", "", "If-None-Match", before.Header.Get("ETag")); after.StatusCode != 200 {
		t.Errorf("after a write: got %d, want 200", after.StatusCode)
	}
}

// headers is a response's header without Date.
func headers(resp *http.Response) http.Header {
	h := resp.Header.Clone()
	h.Del("Date")
	return h
}

// TestAPIUnrouted checks that every path under /api/ answers its errors in
// JSON, as the API's routes do: a path no route has is a 404, a method the
// path does not take a 405 naming those it does in Allow. Other paths keep
// the HTML page.
func TestAPIUnrouted(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "One", "x", "alpha")
	for _, tt := range []struct {
		method, path string
		status       int
		allow        string
		says         string // in the JSON error
	}{
		{"GET", "/api/nosuch", 404, "", "no API endpoint at /api/nosuch"},
		{"GET", "/api/", 404, "", "no API endpoint at /api/"},
		{"POST", "/api/articles/a1/nosuch", 404, "", "no API endpoint at /api/articles/a1/nosuch"},
		{"PATCH", "/api/articles", 405, "GET, HEAD, POST", "/api/articles does not take PATCH; it takes GET, HEAD, POST"},
		{"POST", "/api/articles/a1", 405, "GET, HEAD, PUT, DELETE", "it takes GET, HEAD, PUT, DELETE"},
		{"DELETE", "/api/openapi.json", 405, "GET, HEAD", "it takes GET, HEAD"},
		{"PUT", "/api/tags/alpha", 405, "GET, HEAD, PATCH, DELETE", "it takes GET, HEAD, PATCH, DELETE"},
	} {
		resp, body := f.do(tt.method, tt.path, "", "Authorization", "Bearer "+f.token)
		var got struct{ Error string }
		err := json.Unmarshal(body, &got)
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" || err != nil || !strings.Contains(got.Error, tt.says) {
			t.Errorf("%s %s: got %d %s %s, want %d JSON saying %q", tt.method, tt.path, resp.StatusCode,
				resp.Header.Get("Content-Type"), body, tt.status, tt.says)
		}
		if a := resp.Header.Get("Allow"); a != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, a, tt.allow)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", tt.method, tt.path, cc)
		}
	}
	for _, path := range []string{"/nosuch", "/apinosuch", "/api"} {
		if resp, body := f.do("GET", path, ""); resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("GET %s: got %d %s, want the HTML 404 page\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
