package aggregate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/feed/metrics"
	"herald/feed/rule"
)

// Store is what a Poller needs from storage (*store.DB has it).
type Store interface {
	// Source returns one source; feed.ErrNotFound when there is none.
	Source(ctx context.Context, id int64) (*feed.Source, error)
	// DueSources returns up to limit enabled sources due at now, the
	// longest overdue first; limit <= 0 means all.
	DueSources(ctx context.Context, now time.Time, limit int) ([]feed.Source, error)
	// Tags and Version give the tag rules and tell when they may have changed.
	Tags(ctx context.Context) ([]feed.Tag, error)
	Version(ctx context.Context) (int64, error)
	// RecordPoll stores a poll's outcome atomically: the source's new poll
	// state and the articles, upserted by ID. polledURL is the URL fetched.
	RecordPoll(ctx context.Context, polledURL string, s feed.Source, arts []feed.Article) ([]feed.Change, error)
}

// Defaults for PollerOptions fields left zero.
const (
	DefaultWorkers = 8
	DefaultPerHost = 2
	DefaultBatch   = 500
	DefaultEvery   = time.Minute
	// DefaultParseBudget lets at least sixteen press feeds of the usual
	// size (under 1 MB) be parsed at once, more than DefaultWorkers, but
	// only one or two feeds near the fetch cap (10 MB).
	DefaultParseBudget = 16 << 20
)

// PollerOptions configure a Poller.
type PollerOptions struct {
	// Workers bounds how many sources are polled at once (default 8): their
	// fetches, and the parsing and storing that follow.
	Workers int
	// PerHost bounds how many fetches run at once against one host name
	// (default 2), so that one slow agency holds at most that many workers.
	PerHost int
	// Batch is how many due sources Run takes from the store at a time
	// (default 500).
	Batch int
	// Every is how often Run looks for due sources (default 1 minute).
	Every time.Duration
	// ParseBudget bounds the bytes of feed bodies being parsed at once
	// (default DefaultParseBudget, 16 MB), and with it the memory of a
	// pass whatever Workers is: parsing a feed takes 7 to 15 times its
	// size. A body larger than the budget is parsed alone. Negative means
	// no bound. The fetched bodies waiting for their turn are not counted:
	// they are at most Workers times the fetch cap.
	ParseBudget int64
	// Policy decides when each source is polled next.
	Policy Policy
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives Run's account of each pass; nothing is logged when nil.
	Logger *slog.Logger
	// Progress, when set, is called after each source of a pass with how
	// many of the pass's sources are done. Calls come one at a time.
	Progress func(done, total int)
	// Stored, when set, is called after a poll stored new or changed
	// articles, so that caches and the WebSub hub can act at once.
	Stored func()
	// Metrics, when set, counts each poll's result (and a failure's
	// reason), the articles stored and the time of each fetch.
	Metrics *metrics.Metrics
	// Owner, when set, makes the Poller share its work with other
	// instances of herald on the same database: it names this instance in
	// the claims it takes, and the store must then be a Claims too (see
	// claim.go). Empty, the Poller polls whatever DueSources gives, as one
	// process alone on its database does.
	Owner string
	// Lease is how long a claim on a source holds before another instance
	// may take the source over (default three times the Fetcher's Timeout;
	// see claim.go).
	Lease time.Duration
}

// A Poller polls sources and stores what they give: it picks the sources to
// poll, fetches them with bounded concurrency overall and per host, parses
// them, puts each source's tags, the tag rules' tags and (if the source says
// so) the items' own categories on the articles, and stores the articles
// with the source's new poll state in one step per source, so that a source
// is never half stored.
//
// RunOnce is one pass (herald fetch); Run polls due sources until its context
// ends (herald serve). Cancelling either's context cancels the fetches in
// flight, records nothing for them, and returns once every worker has ended.
type Poller struct {
	store   Store
	claims  Claims // nil without PollerOptions.Owner
	fetcher *Fetcher
	limiter *Limiter
	parsing *parseBudget
	opt     PollerOptions
	log     *slog.Logger

	rules rule.Cache
}

