// Package render writes lists of articles as RSS 2.0, Atom 1.0 and JSON Feed
// 1.1 documents.
//
// It is the only package that imports github.com/gorilla/feeds. That library
// misses parts of the three formats (an Atom id of its own, RSS categories and
// dc:creator, self links, entry sources), so this package fills gorilla's
// exported structs itself and embeds them in its own, which add or replace the
// elements that are missing; none of gorilla's types leave the package.
//
// Output is a pure function of the Feed: the same Feed always gives the same
// bytes, so validators, golden files and ETags can rely on it. Every string
// from the Feed passes through one cleaning step, so no control character,
// invalid UTF-8 or character that XML 1.0 forbids reaches a document; the
// addresses copied from other publishers' feeds (an item's original link,
// its source feed's id and URL) pass through feed.NormalizeURL and
// feed.NormalizeIRI, so that none is an invalid URI.
package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"herald/feed"
)

// A Feed is one document to render: a channel's metadata and its items.
type Feed struct {
	ID          string // stable feed id, a tag: URI
	Title       string
	Description string
	HomeURL     string // the HTML page this feed belongs to (absolute)
	SelfURL     string // absolute URL of this document, in the format being written
	HubURL      string // optional WebSub hub, advertised as rel="hub" (JSON Feed: "hubs")
	Language    string // e.g. "en"
	Author      string // the outlet, e.g. "Herald Demo Newsroom"
	Rights      string // outlet copyright; applies to OriginOwn items only
	IconURL     string // optional

	// Items are rendered in order: newest first, already limited.
	Items []feed.Article

	// Link returns the absolute permalink on our site of an item.
	Link func(*feed.Article) string
	// TagURL returns the absolute URL of a tag page, used as the category
	// domain (RSS) and scheme (Atom). Optional.
	TagURL func(slug string) string
	// TagName returns the readable name of a tag, used as the Atom category
	// label. Optional; a "" result leaves the label out.
	TagName func(slug string) string

	// Updated is when the feed last changed. If zero, the latest item's
	// Updated (or Published) is used; never the clock, so that the same input
	// gives the same bytes.
	Updated time.Time

	// Optional paging links (RFC 5005), each in the format being written.
	// RSS and Atom carry all four; JSON Feed has only next_url.
	FirstURL, PrevURL, NextURL, LastURL string

	// Optional archive links (RFC 5005 section 4): the subscription
	// document and the neighbouring archive documents. Archive marks this
	// document as an archive (fh:archive), one that will not change.
	CurrentURL, PrevArchiveURL, NextArchiveURL string
	Archive                                    bool

	// Deleted lists articles removed from the feed, for readers that saw
	// them to drop them. Atom writes each as an at:deleted-entry (RFC
	// 6721); RSS and JSON Feed have no such thing and leave them out. Their
	// deletion times count towards the feed's updated time.
	Deleted []feed.Tombstone
}

const generator = "herald"

// Media types of the three formats, used on self and paging links.
const (
	rssType  = "application/rss+xml"
	atomType = "application/atom+xml"
)

// check reports what the renderers cannot do without: a missing field would
// otherwise give a document that a reader rejects or, worse, one whose ids
// change later. It returns a *feed.ValidationError (matching feed.ErrInvalid).
func (f *Feed) check() error {
	v := &feed.ValidationError{}
	for _, req := range []struct{ field, value string }{
		{"id", f.ID},
		{"title", f.Title},
		{"home_url", f.HomeURL},
		{"self_url", f.SelfURL},
		{"author", f.Author},
	} {
		if strings.TrimSpace(req.value) == "" {
			v.Add(req.field, "is required")
		}
	}
	if f.Link == nil {
		v.Add("link", "is required")
	}
	for i := range f.Items {
		// The store always sets a GUID; inventing one here would give the
		// item a second identity once the real one appears.
		if f.Items[i].GUID == "" {
			v.Add("items", "article %q has no GUID", f.Items[i].ID)
		}
	}
	return v.Err()
}

// updated returns the feed's date: f.Updated, or else the latest item date.
// It is zero only for a feed with neither.
func (f *Feed) updated() time.Time {
	if !f.Updated.IsZero() {
		return utc(f.Updated)
	}
	var latest time.Time
	for i := range f.Items {
		if t := itemUpdated(&f.Items[i]); t.After(latest) {
			latest = t
		}
	}
	for _, d := range f.Deleted {
		if t := utc(d.Deleted); t.After(latest) {
			latest = t
		}
	}
	return latest
}

