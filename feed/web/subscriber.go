package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"herald/feed"
	"herald/feed/metrics"
)

// Subscriber feeds: the same feeds under /s/{token}/, carrying what the
// token's plan allows. The token is in the path so that it works in every
// feed reader; responses are Cache-Control: private, so no shared cache
// keeps one subscriber's full text for another.

// subscriberAuth resolves the token in the path and spends one request of
// its rate. It refuses an unknown or revoked token (403) and a request over
// the rate (429, with Retry-After).
func (s *Server) subscriberAuth(r *http.Request) (*feed.Subscriber, error) {
	secret := r.PathValue("token")
	sub, err := s.store.SubscriberByToken(r.Context(), feed.HashToken(secret))
	switch {
	case errors.Is(err, feed.ErrNotFound):
		return nil, refuse(errForbidden, "this feed token is not known; ask the newsroom for a new feed address")
	case err != nil:
		return nil, err
	case !sub.Revoked.IsZero():
		return nil, refuse(errForbidden, "this feed token has been revoked")
	}
	if wait := s.takeRate(r.Context(), sub); wait > 0 {
		s.cfg.Metrics.SubscriberPoll(metrics.SubscriberRateLimited)
		return nil, refuse(errTooManyRequests, fmt.Sprintf("this feed token is limited to %d requests a minute", sub.RatePerMinute)).
			with("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	return sub, nil
}

// takeRate spends one request of sub's rate: over the whole site with
// Config.SharedRates (see rate.go), else in this process. It returns 0, or
// how long to wait.
func (s *Server) takeRate(ctx context.Context, sub *feed.Subscriber) time.Duration {
	if s.shared != nil {
		return s.shared.take(ctx, sub.ID, sub.RatePerMinute, s.cfg.Now())
	}
	return s.limits.take(sub.ID, sub.RatePerMinute, s.cfg.Now())
}

// subscriberView is how a subscriber's feeds are rendered.
func subscriberView(secret string, sub *feed.Subscriber) view {
	return view{prefix: "/s/" + secret, summary: sub.Plan == feed.PlanSummary, attribution: sub.Attribution, private: true,
		early: sub.EarlyAccess}
}

// handleSubscriberFeed serves /s/{token}/feed.{ext} and
// /s/{token}/tags/{slugs}/feed.{ext}.
func (s *Server) handleSubscriberFeed(ext string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub, err := s.subscriberAuth(r)
		if err != nil {
			return err
		}
		if err := s.subscriberMayRead(r, sub); err != nil {
			return err
		}
		status, err := s.serveFeed(w, r, subscriberView(r.PathValue("token"), sub), r.PathValue("slugs"), ext)
		s.recordPoll(w, r, sub, status, err)
		return err
	}
}

// handleSubscriberSearchFeed serves /s/{token}/search/feed.{ext}?q=: a saved
// search with what the plan allows. A search spans every tag, so a token
// limited to some tags has none.
func (s *Server) handleSubscriberSearchFeed(ext string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub, err := s.subscriberAuth(r)
		if err != nil {
			return err
		}
		if len(sub.Tags) > 0 {
			return refuse(errForbidden, "this feed token covers only the tags "+strings.Join(sub.Tags, ", ")+"; search feeds span every tag")
		}
		status, err := s.serveSearchFeed(w, r, subscriberView(r.PathValue("token"), sub), ext)
		s.recordPoll(w, r, sub, status, err)
		return err
	}
}

// handleSubscriberArchive serves the archive documents under /s/{token}/.
func (s *Server) handleSubscriberArchive(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriberAuth(r)
	if err != nil {
		return err
	}
	if err := s.subscriberMayRead(r, sub); err != nil {
		return err
	}
	status, err := s.serveArchive(w, r, subscriberView(r.PathValue("token"), sub), r.PathValue("slugs"))
	s.recordPoll(w, r, sub, status, err)
	return err
}

// recordPoll counts a subscriber's request, answered with status or err,
// in its usage and in the metrics.
func (s *Server) recordPoll(w http.ResponseWriter, r *http.Request, sub *feed.Subscriber, status int, err error) {
	setPartner(w, sub.Name)
	s.usage.record(sub.ID, status == http.StatusNotModified, r.UserAgent(), s.cfg.Now())
	result := metrics.SubscriberOK
	switch {
	case err != nil || status >= 400:
		result = metrics.SubscriberError
	case status == http.StatusNotModified:
		result = metrics.SubscriberNotModified
	}
	s.cfg.Metrics.SubscriberPoll(result)
}

// subscriberMayRead checks the feed's tags against the subscriber's plan.
func (s *Server) subscriberMayRead(r *http.Request, sub *feed.Subscriber) error {
	var slugs []string
	if raw := r.PathValue("slugs"); raw != "" {
		tags, _, err := s.lookupTags(r.Context(), raw)
		if err != nil {
			if !errors.Is(err, feed.ErrNotFound) {
				return err
			}
			return nil // the feed handler answers 404 with the list of tags
		}
		for _, t := range tags {
			slugs = append(slugs, t.Slug)
		}
	}
	if sub.Allows(slugs) {
		return nil
	}
	return refuse(errForbidden, "this feed token covers only the tags "+strings.Join(sub.Tags, ", ")+
		": use /s/{token}/tags/"+sub.Tags[0]+"/feed.atom")
}

