// Package opml reads and writes OPML 2.0 subscription lists, the outlines of
// feeds that feed readers import and export.
//
// Parse is the one reader and Marshal the one writer; both speak in terms of
// a Document and its Outlines. Parse takes outside input: it reads at most
// MaxSize bytes, refuses DTDs (so no entity is ever expanded), caps the
// nesting of elements at MaxDepth and the number of outlines at MaxOutlines,
// and says where in the document a problem is. It imports nothing outside
// the standard library.
package opml

import (
	"encoding/xml"
	"time"
)

// A Document is an OPML document: a head with a title and a date, and a
// body of outlines.
type Document struct {
	Title string
	// Created is the head's dateCreated, in UTC; zero when the head has
	// none, or none that reads as an RFC 822 date.
	Created  time.Time
	Outlines []Outline
}

// An Outline is one node of a document's body: a feed when it has an XMLURL
// (and Type "rss"), else a folder of the outlines it holds (see Folder).
// The xml tags are its attributes as Marshal writes them, in this order.
type Outline struct {
	Text    string `xml:"text,attr"` // what a reader shows; OPML requires it, even empty
	Title   string `xml:"title,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`    // "rss" for a feed of any format
	XMLURL  string `xml:"xmlUrl,attr,omitempty"`  // the feed
	HTMLURL string `xml:"htmlUrl,attr,omitempty"` // the site or page of the feed
	// Category is a comma-separated list of slash-delimited category paths:
	// "/Boston/Weather,/Harvard".
	Category string    `xml:"category,attr,omitempty"`
	Outlines []Outline `xml:"outline"`
}

// Folder returns a folder: an outline with a text and the outlines it
// holds, and no other attribute. OPML 2.0 names no type for a folder, and
// the feed validators (feedvalidator.org, the W3C's) warn of an outline
// with a title, htmlUrl or xmlUrl but no type ("MissingOutlineType") and of
// any type but "rss" and "link" ("InvalidOutlineType"): a folder with
// type="category" would be as wrong as one with a title. Readers show a
// folder by its text.
func Folder(text string, outlines ...Outline) Outline {
	return Outline{Text: text, Outlines: outlines}
}

// document is a Document as encoding/xml writes it.
type document struct {
	XMLName  xml.Name  `xml:"opml"`
	Version  string    `xml:"version,attr"`
	Title    string    `xml:"head>title"`
	Created  string    `xml:"head>dateCreated,omitempty"`
	Outlines []Outline `xml:"body>outline"`
}

// dateLayout is how Marshal writes dateCreated, always in UTC: RFC 822 with
// a four-digit year and a numeric zone, as OPML 2.0 asks.
const dateLayout = time.RFC1123Z

// Marshal returns d as an OPML 2.0 document: the XML declaration, then the
// opml element indented by two spaces, without a final newline. An empty body
// is written as <body></body>, although OPML 2.0 asks for one outline at
// least, so that an empty list reads back as one.
func Marshal(d *Document) ([]byte, error) {
	doc := document{Version: "2.0", Title: d.Title, Outlines: d.Outlines}
	if !d.Created.IsZero() {
		doc.Created = d.Created.UTC().Format(dateLayout)
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}
