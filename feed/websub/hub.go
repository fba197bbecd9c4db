package websub

import (
	"context"
	"crypto/rand"
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

// leaderLease names the lease of the instance that does the hub's periodic
// work for all (pruning, pinging an external hub); minLeaderTTL is its
// shortest term.
const (
	leaderLease  = "hub-leader"
	minLeaderTTL = 30 * time.Second
)

// releaseTimeout bounds giving claims back when Run ends, after its
// context has.
const releaseTimeout = 5 * time.Second

// ErrBusy is returned by Request when too many verifications wait already.
// The subscriber may try again later. It is feed.ErrBusy, which the store
// returns when its queue is full.
var ErrBusy = feed.ErrBusy

// Store is what the hub keeps in storage (*store.DB has it). The queue of
// verifications, the claims on deliveries and the leader lease are in the
// store, shared by every instance of herald on the database, so that each
// verification and each delivery is made once, by one of them.
type Store interface {
	// Version grows with every change to published content, made by any
	// process.
	Version(ctx context.Context) (int64, error)
	UpsertSubscription(ctx context.Context, s feed.Subscription) (*feed.Subscription, error)
	DeleteSubscription(ctx context.Context, topic, callback string) error
	ActiveSubscriptions(ctx context.Context, now time.Time) ([]feed.Subscription, error)
	PruneSubscriptions(ctx context.Context, now time.Time) (int, error)
	// RecordDelivery also ends the claim on the subscription.
	RecordDelivery(ctx context.Context, s *feed.Subscription, d feed.Delivery) error
	LogDelivery(ctx context.Context, d feed.Delivery) error

	// EnqueueHubRequest queues r, replacing a waiting request for the same
	// topic and callback; feed.ErrBusy when max wait already.
	EnqueueHubRequest(ctx context.Context, r *feed.HubRequest, max int) error
	// ClaimHubRequests claims up to limit waiting requests for owner until
	// now+lease, oldest first.
	ClaimHubRequests(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]feed.HubRequest, error)
	// FinishHubRequest removes a request; feed.ErrNotFound when a newer one
	// replaced it meanwhile.
	FinishHubRequest(ctx context.Context, id int64) error
	PendingHubRequests(ctx context.Context) (int, error)
	// ClaimDelivery claims subscription id for owner until now+lease, for
	// the content whose ETag is etag: true when it is due that delivery and
	// no live claim holds it.
	ClaimDelivery(ctx context.Context, id int64, etag, owner string, now time.Time, lease time.Duration) (bool, error)
	// ReleaseHub ends every claim owner holds on requests and subscriptions.
	ReleaseHub(ctx context.Context, owner string) error
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
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
	// Workers bounds the verifications and deliveries this hub makes at
	// once (default 16).
	Workers int
	// Timeout bounds each verification and each delivery, from connecting
	// to the end of the answer (default 10s). Twice it is the lease of each
	// claim: how long the work of an instance that died waits before
	// another takes it over.
	Timeout time.Duration
	// CheckEvery is how often the hub looks at the store without being
	// told to: for changes made by other processes that it did not hear of
	// (default 5s), for requests queued through other instances, for
	// retries and for work whose claim ran out. Changes made through this
	// process are noticed at once, through Notify.
	CheckEvery time.Duration
	// Retry says when failed deliveries are tried again; the zero value
	// means DefaultRetry.
	Retry RetryPolicy
	// MaxPending bounds the verifications waiting in the store's queue, for
	// every instance together (default 1000); past it Request returns
	// ErrBusy.
	MaxPending int
	// ExternalHub, when set, is another hub that is sent a publish ping
	// (hub.mode=publish, hub.url=topic) for each of Topics.TopicURLs that
	// changes, by the instance that holds the hub's leader lease. It is
	// configured by the operator and not guarded.
	ExternalHub string
	// Owner names this instance in the claims it takes in the store: an id
	// of its own, such as hostname-pid-random. New makes one when it is
	// empty.
	Owner string
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

// A Hub is a WebSub hub over the feeds of Topics. Request queues
// subscription requests in the store; Run verifies them and delivers content
// until its context ends. Any number of Hubs, in as many processes, may
// share one store: each verification and each delivery is claimed in the
// store by one of them (see doc.go). A Hub is safe for concurrent use.
type Hub struct {
	store   Store
	opt     Options
	lease   time.Duration // of each claim: twice Timeout
	log     *slog.Logger
	client  *http.Client // guarded: to callbacks
	pinger  *http.Client // to the external hub
	running atomic.Bool

	wake   chan struct{} // a pass is wanted now; holds at most one
	queued chan struct{} // a request was queued through this Hub; holds at most one

	slots chan struct{}  // one per verification or delivery under way
	jobs  sync.WaitGroup // the goroutines that make them

	mu       sync.Mutex
	inflight map[int64]bool // subscriptions with a delivery under way here

	// Owned by the dispatcher.
	version     int64
	contents    map[string]Content // rendered at version
	pinged      map[string]string  // topic -> ETag the external hub last heard of
	lastPrune   time.Time
	leader      bool      // this Hub holds the leader lease
	leaderCheck time.Time // when to renew or ask for it next
}

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
	if o.Owner == "" {
		o.Owner = "hub-" + rand.Text()
	}
	return &Hub{
		store:    st,
		opt:      o,
		lease:    2 * o.Timeout,
		log:      o.Logger,
		client:   newClient(o.Guard, o.Workers, o.Timeout),
		pinger:   &http.Client{},
		wake:     make(chan struct{}, 1),
		queued:   make(chan struct{}, 1),
		slots:    make(chan struct{}, o.Workers),
		inflight: map[int64]bool{},
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
// has checked are feeds here. A subscribe or unsubscribe is queued in the
// store for the verification of intent, which the Run of this Hub or of
// another instance's makes; a newer request for the same topic and callback
// replaces one still waiting. A publish ping makes the hub look for changes
// now. A Hub that does not Run (herald serve --role web) still queues.
//
// Errors: a *feed.ValidationError for bad fields, a callback whose host the
// guard refuses or has an address it refuses, or a callback whose host does
// not resolve; ErrBusy when too many requests wait; the store's errors.
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
	q := &feed.HubRequest{Mode: string(r.Mode), Topic: r.Topic, Callback: r.Callback, Secret: r.Secret}
	if r.Mode == Subscribe {
		q.Lease = GrantLease(r.Lease)
	}
	if err := h.store.EnqueueHubRequest(ctx, q, h.opt.MaxPending); err != nil {
		return err
	}
	select {
	case h.queued <- struct{}{}:
	default:
	}
	return nil
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

// Run verifies the requests queued in the store and delivers each change
// of the subscribed topics, at most Options.Workers at a time, until ctx
// ends. It returns once every verification and delivery it started has
// ended; those cut short are recorded nowhere, and their claims are given
// back (ReleaseHub), so that this hub's next Run, or another instance's,
// makes them at once. A Hub runs once.
func (h *Hub) Run(ctx context.Context, topics Topics) {
	if !h.running.CompareAndSwap(false, true) {
		panic("websub: Hub.Run called twice")
	}
	h.dispatch(ctx, topics)
	h.jobs.Wait()
	h.client.CloseIdleConnections()
	h.release(ctx)
}

// release gives back the claims and the leader lease this Hub holds, even
// after ctx ended.
func (h *Hub) release(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := h.store.ReleaseHub(rctx, h.opt.Owner); err != nil {
		h.log.WarnContext(rctx, "websub: release claims", "owner", h.opt.Owner, "err", err)
	}
	if h.leader {
		if err := h.store.ReleaseLease(rctx, leaderLease, h.opt.Owner); err != nil {
			h.log.WarnContext(rctx, "websub: release the leader lease", "owner", h.opt.Owner, "err", err)
		}
		h.leader = false
		h.opt.Metrics.Leader(metrics.LeaseHub, false)
	}
}

// A job is one delivery: content to a subscriber.
type job struct {
	sub     feed.Subscription
	content Content
}

// start runs fn in a goroutine that holds one of the slots, which the
// caller has taken; Run waits for it.
func (h *Hub) start(fn func()) {
	h.jobs.Add(1)
	go func() {
		defer h.jobs.Done()
		defer func() { <-h.slots }()
		fn()
	}()
}

// takeSlot waits for a free slot, and returns false when ctx ends first.
func (h *Hub) takeSlot(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false // select picks at random among ready cases
	}
	select {
	case h.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// dispatch runs a pass now, then whenever Notify or Request asks, a retry
// falls due or CheckEvery has passed, until ctx ends.
func (h *Hub) dispatch(ctx context.Context, topics Topics) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-h.queued:
		case <-timer.C:
		}
		timer.Reset(h.pass(ctx, topics))
	}
}

