package web

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"herald/feed/metrics"
	"herald/feed/stats"
)

// TestStatsFeed checks the path each feed route's requests count under.
func TestStatsFeed(t *testing.T) {
	for _, tc := range []struct{ pattern, target, want string }{
		{"GET /feed.atom", "/feed.atom", "/feed.atom"},
		{"GET /tags/{slugs}/feed.rss", "/tags/a+b/feed.rss?limit=5", "/tags/a+b/feed.rss"},
		{"GET /s/{token}/tags/{slugs}/feed.json", "/s/SECRET/tags/x/feed.json", "/tags/x/feed.json"},
		{"GET /s/{token}/feed.atom", "/s/SECRET/feed.atom", "/feed.atom"},
		{"GET /search/feed.atom", "/search/feed.atom?q=cyber+OR+grid&limit=3", "/search/feed.atom?q=cyber OR grid"},
		{"GET /s/{token}/search/feed.rss", "/s/SECRET/search/feed.rss?q=x", "/search/feed.rss?q=x"},
		{"GET /archive/{doc}", "/archive/3.atom", "/archive/"},
		{"GET /tags/{slugs}/archive/{doc}", "/tags/x/archive/current.atom", "/tags/x/archive/"},
		{"GET /s/{token}/tags/{slugs}/archive/{doc}", "/s/SECRET/tags/x/archive/1.atom", "/tags/x/archive/"},
		{"GET /{$}", "/", ""},
		{"GET /api/articles", "/api/articles", ""},
		{"GET /feeds.opml", "/feeds.opml", ""},
		{"", "/nothing", ""},
	} {
		u, _ := url.Parse(tc.target)
		if got := statsFeed(tc.pattern, u); got != tc.want {
			t.Errorf("statsFeed(%q, %s) = %q, want %q", tc.pattern, tc.target, got, tc.want)
		}
	}
	long := "/search/feed.atom?q=" + string(make([]byte, 0)) + "é"
	for range 100 {
		long += "é"
	}
	u, _ := url.Parse(long)
	if got := statsFeed("GET /search/feed.atom", u); len(got) > len("/search/feed.atom?q=")+maxStatsQuery {
		t.Errorf("a long query is kept whole: %d bytes", len(got))
	}
	// Every pattern statsPatterns names is a route.
	s := New(nil, Config{})
	routes := map[string]bool{}
	for _, p := range s.patterns {
		routes[p] = true
	}
	for p := range statsPatterns {
		if !routes[p] {
			t.Errorf("statsPatterns names %q, which is no route", p)
		}
	}
}

// BenchmarkTagFeedCachedStats measures a cached 200 and a 304 through the
// whole handler as "herald serve" answers them (logged, in metrics),
// without and with the readership statistics (Config.Stats): the cost of
// counting a poll.
//
//	go test ./feed/web -run '^$' -bench TagFeedCachedStats -count 5
func BenchmarkTagFeedCachedStats(b *testing.B) {
	for _, counted := range []bool{false, true} {
		s := benchServer(b, 1_000, func(c *Config) {
			c.Metrics = metrics.New(metrics.Build{})
			if counted {
				c.Stats = new(stats.Counter)
			}
		})
		s.cache.staleAfter = time.Hour
		out := bufio.NewWriterSize(io.Discard, 64<<10)
		s.log = slog.New(slog.NewJSONHandler(out, nil))
		s.cfg.AccessLog = out
		req := httptest.NewRequest("GET", "/tags/cyber-diplomacy/feed.atom", nil)
		req.Header.Set("User-Agent", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		etag := w.Header().Get("ETag")
		name := "stats=off"
		if counted {
			name = "stats=on"
		}
		for _, status := range []int{http.StatusOK, http.StatusNotModified} {
			r := req.Clone(req.Context())
			if status == http.StatusNotModified {
				r.Header.Set("If-None-Match", etag)
			}
			b.Run(name+"/"+http.StatusText(status), func(b *testing.B) {
				for b.Loop() {
					w := httptest.NewRecorder()
					s.ServeHTTP(w, r)
					if w.Code != status {
						b.Fatal(w.Code)
					}
				}
			})
		}
	}
}
