package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzConditionalRequest applies arbitrary If-None-Match, If-Modified-Since
// and Accept-Encoding fields to a cached feed. The answer is a 200 with
// the bytes of one encoding and that encoding's ETag, or a 304 without a
// body; our ETag anywhere in If-None-Match (either encoding's, weak or not)
// is a 304, a list naming neither it nor "*" is a 200 whatever
// If-Modified-Since says, and gzip is sent only to a client that names it
// or "*".
func FuzzConditionalRequest(f *testing.F) {
	cc := cacheControls(time.Minute)
	lastMod := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	a := &answer{status: http.StatusOK, policy: publicFeed, contentType: "application/atom+xml; charset=utf-8",
		body: []byte(strings.Repeat("<entry/>", 100)), gzip: true, vary: "Accept-Encoding", lastMod: lastMod,
		link: []string{`<https://example.org/feed.atom>; rel="self"`}}
	a.prepare(&cc)
	etag, gz := a.etag, gzipETag(a.etag)
	date := lastMod.Format(http.TimeFormat)
	for _, tc := range [][3]string{
		{etag, "", "gzip"}, {gz, "", "gzip, deflate, br"}, {"W/" + etag, date, ""}, {`"old", ` + etag, "", "*"},
		{` "old" ,W/` + gz + ` `, "", "gzip;q=0"}, {"*", "", "identity"}, {`"old"`, date, "GZIP; q=0.5"},
		{"", date, "deflate"}, {"", "Thu, 19 Nov 2026 10:00:00 GMT", "x-gzip"}, {"", "yesterday", ""},
		{strings.Trim(etag, `"`), "", "gzip;q=0.000, *"},
	} {
		f.Add(tc[0], tc[1], tc[2], false)
	}
	f.Add(etag, date, "gzip", true)
	f.Fuzz(func(t *testing.T, inm, ims, acceptEncoding string, head bool) {
		status, h, body := serveFuzzed(t, a, inm, ims, acceptEncoding, head)
		what := func() string {
			return "If-None-Match " + strconv.Quote(inm) + ", If-Modified-Since " + strconv.Quote(ims) +
				", Accept-Encoding " + strconv.Quote(acceptEncoding)
		}
		gzipped := h.Get("Content-Encoding") == "gzip" || (status == http.StatusNotModified && h.Get("Etag") == gz)
		wantETag := etag
		if gzipped {
			wantETag = gz
			lower := strings.ToLower(acceptEncoding)
			if !strings.Contains(lower, "gzip") && !strings.Contains(lower, "*") {
				t.Fatalf("%s: gzip sent", what())
			}
		}
		if h.Get("Etag") != wantETag || h.Get("Last-Modified") != date || h.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: ETag %q, Last-Modified %q, Vary %q", what(), h.Get("Etag"), h.Get("Last-Modified"), h.Get("Vary"))
		}
		switch status {
		case http.StatusNotModified:
			if len(body) != 0 || h.Get("Content-Length") != "" || h.Get("Content-Encoding") != "" {
				t.Fatalf("%s: a 304 with %d bytes of body, Content-Length %q", what(), len(body), h.Get("Content-Length"))
			}
			if inm != "" && !strings.Contains(inm, "*") && !strings.Contains(inm, strings.Trim(etag, `"`)) {
				t.Fatalf("%s: a 304 for tags that are not ours", what())
			}
		case http.StatusOK:
			sent := a.body
			if gzipped {
				sent = a.gz
			}
			if h.Get("Content-Length") != strconv.Itoa(len(sent)) {
				t.Fatalf("%s: Content-Length %q for %d bytes", what(), h.Get("Content-Length"), len(sent))
			}
			if head {
				if len(body) != 0 {
					t.Fatalf("%s: a body for HEAD", what())
				}
				break
			}
			if gzipped {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: gzip body: %v", what(), err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("%s: gzip body: %v", what(), err)
				}
			}
			if !bytes.Equal(body, a.body) {
				t.Fatalf("%s: the body is not the feed", what())
			}
		default:
			t.Fatalf("%s: status %d", what(), status)
		}
		if inm == "" {
			return
		}
		// Our ETag added to the list, in either encoding's form, weak or
		// not, makes it a 304; If-Modified-Since then plays no part.
		for _, ours := range []string{etag, gz, "W/" + etag, " W/" + gz + " "} {
			if status, _, _ := serveFuzzed(t, a, inm+","+ours, ims, acceptEncoding, head); status != http.StatusNotModified {
				t.Fatalf("%s, then %q added to If-None-Match: status %d, want 304", what(), ours, status)
			}
		}
		if !strings.Contains(inm, "*") && !strings.Contains(inm, strings.Trim(etag, `"`)) {
			for _, since := range []string{date, lastMod.Add(time.Hour).Format(http.TimeFormat)} {
				if status, _, _ := serveFuzzed(t, a, inm, since, acceptEncoding, head); status != http.StatusOK {
					t.Fatalf("%s, If-Modified-Since %s: status %d, want 200", what(), since, status)
				}
			}
		}
	})
}

// serveFuzzed serves a to a GET (or HEAD) with the three fields, those
// that are not empty, and returns the status, header and body answered.
func serveFuzzed(t *testing.T, a *answer, inm, ims, acceptEncoding string, head bool) (int, http.Header, []byte) {
	t.Helper()
	method := http.MethodGet
	if head {
		method = http.MethodHead
	}
	r := httptest.NewRequest(method, "/feed.atom", nil)
	for k, v := range map[string]string{"If-None-Match": inm, "If-Modified-Since": ims, "Accept-Encoding": acceptEncoding} {
		if v != "" {
			r.Header[k] = []string{v}
		}
	}
	w := httptest.NewRecorder()
	status, n := a.serve(w, r)
	if status != w.Code || n != w.Body.Len() {
		t.Fatalf("serve said %d and %d bytes; it answered %d and %d", status, n, w.Code, w.Body.Len())
	}
	return status, w.Header(), w.Body.Bytes()
}
