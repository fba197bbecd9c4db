package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

var embargoTime = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// embargoedFeed is the golden feed with its first own item and its first
// external one under embargo, as an early-access subscriber's feed has
// them.
func embargoedFeed(ext string) *Feed {
	f := testFeed(ext)
	own, external := false, false
	for i := range f.Items {
		a := &f.Items[i]
		if (a.Origin == feed.OriginExternal && !external) || (a.Origin != feed.OriginExternal && !own) {
			a.EmbargoUntil = embargoTime
			own, external = own || a.Origin != feed.OriginExternal, external || a.Origin == feed.OriginExternal
		}
	}
	return f
}

// TestEmbargoMarker checks the marks of an embargoed item in each format,
// and that a feed without one declares no herald namespace and marks
// nothing.
func TestEmbargoMarker(t *testing.T) {
	const (
		element = `<herald:embargo-until>2026-12-01T09:00:00Z</herald:embargo-until>`
		ns      = `xmlns:herald="` + NSHerald + `"`
		line    = "Embargoed until 2026-12-01 09:00 UTC"
	)
	for _, tc := range []struct {
		ext string
		fn  func(f *Feed) []byte
	}{
		{".rss", func(f *Feed) []byte { return render(t, RSS, f) }},
		{".atom", func(f *Feed) []byte { return render(t, Atom, f) }},
	} {
		doc := string(tc.fn(embargoedFeed(tc.ext)))
		if got := strings.Count(doc, element); got != 2 {
			t.Errorf("%s: %d embargo elements, want 2", tc.ext, got)
		}
		if !strings.Contains(doc, ns) {
			t.Errorf("%s: no %s", tc.ext, ns)
		}
		if got := strings.Count(doc, line); got != 2 {
			t.Errorf("%s: %q %d times, want 2", tc.ext, line, got)
		}
		plain := string(tc.fn(testFeed(tc.ext)))
		if strings.Contains(plain, "herald:") || strings.Contains(plain, "Embargoed") {
			t.Errorf("%s: a feed without embargoed items marks one", tc.ext)
		}
	}

	var doc struct {
		Items []struct {
			ID          string `json:"id"`
			ContentHTML string `json:"content_html"`
			Herald      *struct {
				Origin       string `json:"origin"`
				EmbargoUntil string `json:"embargo_until"`
			} `json:"_herald"`
		} `json:"items"`
	}
	f := embargoedFeed(".json")
	if err := json.Unmarshal(render(t, JSON, f), &doc); err != nil {
		t.Fatal(err)
	}
	marked := 0
	for i, it := range doc.Items {
		embargoed := !f.Items[i].EmbargoUntil.IsZero()
		hasMark := it.Herald != nil && it.Herald.EmbargoUntil == "2026-12-01T09:00:00Z"
		if embargoed != hasMark {
			t.Errorf("item %d (%s): embargoed %v, _herald %+v", i, it.ID, embargoed, it.Herald)
		}
		if embargoed {
			marked++
			if it.Herald.Origin != string(f.Items[i].Origin) && !(f.Items[i].Origin == "" && it.Herald.Origin == "own") {
				t.Errorf("item %d: _herald.origin %q, want %q", i, it.Herald.Origin, f.Items[i].Origin)
			}
			if !strings.Contains(it.ContentHTML, line) {
				t.Errorf("item %d: content_html does not say %q: %.80s", i, line, it.ContentHTML)
			}
		}
	}
	if marked != 2 {
		t.Errorf("%d embargoed items, want 2", marked)
	}
}
