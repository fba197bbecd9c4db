package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

// TestEmbargo checks the embargo time of every format: JSON's
// embargo_until, Markdown's front matter, the header line of a plain-text
// export (which is then no part of its title or body), and the errors of
// a time that does not parse.
func TestEmbargo(t *testing.T) {
	want := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	text := "Grid drill planned\n\nEmbargo: 2026-12-01 09:00 UTC\nPosted: November 20, 2026\n\nOperators will drill next month.\n\n-- Lee Park\n"
	for _, tc := range []struct {
		name, doc string
	}{
		{"a.json", `{"title": "T", "content": "<p>B</p>", "embargo_until": "2026-12-01T09:00:00Z"}`},
		{"b.json", `{"title": "T", "content": "<p>B</p>", "published": "2026-11-20", "embargo_until": "2026-12-01T10:00:00+01:00"}`},
		{"c.md", "---\ntitle: T\nembargo_until: 2026-12-01T09:00:00Z\n---\nBody.\n"},
		{"d.md", "---\ntitle: T\nembargo: 2026-12-01 09:00 UTC\npublished: 2026-11-20\n---\nBody.\n"},
		{"e.txt", text},
		{"f.txt", strings.Replace(text, "Embargo:", "Embargoed until", 1)},
	} {
		arts, err := Parse(tc.name, []byte(tc.doc), Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		a := arts[0]
		if !a.EmbargoUntil.Equal(want) {
			t.Errorf("%s: embargo until %v, want %v", tc.name, a.EmbargoUntil, want)
		}
		if strings.Contains(a.Title+a.Summary+a.Content, "mbargo") {
			t.Errorf("%s: the embargo line is in the article: %q / %q / %q", tc.name, a.Title, a.Summary, a.Content)
		}
	}
	if arts, err := Parse("g.txt", []byte(strings.Replace(text, "Embargo: 2026-12-01 09:00 UTC\n", "", 1)), Options{}); err != nil ||
		!arts[0].EmbargoUntil.IsZero() {
		t.Errorf("no embargo line: got %v, %v; want no embargo", arts, err)
	}
	for _, tc := range []struct{ name, doc string }{
		{"bad.json", `{"title": "T", "content": "x", "embargo_until": "soon"}`},
		{"bad.md", "---\ntitle: T\nembargo_until: soon\n---\nBody.\n"},
		{"bad.txt", strings.Replace(text, "2026-12-01 09:00 UTC", "soon", 1)},
		{"none.json", `{"title": "T", "content": "x"}`}, // neither published nor embargo
	} {
		_, err := Parse(tc.name, []byte(tc.doc), Options{})
		var ve *feed.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want a validation error", tc.name, err)
			continue
		}
		field := ve.Fields[0].Field
		if tc.name == "none.json" {
			if field != "published" {
				t.Errorf("%s: error of %q, want published", tc.name, field)
			}
		} else if field != "embargo_until" && !(tc.name == "bad.md" && field == "embargo_until") {
			t.Errorf("%s: error of %q (%v), want embargo_until", tc.name, field, err)
		}
	}
}
