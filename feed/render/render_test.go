package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"herald/feed"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// A format is one of the three renderers.
type format struct {
	name   string
	ext    string // of the golden file and of the feed's own URL
	render func(io.Writer, *Feed) error
}

var formats = []format{
	{"rss", ".rss", RSS},
	{"atom", ".atom", Atom},
	{"json", ".json", JSON},
}

const base = "https://herald.example"

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// articles is the fixed set behind the golden files: two own articles (one
// with several tags and authors, one with content that tries to break the
// XML), an external press release and an article in Japanese.
func articles() []feed.Article {
	return []feed.Article{
		{
			ID:        "cyber-dialogue-2024",
			GUID:      "tag:herald.example,2024-05-02:article/cyber-dialogue-2024",
			Slug:      "us-japan-cyber-dialogue",
			Title:     "U.S. & Japan to hold <cyber> dialogue",
			Summary:   "Officials meet in Washington on April 10 to \"align\" cyber policies & share threat data.",
			Content:   `<p>U.S. and Japanese officials plan to hold senior-level <a href="https://herald.example/tags/cyber-diplomacy">cybersecurity talks</a> next week.</p><p>Q&amp;A below.</p>`,
			Authors:   []string{"Christopher J. Castelli", "Jane Doe"},
			Published: date("2024-05-02T09:30:00Z"),
			Updated:   date("2024-05-03T11:00:00+02:00"),
			Language:  "en",
			Tags: []feed.ArticleTag{
				{Slug: "cyber-diplomacy"},
				{Slug: "japan", Rule: "japan OR japanese", Matched: []string{"Japanese"}},
				{Slug: "critical-infrastructure"},
			},
			Origin: feed.OriginOwn,
		},
		{
			ID:        "cdata-edge",
			GUID:      "tag:herald.example,2024-05-01:article/cdata-edge",
			Slug:      "cdata-edge",
			Title:     "Escapes\x01 and \xffbroken bytes \ufffe",
			Summary:   "A summary with a bell\x07, a tab\tand <b>markup-looking</b> text.",
			Content:   "<p>Code: <code>if a[b[0]]>c { }</code> ends a CDATA section: ]]> and again ]]]]>.</p><p>Control\x00char, bad \xc3\x28 UTF-8, surrogate \xed\xa0\x80 and U+FFFF \uffff.</p>",
			Authors:   []string{"Zoë \x1bEditor"},
			Published: date("2024-05-01T08:00:00Z"),
			Updated:   date("2024-05-01T08:00:00Z"),
			Tags:      []feed.ArticleTag{{Slug: "cyber-diplomacy"}},
			Origin:    feed.OriginOwn,
		},
		{
			ID:        "state-dept-readout",
			GUID:      "tag:herald.example,2024-04-30:external/42/readout",
			Slug:      "readout-us-japan-cyber-dialogue",
			Title:     "Readout: U.S.-Japan Cyber Dialogue",
			Summary:   "The Department of State hosted the dialogue.",
			Content:   "<p>The United States hosted the U.S.-Japan Cyber Dialogue.</p>",
			Published: date("2024-04-30T14:00:00-04:00"),
			Updated:   date("2024-04-30T18:00:00Z"),
			URL:       "https://www.state.gov/readout-us-japan-cyber-dialogue/",
			Tags:      []feed.ArticleTag{{Slug: "cyber-diplomacy"}, {Slug: "press-releases"}},
			Origin:    feed.OriginExternal,
			Provenance: &feed.Provenance{
				SourceID:    42,
				SourceName:  "U.S. Department of State",
				FeedURL:     "https://www.state.gov/rss-feed/press-releases/feed/",
				FeedID:      "tag:state.gov,2005:press-releases",
				FeedTitle:   "Press Releases – United States Department of State",
				FeedUpdated: date("2024-04-30T18:05:00Z"),
				Link:        "https://www.state.gov/readout-us-japan-cyber-dialogue/",
				OriginalID:  "https://www.state.gov/?p=123456",
				Published:   date("2024-04-30T14:00:00-04:00"),
				Updated:     date("2024-04-30T18:00:00Z"),
			},
		},
		{
			ID:        "nisc-strategy-ja",
			GUID:      "tag:herald.example,2024-04-29:article/nisc-strategy-ja",
			Slug:      "nisc-strategy",
			Title:     "サイバーセキュリティ戦略の改定について",
			Summary:   "内閣サイバーセキュリティセンターは新たな戦略案を公表した。",
			Content:   "<p>内閣サイバーセキュリティセンター（NISC）は、日米サイバー対話に先立ち、戦略案を公表した。</p>",
			Authors:   []string{"山田 花子"},
			Published: date("2024-04-29T10:00:00+09:00"),
			Language:  "ja",
			Tags:      []feed.ArticleTag{{Slug: "japan"}},
			Origin:    feed.OriginOwn,
		},
	}
}

