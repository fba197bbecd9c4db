package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/gorilla/feeds"

	"herald/feed"
)

// XML namespaces of the RSS extensions herald writes.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
)

// rssDoc is gorilla's <rss> element with the namespaces herald uses and a
// channel of its own. encoding/xml lets a field of the outer struct replace
// an embedded field of the same XML name, which is how Channel, and the
// fields below that repeat gorilla's names, take over.
type rssDoc struct {
	feeds.RssFeedXml
	NSAtom string `xml:"xmlns:atom,attr"`
	NSDC   string `xml:"xmlns:dc,attr"`
	// NSHerald declares herald's namespace when an item is embargoed.
	NSHerald string      `xml:"xmlns:herald,attr,omitempty"`
	Channel  *rssChannel `xml:"channel"`
}

// rssChannel takes link, language, lastBuildDate, generator and image from
// gorilla's channel. Title, description and copyright are replaced to be
// written as RSS plain text (see rssText); fields declared before the
// embedded struct are also written before its fields.
type rssChannel struct {
	Title       rssText `xml:"title"`
	Description rssText `xml:"description"`
	feeds.RssFeed
	AtomLinks []rssAtomLink `xml:"atom:link"`
	Archive   *fhArchive    `xml:"http://purl.org/syndication/history/1.0 archive"`
	Copyright *rssText      `xml:"copyright"`
	Items     []*rssItem    `xml:"item"`
}

type rssItem struct {
	Title rssText `xml:"title"`
	// gorilla's item supplies link, description, content:encoded, guid and
	// pubDate; its title (see rssText), author (which must be an e-mail
	// address), category and source (a bare URL) are replaced.
	feeds.RssItem
	Creators   []rssText     `xml:"dc:creator"`
	Categories []rssCategory `xml:"category"`
	Source     *rssSource    `xml:"source"`
	Language   string        `xml:"dc:language,omitempty"`
	Rights     *rssText      `xml:"dc:rights"`
	// Embargo is the time an embargoed item's embargo lifts (early access).
	Embargo string `xml:"herald:embargo-until,omitempty"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	rssText
}

type rssSource struct {
	URL string `xml:"url,attr"`
	rssText
}

// RSS writes f to w as RSS 2.0 with the atom, content and dc extensions,
// following the RSS Advisory Board's Best Practices Profile. An error wraps
// feed.ErrInvalid when f lacks something RSS needs (see Feed), or is the
// error w returned.
func RSS(w io.Writer, f *Feed) error {
	doc, err := f.rss()
	if err == nil {
		err = writeXML(w, doc)
	}
	if err != nil {
		return fmt.Errorf("render rss %s: %w", f.ID, err)
	}
	return nil
}

func (f *Feed) rss() (*rssDoc, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	ch := &rssChannel{
		Title:       plain(f.Title),
		Description: plain(f.Description),
		RssFeed: feeds.RssFeed{
			Link:          clean(f.HomeURL),
			Language:      clean(f.Language),
			LastBuildDate: rfc822(f.updated()),
			Generator:     generator,
		},
		AtomLinks: f.rssLinks(),
		Archive:   f.archiveMark(),
		Items:     make([]*rssItem, 0, len(f.Items)),
	}
	if f.IconURL != "" {
		ch.Image = &feeds.RssImage{Url: clean(f.IconURL), Title: clean(f.Title), Link: clean(f.HomeURL)}
	}
	var ownRights *rssText
	if f.Rights != "" {
		r := plain(f.Rights)
		if f.hasExternal() {
			ownRights = &r
		} else {
			ch.Copyright = &r
		}
	}
	for i := range f.Items {
		it, err := f.rssItem(&f.Items[i], ownRights)
		if err != nil {
			return nil, err
		}
		ch.Items = append(ch.Items, it)
	}
	doc := &rssDoc{
		RssFeedXml: feeds.RssFeedXml{Version: "2.0", ContentNamespace: nsContent},
		NSAtom:     nsAtom,
		NSDC:       nsDC,
		Channel:    ch,
	}
	if f.hasEmbargoed() {
		doc.NSHerald = NSHerald
	}
	return doc, nil
}

func (f *Feed) rssLinks() []rssAtomLink {
	ls := []rssAtomLink{{Href: clean(f.SelfURL), Rel: "self", Type: rssType}}
	if f.HubURL != "" {
		ls = append(ls, rssAtomLink{Href: clean(f.HubURL), Rel: "hub"})
	}
	for _, p := range f.paging() {
		ls = append(ls, rssAtomLink{Href: p.href, Rel: p.rel, Type: rssType})
	}
	return ls
}

// rights, when not nil, is the outlet's copyright for the item if it is the
// outlet's own.
func (f *Feed) rssItem(a *feed.Article, rights *rssText) (*rssItem, error) {
	a = withEmbargoLine(a)
	l, err := f.links(a)
	if err != nil {
		return nil, err
	}
	guid := clean(a.GUID)
	it := &rssItem{
		Title: plain(a.Title),
		RssItem: feeds.RssItem{
			Link:    l.best(),
			Guid:    &feeds.RssGuid{Id: guid, IsPermaLink: isPermaLink(guid, l.best())},
			PubDate: rfc822(a.Published),
		},
		Language: clean(a.Language),
		Embargo:  embargoUntil(a),
	}
	// description holds HTML in RSS. With a summary it is the summary, as
	// HTML, and content:encoded the article; without one the article itself.
	summary, content := clean(a.Summary), clean(withCorrections(a))
	if summary != "" {
		it.Description = textToHTML.Replace(summary)
		if content != "" {
			it.Content = &feeds.RssContent{Content: content}
		}
	} else {
		it.Description = content
	}
	for _, name := range authors(a) {
		it.Creators = append(it.Creators, plain(name))
	}
	for _, t := range a.Tags {
		it.Categories = append(it.Categories, rssCategory{Domain: f.tagURL(t.Slug), rssText: plain(t.Slug)})
	}
	if a.Origin == feed.OriginExternal {
		// RSS's source needs a URL; without a valid one there is none.
		if p := a.Provenance; p != nil && sourceURL(p) != "" {
			name := p.FeedTitle
			if name == "" {
				name = p.SourceName
			}
			it.Source = &rssSource{URL: sourceURL(p), rssText: plain(name)}
		}
	} else {
		it.Rights = rights
	}
	return it, nil
}

// isPermaLink says, as RSS's guid attribute wants it, whether guid is the
// item's URL. herald's GUIDs are tag: URIs, so it is normally "false".
func isPermaLink(guid, link string) string {
	if guid == link && (strings.HasPrefix(guid, "https://") || strings.HasPrefix(guid, "http://")) {
		return "true"
	}
	return "false"
}

// textToHTML turns plain text into HTML that shows the same text.
var textToHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
