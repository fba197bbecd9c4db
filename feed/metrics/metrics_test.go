package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/feed/conformance"
	"herald/feed/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("/metrics: got %d", w.Code)
	}
	return w.Body.String()
}

// TestNilRecordsNothing calls every recorder of a nil *Metrics, as the
// parts do when metrics are off.
func TestNilRecordsNothing(t *testing.T) {
	var m *metrics.Metrics
	m.Route("GET /feed.atom").Observe(200, time.Millisecond)
	m.Render(time.Millisecond)
	m.Poll(metrics.PollFailed, metrics.FailParse)
	m.ItemsStored(1, 2)
	m.Fetch(time.Second)
	m.Verification(metrics.VerifyConfirmed)
	m.Delivery(metrics.DeliveryRetry)
	m.VerificationsQueued(1)
	m.DeliveriesInFlight(1)
	m.SubscriberPoll(metrics.SubscriberOK)
	m.StoreWrite("UpsertArticle", time.Millisecond)
}

// TestRecords records one of each and checks the exposition, which
// promtool must accept (CI installs it).
func TestRecords(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "1.2.3", Commit: "0123abc"})
	metrics.New(metrics.Build{}) // a registry of its own: no clash
	feedRoute := m.Route("GET /feed.atom")
	for _, status := range []int{200, 200, 304, 404, 499, 503} {
		feedRoute.Observe(status, 2*time.Millisecond)
	}
	m.FeedCache.Hits.Add(3)
	m.Poll(metrics.PollFailed, metrics.FailTimeout)
	m.Poll(metrics.PollNotModified, "")
	m.ItemsStored(2, 1)
	m.StoreWrite("RecordPoll", 3*time.Millisecond)
	text := scrape(t, m)
	for _, want := range []string{
		`herald_http_request_duration_seconds_count{route="GET /feed.atom",status_class="2xx"} 2`,
		`herald_http_request_duration_seconds_count{route="GET /feed.atom",status_class="3xx"} 1`,
		`herald_http_request_duration_seconds_count{route="GET /feed.atom",status_class="4xx"} 2`,
		`herald_http_request_duration_seconds_count{route="GET /feed.atom",status_class="5xx"} 1`,
		`herald_http_request_duration_seconds_bucket{route="GET /feed.atom",status_class="2xx",le="0.0025"} 2`,
		"herald_feed_cache_hits_total 3",
		`herald_polls_total{result="failed"} 1`,
		`herald_polls_total{result="fetched"} 0`,
		`herald_poll_failures_total{reason="timeout"} 1`,
		`herald_poll_failures_total{reason="parse"} 0`,
		`herald_poll_items_stored_total{change="created"} 2`,
		`herald_store_write_duration_seconds_count{method="RecordPoll"} 1`,
		`herald_build_info{commit="0123abc",goversion="go`,
		`version="1.2.3"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	t.Run("promtool", func(t *testing.T) { conformance.Metrics(t, []byte(text)) })
}