var tagNames = map[string]string{
	"cyber-diplomacy":         "Cyber diplomacy",
	"japan":                   "Japan",
	"critical-infrastructure": "Critical infrastructure",
	"press-releases":          "Press releases",
}

// testFeed returns the golden feed as written in the format with extension ext.
func testFeed(ext string) *Feed {
	self := base + "/tags/cyber-diplomacy/feed" + ext
	return &Feed{
		ID:          "tag:herald.example,2024:feed/tag/cyber-diplomacy",
		Title:       "Herald: Cyber diplomacy",
		Description: "Talks, treaties & norms <in> cyberspace",
		HomeURL:     base + "/tags/cyber-diplomacy",
		SelfURL:     self,
		HubURL:      base + "/hub",
		Language:    "en",
		Author:      "Herald Demo Newsroom",
		Rights:      "© 2024 Herald Demo Newsroom",
		IconURL:     base + "/icon.png",
		Items:       articles(),
		Link:        func(a *feed.Article) string { return base + "/articles/" + a.Slug },
		TagURL:      func(slug string) string { return base + "/tags/" + slug },
		TagName:     func(slug string) string { return tagNames[slug] },
		FirstURL:    self,
		NextURL:     self + "?page=2",
	}
}

func render(t testing.TB, fn func(io.Writer, *Feed) error, f *Feed) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := fn(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			got := render(t, fm.render, testFeed(fm.ext))
			if fm.name == "json" {
				// JSON is written compact; the golden file holds it indented
				// so that it can be reviewed. Indenting compact JSON loses
				// nothing, so the comparison is as strict.
				var buf bytes.Buffer
				if err := json.Indent(&buf, got, "", "  "); err != nil {
					t.Fatal(err)
				}
				got = buf.Bytes()
			}
			golden := filepath.Join("testdata", "feed"+fm.ext)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", fm.name, firstDiff(got, want))
			}
		})
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

// TestDeterministic renders the same feed twice, and once with every date
// moved to another zone and given nanoseconds below the second: all three
// must give the same bytes.
func TestDeterministic(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*60*60)
	shift := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(tokyo).Add(123 * time.Millisecond)
	}
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			first := render(t, fm.render, testFeed(fm.ext))
			if again := render(t, fm.render, testFeed(fm.ext)); !bytes.Equal(first, again) {
				t.Errorf("second render differs:\n%s", firstDiff(again, first))
			}
			f := testFeed(fm.ext)
			for i := range f.Items {
				a := &f.Items[i]
				a.Published, a.Updated = shift(a.Published), shift(a.Updated)
				if p := a.Provenance; p != nil {
					p.FeedUpdated, p.Published, p.Updated = shift(p.FeedUpdated), shift(p.Published), shift(p.Updated)
				}
			}
			if shifted := render(t, fm.render, f); !bytes.Equal(first, shifted) {
				t.Errorf("same instants in another zone render differently:\n%s", firstDiff(shifted, first))
			}
		})
	}
}

// Just enough of each format to compare ids and dates.
type (
	rssIDs struct {
		LastBuildDate string `xml:"channel>lastBuildDate"`
		Items         []struct {
			GUID    string `xml:"guid"`
			PubDate string `xml:"pubDate"`
		} `xml:"channel>item"`
	}
	atomIDs struct {
		ID      string `xml:"id"`
		Updated string `xml:"updated"`
		Entries []struct {
			ID        string `xml:"id"`
			Published string `xml:"published"`
			Updated   string `xml:"updated"`
		} `xml:"entry"`
	}
	jsonIDs struct {
		Items []struct {
			ID        string `json:"id"`
			Published string `json:"date_published"`
			Modified  string `json:"date_modified"`
		} `json:"items"`
	}
)

func parseTime(t *testing.T, layout, s string) time.Time {
	t.Helper()
	v, err := time.Parse(layout, s)
	if err != nil {
		t.Fatalf("parse date: %v", err)
	}
	return v
}

