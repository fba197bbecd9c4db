package render

import (
	"html"

	"herald/feed"
)

// NSHerald is the XML namespace of herald's own elements in RSS and Atom
// feeds (a tag: URI, RFC 4151: it names, and is never fetched). It does not
// change: readers match it.
const NSHerald = "tag:herald,2026:ns"

// Embargoed articles appear only in the feeds of subscribers with early
// access. Every format marks them with the embargo time: the element
// herald:embargo-until (RFC 3339, UTC) in RSS items and Atom entries, the
// key embargo_until of the _herald object in JSON Feed, and a line at the
// top of the content, "Embargoed until 2026-12-01 09:00 UTC".

// EmbargoLine is the line that starts an embargoed article's content.
func EmbargoLine(a *feed.Article) string {
	return "Embargoed until " + a.EmbargoUntil.UTC().Format("2006-01-02 15:04 UTC")
}

// withEmbargoLine returns a, or for an embargoed article a copy whose
// content (or, with none, its summary) starts with EmbargoLine.
func withEmbargoLine(a *feed.Article) *feed.Article {
	if a.EmbargoUntil.IsZero() {
		return a
	}
	b := *a
	line := EmbargoLine(a)
	if b.Content != "" {
		b.Content = `<p class="embargo"><strong>` + html.EscapeString(line) + "</strong></p>\n" + b.Content
	} else {
		b.Summary = line + "\n\n" + b.Summary
	}
	return &b
}

// embargoUntil is the value of the embargo element of a: its embargo time,
// or "" (no element) for an article that is public.
func embargoUntil(a *feed.Article) string {
	return rfc3339(a.EmbargoUntil)
}

// hasEmbargoed reports whether any item is embargoed, so that the document
// declares herald's namespace.
func (f *Feed) hasEmbargoed() bool {
	for i := range f.Items {
		if !f.Items[i].EmbargoUntil.IsZero() {
			return true
		}
	}
	return false
}
