package websub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/feed/metrics"
)

// Defaults for Options fields left zero.
const (
	DefaultWorkers    = 16
	DefaultTimeout    = 10 * time.Second
	DefaultCheckEvery = 5 * time.Second
	DefaultMaxPending = 1000
)

// pruneEvery is how often expired subscriptions are removed from the store.
// They get nothing meanwhile: only active ones are ever read.
const pruneEvery = time.Hour

// ErrBusy is returned by Request when too many verifications wait already.
// The subscriber may try again later.
var ErrBusy = errors.New("the hub has too many requests waiting")

// Store is what the hub keeps in storage (*store.DB has it).
type Store interface {
	// Version grows with every change to published content, made by any
	// process.
	Version(ctx context.Context) (int64, error)
	UpsertSubscription(ctx context.Context, s feed.Subscription) (*feed.Subscription, error)
	DeleteSubscription(ctx context.Context, topic, callback string) error
	ActiveSubscriptions(ctx context.Context, now time.Time) ([]feed.Subscription, error)
	PruneSubscriptions(ctx context.Context, now time.Time) (int, error)
	RecordDelivery(ctx context.Context, s *feed.Subscription, d feed.Delivery) error
	LogDelivery(ctx context.Context, d feed.Delivery) error
}

// Content is one version of a topic's feed document.
type Content struct {
	Body        []byte
	ContentType string
	// ETag changes exactly when Body does.
	ETag string
}

// Topics gives the hub the feeds it publishes (the web layer has it).
type Topics interface {
	// Topic returns the current document of the feed whose self URL is
	// topic. An error matching feed.ErrInvalid says that topic is not (or is
	// no longer) a feed here.
	Topic(ctx context.Context, topic string) (Content, error)
	// TopicURLs lists the topics an external hub is told about when they
	// change: the main feeds, not every combination of tags and options.
	TopicURLs(ctx context.Context) ([]string, error)
}