// pass starts the verifications waiting and every delivery that is due, as
// slots free up, and returns how long to wait before the next pass unless
// something wakes the dispatcher first.
func (h *Hub) pass(ctx context.Context, topics Topics) time.Duration {
	now := h.opt.Now()
	h.lead(ctx, now)
	if h.leader && now.Sub(h.lastPrune) >= pruneEvery {
		if n, err := h.store.PruneSubscriptions(ctx, now); err != nil {
			h.logError(ctx, "websub: prune expired subscriptions", err)
		} else {
			h.lastPrune = now
			if n > 0 {
				h.log.InfoContext(ctx, "websub: removed expired subscriptions", "count", n)
			}
		}
	}
	h.verifyQueued(ctx, topics)
	defer h.countQueued(ctx)

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
	due, next := plan(subs, etags, now, func(id int64) bool { return h.inflight[id] })
	h.mu.Unlock()
	for _, s := range due {
		if !h.takeSlot(ctx) {
			return 0
		}
		select {
		case <-h.queued:
			// Verifications asked for through this hub go before the rest
			// of a long fan-out.
			<-h.slots
			h.verifyQueued(ctx, topics)
			if !h.takeSlot(ctx) {
				return 0
			}
		default:
		}
		// The content was rendered at version v. Should a write have moved
		// the version since, another instance may already have delivered
		// the newer content to s, which this one would follow with the
		// older: the pass starts again instead, with what is current.
		if cur, err := h.store.Version(ctx); err != nil || cur != v {
			<-h.slots
			if err != nil {
				h.logError(ctx, "websub: read content version", err)
				return h.opt.CheckEvery
			}
			h.Notify()
			return h.opt.CheckEvery
		}
		c := h.contents[s.Topic]
		ok, err := h.store.ClaimDelivery(ctx, s.ID, c.ETag, h.opt.Owner, h.opt.Now(), h.lease)
		if err != nil || !ok {
			// Another instance delivers it, or has; or it changed since it
			// was read (see plan).
			<-h.slots
			if err != nil {
				h.logError(ctx, "websub: claim a delivery", err)
			}
			continue
		}
		h.mu.Lock()
		h.inflight[s.ID] = true
		h.mu.Unlock()
		j := job{sub: s, content: c}
		h.start(func() {
			h.opt.Metrics.DeliveriesInFlight(1)
			h.deliver(ctx, j)
			h.opt.Metrics.DeliveriesInFlight(-1)
			h.mu.Lock()
			delete(h.inflight, j.sub.ID)
			h.mu.Unlock()
			// What was just recorded (a retry time, say) is read by the
			// next pass, wanted here.
			h.Notify()
		})
	}
	if changed && h.leader && h.opt.ExternalHub != "" {
		h.pingExternal(ctx, topics)
	}
	wait := h.opt.CheckEvery
	if !next.IsZero() {
		wait = min(wait, max(next.Sub(h.opt.Now()), 0))
	}
	return wait
}