// hasExternal reports whether any item comes from another publisher. Feed
// level rights would then, by the rules of RSS and Atom, cover those items
// too, so the outlet's rights move onto its own items.
func (f *Feed) hasExternal() bool {
	for i := range f.Items {
		if f.Items[i].Origin == feed.OriginExternal {
			return true
		}
	}
	return false
}

// itemUpdated is when a last changed: Updated, or Published when the store
// has not set Updated.
func itemUpdated(a *feed.Article) time.Time {
	if !a.Updated.IsZero() {
		return utc(a.Updated)
	}
	return utc(a.Published)
}

// utc drops the zone and sub-second part of t, which none of the formats
// need and which would otherwise differ between them.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// rfc822 formats t for RSS: RFC 822 with a four-digit year, in UTC.
func rfc822(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return utc(t).Format(time.RFC1123Z)
}

// rfc3339 formats t for Atom and JSON Feed, in UTC.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return utc(t).Format(time.RFC3339)
}

// links holds the addresses of one item.
type links struct {
	permalink string // our page
	original  string // the source's page, for external items
}

// best is where a reader following the item should land: the original for
// an external item, our page otherwise.
func (l links) best() string {
	if l.original != "" {
		return l.original
	}
	return l.permalink
}

// links returns a's addresses. The original comes from another publisher's
// feed: one that is not a valid http(s) URL, even once normalized (stored
// before herald normalized links, say), is left out, and the item links to
// our page instead.
func (f *Feed) links(a *feed.Article) (links, error) {
	l := links{permalink: clean(f.Link(a))}
	if l.permalink == "" {
		return l, fmt.Errorf("article %q: Link returned no URL", a.ID)
	}
	if a.Origin == feed.OriginExternal {
		if a.Provenance != nil && a.Provenance.Link != "" {
			l.original = feed.NormalizeURL(nil, a.Provenance.Link)
		} else {
			l.original = feed.NormalizeURL(nil, a.URL)
		}
	}
	return l, nil
}

// sourceURL returns the URL of the feed an external item was copied from,
// normalized, or "" when it is not a valid http(s) URL.
func sourceURL(p *feed.Provenance) string {
	return feed.NormalizeURL(nil, p.FeedURL)
}

func (f *Feed) tagURL(slug string) string {
	if f.TagURL == nil {
		return ""
	}
	return clean(f.TagURL(slug))
}

func (f *Feed) tagName(slug string) string {
	if f.TagName == nil {
		return ""
	}
	return clean(f.TagName(slug))
}

// publisher names the publisher of an external item: herald's name for the
// source, else the title of its feed.
func publisher(p *feed.Provenance) string {
	if p.SourceName != "" {
		return clean(p.SourceName)
	}
	return clean(p.FeedTitle)
}

// writeXML writes doc as a UTF-8 XML document.
func writeXML(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// fhArchive is RFC 5005's empty fh:archive element
// (namespace http://purl.org/syndication/history/1.0); nil leaves it out.
type fhArchive struct{}

func (f *Feed) archiveMark() *fhArchive {
	if f.Archive {
		return &fhArchive{}
	}
	return nil
}

// A pagingLink is one RFC 5005 link.
type pagingLink struct{ rel, href string }

func (f *Feed) paging() []pagingLink {
	var ls []pagingLink
	for _, p := range []pagingLink{
		{"first", f.FirstURL},
		{"previous", f.PrevURL},
		{"next", f.NextURL},
		{"last", f.LastURL},
		{"current", f.CurrentURL},
		{"prev-archive", f.PrevArchiveURL},
		{"next-archive", f.NextArchiveURL},
	} {
		if p.href != "" {
			ls = append(ls, pagingLink{p.rel, clean(p.href)})
		}
	}
	return ls
}

// Size estimates the bytes of f's document in any of the three formats, a
// little over rather than under, for the buffer it is written to to be
// allocated once: a feed of fifty 5 KB articles is a quarter of a
// megabyte, which a buffer left to grow copies several times over. The
// bodies go out as they are (CDATA in RSS and Atom; in JSON with a
// backslash before each quote and line break); the rest of an item, its
// links, ids, dates and categories, takes about half a kilobyte.
func Size(f *Feed) int {
	n := 2048 + len(f.Title) + len(f.Description) + 256*len(f.Deleted)
	for i := range f.Items {
		a := &f.Items[i]
		n += 512 + 2*(len(a.Title)+len(a.Summary)) + len(a.Content) + 96*len(a.Tags) + 32*len(a.Authors)
		n += strings.Count(a.Content, `"`) + strings.Count(a.Content, "\n")
	}
	return n
}
