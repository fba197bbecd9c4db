// Package metrics provides herald's Prometheus metrics: one registry, the
// collectors of each part (HTTP, the feed cache, the poller, the WebSub hub,
// the store) and the Go runtime's, and the handler that serves them at
// /metrics. A nil *Metrics is valid and records nothing, so that every part
// runs without metrics in tests and one-off commands.
//
// The parts record through methods of Metrics, which know the label values;
// a label never takes a value from outside (a URL, a subscriber's name), so
// every metric has a bounded number of series.
package metrics

import (
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds herald's collectors in a registry of its own (never the
// global one, so that tests can make as many as they like).
type Metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.HistogramVec // route, status_class
	render          prometheus.Histogram
	polls           *prometheus.CounterVec // result
	pollFailures    *prometheus.CounterVec // reason
	items           *prometheus.CounterVec // change
	fetch           prometheus.Histogram
	verifications   *prometheus.CounterVec // outcome
	deliveries      *prometheus.CounterVec // outcome
	verifyQueue     prometheus.Gauge
	deliveriesNow   prometheus.Gauge
	subscriberPolls *prometheus.CounterVec   // result
	storeWrites     *prometheus.HistogramVec // method
	claimsHeld      prometheus.Gauge
	notifierUp      prometheus.Gauge
	leader          *prometheus.GaugeVec // lease

	// FeedCache is counted by the web server with atomic adds, and read
	// only when /metrics is scraped: answering a cached feed costs no label
	// lookup and no lock.
	FeedCache FeedCache
}

// FeedCache counts the feed cache's answers.
type FeedCache struct {
	// Hits are feed documents taken from memory (for a request or the
	// WebSub hub); Misses, those that had to be built; NotModified, the
	// requests answered 304.
	Hits, Misses, NotModified atomic.Uint64
	// Bytes is what the cache holds (answers, and what it keeps of earlier
	// ones), within Budget; Evictions counts what it dropped, least
	// recently used first, to stay within it.
	Bytes, Budget atomic.Int64
	Evictions     atomic.Uint64
}

// Build describes the running binary, for herald_build_info.
type Build struct {
	Version, Commit string
}

// The label values of the counters, so that callers cannot invent new ones.
const (
	// Poll results (herald_polls_total).
	PollFetched     = "fetched"
	PollNotModified = "not_modified"
	PollFailed      = "failed"

	// Why a poll failed (herald_poll_failures_total).
	FailTimeout  = "timeout"   // no complete answer in time
	FailRefused  = "refused"   // the address guard refused the address
	FailTooLarge = "too_large" // the body was over the cap
	FailHTTP4xx  = "http_4xx"  // the server answered 4xx (410 Gone too)
	FailHTTP5xx  = "http_5xx"  // the server answered 5xx
	FailHTTP     = "http"      // another status (a redirect without Location, too many redirects)
	FailNetwork  = "network"   // DNS, connection, TLS, a body cut short
	FailParse    = "parse"     // not a feed herald can read
	FailStore    = "store"     // the outcome could not be stored

	// What a stored item did (herald_poll_items_stored_total).
	ItemCreated = "created"
	ItemUpdated = "updated"

	// WebSub verifications of intent (herald_websub_verifications_total).
	VerifyConfirmed = "confirmed" // the callback echoed the challenge
	VerifyFailed    = "failed"    // it did not, or could not be reached

	// WebSub content deliveries (herald_websub_deliveries_total).
	DeliveryDelivered = "delivered" // a 2xx
	DeliveryRetry     = "retry"     // failed; will be tried again
	DeliveryGaveUp    = "gave_up"   // failed for the last time
	DeliveryGone      = "gone"      // 410: the subscription was removed

	// Subscriber feed requests (herald_subscriber_polls_total).
	SubscriberOK          = "ok"
	SubscriberNotModified = "not_modified"
	SubscriberRateLimited = "rate_limited"
	SubscriberError       = "error"

	// Leader leases (herald_leader): periodic work that one instance does
	// for all.
	LeaseHub       = "hub"       // external hub pings, pruning expired subscriptions
	LeaseRetention = "retention" // pruning the change log, tombstones and versions
)

