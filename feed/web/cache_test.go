package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestETagRecipe pins the ETag recipe: readers hold ETags made by it, and
// another recipe would make each of them fetch every feed once more.
func TestETagRecipe(t *testing.T) {
	if got, want := etagOf([]byte("hello")), `"LPJNul-wow4m6DsqxbninhsW"`; got != want {
		t.Errorf("etagOf(hello): got %s, want %s", got, want)
	}
	if got, want := gzipETag(`"LPJNul-wow4m6DsqxbninhsW"`), `"LPJNul-wow4m6DsqxbninhsW-gz"`; got != want {
		t.Errorf("gzipETag: got %s, want %s", got, want)
	}
}

// TestConditionalRequests applies If-None-Match and If-Modified-Since to
// an answer with both encodings.
func TestConditionalRequests(t *testing.T) {
	cc := cacheControls(time.Minute)
	lastMod := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	a := &answer{status: http.StatusOK, policy: publicFeed, contentType: "application/atom+xml; charset=utf-8",
		body: []byte(strings.Repeat("<entry/>", 100)), gzip: true, vary: "Accept-Encoding", lastMod: lastMod,
		link: []string{`<https://example.org/feed.atom>; rel="self"`}}
	a.prepare(&cc)
	etag, gz := a.etag, gzipETag(a.etag)
	if etag != etagOf(a.body) {
		t.Fatalf("prepare made ETag %s, want %s", etag, etagOf(a.body))
	}
	date := func(t time.Time) string { return t.Format(http.TimeFormat) }
	for _, tt := range []struct {
		inm  []string // If-None-Match lines
		ims  string
		want int
	}{
		{nil, "", 200},
		{[]string{etag}, "", 304},
		{[]string{gz}, "", 304}, // the other encoding names the same content
		{[]string{"W/" + etag}, "", 304},
		{[]string{`"old", ` + etag}, "", 304},
		{[]string{` "old" ,W/` + etag + ` `}, "", 304},
		{[]string{`"old"`, etag}, "", 304}, // two lines
		{[]string{"*"}, "", 304},
		{[]string{`"old"`}, "", 200},
		{[]string{strings.Trim(etag, `"`)}, "", 200}, // unquoted: another tag
		{[]string{`"old"`}, date(lastMod), 200},      // If-None-Match wins
		{nil, date(lastMod), 304},
		{nil, date(lastMod.Add(time.Hour)), 304},
		{nil, date(lastMod.Add(-time.Second)), 200},
		{nil, "yesterday", 200},
	} {
		for _, gzipped := range []bool{false, true} {
			r := httptest.NewRequest("GET", "/feed.atom", nil)
			r.Header["If-None-Match"] = tt.inm
			if tt.ims != "" {
				r.Header.Set("If-Modified-Since", tt.ims)
			}
			wantETag := etag
			if gzipped {
				r.Header.Set("Accept-Encoding", "gzip, deflate")
				wantETag = gz
			}
			w := httptest.NewRecorder()
			status, n := a.serve(w, r)
			if n != w.Body.Len() {
				t.Errorf("serve said it wrote %d bytes; it wrote %d", n, w.Body.Len())
			}
			h := w.Header()
			if status != tt.want || w.Code != tt.want {
				t.Errorf("If-None-Match %q, If-Modified-Since %q, gzip %t: got %d (said %d), want %d", tt.inm, tt.ims, gzipped, w.Code, status, tt.want)
				continue
			}
			if h.Get("ETag") != wantETag || h.Get("Cache-Control") != "public, max-age=60" || h.Get("Vary") != "Accept-Encoding" ||
				h.Get("Last-Modified") != date(lastMod) || h.Get("Link") != a.link[0] {
				t.Errorf("If-None-Match %q, gzip %t: headers %v", tt.inm, gzipped, h)
			}
			if got := h.Get("Content-Encoding") == "gzip"; status == 200 && got != gzipped {
				t.Errorf("gzip %t: Content-Encoding %q", gzipped, h.Get("Content-Encoding"))
			}
			if status == 304 && (h.Get("Content-Length") != "" || h.Get("Content-Encoding") != "" || w.Body.Len() != 0) {
				t.Errorf("304 with a body or its headers: %v, %d bytes", h, w.Body.Len())
			}
		}
	}
}

// TestErrorsAreNotStored checks that whatever policy the builder of an
// error answer asked for, it is kept by no cache.
func TestErrorsAreNotStored(t *testing.T) {
	cc := cacheControls(time.Minute)
	for _, p := range []policy{publicFeed, privateFeed, publicArchive, publicPage, publicList, moved, revalidate} {
		for _, status := range []int{400, 404, 422, 500, 503} {
			a := &answer{status: status, policy: p, contentType: "text/plain; charset=utf-8", body: []byte("no\n")}
			a.prepare(&cc)
			w := httptest.NewRecorder()
			a.serve(w, httptest.NewRequest("GET", "/x", nil))
			if w.Code != status || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
				t.Errorf("policy %d, status %d: got %d %v", p, status, w.Code, w.Header())
			}
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"gzip": true, "GZIP": true, "deflate, gzip;q=0.5": true, "*": true, "br;q=1, *;q=0.1": true,
		"": false, "deflate": false, "gzip;q=0": false, "gzip; q=0.000": false, "identity": false,
	} {
		if got := acceptsGzip([]string{ae}); got != want {
			t.Errorf("acceptsGzip(%q): got %t, want %t", ae, got, want)
		}
	}
}
