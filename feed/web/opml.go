package web

import (
	"encoding/xml"
	"net/http"
	"time"
)

// OPML 2.0 documents, enough for a subscription list.
type opml struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Created string      `xml:"head>dateCreated,omitempty"`
	Outline []opmlEntry `xml:"body>outline"`
}

type opmlEntry struct {
	Text    string      `xml:"text,attr"`
	Title   string      `xml:"title,attr,omitempty"`
	Type    string      `xml:"type,attr,omitempty"`
	XMLURL  string      `xml:"xmlUrl,attr,omitempty"`
	HTMLURL string      `xml:"htmlUrl,attr,omitempty"`
	Outline []opmlEntry `xml:"outline,omitempty"`
}

// handleOPML lists the site feed and every tag's feed, so that a reader can
// subscribe to all of them in one step.
func (s *Server) handleOPML(w http.ResponseWriter, r *http.Request) {
	tags, err := s.store.Tags(r.Context())
	if err != nil {
		s.textError(w, r, err)
		return
	}
	doc := opml{Version: "2.0", Title: s.cfg.Title + " feeds", Created: s.cfg.Now().UTC().Format(time.RFC1123Z)}
	doc.Outline = append(doc.Outline, opmlEntry{Text: s.cfg.Title, Title: s.cfg.Title, Type: "rss",
		XMLURL: s.abs("/feed.atom"), HTMLURL: s.abs("/")})
	group := opmlEntry{Text: "Tags", Title: "Tags"}
	for _, t := range tags {
		group.Outline = append(group.Outline, opmlEntry{Text: t.Name, Title: s.cfg.Title + ": " + t.Name, Type: "rss",
			XMLURL: s.abs("/tags/" + t.Slug + "/feed.atom"), HTMLURL: s.abs("/tags/" + t.Slug)})
	}
	doc.Outline = append(doc.Outline, group)
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.textError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="herald-feeds.opml"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte(xml.Header))
	w.Write(out)
}
