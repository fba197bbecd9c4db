package aggregate

import (
	"os"
	"reflect"
	"testing"

	"herald/feed"
)

// FuzzParse feeds arbitrary bytes to the parser. It calls parse, not Parse,
// so that a panic is a failure rather than an error. Whatever parses must
// give only valid articles with distinct IDs, the same ones every time.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			f.Add(fixture(f, e.Name()), "")
		}
	}
	f.Add(fixture(f, "latin1-no-prolog.xml"), "text/xml; charset=iso-8859-1")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_text":"x"}]}`), "application/feed+json")
	f.Add([]byte("\xFF\xFE<\x00r\x00s\x00s\x00>\x00"), "")

	src := testSource("https://feeds.example.gov/feed")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		r, err := parse(body, contentType, src.URL, fetchedAt, src)
		if err != nil {
			if r != nil {
				t.Fatalf("a result and an error: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for i, a := range r.Articles {
			if err := a.Validate(); err != nil {
				t.Fatalf("article %d is invalid: %v", i, err)
			}
			if seen[a.ID] {
				t.Fatalf("article %d repeats id %s", i, a.ID)
			}
			seen[a.ID] = true
			if a.Published.After(fetchedAt) || a.Updated.After(fetchedAt) {
				t.Fatalf("article %d is dated after the fetch: %v, %v", i, a.Published, a.Updated)
			}
			// Links and ids are valid URIs in normal form, or absent.
			p := a.Provenance
			if p.Link != feed.NormalizeURL(nil, p.Link) || a.URL != p.Link {
				t.Fatalf("article %d: link %q, url %q; want one URL in normal form", i, p.Link, a.URL)
			}
			if p.FeedID != "" && p.FeedID != feed.NormalizeIRI(p.FeedID) {
				t.Fatalf("article %d: feed id %q is not in normal form", i, p.FeedID)
			}
			if p.FeedUpdated.IsZero() {
				t.Fatalf("article %d: no feed updated time", i)
			}
		}
		again, err := parse(body, contentType, src.URL, fetchedAt, src)
		if err != nil || !reflect.DeepEqual(r, again) {
			t.Fatalf("a second parse of the same bytes differs (err %v)", err)
		}
	})
}