// NewPoller returns a Poller that fetches with f and stores into st.
func NewPoller(st Store, f *Fetcher, o PollerOptions) *Poller {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.PerHost <= 0 {
		o.PerHost = DefaultPerHost
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.ParseBudget == 0 {
		o.ParseBudget = DefaultParseBudget
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lease <= 0 {
		o.Lease = 3 * f.timeout
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var claims Claims
	if o.Owner != "" {
		var ok bool
		if claims, ok = st.(Claims); !ok {
			panic("aggregate: PollerOptions.Owner is set but the store takes no claims")
		}
	}
	return &Poller{
		store:   st,
		claims:  claims,
		fetcher: f,
		limiter: NewLimiter(o.Workers, o.PerHost),
		parsing: newParseBudget(o.ParseBudget),
		opt:     o,
		log:     log,
	}
}

// A Summary counts what a pass did.
type Summary struct {
	Sources     int // sources polled to an end (cancelled ones are not counted)
	Fetched     int // answered with a feed that was parsed and stored
	NotModified int // answered 304
	Failed      int // failed: see Errors
	New         int // articles created
	Updated     int // articles changed
	Skipped     int // items that could not become articles
	// Errors has one entry for each failed source.
	Errors []SourceError
}

// A SourceError says why the poll of one source failed. The same text is
// recorded as the source's LastError, unless storing failed.
type SourceError struct {
	ID   int64
	Name string
	URL  string
	Err  error
}

func (e SourceError) Error() string {
	return fmt.Sprintf("source %d (%s): %v", e.ID, e.Name, e.Err)
}

func (e SourceError) Unwrap() error { return e.Err }

// String gives the summary line of herald fetch.
func (s Summary) String() string {
	return fmt.Sprintf("%d sources: %d fetched, %d not modified, %d failed; %d new items, %d updated",
		s.Sources, s.Fetched, s.NotModified, s.Failed, s.New, s.Updated)
}

func (s *Summary) add(o Summary) {
	s.Sources += o.Sources
	s.Fetched += o.Fetched
	s.NotModified += o.NotModified
	s.Failed += o.Failed
	s.New += o.New
	s.Updated += o.Updated
	s.Skipped += o.Skipped
	s.Errors = append(s.Errors, o.Errors...)
}

// allTime is a "now" at which every enabled source is due.
var allTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// RunOnce polls the sources with the given IDs, enabled or not, or, with
// none, every enabled source, due or not, and returns what happened. A
// failing source is counted and described in the Summary, not returned as
// an error.
//
// With an Owner, the sources that are due are claimed first, as PollDue
// does, so that none is fetched by two instances (see runOnceClaimed); the
// sources named by ID are fetched as asked, claimed or not.
//
// Errors: feed.ErrNotFound for an unknown ID (nothing is polled then); the
// store's errors; ctx.Err() when ctx ended, with what was done by then.
func (p *Poller) RunOnce(ctx context.Context, ids ...int64) (Summary, error) {
	if p.claims != nil && len(ids) == 0 {
		return p.runOnceClaimed(ctx)
	}
	var srcs []feed.Source
	if len(ids) == 0 {
		var err error
		if srcs, err = p.store.DueSources(ctx, allTime, 0); err != nil {
			return Summary{}, err
		}
	}
	for _, id := range ids {
		if slices.ContainsFunc(srcs, func(s feed.Source) bool { return s.ID == id }) {
			continue
		}
		s, err := p.store.Source(ctx, id)
		if err != nil {
			return Summary{}, err
		}
		srcs = append(srcs, *s)
	}
	return p.pass(ctx, srcs)
}

// PollDue polls every enabled source that is due, Batch sources at a time,
// and returns what happened. With an Owner it polls those it can claim
// instead, as workers free up (see claimPass). Errors are as for RunOnce.
func (p *Poller) PollDue(ctx context.Context) (Summary, error) {
	if p.claims != nil {
		return p.claimPass(ctx)
	}
	var sum Summary
	seen := map[int64]bool{}
	for {
		srcs, err := p.store.DueSources(ctx, p.opt.Now(), p.opt.Batch)
		if err != nil {
			return sum, err
		}
		full := len(srcs) == p.opt.Batch
		// A source whose poll could not be stored is due still; it waits for
		// the next call rather than spinning here.
		srcs = slices.DeleteFunc(srcs, func(s feed.Source) bool { return seen[s.ID] })
		if len(srcs) == 0 {
			return sum, nil
		}
		for _, s := range srcs {
			seen[s.ID] = true
		}
		got, err := p.pass(ctx, srcs)
		sum.add(got)
		if err != nil || !full {
			return sum, err
		}
	}
}

// Run polls due sources now and then every PollerOptions.Every, logging
// what each pass did, until ctx ends. It returns once every fetch it started
// has ended.
func (p *Poller) Run(ctx context.Context) {
	for {
		start := p.opt.Now()
		sum, err := p.PollDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.log.ErrorContext(ctx, "poll due sources", "err", err)
		}
		for _, e := range sum.Errors {
			// Source URLs can hold keys and tokens; so can the errors,
			// which name the URLs.
			p.log.WarnContext(ctx, "poll source", "source", e.ID, "url", feed.RedactURL(e.URL),
				"err", feed.RedactURLs(e.Err.Error()))
		}
		if sum.Sources > 0 {
			p.log.InfoContext(ctx, "polled sources", "sources", sum.Sources, "fetched", sum.Fetched,
				"not_modified", sum.NotModified, "failed", sum.Failed, "new", sum.New, "updated", sum.Updated,
				"duration", p.opt.Now().Sub(start))
		}
		t := time.NewTimer(p.opt.Every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// polled is what one worker did with one source.
type polled struct {
	src        feed.Source
	host       string
	cancelled  bool // ctx ended first: nothing was recorded
	unrecorded bool // storing the outcome failed: nothing was recorded
	sum        Summary
}

// pass polls srcs, at most Workers at a time and PerHost at a time per host.
//
// The sources are queued per host and handed out round robin to hosts with
// a free slot, so that the workers never all wait for one busy host while
// the sources of other hosts wait behind it in one queue.
func (p *Poller) pass(ctx context.Context, srcs []feed.Source) (Summary, error) {
	var sum Summary
	if len(srcs) == 0 {
		return sum, nil
	}
	rules, err := p.rules.Set(ctx, p.store)
	if err != nil {
		return sum, err
	}
	// Idle connections to hundreds of hosts are of no use until the next
	// pass, many minutes away.
	defer p.fetcher.Close()

	type job struct {
		src  feed.Source
		host string
	}
	queues := map[string][]feed.Source{}
	var hosts []string // hosts with queued sources, in round-robin order
	for _, s := range srcs {
		h := hostOf(s.URL)
		if len(queues[h]) == 0 {
			hosts = append(hosts, h)
		}
		queues[h] = append(queues[h], s)
	}
	busy := map[string]int{}
	turn := 0 // index in hosts of the host to serve next
	// pick returns the index in hosts of the first host, from turn on, that
	// has a free slot.
	pick := func() (int, bool) {
		for i := range hosts {
			if j := (turn + i) % len(hosts); busy[hosts[j]] < p.opt.PerHost {
				return j, true
			}
		}
		return 0, false
	}

	jobs := make(chan job)
	results := make(chan polled)
	var wg sync.WaitGroup
	for range min(p.opt.Workers, len(srcs)) {
		wg.Go(func() {
			for j := range jobs {
				results <- p.poll(ctx, j.src, j.host, rules)
			}
		})
	}
	total, queued, unfinished := len(srcs), len(srcs), len(srcs)
	done := ctx.Done()
	for unfinished > 0 {
		var (
			send chan job
			next job
			at   int
		)
		if queued > 0 {
			if i, ok := pick(); ok {
				h := hosts[i]
				send, next, at = jobs, job{src: queues[h][0], host: h}, i
			}
		}
		select {
		case send <- next:
			h := next.host
			queued--
			busy[h]++
			turn = at + 1
			if queues[h] = queues[h][1:]; len(queues[h]) == 0 {
				hosts = slices.Delete(hosts, at, at+1)
				turn = at
			}
			if len(hosts) > 0 {
				turn %= len(hosts)
			}
		case r := <-results:
			busy[r.host]--
			unfinished--
			if !r.cancelled {
				sum.add(r.sum)
			}
			if p.opt.Progress != nil {
				p.opt.Progress(total-unfinished, total)
			}
		case <-done:
			// Hand out nothing more; wait for the polls in flight, whose
			// fetches end with ctx.
			done = nil
			unfinished -= queued
			queued, hosts = 0, nil
		}
	}
	close(jobs)
	wg.Wait()
	return sum, ctx.Err()
}

// poll fetches, parses and stores one source.
func (p *Poller) poll(ctx context.Context, src feed.Source, host string, rules *rule.Set) polled {
	out := polled{src: src, host: host}
	// Poll's two steps, apart: the host's slot is held for the HTTP only,
	// not while parsing and storing, which need no connection.
	release, err := p.limiter.Acquire(ctx, host)
	if err != nil {
		out.cancelled = true
		return out
	}
	fetchStart := p.opt.Now()
	resp, err := p.fetcher.Fetch(ctx, src)
	release()
	if ctx.Err() != nil {
		// Shutting down is not the source's failure.
		out.cancelled = true
		return out
	}
	p.opt.Metrics.Fetch(p.opt.Now().Sub(fetchStart))
	o := Outcome{Response: resp, Err: err}
	reason := "" // why the poll failed, for the metrics
	if err != nil {
		reason = fetchFailure(err)
	}
	if err == nil && !resp.NotModified {
		// The body waits here, fetched, until the budget lets it be parsed.
		done, err := p.parsing.acquire(ctx, len(resp.Body))
		if err != nil {
			out.cancelled = true
			return out
		}
		o.Result, o.Err = Parse(resp.Body, resp.ContentType, resp.FinalURL, resp.At, src)
		resp.Body = nil // parsed; let it go before storing
		done()
		if o.Err != nil {
			reason = metrics.FailParse
		}
	}

	var arts []feed.Article
	if o.Result != nil {
		out.sum.Skipped = len(o.Result.Skipped)
		arts = o.Result.Articles[:0]
		for _, a := range o.Result.Articles {
			rules.Apply(&a)
			if a.Validate() != nil {
				// The rules' tags took it over a limit; it is left out
				// like any other item that cannot be an article.
				out.sum.Skipped++
				continue
			}
			arts = append(arts, a)
		}
	}
	next := Update(src, p.opt.Now(), o, p.opt.Policy)
	if p.claims != nil && resp != nil && resp.RetryAfter > 0 && retryLater(resp.Status) {
		// The host asked to be left alone: every instance leaves its other
		// sources alone too, until the time this one is due again.
		if err := p.claims.HoldHost(ctx, hostKey(src.URL), next.NextFetch); err != nil && ctx.Err() == nil {
			p.log.WarnContext(ctx, "hold host", "host", hostKey(src.URL), "err", err)
		}
	}
	changes, err := p.store.RecordPoll(ctx, src.URL, next, arts)
	switch {
	case err != nil && ctx.Err() != nil:
		out.cancelled = true
		return out
	case err != nil:
		o.Err = err
		reason = metrics.FailStore
		out.unrecorded = true
	}

	out.sum.Sources = 1
	switch {
	case o.Err != nil:
		out.sum.Failed = 1
		out.sum.Errors = []SourceError{{ID: src.ID, Name: src.Name, URL: src.URL, Err: o.Err}}
		p.opt.Metrics.Poll(metrics.PollFailed, reason)
	case resp.NotModified:
		out.sum.NotModified = 1
		p.opt.Metrics.Poll(metrics.PollNotModified, "")
	default:
		out.sum.Fetched = 1
		p.opt.Metrics.Poll(metrics.PollFetched, "")
	}
	for _, c := range changes {
		switch c {
		case feed.Created:
			out.sum.New++
		case feed.Updated:
			out.sum.Updated++
		}
	}
	p.opt.Metrics.ItemsStored(out.sum.New, out.sum.Updated)
	if out.sum.New+out.sum.Updated > 0 && p.opt.Stored != nil {
		p.opt.Stored()
	}
	return out
}

// fetchFailure names the reason a fetch failed, for the metrics (one of
// the metrics.Fail constants).
func fetchFailure(err error) string {
	var (
		status  *StatusError
		blocked *guard.BlockedError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &blocked):
		return metrics.FailRefused
	case errors.Is(err, ErrTooLarge):
		return metrics.FailTooLarge
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return metrics.FailTimeout
	case errors.As(err, &status) && status.Code >= 400 && status.Code < 500:
		return metrics.FailHTTP4xx
	case errors.As(err, &status) && status.Code >= 500:
		return metrics.FailHTTP5xx
	case errors.As(err, &status), errors.As(err, new(redirectError)):
		return metrics.FailHTTP
	}
	return metrics.FailNetwork
}

// hostOf returns the host name the Limiter knows a source's fetches by.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