// TestSameIDsAndDates reads the three documents back and checks that each
// gives every article the same id, publication and update dates.
func TestSameIDsAndDates(t *testing.T) {
	var (
		r rssIDs
		a atomIDs
		j jsonIDs
	)
	if err := xml.Unmarshal(render(t, RSS, testFeed(".rss")), &r); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(render(t, Atom, testFeed(".atom")), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(render(t, JSON, testFeed(".json")), &j); err != nil {
		t.Fatal(err)
	}
	want := articles()
	if len(r.Items) != len(want) || len(a.Entries) != len(want) || len(j.Items) != len(want) {
		t.Fatalf("got %d RSS items, %d Atom entries, %d JSON items, want %d of each", len(r.Items), len(a.Entries), len(j.Items), len(want))
	}
	if a.ID != testFeed(".atom").ID {
		t.Errorf("Atom feed id = %q, want %q", a.ID, testFeed(".atom").ID)
	}
	// The feed's date is the latest item date: the first article's update.
	wantFeed := want[0].Updated
	if got := parseTime(t, time.RFC1123Z, r.LastBuildDate); !got.Equal(wantFeed) {
		t.Errorf("RSS lastBuildDate = %v, want %v", got, wantFeed)
	}
	if got := parseTime(t, time.RFC3339, a.Updated); !got.Equal(wantFeed) {
		t.Errorf("Atom updated = %v, want %v", got, wantFeed)
	}
	for i, art := range want {
		ids := []string{r.Items[i].GUID, a.Entries[i].ID, j.Items[i].ID}
		for k, id := range ids {
			if id != art.GUID {
				t.Errorf("item %d: %s id = %q, want %q", i, formats[k].name, id, art.GUID)
			}
		}
		published := []time.Time{
			parseTime(t, time.RFC1123Z, r.Items[i].PubDate),
			parseTime(t, time.RFC3339, a.Entries[i].Published),
			parseTime(t, time.RFC3339, j.Items[i].Published),
		}
		for k, p := range published {
			if !p.Equal(art.Published) {
				t.Errorf("item %d: %s published = %v, want %v", i, formats[k].name, p, art.Published)
			}
		}
		wantUpdated := art.Updated
		if wantUpdated.IsZero() {
			wantUpdated = art.Published
		}
		updated := []time.Time{
			parseTime(t, time.RFC3339, a.Entries[i].Updated),
			parseTime(t, time.RFC3339, j.Items[i].Modified),
		}
		for k, u := range updated {
			if !u.Equal(wantUpdated) {
				t.Errorf("item %d: %s updated = %v, want %v", i, formats[k+1].name, u, wantUpdated)
			}
		}
	}
}

// forbidden returns the first rune of s that must not reach a feed.
func forbidden(s string) (rune, bool) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return r, true
			}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r >= 0x7f && r <= 0x9f,
			r == 0xfffe, r == 0xffff,
			r >= 0xd800 && r <= 0xdfff:
			return r, true
		}
	}
	return 0, false
}

// checkXMLText fails t unless doc is well-formed XML none of whose text or
// attribute values holds a forbidden character.
func checkXMLText(t testing.TB, doc []byte) {
	t.Helper()
	if r, bad := forbidden(string(doc)); bad {
		t.Fatalf("document holds %U", r)
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		var texts []string
		switch tok := tok.(type) {
		case xml.CharData:
			texts = append(texts, string(tok))
		case xml.StartElement:
			for _, a := range tok.Attr {
				texts = append(texts, a.Value)
			}
		}
		for _, s := range texts {
			if r, bad := forbidden(s); bad {
				t.Fatalf("text %q holds %U", s, r)
			}
		}
	}
}

// checkJSONText fails t unless doc is JSON none of whose strings holds a
// forbidden character once decoded.
func checkJSONText(t testing.TB, doc []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if r, bad := forbidden(v); bad {
				t.Fatalf("string %q holds %U", v, r)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				walk(k)
				walk(e)
			}
		}
	}
	walk(v)
}

func checkText(t testing.TB, fm format, doc []byte) {
	t.Helper()
	if fm.name == "json" {
		checkJSONText(t, doc)
	} else {
		checkXMLText(t, doc)
	}
}

