package websub

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"herald/feed"
	"herald/feed/metrics"
)

// TestMetrics verifies one subscriber and fails to verify another, then
// delivers to one that answers, one that fails for good and one that is
// gone, and reads the counts they leave, and the User-Agent they saw.
func TestMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := metrics.New(metrics.Build{})
		b := startHub(t, Options{Metrics: m, UserAgent: "herald/1.2.3 (+https://newsroom.example/contact)"})
		yes, no := &subscriber{}, &subscriber{noEcho: true}
		b.net.handle("https://yes.example.com/cb", yes)
		b.net.handle("https://no.example.com/cb", no)
		for _, cb := range []string{"https://yes.example.com/cb", "https://no.example.com/cb"} {
			if err := b.hub.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: cb}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		flaky := b.subscriber("https://flaky.example.com/push", "", feed.DefaultLease)
		flaky.set(func(s *subscriber) { s.status = http.StatusServiceUnavailable })
		gone := b.subscriber("https://gone.example.com/push", "", feed.DefaultLease)
		gone.set(func(s *subscriber) { s.status = http.StatusGone })
		b.change("v2")
		time.Sleep(3 * time.Hour) // every retry of flaky, then giving up
		got := scrape(t, m)
		for _, want := range []string{
			`herald_websub_verifications_total{outcome="confirmed"} 1`,
			`herald_websub_verifications_total{outcome="failed"} 1`,
			`herald_websub_deliveries_total{outcome="delivered"} 1`, // yes
			`herald_websub_deliveries_total{outcome="gone"} 1`,
			`herald_websub_deliveries_total{outcome="retry"} 6`,
			`herald_websub_deliveries_total{outcome="gave_up"} 1`,
			"herald_websub_verifications_queued 0",
			"herald_websub_deliveries_in_flight 0",
		} {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if ua := yes.got()[0].header.Get("User-Agent"); ua != "herald/1.2.3 (+https://newsroom.example/contact)" {
			t.Errorf("User-Agent %q, want the one given", ua)
		}
	})
}

// scrape returns what m serves at /metrics.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	return w.Body.String()
}
