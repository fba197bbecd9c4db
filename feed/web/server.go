// Package web serves herald over HTTP: the feeds, the pages their items link
// to, the OPML list, and the token-protected JSON API.
package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/metrics"
	"herald/feed/rule"
	"herald/feed/stats"
)

// Store is what the web layer needs from storage.
type Store interface {
	Article(ctx context.Context, id string) (*feed.Article, error)
	Articles(ctx context.Context, f feed.ArticleFilter) ([]feed.Article, error)
	CountArticles(ctx context.Context, f feed.ArticleFilter) (int, error)
	ArchivePages(ctx context.Context, tags []string, origin feed.Origin) (pages []int, open int, err error)
	ArchivePage(ctx context.Context, tags []string, origin feed.Origin, n int) ([]feed.Article, error)
	UpsertArticle(ctx context.Context, a *feed.Article) (feed.Change, error)
	CreateArticle(ctx context.Context, a *feed.Article) error
	DeleteArticle(ctx context.Context, id string) error
	Tags(ctx context.Context) ([]feed.Tag, error)
	TagNames(ctx context.Context) (map[string]string, error)
	Tag(ctx context.Context, slug string) (*feed.Tag, error)
	CreateTag(ctx context.Context, t feed.Tag) error
	UpdateTag(ctx context.Context, slug string, u feed.TagUpdate) (*feed.Tag, error)
	DeleteTag(ctx context.Context, slug string) error
	// Re-applying tag rules (see handleTagApply).
	RetagArticles(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error)
	PreviewRetag(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error)
	Authenticate(ctx context.Context, hash []byte) (*feed.Token, error)
	Sources(ctx context.Context) ([]feed.Source, error)
	Source(ctx context.Context, id int64) (*feed.Source, error)
	CreateSource(ctx context.Context, s feed.Source) (*feed.Source, error)
	UpdateSource(ctx context.Context, id int64, update func(*feed.Source) error) (*feed.Source, error)
	DeleteSource(ctx context.Context, id int64) error
	PurgeSource(ctx context.Context, id int64) (int, error)
	Credits(ctx context.Context, articleID string) ([]feed.Credit, error)
	CreateSubscriber(ctx context.Context, s *feed.Subscriber, hash []byte) error
	Subscribers(ctx context.Context) ([]feed.Subscriber, error)
	Subscriber(ctx context.Context, name string) (*feed.Subscriber, error)
	SubscriberByToken(ctx context.Context, hash []byte) (*feed.Subscriber, error)
	RotateSubscriber(ctx context.Context, name string, hash []byte) error
	RevokeSubscriber(ctx context.Context, name string) error
	AddUsage(ctx context.Context, usage map[int64]feed.Usage) error
	Version(ctx context.Context) (int64, error)
	Site() feed.Site
	// Search, polling, the change log and version history (see
	// search.go and changes.go).
	ArticlePage(ctx context.Context, f feed.ArticleFilter) (*feed.ArticlePage, error)
	Changes(ctx context.Context, cursor string, limit int) (*feed.ChangePage, error)
	Tombstones(ctx context.Context, f feed.TombstoneFilter) ([]feed.Tombstone, error)
	ArticleVersions(ctx context.Context, id string, limit int) ([]feed.ArticleVersion, error)
	// Corrections in public (see corrections.go).
	Corrections(ctx context.Context, f feed.CorrectionFilter) ([]feed.Correction, error)
	CorrectionDiff(ctx context.Context, id int64) (*feed.CorrectionDiff, error)
	// Embargoed articles, for early-access token feeds and editors (see
	// embargo.go).
	EmbargoedArticles(ctx context.Context) ([]feed.Article, error)
	EmbargoedArticle(ctx context.Context, id string) (*feed.Article, error)
}

