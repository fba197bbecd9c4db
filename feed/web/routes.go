package web

import (
	"io/fs"
	"net/http"
)

// routes is the whole route table.
func (s *Server) routes() {
	m := s.mux
	// Feeds.
	for _, ext := range []string{"rss", "atom", "json"} {
		m.HandleFunc("GET /feed."+ext, s.handleSiteFeed(ext))
		m.HandleFunc("GET /tags/{slugs}/feed."+ext, s.handleTagFeed(ext))
	}
	m.HandleFunc("GET /archive/{doc}", s.handleSiteArchive)
	m.HandleFunc("GET /tags/{slugs}/archive/{doc}", s.handleTagArchive)
	m.HandleFunc("GET /feeds.opml", s.handleOPML)

	// Pages.
	m.HandleFunc("GET /{$}", s.handleHome)
	m.HandleFunc("GET /tags/{slugs}", s.handleTagPage)
	m.HandleFunc("GET /articles/{id}", s.handleArticlePage)
	m.HandleFunc("GET /articles/{id}/{slug}", s.handleArticlePage)
	static, _ := fs.Sub(staticFS, "static") // the directory is embedded
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /healthz", s.handleHealth)
	m.HandleFunc("/", s.handleNotFound)

	// API. Reads are public, like the feeds; writes need a token.
	m.HandleFunc("GET /api/articles", s.handleArticleList)
	m.HandleFunc("POST /api/articles", s.requireToken(s.handleArticleCreate))
	m.HandleFunc("GET /api/articles/{id}", s.handleArticleGet)
	m.HandleFunc("PUT /api/articles/{id}", s.requireToken(s.handleArticlePut))
	m.HandleFunc("DELETE /api/articles/{id}", s.requireToken(s.handleArticleDelete))
	m.HandleFunc("GET /api/tags", s.handleTagList)
	m.HandleFunc("POST /api/tags", s.requireToken(s.handleTagCreate))
	m.HandleFunc("GET /api/tags/{slug}", s.handleTagGet)
	m.HandleFunc("PATCH /api/tags/{slug}", s.requireToken(s.handleTagUpdate))
	m.HandleFunc("DELETE /api/tags/{slug}", s.requireToken(s.handleTagDelete))
}
