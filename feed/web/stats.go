package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/stats"
)

// Readership statistics (package feed/stats). Every answer of a feed, 200
// or 304, is counted in memory (Config.Stats) by ServeHTTP, under the
// feed's path (see statsFeed); the process flushes the counts to the store
// now and then. /api/stats and the /stats page read what was flushed; both
// need an API token: who reads which feed is the newsroom's business.

// statsReader is what the statistics' reads need of the store.
type statsReader interface {
	Stats(ctx context.Context, f stats.Filter) (*stats.Batch, error)
}

// The days /api/stats and /stats cover: 30 unless ?days= says otherwise,
// at most maxStatsDays.
const (
	defaultStatsDays = 30
	maxStatsDays     = 400
)

// feedKind says how a feed route's requests are counted.
type feedKind uint8

const (
	notFeed feedKind = iota
	plainFeed
	archiveFeed
	searchFeed
)

// statsPatterns maps the patterns of the feed routes to how they count.
// A subscriber's routes (/s/{token}/...) count under the same paths as the
// public ones, in rows of the subscriber's name.
var statsPatterns = func() map[string]feedKind {
	m := map[string]feedKind{}
	for _, ext := range []string{"rss", "atom", "json"} {
		for _, prefix := range []string{"", "/s/{token}"} {
			m["GET "+prefix+"/feed."+ext] = plainFeed
			m["GET "+prefix+"/tags/{slugs}/feed."+ext] = plainFeed
			m["GET "+prefix+"/search/feed."+ext] = searchFeed
		}
	}
	for _, prefix := range []string{"", "/s/{token}"} {
		m["GET "+prefix+"/archive/{doc}"] = archiveFeed
		m["GET "+prefix+"/tags/{slugs}/archive/{doc}"] = archiveFeed
	}
	return m
}()

// maxStatsQuery bounds the query of a search feed kept in its statistics'
// feed path.
const maxStatsQuery = 100

// statsFeed returns the path a request that route pattern answered counts
// under ("" for none): the feed's path without a /s/{token} prefix; for an
// archive document, its feed's archive ("/tags/x/archive/"), all documents
// together, apart from the feed; for a search feed, the path and its query
// ("/search/feed.atom?q=...", the query cut to maxStatsQuery bytes).
func statsFeed(pattern string, u *url.URL) string {
	kind := statsPatterns[pattern]
	if kind == notFeed {
		return ""
	}
	path := u.Path
	if rest, ok := strings.CutPrefix(path, "/s/"); ok {
		_, after, _ := strings.Cut(rest, "/")
		path = "/" + after
	}
	switch kind {
	case archiveFeed:
		if i := strings.LastIndex(path, "/archive/"); i >= 0 {
			path = path[:i+len("/archive/")]
		}
	case searchFeed:
		q := u.Query().Get("q")
		if len(q) > maxStatsQuery {
			q = strings.ToValidUTF8(q[:maxStatsQuery], "")
		}
		path += "?q=" + q
	}
	return path
}

// statsFeedOfKey is statsFeed for a key of the feed cache that ServeHTTP
// answers before routing (a path, with no query).
func (s *Server) statsFeedOfKey(key string) string {
	if !strings.HasPrefix(key, "/") || strings.Contains(key, "?") {
		return ""
	}
	u := &url.URL{Path: key}
	_, pattern := s.mux.Handler(&http.Request{Method: http.MethodGet, URL: u})
	return statsFeed(pattern, u)
}

// countPoll counts an answer of a feed in the statistics.
func (s *Server) countPoll(r *http.Request, feedPath, partner string, status, n int) {
	var ua string
	if v := r.Header["User-Agent"]; len(v) > 0 {
		ua = v[0]
	}
	s.cfg.Stats.Record(feedPath, partner, status, n, r.RemoteAddr, ua, s.cfg.Now())
}

// setPartner names the subscriber whose token a feed is served under, for
// the statistics (never the token).
func setPartner(w http.ResponseWriter, name string) {
	if rec, ok := w.(*statusRecorder); ok {
		rec.partner = name
	}
}

// statsQuery reads ?feed= (a feed's path or URL; every feed when absent)
// and ?days= (1 to maxStatsDays) into a filter and the days it covers.
func (s *Server) statsQuery(r *http.Request) (stats.Filter, []string, error) {
	q := r.URL.Query()
	n := defaultStatsDays
	if v := q.Get("days"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 1 || d > maxStatsDays {
			return stats.Filter{}, nil, feed.Invalid("days", "must be a number of days from 1 to %d", maxStatsDays)
		}
		n = d
	}
	var loc *time.Location // the days of the counts: the Counter's zone
	if s.cfg.Stats != nil {
		loc = s.cfg.Stats.Location
	}
	days := stats.Days(s.cfg.Now(), n, loc)
	f := stats.Filter{From: days[0], To: days[len(days)-1]}
	if v := q.Get("feed"); v != "" {
		f.Feed = stats.FeedPath(strings.TrimPrefix(v, strings.TrimSuffix(s.cfg.BaseURL.String(), "/")))
	}
	return f, days, nil
}

