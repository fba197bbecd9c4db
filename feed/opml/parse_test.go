package opml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseExamples(t *testing.T) {
	for _, tc := range []struct {
		file string
		want *Document
	}{
		{"newsboat.opml", &Document{
			Title: "newsboat - Exported Feeds",
			Outlines: []Outline{
				{Title: "CISA advisories", Type: "rss", XMLURL: "https://www.cisa.gov/cybersecurity-advisories/all.xml"},
				{Type: "rss", XMLURL: "https://www.ncsc.gov.uk/api/1/services/v1/news-rss-feed.xml"},
				{Type: "rss", XMLURL: "https://www.meti.go.jp/ml_index_release_atom.xml"},
			},
		}},
		{"folders.opml", &Document{
			Title:   "Subscriptions of the policy desk",
			Created: time.Date(2026, 11, 3, 9, 15, 0, 0, time.UTC),
			Outlines: []Outline{
				{Text: "Agencies", Title: "Agencies", Outlines: []Outline{
					{Text: "CISA advisories", Title: "CISA advisories", Type: "rss",
						XMLURL: "https://www.cisa.gov/cybersecurity-advisories/all.xml", HTMLURL: "https://www.cisa.gov/news-events/cybersecurity-advisories"},
					{Text: "NCSC news", Title: "NCSC news", Type: "rss",
						XMLURL: "https://www.ncsc.gov.uk/api/1/services/v1/news-rss-feed.xml", HTMLURL: "https://www.ncsc.gov.uk/"},
					{Text: "Asia", Title: "Asia", Outlines: []Outline{
						{Text: "経済産業省", Title: "経済産業省 ニュースリリース", Type: "rss",
							XMLURL: "https://www.meti.go.jp/ml_index_release_atom.xml", HTMLURL: "https://www.meti.go.jp/"},
					}},
				}},
				// xmlURL, as some exporters spell it.
				{Text: "State Department: Cyber", Type: "rss",
					XMLURL: "https://www.state.gov/bureau-of-cyberspace-and-digital-policy/feed/", Category: "/Cyber Diplomacy,/US/State"},
				{Text: "Reading list", HTMLURL: "https://example.org/reading"},
			},
		}},
		{"latin1.opml", &Document{
			Title: "Agences françaises",
			Outlines: []Outline{
				{Text: "ANSSI « actualités »", Type: "rss", XMLURL: "https://cyber.gouv.fr/actualites/feed", Category: "/Sécurité"},
			},
		}},
		{"spec-category.opml", &Document{
			Title:   "Illustrating the category attribute",
			Created: time.Date(2005, 10, 31, 19, 23, 0, 0, time.UTC),
			Outlines: []Outline{
				{Text: "The Mets are the best team in baseball.", Category: "/Philosophy/Baseball/Mets,/Tourism/New York"},
			},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := parseFile(t, filepath.Join("testdata", tc.file))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// refused are documents Parse must refuse, with the position and the
// words its error must give. FuzzParse starts from them too.
var refused = []struct {
	name, doc    string
	line, column int // 0: the error has no position
	contains     string
}{
	{"billion laughs", `<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<opml version="2.0"><head><title>&lol3;</title></head><body/></opml>`, 6, 3, "<!DOCTYPE> not allowed"},
	{"external entity", `<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "file:///etc/passwd">
<opml version="2.0"><body/></opml>`, 2, 44, "<!DOCTYPE> not allowed"},
	{"undefined entity", `<opml version="2.0"><head><title>&secret;</title></head><body/></opml>`, 1, 42, "invalid character entity &secret;"},
	{"an RSS feed", `<?xml version="1.0"?><rss version="2.0"><channel/></rss>`, 1, 41, "root element <rss>, want <opml>"},
	{"no body", "<opml version=\"2.0\">\n<head><title>t</title></head>\n</opml>", 3, 8, "no <body>"},
	{"two roots", `<opml><body/></opml><opml><body/></opml>`, 1, 27, "<opml> after the opml element"},
	{"text outside", `<opml><body/></opml> trailing words`, 1, 36, "text after the opml element"},
	{"not well-formed", "<opml version=\"2.0\"><body>\n<outline text=\"a\">\n<outline text=\"b\"/>\n</body></opml>", 4, 8, "element <outline> closed by </body>"},
	{"unclosed", "<opml version=\"2.0\"><body>\n<outline text=\"a\">", 2, 19, "unexpected EOF"},
	{"bad attribute", `<opml><body><outline text=a/></body></opml>`, 1, 28, "unquoted or missing attribute value"},
	{"control character", "<opml><body><outline text=\"\x01\"/></body></opml>", 1, 30, "illegal character code U+0001"},
	{"invalid UTF-8", "<opml><body><outline text=\"\xff\"/></body></opml>", 1, 30, "invalid UTF-8"},
	{"unknown encoding", `<?xml version="1.0" encoding="koi8-r"?><opml><body/></opml>`, 1, 40, `encoding "koi8-r" not supported`},
	{"empty", ``, 0, 0, "no opml element"},
	{"not XML", `{"version": "https://jsonfeed.org/version/1.1"}`, 1, 48, "text before the opml element"},
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse(strings.NewReader(tc.doc))
			if doc != nil || err == nil {
				t.Fatalf("got %+v, %v; want an error", doc, err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %T %v, want an *Error", err, err)
			}
			if e.Line != tc.line || e.Column != tc.column || !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("got %q at %d:%d, want %q at %d:%d", err, e.Line, e.Column, tc.contains, tc.line, tc.column)
			}
			if tc.line > 0 && !strings.HasPrefix(err.Error(), fmt.Sprintf("opml: line %d, column %d: ", tc.line, tc.column)) {
				t.Errorf("got %q, want it to start with the position", err)
			}
		})
	}
}

// nested returns a document of n outlines, each inside the one before.
func nested(n int) string {
	return `<opml version="2.0"><body>` + strings.Repeat(`<outline text="f">`, n) + strings.Repeat(`</outline>`, n) + `</body></opml>`
}

// flat returns a document of n outlines side by side.
func flat(n int) string {
	return `<opml version="2.0"><body>` + strings.Repeat(`<outline text="f" xmlUrl="https://example.org/"/>`, n) + `</body></opml>`
}

func TestParseLimits(t *testing.T) {
	// opml and body are two levels.
	if _, err := Parse(strings.NewReader(nested(MaxDepth - 2))); err != nil {
		t.Errorf("%d levels of outlines: %v", MaxDepth-2, err)
	}
	if _, err := Parse(strings.NewReader(nested(MaxDepth - 1))); err == nil || !strings.Contains(err.Error(), "nested more than 64 deep") {
		t.Errorf("%d levels of outlines: got %v, want too deep", MaxDepth-1, err)
	}
	// Unknown elements count too, or they could hide a deep tree.
	deepHead := `<opml><head>` + strings.Repeat(`<x>`, MaxDepth) + strings.Repeat(`</x>`, MaxDepth) + `</head><body/></opml>`
	if _, err := Parse(strings.NewReader(deepHead)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep unknown elements: got %v, want too deep", err)
	}

	doc, err := Parse(strings.NewReader(flat(MaxOutlines)))
	if err != nil || len(doc.Outlines) != MaxOutlines {
		t.Errorf("%d outlines: got %v", MaxOutlines, err)
	}
	if _, err := Parse(strings.NewReader(flat(MaxOutlines + 1))); err == nil || !strings.Contains(err.Error(), "more than 100000 outlines") {
		t.Errorf("%d outlines: got %v, want too many", MaxOutlines+1, err)
	}

	// Exactly MaxSize bytes is fine; one more is not, wherever it is.
	head, tail := `<opml><body/><!--`, `--></opml>`
	fits := head + strings.Repeat("x", MaxSize-len(head)-len(tail)) + tail
	if _, err := Parse(strings.NewReader(fits)); err != nil {
		t.Errorf("%d bytes: %v", len(fits), err)
	}
	_, err = Parse(io.MultiReader(strings.NewReader(fits), strings.NewReader("\n")))
	if !errors.Is(err, ErrTooLarge) || err.Error() != "opml: larger than 10485760 bytes" {
		t.Errorf("%d bytes: got %v, want ErrTooLarge", len(fits)+1, err)
	}
}

func TestParseCharset(t *testing.T) {
	koi8 := []byte("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><opml><head><title>\xf0\xd2\xc1\xd7\xc4\xc1</title></head><body/></opml>")
	decode := func(label string, input io.Reader) (io.Reader, error) {
		if label != "KOI8-R" {
			return nil, fmt.Errorf("unexpected %q", label)
		}
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		// Enough of KOI8-R for the title: Правда.
		m := map[byte]rune{0xf0: 'П', 0xd2: 'р', 0xc1: 'а', 0xd7: 'в', 0xc4: 'д'}
		var out strings.Builder
		for _, c := range b {
			if r, ok := m[c]; ok {
				out.WriteRune(r)
			} else {
				out.WriteByte(c)
			}
		}
		return strings.NewReader(out.String()), nil
	}
	doc, err := ParseCharset(bytes.NewReader(koi8), decode)
	if err != nil || doc.Title != "Правда" {
		t.Errorf("got %+v, %v, want the title Правда", doc, err)
	}
	// UTF-8, US-ASCII and ISO-8859-1 never reach it.
	for _, label := range []string{"UTF-8", "utf8", "US-ASCII", "iso-8859-1", "Latin1"} {
		in := fmt.Sprintf(`<?xml version="1.0" encoding="%s"?><opml><head><title>t</title></head><body/></opml>`, label)
		if _, err := ParseCharset(strings.NewReader(in), decode); err != nil {
			t.Errorf("%s: %v", label, err)
		}
	}
	// A byte order mark before the declaration is no text.
	if _, err := Parse(strings.NewReader("\uFEFF<?xml version=\"1.0\"?><opml><body/></opml>")); err != nil {
		t.Errorf("with a byte order mark: %v", err)
	}
}

// TestParseIgnores shows what Parse passes over: comments, processing
// instructions, unknown elements and attributes, text in outlines, and
// attributes in other namespaces.
func TestParseIgnores(t *testing.T) {
	in := `<?xml version="1.0"?><?xml-stylesheet href="opml.xsl"?>
<!-- exported -->
<opml version="2.0" xmlns:x="urn:x">
  <head><title>A <b>bold</b> list</title><dateCreated>yesterday</dateCreated><docs>http://opml.org/spec2.opml</docs></head>
  <x:extra><outline text="not in the body"/></x:extra>
  <body>
    <x:note>a note</x:note>
    <outline text="f" isComment="false" x:xmlUrl="https://other.example/" xmlUrl="https://example.org/feed">text</outline>
  </body>
</opml>`
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Document{Title: "A bold list", Outlines: []Outline{{Text: "f", XMLURL: "https://example.org/feed"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