// Options configure a Hub.
type Options struct {
	// URL is the hub's public address, named in the Link header of every
	// delivery.
	URL string
	// Guard decides which addresses a callback may connect to, checked when
	// a subscription is asked for and at every connection. The zero value
	// allows public addresses only.
	Guard guard.Policy
	// Workers bounds the verifications and deliveries under way at once
	// (default 16).
	Workers int
	// Timeout bounds each verification and each delivery, from connecting
	// to the end of the answer (default 10s).
	Timeout time.Duration
	// CheckEvery is how often the content version is read, to notice
	// changes made by other processes (default 5s). Changes made through
	// this process are noticed at once, through Notify.
	CheckEvery time.Duration
	// Retry says when failed deliveries are tried again; the zero value
	// means DefaultRetry.
	Retry RetryPolicy
	// MaxPending bounds the verifications waiting for a worker (default
	// 1000); past it Request returns ErrBusy.
	MaxPending int
	// ExternalHub, when set, is another hub that is sent a publish ping
	// (hub.mode=publish, hub.url=topic) for each of Topics.TopicURLs that
	// changes. It is configured by the operator and not guarded.
	ExternalHub string
	// UserAgent is sent with every request (default "herald"); herald
	// serve sends "herald/VERSION (+CONTACT-URL)", as its fetches do.
	UserAgent string
	Logger    *slog.Logger
	// Metrics, when set, counts verifications and deliveries by outcome,
	// and follows the verifications waiting and the deliveries under way.
	Metrics *metrics.Metrics
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// A Hub is a WebSub hub over the feeds of Topics. Request takes subscription
// requests; Run verifies them and delivers content until its context ends.
// A Hub is safe for concurrent use.
type Hub struct {
	store   Store
	opt     Options
	log     *slog.Logger
	client  *http.Client // guarded: to callbacks
	pinger  *http.Client // to the external hub
	running atomic.Bool

	wake  chan struct{} // a pass is wanted now; holds at most one
	queue chan subKey   // verifications waiting, by key into pending

	mu       sync.Mutex
	pending  map[subKey]Request // the latest request for each queued key
	inflight map[int64]bool     // subscriptions with a delivery under way
	finished map[int64]bool     // ... or whose delivery ended during this pass

	// Owned by the dispatcher.
	version   int64
	contents  map[string]Content // rendered at version
	pinged    map[string]string  // topic -> ETag the external hub last heard of
	lastPrune time.Time
}

type subKey struct{ topic, callback string }

// New returns a Hub that keeps its subscriptions in st.
func New(st Store, o Options) *Hub {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = DefaultCheckEvery
	}
	if o.Retry == (RetryPolicy{}) {
		o.Retry = DefaultRetry
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.UserAgent == "" {
		o.UserAgent = "herald"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Hub{
		store:    st,
		opt:      o,
		log:      o.Logger,
		client:   newClient(o.Guard, o.Workers, o.Timeout),
		pinger:   &http.Client{},
		wake:     make(chan struct{}, 1),
		queue:    make(chan subKey, o.MaxPending),
		pending:  map[subKey]Request{},
		inflight: map[int64]bool{},
		finished: map[int64]bool{},
		contents: map[string]Content{},
		pinged:   map[string]string{},
	}
}

// Notify tells the hub that published content may have changed, so that it
// looks now rather than at its next periodic check. It never blocks.
func (h *Hub) Notify() {
	select {
	case h.wake <- struct{}{}:
	default: // a pass is due already
	}
}

// Request takes a request that ParseRequest read, whose topics the caller
// has checked are feeds here. A subscribe or unsubscribe is queued for the
// verification of intent, which Run's workers make; a newer request for the
// same topic and callback replaces one still waiting. A publish ping makes
// the hub look for changes now.
//
// Errors: a *feed.ValidationError for bad fields, a callback whose host the
// guard refuses or has an address it refuses, or a callback whose host does
// not resolve; ErrBusy when too many requests wait.
func (h *Hub) Request(ctx context.Context, r Request) error {
	if err := r.validate(); err != nil {
		return err
	}
	if r.Mode == Publish {
		h.Notify()
		return nil
	}
	if err := h.checkCallback(ctx, r.Callback); err != nil {
		return err
	}
	k := subKey{r.Topic, r.Callback}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, queued := h.pending[k]; queued {
		h.pending[k] = r
		return nil
	}
	select {
	case h.queue <- k:
		h.pending[k] = r // the worker that takes k waits for mu
		h.opt.Metrics.VerificationsQueued(1)
		return nil
	default:
		return ErrBusy
	}
}

// checkCallback refuses, at once, a callback the guard refuses (its host,
// or any address the host resolves to) or whose host does not resolve, so
// that the subscriber hears why. It is a courtesy: what protects herald is
// the guard's check at every connection, which also catches a name that
// resolves elsewhere later.
func (h *Hub) checkCallback(ctx context.Context, raw string) error {
	ctx, cancel := context.WithTimeout(ctx, h.opt.Timeout)
	defer cancel()
	err := h.opt.Guard.CheckURL(ctx, raw)
	var (
		blocked    *guard.BlockedError
		unresolved *guard.LookupError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &blocked):
		return feed.Invalid("hub.callback", "%v; this hub calls back public addresses only", blocked)
	case errors.As(err, &unresolved):
		// Nobody could be reached there to verify the intent.
		return feed.Invalid("hub.callback", "host %s does not resolve", unresolved.Host)
	}
	return feed.Invalid("hub.callback", "%v", err)
}

// Run verifies the requests that Request queues and delivers each change of
// the subscribed topics, with Options.Workers workers, until ctx ends. It
// returns once every worker has; deliveries cut short are recorded nowhere
// and made again by the next Run. A Hub runs once.
func (h *Hub) Run(ctx context.Context, topics Topics) {
	if !h.running.CompareAndSwap(false, true) {
		panic("websub: Hub.Run called twice")
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range h.opt.Workers {
		wg.Go(func() { h.work(ctx, topics, jobs) })
	}
	h.dispatch(ctx, topics, jobs)
	wg.Wait()
	h.client.CloseIdleConnections()
}

// A job is one delivery: content to a subscriber.
type job struct {
	sub     feed.Subscription
	content Content
}

// work verifies intent and delivers, one request at a time, until ctx ends.
func (h *Hub) work(ctx context.Context, topics Topics, jobs <-chan job) {
	for {
		select {
		case <-ctx.Done():
			return
		case k := <-h.queue:
			h.opt.Metrics.VerificationsQueued(-1)
			h.mu.Lock()
			r, ok := h.pending[k]
			delete(h.pending, k)
			h.mu.Unlock()
			if ok {
				h.verify(ctx, topics, r)
			}
		case j := <-jobs:
			h.opt.Metrics.DeliveriesInFlight(1)
			h.deliver(ctx, j)
			h.opt.Metrics.DeliveriesInFlight(-1)
			h.mu.Lock()
			delete(h.inflight, j.sub.ID)
			h.finished[j.sub.ID] = true
			h.mu.Unlock()
			// What the pass under way read of this subscription may be
			// older than what was just recorded: it skips it, and the next
			// pass, wanted here, reads it again.
			h.Notify()
		}
	}
}

// dispatch runs a pass now, then whenever Notify asks, a retry falls due or
// CheckEvery has passed, until ctx ends.
func (h *Hub) dispatch(ctx context.Context, topics Topics, jobs chan<- job) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-timer.C:
		}
		timer.Reset(h.pass(ctx, topics, jobs))
	}
}

