package opml

import (
	"bytes"
	"flag"
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
			{Text: "Tags", Title: "Tags", Outlines: []Outline{
				{Text: "Congress", Title: "Herald Demo Newsroom: Congress", Type: "rss",
					XMLURL: "http://127.0.0.1:8080/tags/congress/feed.atom", HTMLURL: "http://127.0.0.1:8080/tags/congress"},
				{Text: "Critical Infrastructure", Title: "Herald Demo Newsroom: Critical Infrastructure", Type: "rss",
					XMLURL: "http://127.0.0.1:8080/tags/critical-infrastructure/feed.atom", HTMLURL: "http://127.0.0.1:8080/tags/critical-infrastructure"},
			}},
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
// before this package existed, which feed readers already have.
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