// latencyBuckets spans a cached feed (tens of microseconds) to a slow
// search or render (seconds).
var latencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// New returns the metrics of one herald process, with the Go runtime's and
// the process's own, and herald_build_info from b.
func New(b Build) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "herald_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern and status class; its _count counts requests.",
		Buckets: latencyBuckets,
	}, []string{"route", "status_class"})
	m.render = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "herald_feed_render_duration_seconds",
		Help:    "Time to build a feed, archive or search feed document that the feed cache did not hold.",
		Buckets: latencyBuckets,
	})
	m.polls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_polls_total",
		Help: "Polls of external sources, by result: fetched, not_modified (304) or failed.",
	}, []string{"result"})
	m.pollFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_poll_failures_total",
		Help: "Failed polls of external sources, by reason.",
	}, []string{"reason"})
	m.items = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_poll_items_stored_total",
		Help: "Articles the poller stored, by change: created or updated.",
	}, []string{"change"})
	m.fetch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "herald_fetch_duration_seconds",
		Help:    "Time to fetch an external source, redirects and body included.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60},
	})
	m.verifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_websub_verifications_total",
		Help: "WebSub verifications of intent, by outcome: confirmed or failed.",
	}, []string{"outcome"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_websub_deliveries_total",
		Help: "WebSub content deliveries, by outcome: delivered, retry, gave_up or gone.",
	}, []string{"outcome"})
	m.verifyQueue = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "herald_websub_verifications_queued",
		Help: "WebSub subscription requests waiting for their verification of intent.",
	})
	m.deliveriesNow = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "herald_websub_deliveries_in_flight",
		Help: "WebSub content deliveries under way.",
	})
	m.subscriberPolls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_subscriber_polls_total",
		Help: "Requests for subscriber (token) feeds, by result: ok, not_modified, rate_limited or error.",
	}, []string{"result"})
	m.storeWrites = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "herald_store_write_duration_seconds",
		Help:    "Time of each write to the store (one transaction), by method.",
		Buckets: latencyBuckets,
	}, []string{"method"})
	m.claimsHeld = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "herald_poll_claims_held",
		Help: "Sources this instance has claimed in the database and is polling (with --db postgres://; 0 otherwise).",
	})
	m.notifierUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "herald_notifier_up",
		Help: "1 while this instance hears of other instances' writes at once (PostgreSQL LISTEN); 0 while it checks for them every --stale-after instead.",
	})
	m.leader = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "herald_leader",
		Help: "1 while this instance holds the named leader lease (hub: external hub pings and pruning subscriptions; retention: pruning), else 0.",
	}, []string{"lease"})
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "herald_build_info",
		Help:        "Always 1; its labels name the running build.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)
	counterFunc := func(name, help string, c *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(c.Load()) })
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
		m.requests, m.render, m.polls, m.pollFailures, m.items, m.fetch,
		m.verifications, m.deliveries, m.verifyQueue, m.deliveriesNow, m.subscriberPolls, m.storeWrites,
		m.claimsHeld, m.notifierUp, m.leader,
		counterFunc("herald_feed_cache_hits_total", "Feed documents taken from the feed cache, for requests and WebSub.", &m.FeedCache.Hits),
		counterFunc("herald_feed_cache_misses_total", "Feed documents that had to be built.", &m.FeedCache.Misses),
		counterFunc("herald_feed_cache_not_modified_total", "Feed requests answered 304 Not Modified.", &m.FeedCache.NotModified),
		counterFunc("herald_feed_cache_evictions_total", "Feed answers (and validators kept of earlier ones) the feed cache dropped to stay within its budget, least recently used first.", &m.FeedCache.Evictions),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "herald_feed_cache_bytes", Help: "Bytes the feed cache holds: answers, their encodings and what it keeps of earlier ones."},
			func() float64 { return float64(m.FeedCache.Bytes.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "herald_feed_cache_budget_bytes", Help: "The feed cache's budget (--cache-size): it evicts down to 7/8 of it when over."},
			func() float64 { return float64(m.FeedCache.Budget.Load()) }),
	)
	// Every known label value starts at zero, so that rates and alerts see
	// a series before its first event.
	for _, v := range []string{PollFetched, PollNotModified, PollFailed} {
		m.polls.WithLabelValues(v)
	}
	for _, v := range []string{FailTimeout, FailRefused, FailTooLarge, FailHTTP4xx, FailHTTP5xx, FailHTTP, FailNetwork, FailParse, FailStore} {
		m.pollFailures.WithLabelValues(v)
	}
	for _, v := range []string{ItemCreated, ItemUpdated} {
		m.items.WithLabelValues(v)
	}
	for _, v := range []string{VerifyConfirmed, VerifyFailed} {
		m.verifications.WithLabelValues(v)
	}
	for _, v := range []string{DeliveryDelivered, DeliveryRetry, DeliveryGaveUp, DeliveryGone} {
		m.deliveries.WithLabelValues(v)
	}
	for _, v := range []string{SubscriberOK, SubscriberNotModified, SubscriberRateLimited, SubscriberError} {
		m.subscriberPolls.WithLabelValues(v)
	}
	for _, v := range []string{LeaseHub, LeaseRetention} {
		m.leader.WithLabelValues(v)
	}
	return m
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics,
// when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Registry is the registry the metrics are in, for tests and for adding
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// A Route records the requests of one route pattern. Its observers are
// resolved once per status class, on first use, so that a request costs no
// label lookup.
type Route struct {
	vec     *prometheus.HistogramVec
	pattern string
	classes [5]atomic.Pointer[observer] // 1xx to 5xx
}

