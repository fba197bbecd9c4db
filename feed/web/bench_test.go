package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/metrics"
	"herald/feed/rule"
	"herald/store"
	"herald/store/storetest"
)

// benchServer fills an SQLite database with n articles of about 3 KB, one
// in five tagged cyber-diplomacy, and returns a Server over it, configured
// further by configure.
func benchServer(b *testing.B, n int, configure ...func(*Config)) *Server {
	b.Helper()
	return benchServerOn(b, storetest.Engines()[0].Opener, n, configure...)
}

// benchServerOn is benchServer on a fresh database of the engine that
// open opens.
func benchServerOn(b *testing.B, open storetest.Opener, n int, configure ...func(*Config)) *Server {
	b.Helper()
	ctx := context.Background()
	db := open.Open(b, open.Create(b), store.Options{Authority: "bench.example", SeedTags: rule.Defaults()})
	para := "<p>" + strings.Repeat("Officials from both governments discussed norms for state behaviour in cyberspace. ", 8) + "</p>"
	body := strings.Repeat(para, 4)
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]feed.Article, 0, 1000)
	for i := range n {
		a := feed.Article{
			ID: fmt.Sprintf("a%06d", i), Title: fmt.Sprintf("Article number %d", i),
			Summary: "A summary.", Content: body, Authors: []string{"Ana Reporter"},
			Published: start.Add(time.Duration(i) * time.Hour), Language: "en",
			Tags: []feed.ArticleTag{{Slug: "general"}},
		}
		if i%5 == 0 {
			a.Tags = append(a.Tags, feed.ArticleTag{Slug: "cyber-diplomacy", Rule: "cyber*", Matched: []string{"cyberspace"}})
		}
		batch = append(batch, a)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.UpsertArticles(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	cfg := Config{BaseURL: &url.URL{Scheme: "https", Host: "bench.example"}, Title: "Bench"}
	for _, c := range configure {
		c(&cfg)
	}
	return New(db, cfg)
}

// BenchmarkTagFeedFirstRender measures a cache miss: resolving the tag,
// querying 50 articles with their tags out of 100,000, and rendering them,
// on each engine (engine=sqlite, engine=postgres). It reports ms/render.
//
//	go test ./feed/web -run '^$' -bench TagFeedFirstRender -count 3
func BenchmarkTagFeedFirstRender(b *testing.B) {
	// Collected as "herald serve" is: at Go's default, this process's heap
	// of 2 MB would be marked every second render.
	defer debug.SetGCPercent(debug.SetGCPercent(GCPercent))
	storetest.BenchEngines(b, func(b *testing.B, e storetest.Engine) {
		s := benchServerOn(b, e.Opener, 100_000)
		ctx := context.Background()
		for _, ext := range []string{"atom", "rss", "json"} {
			b.Run(ext, func(b *testing.B) {
				for b.Loop() {
					e, err := s.buildFeed(ctx, s.publicView(), "cyber-diplomacy", formats[ext], feedQuery{limit: 50})
					if err != nil || e.status != 200 {
						b.Fatalf("got %v, %v", e, err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/render")
			})
		}
	})
}

// BenchmarkTagFeedCached measures a cached 200 and a 304 through the whole
// handler, without the network: unlogged, logged as "herald serve" logs by
// default (info, JSON, through Config.AccessLog), and logged and counted in
// metrics, as "herald serve" does.
func BenchmarkTagFeedCached(b *testing.B) {
	plain := benchServer(b, 1_000)
	counted := benchServer(b, 1_000, func(c *Config) { c.Metrics = metrics.New(metrics.Build{}) })
	req := httptest.NewRequest("GET", "/tags/cyber-diplomacy/feed.atom", nil)
	for _, mode := range []string{"", "/logged", "/logged+metrics"} {
		s := plain
		if mode == "/logged+metrics" {
			s = counted
		}
		s.cache.staleAfter = time.Hour
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		etag := w.Header().Get("ETag")
		name := mode
		if mode != "" {
			out := bufio.NewWriterSize(io.Discard, 64<<10)
			s.log = slog.New(slog.NewJSONHandler(out, nil))
			s.cfg.AccessLog = out
		}
		b.Run("200"+name, func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
		b.Run("304"+name, func(b *testing.B) {
			r := req.Clone(context.Background())
			r.Header.Set("If-None-Match", etag)
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusNotModified {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
