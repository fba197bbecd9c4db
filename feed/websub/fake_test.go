package websub

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"herald/feed"
)

// fakeStore is an in-memory Store, claims and queue included, with the
// store's semantics (see store.DB) for one process.
type fakeStore struct {
	mu      sync.Mutex
	version int64
	subs    map[int64]*feed.Subscription
	nextID  int64
	log     []feed.Delivery
	// recorded, when set, hears of every delivery recorded or logged.
	recorded chan feed.Delivery

	queue     []*feed.HubRequest // by ID
	nextReq   int64
	reqClaims map[int64]claim // by request ID
	subClaims map[int64]claim // by subscription ID
	leases    map[string]claim
}

// A claim is held by owner until until.
type claim struct {
	owner string
	until time.Time
}

func (c claim) live(now time.Time) bool { return c.until.After(now) }

func newFakeStore() *fakeStore {
	return &fakeStore{version: 1, subs: map[int64]*feed.Subscription{},
		reqClaims: map[int64]claim{}, subClaims: map[int64]claim{}, leases: map[string]claim{}}
}

func (st *fakeStore) EnqueueHubRequest(_ context.Context, r *feed.HubRequest, max int) error {
	if err := r.Validate(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	rest := slices.DeleteFunc(slices.Clone(st.queue), func(q *feed.HubRequest) bool {
		return q.Topic == r.Topic && q.Callback == r.Callback
	})
	if max > 0 && len(rest) >= max {
		return feed.ErrBusy
	}
	st.nextReq++
	r.ID, r.Created = st.nextReq, time.Now()
	q := *r
	st.queue = append(rest, &q)
	return nil
}

func (st *fakeStore) ClaimHubRequests(_ context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]feed.HubRequest, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []feed.HubRequest
	for _, q := range st.queue {
		if limit > 0 && len(out) == limit {
			break
		}
		if st.reqClaims[q.ID].live(now) {
			continue
		}
		st.reqClaims[q.ID] = claim{owner, now.Add(lease)}
		out = append(out, *q)
	}
	return out, nil
}

func (st *fakeStore) FinishHubRequest(_ context.Context, id int64) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.reqClaims, id)
	n := len(st.queue)
	st.queue = slices.DeleteFunc(st.queue, func(q *feed.HubRequest) bool { return q.ID == id })
	if len(st.queue) == n {
		return feed.ErrNotFound
	}
	return nil
}

func (st *fakeStore) PendingHubRequests(context.Context) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.queue), nil
}

// queued returns the requests waiting.
func (st *fakeStore) queued() []feed.HubRequest {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []feed.HubRequest
	for _, q := range st.queue {
		out = append(out, *q)
	}
	return out
}

func (st *fakeStore) ClaimDelivery(_ context.Context, id int64, etag, owner string, now time.Time, lease time.Duration) (bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.subs[id]
	if !ok || st.subClaims[id].live(now) || !s.Active(now) || s.DeliveredETag == etag || s.NextAttempt.After(now) {
		return false, nil
	}
	st.subClaims[id] = claim{owner, now.Add(lease)}
	return true, nil
}

func (st *fakeStore) ReleaseHub(_ context.Context, owner string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, m := range []map[int64]claim{st.reqClaims, st.subClaims} {
		for id, c := range m {
			if c.owner == owner {
				delete(m, id)
			}
		}
	}
	return nil
}

// claimed reports whether a claim is held on subscription id (as of the
// far future: whether any was left at all).
func (st *fakeStore) claimed(id int64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	_, ok := st.subClaims[id]
	return ok
}

func (st *fakeStore) AcquireLease(_ context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if c := st.leases[name]; c.live(now) && c.owner != owner {
		return false, nil
	}
	st.leases[name] = claim{owner, now.Add(ttl)}
	return true, nil
}

// leaseHolder returns who holds the lease called name ("" for nobody).
func (st *fakeStore) leaseHolder(name string) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.leases[name].owner
}

func (st *fakeStore) ReleaseLease(_ context.Context, name, owner string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.leases[name].owner == owner {
		delete(st.leases, name)
	}
	return nil
}

func (st *fakeStore) bump() {
	st.mu.Lock()
	st.version++
	st.mu.Unlock()
}

func (st *fakeStore) Version(context.Context) (int64, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.version, nil
}

func (st *fakeStore) UpsertSubscription(_ context.Context, s feed.Subscription) (*feed.Subscription, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, old := range st.subs {
		if old.Topic == s.Topic && old.Callback == s.Callback {
			old.Secret, old.Lease, old.Expires = s.Secret, s.Lease, s.Expires
			out := *old
			return &out, nil
		}
	}
	st.nextID++
	s.ID = st.nextID
	st.subs[s.ID] = &s
	out := s
	return &out, nil
}

