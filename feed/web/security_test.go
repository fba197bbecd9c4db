package web_test

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityHeaders checks that every answer says nosniff, cached feeds
// and their 304s included, and that HTML pages, error pages too, carry a
// policy that runs the site's own script files only and lets no other site
// frame them.
func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "One", "x", "alpha")
	resp, _ := f.do("GET", "/feed.atom", "") // built through the routes
	etag := resp.Header.Get("ETag")
	for _, tt := range []struct {
		method, path string
		header       []string
		status       int
		page         bool
	}{
		{"GET", "/feed.atom", nil, 200, false}, // from the cache, before routing
		{"GET", "/feed.atom", []string{"If-None-Match", etag}, 304, false},
		{"HEAD", "/feed.atom", nil, 200, false},
		{"GET", "/tags/alpha/feed.json?limit=5", nil, 200, false},
		{"GET", "/tags/nope/feed.rss", nil, 404, false},
		{"GET", "/feeds.opml", nil, 200, false},
		{"GET", "/api/articles", nil, 200, false},
		{"POST", "/api/articles", nil, 401, false},
		{"GET", "/healthz", nil, 200, false},
		{"GET", "/static/style.css", nil, 200, false},
		{"GET", "/static/copy.js", nil, 200, false},
		{"GET", "/", nil, 200, true},
		{"GET", "/tags/alpha", nil, 200, true},
		{"GET", "/articles/a1/one", nil, 200, true},
		{"GET", "/search?q=one", nil, 200, true},
		{"GET", "/search?q=(one", nil, 422, true},
		{"GET", "/no/such/page", nil, 404, true},
		{"GET", "/articles/a1", nil, 301, false},
	} {
		resp, _ := f.do(tt.method, tt.path, "", tt.header...)
		h := resp.Header
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: got %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q, want nosniff", tt.method, tt.path, h.Get("X-Content-Type-Options"))
		}
		csp := h.Get("Content-Security-Policy")
		if !tt.page {
			if csp != "" {
				t.Errorf("%s %s: a Content-Security-Policy on what is no page: %q", tt.method, tt.path, csp)
			}
			continue
		}
		for _, want := range []string{"default-src 'none'", "script-src 'self' " + f.srv.URL + ";", "style-src 'self' " + f.srv.URL, "img-src 'self' " + f.srv.URL + " https: http: data:",
			"form-action 'self' " + f.srv.URL, "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s %s: Content-Security-Policy %q lacks %q", tt.method, tt.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "nonce-") || strings.Contains(csp, "sha256-") {
			t.Errorf("%s %s: Content-Security-Policy %q allows inline or evaluated code", tt.method, tt.path, csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
			t.Errorf("%s %s: X-Frame-Options %q, Referrer-Policy %q", tt.method, tt.path, h.Get("X-Frame-Options"), h.Get("Referrer-Policy"))
		}
	}
}

// TestPagesNeedNoInlineCode holds the premise of the pages' policy: the
// templates and static files have no inline script, no inline style and no
// event handler, which the policy would block. A <script> element may only
// load a file, with nothing between its tags.
func TestPagesNeedNoInlineCode(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	external := regexp.MustCompile(`(?i)<script src="[^"]+" defer></script>`)
	root := os.DirFS(".")
	for _, dir := range []string{"templates", "static"} {
		err := fs.WalkDir(root, dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(root, path)
			if err != nil {
				return err
			}
			if m := inline.Find(external.ReplaceAll(b, nil)); m != nil {
				t.Errorf("%s holds %q, which the Content-Security-Policy of pages blocks", path, m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
