package web

import (
	"net/http"

	"herald/feed/opml"
)

// handleOPML lists the site feed and every tag's feed, so that a reader can
// subscribe to all of them in one step.
func (s *Server) handleOPML(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.store.Tags(r.Context())
	if err != nil {
		return err
	}
	doc := opml.Document{Title: s.cfg.Title + " feeds", Created: s.cfg.Now()}
	doc.Outlines = append(doc.Outlines, opml.Outline{Text: s.cfg.Title, Title: s.cfg.Title, Type: "rss",
		XMLURL: s.abs("/feed.atom"), HTMLURL: s.abs("/")})
	var feeds []opml.Outline
	for _, t := range tags {
		feeds = append(feeds, opml.Outline{Text: t.Name, Title: s.cfg.Title + ": " + t.Name, Type: "rss",
			XMLURL: s.abs("/tags/" + t.Slug + "/feed.atom"), HTMLURL: s.abs("/tags/" + t.Slug)})
	}
	doc.Outlines = append(doc.Outlines, opml.Folder("Tags", feeds...))
	out, err := opml.Marshal(&doc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `inline; filename="herald-feeds.opml"`)
	s.serveAnswer(w, r, &answer{status: http.StatusOK, policy: publicList, contentType: "text/x-opml; charset=utf-8",
		body: out})
	return nil
}