func (st *fakeStore) DeleteSubscription(_ context.Context, topic, callback string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, s := range st.subs {
		if s.Topic == topic && s.Callback == callback {
			delete(st.subs, id)
			return nil
		}
	}
	return feed.ErrNotFound
}

func (st *fakeStore) ActiveSubscriptions(_ context.Context, now time.Time) ([]feed.Subscription, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []feed.Subscription
	for _, s := range st.subs {
		if s.Active(now) {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b feed.Subscription) int { return int(a.ID - b.ID) })
	return out, nil
}

func (st *fakeStore) PruneSubscriptions(_ context.Context, now time.Time) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for id, s := range st.subs {
		if !s.Active(now) {
			delete(st.subs, id)
			n++
		}
	}
	return n, nil
}

func (st *fakeStore) RecordDelivery(ctx context.Context, s *feed.Subscription, d feed.Delivery) error {
	st.mu.Lock()
	old, ok := st.subs[s.ID]
	if ok {
		old.DeliveredETag, old.Failures, old.NextAttempt = s.DeliveredETag, s.Failures, s.NextAttempt
	}
	delete(st.subClaims, s.ID)
	st.mu.Unlock()
	if !ok {
		return feed.ErrNotFound
	}
	d.SubscriptionID = s.ID
	return st.LogDelivery(ctx, d)
}

func (st *fakeStore) LogDelivery(_ context.Context, d feed.Delivery) error {
	st.mu.Lock()
	st.log = append(st.log, d)
	ch := st.recorded
	st.mu.Unlock()
	if ch != nil {
		ch <- d
	}
	return nil
}

func (st *fakeStore) sub(topic, callback string) (feed.Subscription, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, s := range st.subs {
		if s.Topic == topic && s.Callback == callback {
			return *s, true
		}
	}
	return feed.Subscription{}, false
}

func (st *fakeStore) deliveries() []feed.Delivery {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.log)
}

// fakeTopics serves topics from a map, which tests change.
type fakeTopics struct {
	mu     sync.Mutex
	topics map[string]Content
}

func (ft *fakeTopics) set(topic, body string) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.topics == nil {
		ft.topics = map[string]Content{}
	}
	ft.topics[topic] = Content{Body: []byte(body), ContentType: "application/atom+xml; charset=utf-8", ETag: `"` + body + `"`}
}

func (ft *fakeTopics) Topic(_ context.Context, topic string) (Content, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	c, ok := ft.topics[topic]
	if !ok {
		return Content{}, feed.Invalid("hub.topic", "is not a feed here")
	}
	return c, nil
}

func (ft *fakeTopics) TopicURLs(context.Context) ([]string, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var out []string
	for t := range ft.topics {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

// fakeNet is an in-memory network for the hub's client: it routes each
// request to the handler registered for its URL without the query, so that
// tests run in a synctest bubble, where real connections would stop time.
type fakeNet struct {
	mu       sync.Mutex
	handlers map[string]http.Handler
}

func (n *fakeNet) handle(rawURL string, h http.Handler) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.handlers == nil {
		n.handlers = map[string]http.Handler{}
	}
	n.handlers[rawURL] = h
}

func (n *fakeNet) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.RawQuery = ""
	n.mu.Lock()
	h := n.handlers[u.String()]
	n.mu.Unlock()
	if h == nil {
		return nil, errors.New("connection refused")
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
		return rec.Result(), nil
	case <-req.Context().Done():
		<-done
		return nil, req.Context().Err()
	}
}

// subscriber is a callback that records what the hub sends it. It echoes
// challenges unless told otherwise, and answers deliveries with status.
type subscriber struct {
	mu      sync.Mutex
	gets    []url.Values
	posts   []received
	status  int  // for POSTs; 0 means 204
	noEcho  bool // answer challenges without echoing them
	hang    bool // never answer a POST (until the request is cancelled)
	getCode int  // for GETs; 0 means 200
}

// received is one delivery a subscriber got.
type received struct {
	at     time.Time
	body   string
	header http.Header
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		s.gets = append(s.gets, q)
		if s.getCode != 0 {
			w.WriteHeader(s.getCode)
			return
		}
		if !s.noEcho {
			io.WriteString(w, q.Get("hub.challenge"))
		}
	case http.MethodPost:
		if s.hang {
			s.mu.Unlock()
			<-r.Context().Done()
			s.mu.Lock()
			return
		}
		b, _ := io.ReadAll(r.Body)
		s.posts = append(s.posts, received{at: time.Now(), body: string(b), header: r.Header.Clone()})
		w.WriteHeader(orDefault(s.status, http.StatusNoContent))
	}
}

func (s *subscriber) got() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.posts)
}

func (s *subscriber) challenges() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.gets)
}

func (s *subscriber) set(f func(*subscriber)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// bodies returns the bodies of rs.
func bodies(rs []received) string {
	var b []string
	for _, r := range rs {
		b = append(b, r.body)
	}
	return strings.Join(b, ",")
}
