package web_test

import (
	"regexp"
	"strings"
	"testing"

	"herald/feed/metrics"
	"herald/feed/web"
)

// TestMetrics serves some traffic and reads /metrics: requests by route
// pattern and status class (cached feeds, answered before routing, under
// their route too), the feed cache's hits, misses and 304s, render times
// and subscriber polls.
func TestMetrics(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "1.2.3", Commit: "abc"})
	f := newFixtureWith(t, func(c *web.Config) { c.Metrics, c.ServeMetrics = m, true })
	f.put("a1", "One", "x", "alpha")
	tok, _ := f.addSubscriber(`{"name":"partner","plan":"full","rate_per_minute":2}`)
	first, _ := f.do("GET", "/tags/alpha/feed.atom", "") // a miss: rendered
	f.do("GET", "/tags/alpha/feed.atom", "")             // a hit, before routing
	f.do("GET", "/tags/alpha/feed.atom", "", "If-None-Match", first.Header.Get("ETag"))
	f.do("GET", "/tags/nope/feed.atom", "")
	f.do("GET", "/", "")
	for range 3 { // the third is over the rate
		f.do("GET", "/s/"+tok+"/feed.atom", "")
	}
	resp, body := f.do("GET", "/metrics", "")
	text := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`herald_http_request_duration_seconds_count{route="GET /tags/{slugs}/feed.atom",status_class="2xx"} 2`,
		`herald_http_request_duration_seconds_count{route="GET /tags/{slugs}/feed.atom",status_class="3xx"} 1`,
		`herald_http_request_duration_seconds_count{route="GET /tags/{slugs}/feed.atom",status_class="4xx"} 1`,
		`herald_http_request_duration_seconds_count{route="GET /{$}",status_class="2xx"} 1`,
		`herald_http_request_duration_seconds_count{route="PUT /api/articles/{id}",status_class="2xx"} 1`,
		`herald_http_request_duration_seconds_count{route="GET /s/{token}/feed.atom",status_class="4xx"} 1`,
		"herald_feed_cache_hits_total 3",   // the public 200 and 304, the subscriber's second
		"herald_feed_cache_misses_total 3", // the tag feed, the unknown tag's 404, the subscriber's first
		"herald_feed_cache_not_modified_total 1",
		"herald_feed_cache_evictions_total 0",
		"herald_feed_cache_budget_bytes 6.7108864e+07", // the default, 64 MiB
		"herald_feed_render_duration_seconds_count 3",
		`herald_subscriber_polls_total{result="ok"} 2`,
		`herald_subscriber_polls_total{result="rate_limited"} 1`,
		`herald_build_info{commit="abc",goversion="go`,
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !regexp.MustCompile(`\nherald_feed_cache_bytes [1-9]`).MatchString(text) {
		t.Errorf("/metrics: herald_feed_cache_bytes is not above 0 with feeds kept")
	}
	if strings.Contains(text, tok) {
		t.Errorf("/metrics shows a subscriber token")
	}
}

// TestMetricsElsewhere checks that without ServeMetrics (--metrics-addr
// serves them on a listener of their own) /metrics is not on the site.
func TestMetricsElsewhere(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) { c.Metrics = metrics.New(metrics.Build{}) })
	if resp, _ := f.do("GET", "/metrics", ""); resp.StatusCode != 404 {
		t.Errorf("/metrics: got %d, want 404", resp.StatusCode)
	}
}