type observer struct{ prometheus.Observer }

var statusClasses = [5]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// Route returns the recorder of the requests of a route pattern ("GET
// /feed.atom"); nil when m is nil. Call it once per pattern, when routes
// are registered.
func (m *Metrics) Route(pattern string) *Route {
	if m == nil {
		return nil
	}
	return &Route{vec: m.requests, pattern: pattern}
}

// Observe records a request of the route answered with status after d.
func (r *Route) Observe(status int, d time.Duration) {
	if r == nil {
		return
	}
	c := min(max(status/100-1, 0), 4) // 499, nobody listening, is a 4xx
	o := r.classes[c].Load()
	if o == nil {
		o = &observer{r.vec.WithLabelValues(r.pattern, statusClasses[c])}
		r.classes[c].Store(o) // two requests may both resolve it: the same child
	}
	o.Observe(d.Seconds())
}

// Render records the time to build a feed document.
func (m *Metrics) Render(d time.Duration) {
	if m != nil {
		m.render.Observe(d.Seconds())
	}
}

// Poll records one poll of a source: its result, and for a failure its
// reason (one of the Fail constants).
func (m *Metrics) Poll(result, reason string) {
	if m == nil {
		return
	}
	m.polls.WithLabelValues(result).Inc()
	if result == PollFailed {
		m.pollFailures.WithLabelValues(reason).Inc()
	}
}

// ItemsStored records the articles one poll created and updated.
func (m *Metrics) ItemsStored(created, updated int) {
	if m == nil {
		return
	}
	m.items.WithLabelValues(ItemCreated).Add(float64(created))
	m.items.WithLabelValues(ItemUpdated).Add(float64(updated))
}

// Fetch records the time one fetch of a source took.
func (m *Metrics) Fetch(d time.Duration) {
	if m != nil {
		m.fetch.Observe(d.Seconds())
	}
}

// Verification records the outcome of a WebSub verification of intent.
func (m *Metrics) Verification(outcome string) {
	if m != nil {
		m.verifications.WithLabelValues(outcome).Inc()
	}
}

// Delivery records the outcome of a WebSub content delivery.
func (m *Metrics) Delivery(outcome string) {
	if m != nil {
		m.deliveries.WithLabelValues(outcome).Inc()
	}
}

// VerificationsQueued moves the number of verifications waiting by delta.
func (m *Metrics) VerificationsQueued(delta int) {
	if m != nil {
		m.verifyQueue.Add(float64(delta))
	}
}

// SetVerificationsQueued sets the number of verifications waiting, as the
// store counts them (the queue every instance shares).
func (m *Metrics) SetVerificationsQueued(n int) {
	if m != nil {
		m.verifyQueue.Set(float64(n))
	}
}

// ClaimsHeld moves the number of sources this instance has claimed by delta.
func (m *Metrics) ClaimsHeld(delta int) {
	if m != nil {
		m.claimsHeld.Add(float64(delta))
	}
}

// NotifierUp records whether this instance hears of other instances'
// writes at once.
func (m *Metrics) NotifierUp(up bool) {
	if m != nil {
		m.notifierUp.Set(b2f(up))
	}
}

// Leader records whether this instance holds the leader lease named lease
// (LeaseHub, LeaseRetention).
func (m *Metrics) Leader(lease string, held bool) {
	if m != nil {
		m.leader.WithLabelValues(lease).Set(b2f(held))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// DeliveriesInFlight moves the number of deliveries under way by delta.
func (m *Metrics) DeliveriesInFlight(delta int) {
	if m != nil {
		m.deliveriesNow.Add(float64(delta))
	}
}

// SubscriberPoll records a request for a subscriber's feed.
func (m *Metrics) SubscriberPoll(result string) {
	if m != nil {
		m.subscriberPolls.WithLabelValues(result).Inc()
	}
}

// StoreWrite records the time of one write to the store by method.
func (m *Metrics) StoreWrite(method string, d time.Duration) {
	if m != nil {
		m.storeWrites.WithLabelValues(method).Observe(d.Seconds())
	}
}
