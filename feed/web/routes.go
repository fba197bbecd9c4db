package web

import (
	"io/fs"
	"net/http"
)

// routes is the whole route table. Every route goes through m, which
// records it: openapi_test.go checks the /api/ routes against the OpenAPI
// document (openapi.json), both ways.
func (s *Server) routes() {
	m := &routeTable{mux: s.mux}
	defer func() { s.patterns = m.patterns }()
	// Feeds.
	for _, ext := range []string{"rss", "atom", "json"} {
		m.HandleFunc("GET /feed."+ext, s.handleSiteFeed(ext))
		m.HandleFunc("GET /tags/{slugs}/feed."+ext, s.handleTagFeed(ext))
	}
	m.HandleFunc("GET /archive/{doc}", s.handleSiteArchive)
	m.HandleFunc("GET /tags/{slugs}/archive/{doc}", s.handleTagArchive)
	m.HandleFunc("GET /feeds.opml", s.handleOPML)
	for _, ext := range []string{"rss", "atom", "json"} {
		m.HandleFunc("GET /search/feed."+ext, s.handleSearchFeed(ext)) // a saved search; see search.go
	}
	m.HandleFunc("POST /websub", s.handleHubRequest) // WebSub hub; see hub.go
	m.HandleFunc("GET /websub", s.handleHubInfo)

	// Subscriber feeds: the same, under a token that unlocks the plan's content.
	for _, ext := range []string{"rss", "atom", "json"} {
		m.HandleFunc("GET /s/{token}/feed."+ext, s.handleSubscriberFeed(ext))
		m.HandleFunc("GET /s/{token}/tags/{slugs}/feed."+ext, s.handleSubscriberFeed(ext))
		m.HandleFunc("GET /s/{token}/search/feed."+ext, s.handleSubscriberSearchFeed(ext))
	}
	m.HandleFunc("GET /s/{token}/archive/{doc}", s.handleSubscriberArchive)
	m.HandleFunc("GET /s/{token}/tags/{slugs}/archive/{doc}", s.handleSubscriberArchive)

	// Pages.
	m.HandleFunc("GET /{$}", s.handleHome)
	m.HandleFunc("GET /tags/{slugs}", s.handleTagPage)
	m.HandleFunc("GET /articles/{id}", s.handleArticlePage)
	m.HandleFunc("GET /articles/{id}/{slug}", s.handleArticlePage)
	m.HandleFunc("GET /search", s.handleSearchPage)
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
	m.HandleFunc("GET /api/articles/{id}/versions", s.handleArticleVersions)
	m.HandleFunc("GET /api/changes", s.handleChangeList)
	m.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)
	m.HandleFunc("GET /api/tags", s.handleTagList)
	m.HandleFunc("POST /api/tags", s.requireToken(s.handleTagCreate))
	m.HandleFunc("GET /api/tags/{slug}", s.handleTagGet)
	m.HandleFunc("PATCH /api/tags/{slug}", s.requireToken(s.handleTagUpdate))
	m.HandleFunc("DELETE /api/tags/{slug}", s.requireToken(s.handleTagDelete))
	// Sources: all of it needs a token, reads too (last errors can name
	// intranet hosts).
	m.HandleFunc("GET /api/sources", s.requireToken(s.handleSourceList))
	m.HandleFunc("POST /api/sources", s.requireToken(s.handleSourceCreate))
	m.HandleFunc("GET /api/sources/{id}", s.requireToken(s.handleSourceGet))
	m.HandleFunc("PATCH /api/sources/{id}", s.requireToken(s.handleSourceUpdate))
	m.HandleFunc("DELETE /api/sources/{id}", s.requireToken(s.handleSourceDelete))
	m.HandleFunc("GET /api/subscribers", s.requireToken(s.handleSubscriberList))
	m.HandleFunc("POST /api/subscribers", s.requireToken(s.handleSubscriberCreate))
	m.HandleFunc("GET /api/subscribers/{name}", s.requireToken(s.handleSubscriberGet))
	m.HandleFunc("POST /api/subscribers/{name}/rotate", s.requireToken(s.handleSubscriberRotate))
	m.HandleFunc("DELETE /api/subscribers/{name}", s.requireToken(s.handleSubscriberRevoke))
}

// routeTable registers routes on a ServeMux and remembers their patterns.
type routeTable struct {
	mux      *http.ServeMux
	patterns []string
}

func (t *routeTable) Handle(pattern string, h http.Handler) {
	t.patterns = append(t.patterns, pattern)
	t.mux.Handle(pattern, h)
}

func (t *routeTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	t.Handle(pattern, http.HandlerFunc(h))
}