// Config holds what the server needs to know about its deployment.
type Config struct {
	// BaseURL is the public address every absolute link is built on.
	BaseURL *url.URL
	// Title and Description name the outlet in feeds and pages.
	Title, Description string
	// Rights is the outlet's copyright line for its own articles.
	Rights string
	// Location is the newsroom's time zone, for dates on pages and
	// date-only values sent to the API.
	Location *time.Location
	// Language is the newsroom's language (BCP 47), for articles sent to
	// the API without one whose text does not tell; "" means "en".
	Language string
	// PublicContent is what feeds without a subscriber token carry:
	// feed.PlanFull (the default) or feed.PlanSummary.
	PublicContent feed.Plan
	// FeedMaxAge is the Cache-Control max-age of feeds.
	FeedMaxAge time.Duration
	// StaleAfter bounds how long a cached feed may miss a change made by
	// another process (such as "herald ingest"); this process's own writes
	// are seen at once. While the server hears of every change as it is
	// committed (see Listening), it checks only every NotifiedStaleAfter.
	StaleAfter time.Duration
	// SharedRates counts subscribers' requests in the store (AddRateUse),
	// so that a token's rate per minute holds across every instance on the
	// database (see subscriber.go); the store must count them. Without it
	// each server counts in memory, right for one instance alone.
	SharedRates bool
	// Logger takes what the server has to say, and the access log (a line
	// per request: info, debug for /static/, /healthz and /metrics, error
	// with the error for a 5xx) unless AccessLog is set.
	Logger *slog.Logger
	// AccessLog, when set, takes the access log lines that are not errors,
	// in the form Logger's handler would give them if it were slog's JSON
	// handler, at the levels Logger enables: built without slog, for the
	// cost of answering a cached feed (see logRequest).
	AccessLog io.Writer
	Now       func() time.Time
	// HubURLs are the WebSub hubs feeds advertise: in Link headers all of
	// them, in the document (rel="hub", JSON Feed "hubs") the first.
	HubURLs []string
	// Hub, when set, takes WebSub requests at /websub and hears of every
	// write made through this server (see hub.go).
	Hub Hub
	// CheckSourceURL, when set, refuses source URLs that the poller would
	// refuse to fetch (a private address, say), so the API can say so at once.
	CheckSourceURL func(ctx context.Context, rawURL string) error
	// Metrics, when set, records requests, the feed cache's work, render
	// times and subscriber polls; with ServeMetrics it is served at
	// /metrics too (else the caller serves it elsewhere).
	Metrics      *metrics.Metrics
	ServeMetrics bool
	// Stats, when set, counts every answer of a feed (200 or 304) for the
	// readership statistics (see stats.go); the caller flushes it.
	Stats *stats.Counter
	// Version, Commit and Engine ("sqlite", "postgres") describe the
	// running herald at /healthz?verbose=1.
	Version, Commit, Engine string
	// CacheSize bounds the bytes of the feed cache (feeds, archive
	// documents, search feeds); 0 means DefaultCacheSize. A quarter of it
	// at most holds search feeds, pages past the first and feeds with their
	// own ?limit= (see feedCache).
	CacheSize int64
}

// Server is the http.Handler for everything herald serves.
type Server struct {
	store Store
	cfg   Config
	mux   *http.ServeMux
	log   *slog.Logger
	cache *feedCache
	// cacheControl holds the Cache-Control of each policy.
	cacheControl [numPolicies][]string
	// patterns lists every route routes registered, in order: the route
	// table, for tests to walk.
	patterns []string
	// routeMetrics records the requests of each pattern (nil without
	// Config.Metrics).
	routeMetrics map[string]*metrics.Route
	// pageHeader holds the security header fields of HTML pages, made once
	// (see pageSecurity).
	pageHeader []field
	started    time.Time

	limits rateLimits // per subscriber
	shared *siteRates // per subscriber, across instances; nil without Config.SharedRates
	usage  usageLog   // per subscriber, until FlushUsage

	rules  rule.Cache
	tagTab tagTableCache // see tagTable

	embargoWake chan struct{} // see RunEmbargoes
}

// New returns a Server over st.
func New(st Store, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Title == "" {
		cfg.Title = "herald"
	}
	if cfg.FeedMaxAge == 0 {
		cfg.FeedMaxAge = time.Minute
	}
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = time.Second
	}
	if cfg.BaseURL == nil {
		cfg.BaseURL = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultCacheSize
	}
	s := &Server{store: st, cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), cacheControl: cacheControls(cfg.FeedMaxAge),
		routeMetrics: map[string]*metrics.Route{}, pageHeader: pageSecurity(cfg.BaseURL), started: cfg.Now(),
		embargoWake: make(chan struct{}, 1)}
	s.cache = newFeedCache(st, cfg.Now, cfg.StaleAfter, &s.cacheControl, cfg.CacheSize)
	if cfg.SharedRates {
		rs, ok := st.(rateStore)
		if !ok {
			panic("web: Config.SharedRates needs a store that counts rates")
		}
		s.shared = newSiteRates(rs, cfg.Logger)
	}
	if m := cfg.Metrics; m != nil {
		s.cache.stats, s.cache.metrics = &m.FeedCache, m
		m.FeedCache.Budget.Store(s.cache.maxBytes)
		s.cache.routeOf = s.feedRoute
	}
	if cfg.Stats != nil {
		s.cache.statsOf = s.statsFeedOfKey
	}
	s.routes()
	return s
}