// rateLimits keeps one token bucket per subscriber, in memory: the limit of
// one instance alone (SQLite). See rate.go for many.
type rateLimits struct {
	mu      sync.Mutex
	buckets map[int64]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take spends one request of the subscriber's allowance and returns 0, or
// how long to wait when there is none left. perMinute 0 means no limit.
func (l *rateLimits) take(id int64, perMinute int, now time.Time) time.Duration {
	if perMinute <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[int64]*bucket{}
	}
	b, ok := l.buckets[id]
	if !ok {
		b = &bucket{tokens: float64(perMinute), last: now}
		l.buckets[id] = b
	}
	rate := float64(perMinute) / float64(time.Minute)
	b.tokens = min(float64(perMinute), b.tokens+float64(now.Sub(b.last))*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / rate)
}

// usageLog gathers subscribers' usage in memory until FlushUsage stores it,
// so that a poll costs no write.
type usageLog struct {
	mu sync.Mutex
	m  map[int64]feed.Usage
}

func (u *usageLog) record(id int64, notModified bool, userAgent string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[int64]feed.Usage{}
	}
	e := u.m[id]
	e.Polls++
	if notModified {
		e.NotModified++
	}
	e.LastSeen = now
	if e.UserAgents == nil {
		e.UserAgents = map[string]int64{}
	}
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	if _, ok := e.UserAgents[userAgent]; ok || len(e.UserAgents) < 4*feed.MaxUserAgents {
		e.UserAgents[userAgent]++
	}
	u.m[id] = e
}

func (u *usageLog) drain() map[int64]feed.Usage {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := u.m
	u.m = nil
	return m
}

// FlushUsage stores the subscriber usage gathered since the last flush. The
// process running the server calls it now and then and when it stops.
func (s *Server) FlushUsage(ctx context.Context) error {
	pending := s.usage.drain()
	if err := s.store.AddUsage(ctx, pending); err != nil {
		// Keep the counts for the next try rather than lose them.
		for id, u := range pending {
			s.usage.merge(id, u)
		}
		return err
	}
	return nil
}

func (u *usageLog) merge(id int64, add feed.Usage) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[int64]feed.Usage{}
	}
	e := u.m[id]
	e.Polls += add.Polls
	e.NotModified += add.NotModified
	if add.LastSeen.After(e.LastSeen) {
		e.LastSeen = add.LastSeen
	}
	if e.UserAgents == nil {
		e.UserAgents = map[string]int64{}
	}
	for k, v := range add.UserAgents {
		e.UserAgents[k] += v
	}
	u.m[id] = e
}

// The subscriber API, for the newsroom: token-protected like other writes.

// subscriberCreated is the answer to a create or rotate: the only time the
// token is shown.
type subscriberCreated struct {
	*feed.Subscriber
	Token   string `json:"token"`
	FeedURL string `json:"feed_url"`
}

func (s *Server) created(sub *feed.Subscriber, secret string) subscriberCreated {
	path := "/s/" + secret + "/feed.atom"
	if len(sub.Tags) > 0 {
		path = "/s/" + secret + "/tags/" + sub.Tags[0] + "/feed.atom"
	}
	return subscriberCreated{Subscriber: sub, Token: secret, FeedURL: s.abs(path)}
}

func (s *Server) handleSubscriberList(w http.ResponseWriter, r *http.Request) error {
	subs, err := s.store.Subscribers(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, map[string]any{"subscribers": nonNil(subs)})
	return nil
}

func (s *Server) handleSubscriberGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.store.Subscriber(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, sub)
	return nil
}

func (s *Server) handleSubscriberCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name          string    `json:"name"`
		Plan          feed.Plan `json:"plan"`
		Tags          []string  `json:"tags"`
		RatePerMinute int       `json:"rate_per_minute"`
		Attribution   bool      `json:"attribution"`
		EarlyAccess   bool      `json:"early_access"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	sub := &feed.Subscriber{Name: in.Name, Plan: in.Plan, Tags: in.Tags, RatePerMinute: in.RatePerMinute, Attribution: in.Attribution,
		EarlyAccess: in.EarlyAccess}
	if sub.Plan == "" {
		sub.Plan = feed.PlanFull
	}
	tags, err := s.knownTags(r.Context(), sub.Tags) // a feed URL that answers 404 helps nobody
	if err != nil {
		return err
	}
	sub.Tags = tags
	secret, hash := feed.NewFeedToken()
	if err := s.store.CreateSubscriber(r.Context(), sub, hash); err != nil {
		return err
	}
	w.Header().Set("Location", s.abs("/api/subscribers/"+sub.Name))
	s.writeJSON(w, http.StatusCreated, noStore, s.created(sub, secret))
	return nil
}

func (s *Server) handleSubscriberRotate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	secret, hash := feed.NewFeedToken()
	if err := s.store.RotateSubscriber(r.Context(), name, hash); err != nil {
		return err
	}
	sub, err := s.store.Subscriber(r.Context(), name)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, s.created(sub, secret))
	return nil
}

func (s *Server) handleSubscriberRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.RevokeSubscriber(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
