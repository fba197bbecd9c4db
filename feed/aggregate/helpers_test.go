package aggregate

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"herald/feed"
)

// fetchedAt is the fixed "now" of every test.
var fetchedAt = time.Date(2024, 1, 10, 18, 0, 0, 0, time.UTC)

// encoded lists the fixtures kept in testdata as readable UTF-8 but served
// (and fuzzed) in a legacy encoding, which fixture applies.
var encoded = map[string]encoding.Encoding{
	"sjis-meti.xml":           japanese.ShiftJIS,
	"latin1-wrong-prolog.xml": charmap.ISO8859_1,
	"latin1-no-prolog.xml":    charmap.ISO8859_1,
}

// fixture returns the bytes of testdata/name as a server would send them.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if enc := encoded[name]; enc != nil {
		if b, err = enc.NewEncoder().Bytes(b); err != nil {
			t.Fatalf("encode %s: %v", name, err)
		}
	}
	return b
}

// testSource is the source every test polls, at url.
func testSource(url string) feed.Source {
	return feed.Source{
		ID:            7,
		URL:           url,
		Name:          "Example Agency",
		Tags:          []string{"cyber", "external"},
		Enabled:       true,
		UseCategories: true,
	}
}

// newFetcher returns a Fetcher that may reach loopback test servers, on
// the fixed clock. The guard tests build theirs with NewFetcher.
func newFetcher(t testing.TB, o Options) *Fetcher {
	t.Helper()
	o.Guard.AllowPrivate = true
	if o.Now == nil {
		o.Now = func() time.Time { return fetchedAt }
	}
	if o.Version == "" {
		o.Version = "test"
	}
	f := NewFetcher(o)
	t.Cleanup(f.Close)
	return f
}

// serve starts a loopback server for h, closed when the test ends.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// serveBody starts a server answering every request with body.
func serveBody(t testing.TB, body []byte, contentType string) *httptest.Server {
	t.Helper()
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Write(body)
	})
}

// pollFixture serves testdata/name and polls it.
func pollFixture(t *testing.T, name, contentType string) *Result {
	t.Helper()
	srv := serveBody(t, fixture(t, name), contentType)
	o := newFetcher(t, Options{}).Poll(t.Context(), testSource(srv.URL+"/feed"))
	if o.Err != nil {
		t.Fatalf("poll %s: %v", name, o.Err)
	}
	if o.Result == nil {
		t.Fatalf("poll %s: no result", name)
	}
	return o.Result
}

// article returns the article of r whose provenance link or GUID is key.
func article(t *testing.T, r *Result, key string) feed.Article {
	t.Helper()
	for _, a := range r.Articles {
		if a.Provenance.Link == key || a.Provenance.OriginalID == key {
			return a
		}
	}
	var have []string
	for _, a := range r.Articles {
		have = append(have, a.Provenance.OriginalID)
	}
	t.Fatalf("no article %q; have %q", key, have)
	return feed.Article{}
}