// pass hands the workers every delivery that is due, and returns how long
// to wait before the next pass unless something wakes the dispatcher first.
func (h *Hub) pass(ctx context.Context, topics Topics, jobs chan<- job) time.Duration {
	now := h.opt.Now()
	h.mu.Lock()
	clear(h.finished)
	h.mu.Unlock()
	if now.Sub(h.lastPrune) >= pruneEvery {
		if n, err := h.store.PruneSubscriptions(ctx, now); err != nil {
			h.logError(ctx, "websub: prune expired subscriptions", err)
		} else {
			h.lastPrune = now
			if n > 0 {
				h.log.InfoContext(ctx, "websub: removed expired subscriptions", "count", n)
			}
		}
	}
	v, err := h.store.Version(ctx)
	if err != nil {
		h.logError(ctx, "websub: read content version", err)
		return h.opt.CheckEvery
	}
	changed := v != h.version
	if changed {
		h.version = v
		clear(h.contents)
	}
	subs, err := h.store.ActiveSubscriptions(ctx, now)
	if err != nil {
		h.logError(ctx, "websub: read subscriptions", err)
		return h.opt.CheckEvery
	}
	etags := map[string]string{}
	for _, s := range subs {
		if _, done := etags[s.Topic]; done {
			continue
		}
		if c, ok := h.content(ctx, topics, s.Topic); ok {
			etags[s.Topic] = c.ETag
		}
	}
	h.mu.Lock()
	due, next := plan(subs, etags, now, func(id int64) bool { return h.inflight[id] || h.finished[id] })
	for _, s := range due {
		h.inflight[s.ID] = true
	}
	h.mu.Unlock()
	for _, s := range due {
		select {
		case jobs <- job{sub: s, content: h.contents[s.Topic]}:
		case <-ctx.Done():
			return 0
		}
	}
	if changed && h.opt.ExternalHub != "" {
		h.pingExternal(ctx, topics)
	}
	wait := h.opt.CheckEvery
	if !next.IsZero() {
		wait = min(wait, max(next.Sub(h.opt.Now()), 0))
	}
	return wait
}

// content returns the current document of topic, rendering it once per
// content version, and false when it cannot be had.
func (h *Hub) content(ctx context.Context, topics Topics, topic string) (Content, bool) {
	if c, ok := h.contents[topic]; ok {
		return c, true
	}
	c, err := topics.Topic(ctx, topic)
	if errors.Is(err, feed.ErrInvalid) {
		// A tag deleted or renamed since: its subscribers get nothing
		// until their leases run out.
		h.log.DebugContext(ctx, "websub: topic is gone", "topic", topic, "err", err)
		return Content{}, false
	}
	if err != nil {
		h.logError(ctx, "websub: render topic "+topic, err)
		return Content{}, false
	}
	h.contents[topic] = c
	return c, true
}

// pingExternal tells the external hub about each topic whose document
// changed since it was last told. The first look at a topic only notes its
// ETag.
func (h *Hub) pingExternal(ctx context.Context, topics Topics) {
	urls, err := topics.TopicURLs(ctx)
	if err != nil {
		h.logError(ctx, "websub: list topics", err)
		return
	}
	for _, t := range urls {
		c, ok := h.content(ctx, topics, t)
		if !ok {
			continue
		}
		prev, seen := h.pinged[t]
		h.pinged[t] = c.ETag
		if !seen || prev == c.ETag {
			continue
		}
		if err := h.ping(ctx, t); err != nil {
			h.log.WarnContext(ctx, "websub: ping external hub", "hub", feed.RedactURL(h.opt.ExternalHub), "topic", t,
				"err", feed.RedactURLs(err.Error()))
			h.pinged[t] = prev // tell it next time
		}
	}
}

// ping sends the external hub a publish ping for topic.
func (h *Hub) ping(ctx context.Context, topic string) error {
	ctx, cancel := context.WithTimeout(ctx, h.opt.Timeout)
	defer cancel()
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.opt.ExternalHub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", h.opt.UserAgent)
	resp, err := h.pinger.Do(req)
	if err != nil {
		return err
	}
	drain(resp)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// logError logs a failure of herald's own (not a subscriber's), unless it
// is only the end of Run.
func (h *Hub) logError(ctx context.Context, msg string, err error) {
	if ctx.Err() != nil {
		return
	}
	h.log.ErrorContext(ctx, msg, "err", err)
}
