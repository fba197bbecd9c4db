package render

import (
	"encoding/json"
	"encoding/xml"
	"regexp"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
)

// Just enough of each format to compare the addresses of items and sources.
type (
	rssLinks struct {
		Items []struct {
			Link   string `xml:"link"`
			Source *struct {
				URL string `xml:"url,attr"`
			} `xml:"source"`
		} `xml:"channel>item"`
	}
	atomLinks struct {
		Entries []struct {
			ID    string `xml:"id"`
			Links []struct {
				Href string `xml:"href,attr"`
				Rel  string `xml:"rel,attr"`
			} `xml:"link"`
			Source *struct {
				ID      string `xml:"id"`
				Updated string `xml:"updated"`
				Links   []struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	jsonLinks struct {
		Items []struct {
			URL         string `json:"url"`
			ExternalURL string `json:"external_url"`
		} `json:"items"`
	}
)

func readLinks(t *testing.T, f func(ext string) *Feed) (rssLinks, atomLinks, jsonLinks) {
	t.Helper()
	var (
		r rssLinks
		a atomLinks
		j jsonLinks
	)
	if err := xml.Unmarshal(render(t, RSS, f(".rss")), &r); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(render(t, Atom, f(".atom")), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(render(t, JSON, f(".json")), &j); err != nil {
		t.Fatal(err)
	}
	n := len(f(".rss").Items)
	if len(r.Items) != n || len(a.Entries) != n || len(j.Items) != n {
		t.Fatalf("got %d RSS items, %d Atom entries, %d JSON items, want %d of each", len(r.Items), len(a.Entries), len(j.Items), n)
	}
	return r, a, j
}

// TestSamePageEveryFormat checks that a reader following an item lands on
// the same page whichever format it reads: the original for an external
// item, our page for our own.
func TestSamePageEveryFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		feed func(ext string) *Feed
	}{
		{"golden", testFeed},
		{"junk", junkFeed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, a, j := readLinks(t, tc.feed)
			for i, want := range tc.feed(".rss").Items {
				page := base + "/articles/" + want.Slug
				if want.Origin == feed.OriginExternal {
					if p := feed.NormalizeURL(nil, want.Provenance.Link); p != "" {
						page = p
					}
				}
				var alternate string
				for _, l := range a.Entries[i].Links {
					if l.Rel == "alternate" {
						alternate = l.Href
					}
				}
				if r.Items[i].Link != page || alternate != page || j.Items[i].URL != page {
					t.Errorf("item %d: RSS link %q, Atom alternate %q, JSON url %q; want %q in each",
						i, r.Items[i].Link, alternate, j.Items[i].URL, page)
				}
				if j.Items[i].ExternalURL != "" {
					t.Errorf("item %d: JSON external_url %q, want none", i, j.Items[i].ExternalURL)
				}
			}
		})
	}
}

// uri is RFC 3986's URI grammar, much as JSON Feed's schema checker
// (ajv-formats "uri") has it: ASCII only, every '%' an escape.
var uri = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:` +
	`(//(([A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-F]{2})*@)?(\[[0-9a-f:.]+\]|([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(:[0-9]*)?)?` +
	`([A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-F]{2})*` +
	`(\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*)?` +
	`(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*)?$`)

// junkFeed is the golden feed plus external items with what production
// feeds gave: ids that are not IRIs, links with characters a URI may not
// hold, a feed without a date, as stored before herald normalized them.
func junkFeed(ext string) *Feed {
	f := testFeed(ext)
	ext0 := f.Items[2]
	junk := []struct {
		link, feedURL, feedID string
	}{
		{`https://agency.example/news?id=1&q="quoted"`, "https://agency.example/feed?a=<b>", "/id/1234"},
		{"https://agency.example/a<b>c d", "HTTP://Agency.Example:80/feed", "urn:uuid:1234"},
		{"javascript:alert(1)", "https://agency.example/feed", "urn:uuid:60A76C80-D399-11D9-B93C-0003939E0AF6"},
		{"/relative/only", "not a url", "https://Agency.Example"},
	}
	for i, j := range junk {
		a := ext0
		p := *ext0.Provenance
		a.ID = ext0.ID + string(rune('a'+i))
		a.GUID = ext0.GUID + string(rune('a'+i))
		a.Slug = ext0.Slug + "-" + string(rune('a'+i))
		a.URL = j.link
		p.Link, p.FeedURL, p.FeedID, p.FeedUpdated = j.link, j.feedURL, j.feedID, ext0.Updated.AddDate(0, 0, -i)
		if i%2 == 1 {
			p.FeedUpdated = time.Time{} // the feed had no date
		}
		a.Provenance = &p
		f.Items = append(f.Items, a)
	}
	return f
}

// TestUpstreamJunk renders external items whose links and ids are junk, as
// stored before herald normalized them at parse time: every id, link and
// source URL must still be a URI, the source must have an id and updated
// time, and the validators must accept the documents.
func TestUpstreamJunk(t *testing.T) {
	r, a, j := readLinks(t, junkFeed)
	for i, it := range r.Items {
		if !uri.MatchString(it.Link) {
			t.Errorf("RSS item %d: link %q is not a URI", i, it.Link)
		}
		if it.Source != nil && !uri.MatchString(it.Source.URL) {
			t.Errorf("RSS item %d: source url %q is not a URI", i, it.Source.URL)
		}
	}
	wantSourceIDs := []string{
		"tag:state.gov,2005:press-releases",
		"https://agency.example/feed?a=%3Cb%3E", // not /id/1234: the feed URL
		"http://agency.example/feed",            // not urn:uuid:1234
		"urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6",
		"https://agency.example/",
	}
	items := junkFeed(".atom").Items
	for i, e := range a.Entries {
		if !uri.MatchString(e.ID) {
			t.Errorf("Atom entry %d: id %q is not a URI", i, e.ID)
		}
		for _, l := range e.Links {
			if !uri.MatchString(l.Href) {
				t.Errorf("Atom entry %d: link %q is not a URI", i, l.Href)
			}
		}
		if items[i].Origin != feed.OriginExternal {
			continue
		}
		s := e.Source
		if s == nil {
			t.Errorf("Atom entry %d: no source", i)
			continue
		}
		if want := wantSourceIDs[0]; s.ID != want {
			t.Errorf("Atom entry %d: source id %q, want %q", i, s.ID, want)
		}
		if s.Updated == "" {
			t.Errorf("Atom entry %d: source without updated", i)
		}
		for _, l := range s.Links {
			if !uri.MatchString(l.Href) {
				t.Errorf("Atom entry %d: source link %q is not a URI", i, l.Href)
			}
		}
		wantSourceIDs = wantSourceIDs[1:]
	}
	if s := a.Entries[len(a.Entries)-1].Source; len(s.Links) != 0 {
		t.Errorf("a source whose feed URL is not one has links %+v, want none", s.Links)
	}
	if s := r.Items[len(r.Items)-1].Source; s != nil {
		t.Errorf("RSS source %+v for a feed URL that is not one, want none", s)
	}
	for i, it := range j.Items {
		if !uri.MatchString(it.URL) {
			t.Errorf("JSON item %d: url %q is not a URI", i, it.URL)
		}
	}

	n := len(junkFeed(".rss").Items)
	atom := render(t, Atom, junkFeed(".atom"))
	rss := render(t, RSS, junkFeed(".rss"))
	jsonDoc := render(t, JSON, junkFeed(".json"))
	t.Run("atom/jing", func(t *testing.T) { t.Parallel(); conformance.Atom(t, atom) })
	t.Run("atom/feedparser", func(t *testing.T) { t.Parallel(); conformance.FeedParser(t, atom, n) })
	t.Run("rss/feedparser", func(t *testing.T) { t.Parallel(); conformance.FeedParser(t, rss, n) })
	t.Run("json/ajv", func(t *testing.T) { t.Parallel(); conformance.JSONFeed(t, jsonDoc) })
}