func TestNoForbiddenCharacters(t *testing.T) {
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			doc := render(t, fm.render, testFeed(fm.ext))
			checkText(t, fm, doc)
			// The CDATA-breaking content must survive intact, bar the bytes
			// that were dropped or replaced.
			if !bytes.Contains(doc, []byte("ends a CDATA section: ]]")) {
				t.Errorf("content around ]]> is missing")
			}
		})
	}
}

// TestContentRoundTrip reads each article's content back from the RSS and
// Atom documents: cleaning aside, the HTML must come out as it went in,
// "]]>" included.
func TestContentRoundTrip(t *testing.T) {
	var r struct {
		Items []struct {
			Content string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"channel>item"`
	}
	var a struct {
		Entries []struct {
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(render(t, RSS, testFeed(".rss")), &r); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(render(t, Atom, testFeed(".atom")), &a); err != nil {
		t.Fatal(err)
	}
	for i, art := range articles() {
		want := clean(art.Content)
		if got := r.Items[i].Content; got != want {
			t.Errorf("item %d: RSS content:encoded = %q, want %q", i, got, want)
		}
		if got := a.Entries[i].Content; got != want {
			t.Errorf("item %d: Atom content = %q, want %q", i, got, want)
		}
	}
}

func TestInvalidFeed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Feed)
	}{
		{"no id", func(f *Feed) { f.ID = "" }},
		{"no title", func(f *Feed) { f.Title = " " }},
		{"no self url", func(f *Feed) { f.SelfURL = "" }},
		{"no author", func(f *Feed) { f.Author = "" }},
		{"no link func", func(f *Feed) { f.Link = nil }},
		{"item without guid", func(f *Feed) { f.Items[1].GUID = "" }},
	} {
		for _, fm := range formats {
			t.Run(tc.name+"/"+fm.name, func(t *testing.T) {
				f := testFeed(fm.ext)
				tc.change(f)
				var buf bytes.Buffer
				err := fm.render(&buf, f)
				if !errors.Is(err, feed.ErrInvalid) {
					t.Errorf("got error %v, want one matching feed.ErrInvalid", err)
				}
				if buf.Len() != 0 {
					t.Errorf("wrote %d bytes of an invalid feed", buf.Len())
				}
			})
		}
	}
}

func TestEmptyLink(t *testing.T) {
	for _, fm := range formats {
		f := testFeed(fm.ext)
		f.Link = func(*feed.Article) string { return "" }
		if err := fm.render(io.Discard, f); err == nil {
			t.Errorf("%s: no error for an item without a permalink", fm.name)
		}
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteError(t *testing.T) {
	for _, fm := range formats {
		if err := fm.render(failWriter{}, testFeed(fm.ext)); !errors.Is(err, errWrite) {
			t.Errorf("%s: got error %v, want %v", fm.name, err, errWrite)
		}
	}
}

// ownOnly returns the golden feed without its external article.
func ownOnly(ext string) *Feed {
	f := testFeed(ext)
	var own []feed.Article
	for _, a := range f.Items {
		if a.Origin != feed.OriginExternal {
			own = append(own, a)
		}
	}
	f.Items = own
	return f
}

// TestRights checks that the outlet's rights never cover an external item:
// on the feed when every item is the outlet's, on each own item otherwise.
func TestRights(t *testing.T) {
	type rss struct {
		Copyright string `xml:"channel>copyright"`
		Items     []struct {
			Rights string `xml:"http://purl.org/dc/elements/1.1/ rights"`
			Source string `xml:"source"`
		} `xml:"channel>item"`
	}
	type atom struct {
		Rights  string `xml:"rights"`
		Entries []struct {
			Rights string `xml:"rights"`
			Source *struct {
				ID string `xml:"id"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	const rights = "© 2024 Herald Demo Newsroom"

	var r rss
	if err := xml.Unmarshal(render(t, RSS, ownOnly(".rss")), &r); err != nil {
		t.Fatal(err)
	}
	if r.Copyright != rights {
		t.Errorf("own-only RSS: copyright = %q, want %q", r.Copyright, rights)
	}
	for i, it := range r.Items {
		if it.Rights != "" {
			t.Errorf("own-only RSS: item %d has dc:rights %q, want none (the channel's apply)", i, it.Rights)
		}
	}
	var a atom
	if err := xml.Unmarshal(render(t, Atom, ownOnly(".atom")), &a); err != nil {
		t.Fatal(err)
	}
	if a.Rights != rights {
		t.Errorf("own-only Atom: rights = %q, want %q", a.Rights, rights)
	}

	r = rss{}
	if err := xml.Unmarshal(render(t, RSS, testFeed(".rss")), &r); err != nil {
		t.Fatal(err)
	}
	if r.Copyright != "" {
		t.Errorf("mixed RSS: channel copyright %q would cover the external item", r.Copyright)
	}
	for i, it := range r.Items {
		external := it.Source != ""
		if want := map[bool]string{false: rights, true: ""}[external]; it.Rights != want {
			t.Errorf("mixed RSS: item %d (external %v): dc:rights = %q, want %q", i, external, it.Rights, want)
		}
	}
	a = atom{}
	if err := xml.Unmarshal(render(t, Atom, testFeed(".atom")), &a); err != nil {
		t.Fatal(err)
	}
	if a.Rights != "" {
		t.Errorf("mixed Atom: feed rights %q would cover the external entry", a.Rights)
	}
	for i, e := range a.Entries {
		external := e.Source != nil
		if want := map[bool]string{false: rights, true: ""}[external]; e.Rights != want {
			t.Errorf("mixed Atom: entry %d (external %v): rights = %q, want %q", i, external, e.Rights, want)
		}
	}
}

// TestExternalItem checks how the press release is credited and linked.
func TestExternalItem(t *testing.T) {
	const (
		original = "https://www.state.gov/readout-us-japan-cyber-dialogue/"
		feedURL  = "https://www.state.gov/rss-feed/press-releases/feed/"
	)
	var r struct {
		Items []struct {
			Link   string `xml:"link"`
			Source struct {
				URL  string `xml:"url,attr"`
				Name string `xml:",chardata"`
			} `xml:"source"`
			Creators []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(render(t, RSS, testFeed(".rss")), &r); err != nil {
		t.Fatal(err)
	}
	it := r.Items[2]
	if it.Link != original {
		t.Errorf("RSS link = %q, want %q", it.Link, original)
	}
	if it.Source.URL != feedURL || it.Source.Name != "Press Releases – United States Department of State" {
		t.Errorf("RSS source = %+v, want the State Department's feed", it.Source)
	}
	if len(it.Creators) != 0 {
		t.Errorf("RSS dc:creator = %q, want none", it.Creators)
	}

	var a struct {
		Entries []struct {
			Authors []string `xml:"author>name"`
			Links   []struct {
				Href string `xml:"href,attr"`
				Rel  string `xml:"rel,attr"`
			} `xml:"link"`
			Source struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
				Link    struct {
					Href string `xml:"href,attr"`
					Rel  string `xml:"rel,attr"`
				} `xml:"link"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(render(t, Atom, testFeed(".atom")), &a); err != nil {
		t.Fatal(err)
	}
	e := a.Entries[2]
	if len(e.Authors) != 1 || e.Authors[0] != "U.S. Department of State" {
		t.Errorf("Atom authors = %q, want the source's name only", e.Authors)
	}
	if len(e.Links) != 1 || e.Links[0].Href != original || e.Links[0].Rel != "alternate" {
		t.Errorf("Atom links = %+v, want one alternate to %s", e.Links, original)
	}
	if s := e.Source; s.ID != "tag:state.gov,2005:press-releases" || s.Updated != "2024-04-30T18:05:00Z" ||
		s.Link.Href != feedURL || s.Link.Rel != "self" || s.Title == "" {
		t.Errorf("Atom source = %+v", s)
	}

	var j struct {
		Items []struct {
			URL         string `json:"url"`
			ExternalURL string `json:"external_url"`
			Authors     []struct {
				Name string `json:"name"`
			} `json:"authors"`
			Herald *struct {
				Origin string `json:"origin"`
				Source struct {
					FeedURL    string `json:"feed_url"`
					OriginalID string `json:"original_id"`
				} `json:"source"`
			} `json:"_herald"`
		} `json:"items"`
	}
	if err := json.Unmarshal(render(t, JSON, testFeed(".json")), &j); err != nil {
		t.Fatal(err)
	}
	ji := j.Items[2]
	if ji.URL != original || ji.ExternalURL != "" {
		t.Errorf("JSON url, external_url = %q, %q, want %q and none (RSS and Atom link there too)", ji.URL, ji.ExternalURL, original)
	}
	if own := j.Items[0]; own.URL != base+"/articles/us-japan-cyber-dialogue" || own.ExternalURL != "" {
		t.Errorf("JSON url, external_url of an own item = %q, %q, want our page and none", own.URL, own.ExternalURL)
	}
	if len(ji.Authors) != 1 || ji.Authors[0].Name != "U.S. Department of State" {
		t.Errorf("JSON authors = %+v, want the source's name only", ji.Authors)
	}
	if ji.Herald == nil || ji.Herald.Origin != "external" || ji.Herald.Source.FeedURL != feedURL || ji.Herald.Source.OriginalID != "https://www.state.gov/?p=123456" {
		t.Errorf("JSON _herald = %+v", ji.Herald)
	}
	for i, it := range j.Items {
		if i != 2 && it.Herald != nil {
			t.Errorf("JSON item %d is the outlet's own but has _herald %+v", i, it.Herald)
		}
	}

	// Without a feed id, the source's id is its feed URL.
	f := testFeed(".atom")
	f.Items[2].Provenance.FeedID = ""
	a.Entries = nil
	if err := xml.Unmarshal(render(t, Atom, f), &a); err != nil {
		t.Fatal(err)
	}
	if got := a.Entries[2].Source.ID; got != feedURL {
		t.Errorf("Atom source id without FeedID = %q, want %q", got, feedURL)
	}
}

// TestEmptyFeed renders a feed without items or date: the documents must
// still be complete, and the date never the clock's.
func TestEmptyFeed(t *testing.T) {
	for _, fm := range formats {
		t.Run(fm.name, func(t *testing.T) {
			f := testFeed(fm.ext)
			f.Items = nil
			doc := render(t, fm.render, f)
			checkText(t, fm, doc)
			again := render(t, fm.render, f)
			if !bytes.Equal(doc, again) {
				t.Errorf("empty feed renders differently twice")
			}
			switch fm.name {
			case "rss":
				if bytes.Contains(doc, []byte("lastBuildDate")) {
					t.Errorf("empty RSS feed without a date has a lastBuildDate:\n%s", doc)
				}
			case "atom":
				if !bytes.Contains(doc, []byte("<updated>1970-01-01T00:00:00Z</updated>")) {
					t.Errorf("empty Atom feed: want updated at the Unix epoch:\n%s", doc)
				}
			case "json":
				if !bytes.Contains(doc, []byte(`"items":[]`)) {
					t.Errorf("empty JSON feed has no items array:\n%s", doc)
				}
			}
		})
	}
}

// FuzzRender feeds arbitrary text through every field that carries text and
// checks that each format stays well-formed and free of forbidden characters.
func FuzzRender(f *testing.F) {
	for _, a := range articles() {
		f.Add(a.Title, a.Summary, a.Content, strings.Join(a.Authors, ","), a.Tags[0].Slug)
	}
	f.Add("\x00", "\xed\xa0\x80", "]]>", "\uffff", "\x85")
	f.Fuzz(func(t *testing.T, title, summary, content, author, word string) {
		fd := testFeed(".xml")
		fd.ID, fd.Title, fd.Description, fd.Author = "tag:"+word, title+"x", summary, author+"x"
		fd.Rights, fd.Language = summary, word
		for _, u := range []*string{&fd.HomeURL, &fd.SelfURL, &fd.HubURL, &fd.IconURL, &fd.FirstURL, &fd.PrevURL, &fd.NextURL, &fd.LastURL} {
			*u = base + "/" + word
		}
		fd.Link = func(a *feed.Article) string { return base + "/a/" + word }
		fd.TagURL = func(slug string) string { return base + "/t/" + word }
		fd.TagName = func(string) string { return word }
		for i := range fd.Items {
			a := &fd.Items[i]
			a.GUID = fmt.Sprintf("tag:%s,%d", word, i)
			a.Title, a.Summary, a.Content = title, summary, content
			a.Authors = []string{author, word}
			a.Tags = append(a.Tags, feed.ArticleTag{Slug: word})
			a.Language, a.URL = word, word
			if p := a.Provenance; p != nil {
				p.SourceName, p.FeedTitle, p.FeedURL, p.FeedID = author, title, word, word
				p.Link, p.OriginalID = word, word
			}
		}
		for _, fm := range formats {
			var buf bytes.Buffer
			if err := fm.render(&buf, fd); err != nil {
				t.Fatalf("%s: %v", fm.name, err)
			}
			checkText(t, fm, buf.Bytes())
		}
	})
}

// TestLinks checks the paging and hub links of each format, and that none
// is written when its URL is not set.
func TestLinks(t *testing.T) {
	rels := func(t *testing.T, doc []byte) map[string]string {
		t.Helper()
		got := map[string]string{}
		d := xml.NewDecoder(bytes.NewReader(doc))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				return got
			}
			if err != nil {
				t.Fatal(err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Space == nsAtom && se.Name.Local == "link" {
				var rel, href string
				for _, a := range se.Attr {
					switch a.Name.Local {
					case "rel":
						rel = a.Value
					case "href":
						href = a.Value
					}
				}
				if _, dup := got[rel]; !dup { // the first: the feed's, not an entry's
					got[rel] = href
				}
			}
		}
	}
	paged := func(ext string) *Feed {
		f := testFeed(ext)
		self := f.SelfURL
		f.FirstURL, f.PrevURL, f.NextURL, f.LastURL = self+"?page=1", self+"?page=2", self+"?page=4", self+"?page=9"
		return f
	}
	bare := func(ext string) *Feed {
		f := testFeed(ext)
		f.HubURL, f.FirstURL, f.NextURL = "", "", ""
		return f
	}
	for _, fm := range formats[:2] {
		t.Run(fm.name, func(t *testing.T) {
			self := paged(fm.ext).SelfURL
			want := map[string]string{
				"self": self, "hub": base + "/hub",
				"first": self + "?page=1", "previous": self + "?page=2", "next": self + "?page=4", "last": self + "?page=9",
			}
			got := rels(t, render(t, fm.render, paged(fm.ext)))
			for rel, href := range want {
				if got[rel] != href {
					t.Errorf("rel=%q: href = %q, want %q", rel, got[rel], href)
				}
			}
			got = rels(t, render(t, fm.render, bare(fm.ext)))
			for _, rel := range []string{"hub", "first", "previous", "next", "last"} {
				if href, ok := got[rel]; ok {
					t.Errorf("bare feed has rel=%q to %q", rel, href)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		var j struct {
			Next string `json:"next_url"`
			Hubs []struct {
				Type, URL string
			} `json:"hubs"`
		}
		if err := json.Unmarshal(render(t, JSON, paged(".json")), &j); err != nil {
			t.Fatal(err)
		}
		if want := paged(".json").SelfURL + "?page=4"; j.Next != want {
			t.Errorf("next_url = %q, want %q", j.Next, want)
		}
		if len(j.Hubs) != 1 || j.Hubs[0].Type != "WebSub" || j.Hubs[0].URL != base+"/hub" {
			t.Errorf("hubs = %+v, want one WebSub hub", j.Hubs)
		}
		doc := render(t, JSON, bare(".json"))
		if bytes.Contains(doc, []byte(`"next_url"`)) || bytes.Contains(doc, []byte(`"hubs"`)) {
			t.Errorf("bare feed has next_url or hubs: %s", doc)
		}
	})
}

func TestIsPermaLink(t *testing.T) {
	for _, tc := range []struct{ guid, link, want string }{
		{"tag:herald.example,2024:a", "https://herald.example/a", "false"},
		{"https://herald.example/a", "https://herald.example/a", "true"},
		{"https://herald.example/a", "https://herald.example/b", "false"},
		{"urn:x", "urn:x", "false"},
	} {
		if got := isPermaLink(tc.guid, tc.link); got != tc.want {
			t.Errorf("isPermaLink(%q, %q) = %q, want %q", tc.guid, tc.link, got, tc.want)
		}
	}
}

// TestSize checks the size estimate against what each format writes: never
// under (the buffer would grow, copying what it holds), and not far over.
func TestSize(t *testing.T) {
	for _, fm := range formats {
		empty := testFeed(fm.ext)
		empty.Items = nil
		for name, f := range map[string]*Feed{
			"golden":      testFeed(fm.ext),
			"50 articles": benchFeed(50, fm.ext),
			"empty":       empty,
		} {
			got := len(render(t, fm.render, f))
			size := Size(f)
			t.Logf("%s, %s: Size %d, written %d", fm.name, name, size, got)
			if size < got || size > got+got/4+8192 {
				t.Errorf("%s, %s: Size %d for a document of %d bytes", fm.name, name, size, got)
			}
		}
	}
}
