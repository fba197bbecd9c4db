package aggregate

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"herald/feed"
)

// Many instances, one database. When several herald processes poll the
// sources of one database, each due source must be fetched once per due
// time, by one of them, and each publisher must see one polite client. The
// database arbitrates: a Poller with an Owner takes the sources it polls
// with ClaimDueSources, which hands a source to one claimer only, until its
// poll is recorded (RecordPoll ends the claim) or the claim's lease runs out.
//
// The lease. A Poller claims a batch of sources when its workers have at
// most one poll each left to do, and no more than it can start by the time
// each worker has ended one more poll: Workers polls under way and at most
// Workers waiting. A claimed source thus waits for at most one poll before
// its own, and a poll is bounded by the Fetcher's Timeout, parsing and
// storing taking a fraction of it. Three times the Timeout therefore covers
// a claimed source's wait and poll with room to spare, without renewing
// anything, and is the default: an instance that dies holding claims
// (kill -9, a lost machine) delays its sources by at most that. A poll that
// outlasts its lease (a store that stalls for a minute) may be made twice,
// once by the instance that took the source over: a second fetch, never a
// lost one. Claiming in batches, rather than a source whenever a worker
// frees up, matters: a claim reads every due source of the database (to
// bound hosts), and claimers take turns.
//
// Politeness. The claim query bounds the sources of one host claimed at
// once across every instance (PerHost), so --fetch-per-host holds for the
// site; each Poller keeps its in-process Limiter as well. A host that asks
// to be left alone (429 or 503 with Retry-After) is held for every instance
// with HoldHost until then. Backoff after failures is per source, in the
// source's stored state, and so already shared.
//
// Stopping. A poll cut short by shutdown records nothing and so keeps its
// claim; the pass ends by releasing whatever its owner still holds
// (ReleaseSources), so that another instance takes those sources at once
// rather than when the lease runs out.

// Claims is what a Poller with an Owner needs besides Store (*store.DB has
// it).
type Claims interface {
	// ClaimDueSources claims, for owner until now+lease, up to limit due
	// sources that no live claim holds, at most perHost of one host counting
	// the claims already held, and returns them as DueSources does.
	ClaimDueSources(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, perHost int) ([]feed.Source, error)
	// ReleaseSources ends every claim owner holds.
	ReleaseSources(ctx context.Context, owner string) error
	// HoldHost keeps every instance from fetching host before until.
	HoldHost(ctx context.Context, host string, until time.Time) error
}

// releaseTimeout bounds giving claims back at the end of a pass, which
// happens after ctx may have ended.
const releaseTimeout = 5 * time.Second

// claimPass polls the due sources this Poller can claim, Workers at a time,
// claiming a batch whenever its workers are down to one poll each (see the
// lease, above), until a claim finds nothing more and the polls in flight
// have ended. A source that another instance holds is left to it. Errors
// are as for PollDue.
func (p *Poller) claimPass(ctx context.Context) (Summary, error) {
	var sum Summary
	rules, err := p.rules.Set(ctx, p.store)
	if err != nil {
		return sum, err
	}
	defer p.fetcher.Close()

	results := make(chan polled)
	var (
		waiting        []feed.Source // claimed, not yet started
		inflight, done int
		claimErr       error
		unrecorded     bool // a poll ended without recording: its claim stays
	)
	for {
		if claimErr == nil && ctx.Err() == nil && len(waiting)+inflight <= p.opt.Workers {
			want := 2*p.opt.Workers - len(waiting) - inflight
			srcs, err := p.claims.ClaimDueSources(ctx, p.opt.Owner, p.opt.Now(), p.opt.Lease, want, p.opt.PerHost)
			if err != nil && ctx.Err() == nil {
				claimErr = err
			}
			p.opt.Metrics.ClaimsHeld(len(srcs))
			waiting = append(waiting, srcs...)
		}
		for ; inflight < p.opt.Workers && len(waiting) > 0 && ctx.Err() == nil; inflight++ {
			s := waiting[0]
			waiting = waiting[1:]
			// Each poll's goroutine ends by handing its result to this
			// loop, which waits for every one of them below.
			go func() { results <- p.poll(ctx, s, hostOf(s.URL), rules) }()
		}
		if inflight == 0 {
			if len(waiting) > 0 { // ctx ended: they were never started
				p.opt.Metrics.ClaimsHeld(-len(waiting))
				unrecorded = true
			}
			break
		}
		r := <-results
		inflight--
		done++
		p.opt.Metrics.ClaimsHeld(-1)
		if r.cancelled || r.unrecorded {
			unrecorded = true
		}
		if !r.cancelled {
			sum.add(r.sum)
		}
		if p.opt.Progress != nil {
			p.opt.Progress(done, done+inflight+len(waiting))
		}
	}
	if unrecorded {
		p.release(ctx)
	}
	if claimErr != nil {
		return sum, claimErr
	}
	return sum, ctx.Err()
}

// release gives back every claim the Poller's owner still holds, even after
// ctx ended: its sources are due, and another instance may take them now.
func (p *Poller) release(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := p.claims.ReleaseSources(rctx, p.opt.Owner); err != nil {
		p.log.WarnContext(ctx, "release claimed sources", "owner", p.opt.Owner, "err", err)
	}
}

// runOnceClaimed is RunOnce over every enabled source for a Poller with an
// Owner (herald fetch on a shared database): the sources due now are
// claimed, as a worker instance claims them, so that none is fetched twice,
// and those another instance holds are left to it. The sources not yet due
// are then fetched without a claim: no instance takes a source before it is
// due, and polling it moves it on.
func (p *Poller) runOnceClaimed(ctx context.Context) (Summary, error) {
	start := p.opt.Now()
	sum, err := p.claimPass(ctx)
	if err != nil {
		return sum, err
	}
	all, err := p.store.DueSources(ctx, allTime, 0)
	if err != nil {
		return sum, err
	}
	due, err := p.store.DueSources(ctx, p.opt.Now(), 0)
	if err != nil {
		return sum, err
	}
	held := map[int64]bool{} // due still: another instance's, or not stored
	for _, s := range due {
		held[s.ID] = true
	}
	var rest []feed.Source
	for _, s := range all {
		// Polled since start, by this pass or by another instance: done.
		if !held[s.ID] && s.LastAttempt.Before(start) {
			rest = append(rest, s)
		}
	}
	got, err := p.pass(ctx, rest)
	sum.add(got)
	return sum, err
}

// hostKey is the host a source's URL names as the store keeps it for
// claims and holds: lower-case, with its port when the URL gives one.
func hostKey(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// retryLater reports whether status asks the client to come back later,
// when it says when (Retry-After).
func retryLater(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}