// verifyQueued claims as many waiting requests as there are free slots and
// starts their verifications, until the queue has no more for this hub.
func (h *Hub) verifyQueued(ctx context.Context, topics Topics) {
	for ctx.Err() == nil {
		free := cap(h.slots) - len(h.slots) // only the dispatcher takes slots
		if free <= 0 {
			return
		}
		reqs, err := h.store.ClaimHubRequests(ctx, h.opt.Owner, h.opt.Now(), h.lease, free)
		if err != nil {
			h.logError(ctx, "websub: claim subscription requests", err)
			return
		}
		for _, q := range reqs {
			h.slots <- struct{}{} // free: taken at once
			h.start(func() {
				h.verify(ctx, topics, Request{Mode: Mode(q.Mode), Topic: q.Topic, Callback: q.Callback, Secret: q.Secret, Lease: q.Lease})
				if ctx.Err() != nil {
					return // cut short: released by Run, verified by whoever takes it
				}
				err := h.store.FinishHubRequest(ctx, q.ID)
				if err != nil && !errors.Is(err, feed.ErrNotFound) {
					h.logError(ctx, "websub: finish a subscription request", err)
				}
				h.Notify() // a new subscriber may be due the next change already
			})
		}
		if len(reqs) < free {
			return
		}
	}
}

// countQueued reads the depth of the store's queue into the metrics.
func (h *Hub) countQueued(ctx context.Context) {
	if h.opt.Metrics == nil {
		return
	}
	n, err := h.store.PendingHubRequests(ctx)
	if err != nil {
		h.logError(ctx, "websub: count subscription requests", err)
		return
	}
	h.opt.Metrics.SetVerificationsQueued(n)
}

// lead takes or renews the leader lease, at most every third of its term:
// the instance that holds it prunes expired subscriptions and pings the
// external hub, for all (as river's leadership elector does, with an
// expiring row).
func (h *Hub) lead(ctx context.Context, now time.Time) {
	if now.Before(h.leaderCheck) {
		return
	}
	ttl := max(minLeaderTTL, 3*h.opt.CheckEvery)
	ok, err := h.store.AcquireLease(ctx, leaderLease, h.opt.Owner, now, ttl)
	if err != nil {
		h.logError(ctx, "websub: take the leader lease", err)
		ok = false // perhaps still held; the work waits for the next look
	}
	if ok != h.leader {
		h.log.DebugContext(ctx, "websub: leader lease", "held", ok, "owner", h.opt.Owner)
	}
	h.leader = ok
	h.leaderCheck = now.Add(ttl / 3)
	h.opt.Metrics.Leader(metrics.LeaseHub, ok)
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
