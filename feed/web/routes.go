package web

import "net/http"

// routes is the whole route table. Each route names how its errors are
// answered (see adapt): m.feed in plain text, m.page as an HTML page, m.api
// as JSON. Every route goes through m, which records it: openapi_test.go
// checks the /api/ routes against the OpenAPI document (openapi.json), both
// ways.
func (s *Server) routes() {
	m := &routeTable{s: s, mux: s.mux}
	defer func() { s.patterns = m.patterns }()
	// Feeds.
	for _, ext := range []string{"rss", "atom", "json"} {
		m.feed("GET /feed."+ext, s.handleSiteFeed(ext))
		m.feed("GET /tags/{slugs}/feed."+ext, s.handleTagFeed(ext))
	}
	m.feed("GET /archive/{doc}", s.handleSiteArchive)
	m.feed("GET /tags/{slugs}/archive/{doc}", s.handleTagArchive)
	m.feed("GET /feeds.opml", s.handleOPML)
	for _, ext := range []string{"rss", "atom", "json"} {
		m.feed("GET /corrections/feed."+ext, s.handleCorrectionsFeed(ext)) // see corrections.go
	}
	for _, ext := range []string{"rss", "atom", "json"} {
		m.feed("GET /search/feed."+ext, s.handleSearchFeed(ext)) // a saved search; see search.go
	}
	m.feed("POST /websub", s.handleHubRequest) // WebSub hub; see hub.go
	m.feed("GET /websub", s.handleHubInfo)

	// Subscriber feeds: the same, under a token that unlocks the plan's content.
	for _, ext := range []string{"rss", "atom", "json"} {
		m.feed("GET /s/{token}/feed."+ext, s.handleSubscriberFeed(ext))
		m.feed("GET /s/{token}/tags/{slugs}/feed."+ext, s.handleSubscriberFeed(ext))
		m.feed("GET /s/{token}/search/feed."+ext, s.handleSubscriberSearchFeed(ext))
	}
	m.feed("GET /s/{token}/archive/{doc}", s.handleSubscriberArchive)
	m.feed("GET /s/{token}/tags/{slugs}/archive/{doc}", s.handleSubscriberArchive)

	// Pages.
	m.page("GET /{$}", s.handleHome)
	m.page("GET /tags/{slugs}", s.handleTagPage)
	m.page("GET /articles/{id}", s.handleArticlePage)
	m.page("GET /articles/{id}/{slug}", s.handleArticlePage)
	m.page("GET /search", s.handleSearchPage)
	m.page("GET /corrections", s.handleCorrectionsPage)
	m.page("GET /corrections/{id}", s.handleCorrectionPage)
	m.page("GET /stats", s.statsAuth(s.handleStatsPage)) // an API token, also as ?token=
	m.page("GET /stats.svg", s.statsAuth(s.handleStatsChart))
	m.page("GET /static/", s.handleStatic())
	m.feed("GET /healthz", s.handleHealth)
	if s.cfg.Metrics != nil && s.cfg.ServeMetrics {
		m.Handle("GET /metrics", s.cfg.Metrics.Handler())
	}
	m.Handle("/", s.unrouted()) // an HTML 404, or under /api/ a JSON 404 or 405

	// API. Reads are public, like the feeds; writes need a token.
	m.api("GET /api/articles", s.handleArticleList)
	m.api("POST /api/articles", s.requireToken(s.handleArticleCreate))
	m.api("GET /api/articles/{id}", s.handleArticleGet)
	m.api("PUT /api/articles/{id}", s.requireToken(s.handleArticlePut))
	m.api("DELETE /api/articles/{id}", s.requireToken(s.handleArticleDelete))
	m.api("GET /api/articles/{id}/versions", s.handleArticleVersions)
	m.api("GET /api/changes", s.handleChangeList)
	m.api("GET /api/corrections", s.handleCorrectionList)
	m.api("GET /api/openapi.json", s.handleOpenAPI)
	m.api("GET /api/tags", s.handleTagList)
	m.api("POST /api/tags", s.requireToken(s.handleTagCreate))
	m.api("POST /api/tags/apply", s.requireToken(s.handleTagApply)) // ?dry_run=1 previews; see tag.go
	m.api("GET /api/tags/{slug}", s.handleTagGet)
	m.api("PATCH /api/tags/{slug}", s.requireToken(s.handleTagUpdate))
	m.api("DELETE /api/tags/{slug}", s.requireToken(s.handleTagDelete))
	// Sources: all of it needs a token, reads too (last errors can name
	// intranet hosts).
	m.api("GET /api/sources", s.requireToken(s.handleSourceList))
	m.api("POST /api/sources", s.requireToken(s.handleSourceCreate))
	m.api("GET /api/sources/{id}", s.requireToken(s.handleSourceGet))
	m.api("PATCH /api/sources/{id}", s.requireToken(s.handleSourceUpdate))
	m.api("DELETE /api/sources/{id}", s.requireToken(s.handleSourceDelete))
	m.api("GET /api/subscribers", s.requireToken(s.handleSubscriberList))
	m.api("POST /api/subscribers", s.requireToken(s.handleSubscriberCreate))
	m.api("GET /api/subscribers/{name}", s.requireToken(s.handleSubscriberGet))
	m.api("POST /api/subscribers/{name}/rotate", s.requireToken(s.handleSubscriberRotate))
	m.api("DELETE /api/subscribers/{name}", s.requireToken(s.handleSubscriberRevoke))
	// Readership statistics: not public (see stats.go).
	m.api("GET /api/stats", s.requireToken(s.handleStats))
}

// routeTable registers routes on a ServeMux and remembers their patterns.
type routeTable struct {
	s        *Server
	mux      *http.ServeMux
	patterns []string
}

func (t *routeTable) Handle(pattern string, h http.Handler) {
	t.patterns = append(t.patterns, pattern)
	t.mux.Handle(pattern, h)
	if m := t.s.cfg.Metrics; m != nil {
		t.s.routeMetrics[pattern] = m.Route(pattern)
		if t.s.routeMetrics[""] == nil {
			t.s.routeMetrics[""] = m.Route("unmatched") // the mux's own answers: redirects to a clean path
		}
	}
}

// feed registers a route whose errors are answered in plain text.
func (t *routeTable) feed(pattern string, h handler) { t.Handle(pattern, t.s.adapt(textErrors, h)) }

// page registers a route whose errors are answered with an HTML page.
func (t *routeTable) page(pattern string, h handler) { t.Handle(pattern, t.s.adapt(pageErrors, h)) }

// api registers a route whose errors are answered in JSON.
func (t *routeTable) api(pattern string, h handler) { t.Handle(pattern, t.s.adapt(apiErrors, h)) }