// readStats returns the series the request asks for.
func (s *Server) readStats(r *http.Request) ([]stats.Series, stats.Filter, []string, error) {
	st, ok := s.store.(statsReader)
	if !ok {
		return nil, stats.Filter{}, nil, refuse(feed.ErrNotFound, "this server keeps no readership statistics")
	}
	f, days, err := s.statsQuery(r)
	if err != nil {
		return nil, f, nil, err
	}
	b, err := st.Stats(r.Context(), f)
	if err != nil {
		return nil, f, nil, err
	}
	return stats.Summarize(b, days), f, days, nil
}

// statsAnswer is the body of GET /api/stats.
type statsAnswer struct {
	From  string         `json:"from"`
	To    string         `json:"to"`
	Feeds []stats.Series `json:"feeds"`
}

// handleStats serves GET /api/stats: per feed and partner, day by day, the
// polls, 304s, bytes, distinct pollers and estimated readers.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) error {
	series, f, _, err := s.readStats(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, statsAnswer{From: f.From, To: f.To, Feeds: nonNil(series)})
	return nil
}

// statsAuth lets a request for the stats page through with an API token,
// in an Authorization: Bearer header or, so that a browser can open the
// page from a link, in ?token= (the access log never shows a query). It
// answers 401 otherwise.
func (s *Server) statsAuth(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Header.Get("Authorization") != "" {
			return s.requireToken(h)(w, r)
		}
		secret := strings.TrimSpace(r.URL.Query().Get("token"))
		if secret == "" {
			return refuse(feed.ErrUnauthorized, "the statistics need an API token: add ?token=<token> to the address, or send Authorization: Bearer <token> (see herald token create)").
				with("WWW-Authenticate", `Bearer realm="herald"`)
		}
		if _, err := s.store.Authenticate(r.Context(), feed.HashToken(secret)); err != nil {
			if errors.Is(err, feed.ErrUnauthorized) {
				return refuse(feed.ErrUnauthorized, "the API token is not valid or has been revoked").
					with("WWW-Authenticate", `Bearer realm="herald", error="invalid_token"`)
			}
			return err
		}
		return h(w, r)
	}
}

var statsTemplate = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/stats.html"))

// statsPage is what the stats page's template gets.
type statsPage struct {
	*page
	From, To string
	Days     int
	Chart    template.HTML // made by stats.Chart, which escapes every text
	Series   []stats.Series
	Rows     []statsRow
}

type statsRow struct {
	Feed, Partner                      string
	Polls, NotModified, Bytes, Readers int64
}

// handleStatsPage serves GET /stats: readers per day of each feed as an
// SVG chart drawn here (no script), with a table of totals.
func (s *Server) handleStatsPage(w http.ResponseWriter, r *http.Request) error {
	series, f, days, err := s.readStats(r)
	if err != nil {
		return err
	}
	p := &statsPage{page: s.newPage("Readership", ""), From: f.From, To: f.To, Days: len(days), Series: series,
		Chart: template.HTML(stats.Chart(series, "Readers per day, "+f.From+" to "+f.To))}
	for _, sr := range series {
		var last int64
		if len(sr.Days) > 0 {
			last = sr.Days[len(sr.Days)-1].Readers
		}
		p.Rows = append(p.Rows, statsRow{sr.Feed, sr.Partner, sr.Polls, sr.NotModified, sr.Bytes, last})
	}
	body, err := s.executePage(statsTemplate, p)
	if err != nil {
		return err
	}
	s.serveAnswer(w, r, &answer{status: http.StatusOK, policy: noStore, contentType: htmlType, body: body})
	return nil
}

// handleStatsChart serves GET /stats.svg: the stats page's chart alone, as
// an SVG document.
func (s *Server) handleStatsChart(w http.ResponseWriter, r *http.Request) error {
	series, f, _, err := s.readStats(r)
	if err != nil {
		return err
	}
	body := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), stats.Chart(series, "Readers per day, "+f.From+" to "+f.To)...)
	s.serveAnswer(w, r, &answer{status: http.StatusOK, policy: noStore, contentType: "image/svg+xml",
		body: body, header: []field{{"Content-Security-Policy", []string{"default-src 'none'"}}}})
	return nil
}
