package web

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Rate limits across instances. A subscriber token's rate (requests a
// minute) must hold over the whole site when several instances serve it,
// which a token bucket in each process cannot do. With Config.SharedRates
// each server counts a token's requests per calendar minute in the store
// (AddRateUse), which adds them up over every instance and returns the
// minute's total. Writing each request would put a write on every poll, so
// the counts go in batches: a server decides from the last total the store
// gave it plus what it has taken since, and sends what it has taken when
// that reaches the token's batch (rateBatch) or when a quarter second has
// passed since it last sent (on the next request, or FlushRates).
//
// The overshoot: what one instance has taken and not sent is unknown to
// the others, and is at most the batch (a request that would take more
// waits for the flush under way), so a minute admits at most the rate plus
// one batch per instance. Requests are counted per calendar minute, so a
// client may spend a minute's rate at the end of one and the next at the
// start of the next.

// rateStore is what shared rate limits need of the store (*store.DB has it).
type rateStore interface {
	// AddRateUse adds n requests of subscriber id to the minute starting at
	// window and returns that minute's total over every instance.
	AddRateUse(ctx context.Context, subscriberID int64, window time.Time, n int) (int, error)
}

// rateFlushEvery is the longest a server keeps requests uncounted in the
// store while more come; rateSendTimeout bounds one flush.
const (
	rateFlushEvery  = 250 * time.Millisecond
	rateSendTimeout = 2 * time.Second
)

// rateBatch is how many requests of a token with the given rate a server
// takes before it must send them to the store: a twentieth of the rate, at
// least 1 and at most 10. It is also the most one instance can let
// through beyond the rate in a minute.
func rateBatch(perMinute int) int { return min(max(perMinute/20, 1), 10) }

// siteRates counts subscribers' requests per minute in the store.
type siteRates struct {
	store rateStore
	log   *slog.Logger

	mu     sync.Mutex
	tokens map[int64]*siteCount
}

// siteCount is one token's count for one minute, in one server.
type siteCount struct {
	window   time.Time     // the minute counted (UTC)
	known    int           // the site's total for window, as the store last said (ours included)
	local    int           // taken here since, not yet sent
	sending  int           // in the flush under way, for sendWin
	sendWin  time.Time     // the minute of the flush under way
	lastSend time.Time     // when the last flush began
	sent     chan struct{} // closed when the flush under way ends; nil when none
}

func newSiteRates(st rateStore, log *slog.Logger) *siteRates {
	return &siteRates{store: st, log: log, tokens: map[int64]*siteCount{}}
}

// take spends one request of the subscriber's rate for the minute of now
// and returns 0, or how long to wait (until the next minute) when the site
// has spent it all. perMinute 0 means no limit.
func (r *siteRates) take(ctx context.Context, id int64, perMinute int, now time.Time) time.Duration {
	if perMinute <= 0 {
		return 0
	}
	w := now.UTC().Truncate(time.Minute)
	batch := rateBatch(perMinute)
	r.mu.Lock()
	c := r.tokens[id]
	if c == nil {
		c = &siteCount{}
		r.tokens[id] = c
	}
	for {
		if !c.window.Equal(w) {
			// A new minute: what was counted is of the last one.
			c.window, c.known, c.local = w, 0, 0
		}
		unsent := c.local
		if c.sent != nil && c.sendWin.Equal(w) {
			unsent += c.sending
		}
		if c.known+unsent >= perMinute {
			r.mu.Unlock()
			return w.Add(time.Minute).Sub(now)
		}
		if unsent < batch || c.sent == nil {
			break
		}
		// A batch is out already: wait for the store's total before taking
		// more than one batch beyond what the others know.
		sent := c.sent
		r.mu.Unlock()
		select {
		case <-sent:
		case <-ctx.Done():
			return 0 // the request is gone; nothing was taken
		}
		r.mu.Lock()
	}
	c.local++
	send := c.sent == nil && (c.local >= batch || now.Sub(c.lastSend) >= rateFlushEvery)
	n := 0
	if send {
		n = r.startSend(c, now)
	}
	r.mu.Unlock()
	if send {
		r.send(ctx, id, c, w, n)
	}
	return 0
}

// startSend moves c's local count into a flush; r.mu is held.
func (r *siteRates) startSend(c *siteCount, now time.Time) int {
	n := c.local
	c.local, c.sending, c.sendWin, c.lastSend = 0, n, c.window, now
	c.sent = make(chan struct{})
	return n
}

// send adds n requests to the store's count of minute w and notes the
// site's total. When the store fails, the requests are counted here again,
// to be sent with the next batch.
func (r *siteRates) send(ctx context.Context, id int64, c *siteCount, w time.Time, n int) {
	// The request that sends may end first; the count must still arrive.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rateSendTimeout)
	total, err := r.store.AddRateUse(sctx, id, w, n)
	cancel()
	r.mu.Lock()
	switch {
	case err != nil && c.window.Equal(w):
		c.local += n
	case err == nil && c.window.Equal(w):
		c.known = max(c.known, total)
	}
	c.sending = 0
	close(c.sent)
	c.sent = nil
	r.mu.Unlock()
	if err != nil {
		r.log.WarnContext(ctx, "count subscriber requests", "subscriber", id, "err", err)
	}
}

// flush sends every count taken more than rateFlushEvery ago, and forgets
// the tokens not seen this minute or the last.
func (r *siteRates) flush(ctx context.Context, now time.Time) {
	type pending struct {
		id int64
		c  *siteCount
		w  time.Time
		n  int
	}
	var out []pending
	r.mu.Lock()
	for id, c := range r.tokens {
		if c.sent == nil && now.Sub(c.window) >= 2*time.Minute {
			delete(r.tokens, id)
			continue
		}
		if c.sent == nil && c.local > 0 && now.Sub(c.lastSend) >= rateFlushEvery {
			out = append(out, pending{id, c, c.window, r.startSend(c, now)})
		}
	}
	r.mu.Unlock()
	for _, p := range out {
		r.send(ctx, p.id, p.c, p.w, p.n)
	}
}

// FlushRates sends the subscriber requests counted here to the store, with
// Config.SharedRates: those of tokens polled too seldom to send their own.
// The process running the server calls it every quarter second or so.
func (s *Server) FlushRates(ctx context.Context) {
	if s.shared != nil {
		s.shared.flush(ctx, s.cfg.Now())
	}
}
