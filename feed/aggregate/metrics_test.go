package aggregate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/feed/guard"
	"herald/feed/metrics"
)

// TestPollerMetrics polls sources that answer, answer 304, fail in several
// ways and cannot be parsed, and reads the counts they leave.
func TestPollerMetrics(t *testing.T) {
	ctx := context.Background()
	clock := func() time.Time { return fetchedAt }
	srv := newFeedServer(t, map[string]feedFile{
		"/atom":      {body: fixture(t, "atom.xml"), contentType: "application/atom+xml", etag: true},
		"/malformed": {body: fixture(t, "malformed.xml"), contentType: "application/rss+xml"},
		"/gone":      {status: http.StatusGone},
		"/down":      {status: http.StatusBadGateway},
	})
	db := openStore(t, clock)
	for _, path := range []string{"/atom", "/malformed", "/gone", "/down"} {
		addSource(t, db, srv.URL+path)
	}
	m := metrics.New(metrics.Build{})
	p := NewPoller(db, newFetcher(t, Options{Now: clock}), PollerOptions{Now: clock, Metrics: m})
	for range 2 { // the second pass gets a 304 for /atom
		if _, err := p.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := scrape(t, m)
	for _, want := range []string{
		`herald_polls_total{result="fetched"} 1`,
		`herald_polls_total{result="not_modified"} 1`,
		`herald_poll_failures_total{reason="http_4xx"} 1`, // 410 disables the source: polled once
		`herald_poll_failures_total{reason="http_5xx"} 2`,
		`herald_poll_failures_total{reason="parse"} 2`,
		`herald_poll_failures_total{reason="timeout"} 0`,
		`herald_fetch_duration_seconds_count 7`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(got, `herald_polls_total{result="failed"} 5`) {
		t.Errorf("/metrics lacks 5 failed polls")
	}
	if strings.Contains(got, `herald_poll_items_stored_total{change="created"} 0`) {
		t.Errorf("/metrics counts no item created")
	}
}

// TestFetchFailure checks the reason each kind of fetch error is counted
// under.
func TestFetchFailure(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("fetch x: %w", &StatusError{Code: 404}), metrics.FailHTTP4xx},
		{fmt.Errorf("fetch x: %w", &StatusError{Code: 503}), metrics.FailHTTP5xx},
		{fmt.Errorf("fetch x: %w", &StatusError{Code: 302}), metrics.FailHTTP},
		{fmt.Errorf("fetch x: %w", redirectError{5}), metrics.FailHTTP},
		{fmt.Errorf("fetch x: no complete response within 30s: %w", context.DeadlineExceeded), metrics.FailTimeout},
		{fmt.Errorf("fetch x: %w", tooLargeError{10 << 20}), metrics.FailTooLarge},
		{fmt.Errorf("fetch x: %w", &guard.BlockedError{}), metrics.FailRefused},
		{errors.New("fetch x: dial tcp: connection refused"), metrics.FailNetwork},
	} {
		if got := fetchFailure(tt.err); got != tt.want {
			t.Errorf("fetchFailure(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// scrape returns what m serves at /metrics.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("/metrics: got %d %s", w.Code, w.Body.Bytes())
	}
	return w.Body.String()
}
