package opml

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var created = time.Date(2026, 11, 3, 9, 15, 0, 0, time.UTC)

// The documents that herald writes: its own feeds (the web server's
// /feeds.opml), its sources (herald source export), and no sources.
var golden = map[string]*Document{
	"feeds.opml": {
		Title:   "Herald Demo Newsroom feeds",
		Created: created,
		Outlines: []Outline{
			{Text: "Herald Demo Newsroom", Title: "Herald Demo Newsroom", Type: "rss",
				XMLURL: "http://127.0.0.1:8080/feed.atom", HTMLURL: "http://127.0.0.1:8080/"},
			Folder("Tags",
				Outline{Text: "Congress", Title: "Herald Demo Newsroom: Congress", Type: "rss",
					XMLURL: "http://127.0.0.1:8080/tags/congress/feed.atom", HTMLURL: "http://127.0.0.1:8080/tags/congress"},
				Outline{Text: "Critical Infrastructure", Title: "Herald Demo Newsroom: Critical Infrastructure", Type: "rss",
					XMLURL: "http://127.0.0.1:8080/tags/critical-infrastructure/feed.atom", HTMLURL: "http://127.0.0.1:8080/tags/critical-infrastructure"},
			),
		},
	},
	"sources.opml": {
		Title:   "herald sources",
		Created: created,
		Outlines: []Outline{
			{Text: `Ministry & Economy <METI> "q"`, Title: `Ministry & Economy <METI> "q"`, Type: "rss",
				XMLURL: "https://www.meti.go.jp/feed.rdf?a=1&b=2", Category: "/japan,/external"},
			{Text: "State Department", Title: "State Department", Type: "rss",
				XMLURL: "https://www.state.gov/feed/", Category: "/cyber-diplomacy,/us,/external"},
			{Text: "no tags", Title: "no tags", Type: "rss", XMLURL: "https://example.org/feed"},
		},
	},
	"empty.opml": {Title: "herald sources", Created: created},
}

// TestMarshalGolden pins the bytes Marshal writes: those that herald wrote
// before this package existed, which feed readers already have, but for the
// folder of tag feeds, which lost its title="Tags" so that validators find
// nothing to warn of (see Folder and TestGoldenOutlinesValidate).
func TestMarshalGolden(t *testing.T) {
	for name, doc := range golden {
		t.Run(name, func(t *testing.T) {
			got, err := Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestGoldenOutlinesValidate checks what herald writes against the
// outline rules of the feed validator (feedvalidator.org, whose OPML checks
// the W3C's validator runs): a type, when there is one, is "rss" (with an
// xmlUrl and a title) or "link"; an outline without one has no title,
// htmlUrl or xmlUrl, or the validator warns "outline without type".
func TestGoldenOutlinesValidate(t *testing.T) {
	for name, doc := range golden {
		for _, o := range doc.Outlines {
			for _, p := range outlineProblems(o) {
				t.Errorf("%s: %s", name, p)
			}
		}
	}
	// The check fails when it should.
	for _, o := range []Outline{
		{Text: "Tags", Title: "Tags"},    // herald's folder until now
		{Text: "Tags", Type: "category"}, // no type OPML or the validator knows
		{Text: "x", Type: "rss"},         // a feed without its address
		Folder("Tags", Outline{Text: "a", HTMLURL: "https://example.org/"}),
	} {
		if len(outlineProblems(o)) == 0 {
			t.Errorf("%+v: no problem found, want one", o)
		}
	}
}

// outlineProblems returns the feed validator's warnings about o and the
// outlines it holds.
func outlineProblems(o Outline) []string {
	var out []string
	switch o.Type {
	case "rss":
		if o.XMLURL == "" || o.Title == "" {
			out = append(out, fmt.Sprintf("outline %q: type rss without an xmlUrl or a title", o.Text))
		}
	case "":
		if o.Title != "" || o.HTMLURL != "" || o.XMLURL != "" {
			out = append(out, fmt.Sprintf("outline %q: attributes beside its text but no type (MissingOutlineType)", o.Text))
		}
	default:
		out = append(out, fmt.Sprintf("outline %q: type %q is neither rss nor link (InvalidOutlineType)", o.Text, o.Type))
	}
	for _, c := range o.Outlines {
		out = append(out, outlineProblems(c)...)
	}
	return out
}

// TestRoundTrip reads back what Marshal writes, and writes again what Parse
// reads from every example.
func TestRoundTrip(t *testing.T) {
	for name, doc := range golden {
		t.Run(name, func(t *testing.T) {
			b, err := Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, doc) {
				t.Errorf("got %+v, want %+v", back, doc)
			}
		})
	}
	examples, err := filepath.Glob(filepath.Join("testdata", "*.opml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples in testdata: %v", err)
	}
	for _, path := range examples {
		t.Run(filepath.Base(path), func(t *testing.T) {
			doc := parseFile(t, path)
			b, err := Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%v reading back\n%s", err, b)
			}
			if !reflect.DeepEqual(back, doc) {
				t.Errorf("got %+v, want %+v", back, doc)
			}
		})
	}
}

func parseFile(t testing.TB, path string) *Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