// ServeHTTP answers a request and writes its line of the access log.
//
// A public feed in the feed cache is answered before routing, by its path:
// that is its cache key (see view.cacheKey), and a path routes to one
// handler, the one that built the answer kept under it. Only current 200s
// are served so, to GET and HEAD without a query or an escaped path; all
// else, including the first request for a feed, goes through the routes.
//
// Every answer says X-Content-Type-Options: nosniff, set here once for all
// of them (one map assignment of a prepared value, as cheap as the cached
// answer's own fields), so that no browser reads a feed or an API answer as
// HTML.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	w.Header()["X-Content-Type-Options"] = nosniff
	if r.URL.RawQuery == "" && r.URL.RawPath == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		if a := s.cache.fresh(r.Context(), r.URL.Path, start); a != nil {
			status, n := s.cache.serve(w, r, a)
			end := s.cfg.Now()
			a.route.Observe(status, end.Sub(start))
			if a.statsFeed != "" {
				s.countPoll(r, a.statsFeed, "", status, n)
			}
			s.logRequest(r, status, n, start, end, nil)
			return
		}
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	end := s.cfg.Now()
	if s.cfg.Metrics != nil {
		s.routeMetrics[r.Pattern].Observe(rec.status, end.Sub(start)) // "" for what no route took
	}
	n := rec.bytes
	if r.Method == http.MethodHead {
		n = 0 // written by the handler, dropped by net/http
	}
	if s.cfg.Stats != nil && (rec.status == http.StatusOK || rec.status == http.StatusNotModified) {
		if f := statsFeed(r.Pattern, r.URL); f != "" {
			s.countPoll(r, f, rec.partner, rec.status, n)
		}
	}
	s.logRequest(r, rec.status, n, start, end, rec.err)
}

var nosniff = []string{"nosniff"}

// feedRoute returns the recorder of the route that answers GET key, for the
// feed cache to give the answers it keeps under a path (see ServeHTTP).
func (s *Server) feedRoute(key string) *metrics.Route {
	if !strings.HasPrefix(key, "/") || strings.Contains(key, "?") {
		return nil // not served before routing
	}
	_, pattern := s.mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: key}})
	return s.routeMetrics[pattern]
}

// redactToken hides the subscriber token of a /s/{token}/... path, which is
// a secret, from the logs.
func redactToken(path string) string {
	rest, ok := strings.CutPrefix(path, "/s/")
	if !ok {
		return path
	}
	_, after, _ := strings.Cut(rest, "/")
	return "/s/REDACTED/" + after
}

// statusRecorder remembers the status a handler wrote, the bytes of the
// body it sent and the error it answered (see Server.adapt), for the access
// log.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int
	wroteHeader bool
	err         error
	partner     string // the subscriber a feed was served to (see setPartner)
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader && code >= 200 {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// abs returns the absolute public URL of a path on this site.
func (s *Server) abs(path string) string {
	u := *s.cfg.BaseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawPath = ""
	return u.String()
}

// Changed tells the server that the content may have changed: another part
// of this process (the source poller) wrote, or the store said that a
// write was committed somewhere (store.Notifier). Cached feeds, pages and
// API answers are checked against the store's version at the next request,
// and the WebSub hub looks for feeds to push.
func (s *Server) Changed() { s.invalidate() }

// NotifiedStaleAfter is how often the cached answers are checked against
// the store while the server hears of every committed change (Listening):
// a safety net only, since each change invalidates them at once.
const NotifiedStaleAfter = 30 * time.Second

// Listening tells the server whether it hears of every change as it is
// committed, in any process (the up of store.Notifier.Listen, which calls
// Changed for each): while it does, the cache checks the store's version
// only every NotifiedStaleAfter (or Config.StaleAfter, if longer); while it
// does not, every Config.StaleAfter, as without a notifier. Answering a
// cached feed costs the same either way.
func (s *Server) Listening(up bool) {
	s.cache.notified.Store(up)
	if !up {
		s.invalidate() // changes may have been missed meanwhile
	}
	s.cfg.Metrics.NotifierUp(up)
}

// invalidate makes cached feeds re-check the store at the next request; a
// handler calls it after a write of its own.
func (s *Server) invalidate() {
	s.cache.invalidate()
	s.wakeEmbargoes()
	if s.cfg.Hub != nil {
		s.cfg.Hub.Notify()
	}
}

// The media types of herald's own documents; feeds have theirs in formats.
const (
	textType = "text/plain; charset=utf-8"
	htmlType = "text/html; charset=utf-8"
	jsonType = "application/json; charset=utf-8"
)
