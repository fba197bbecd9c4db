package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"herald/feed/aggregate"
	"herald/feed/guard"
	"herald/feed/metrics"
	"herald/store"
)

// pollFlags are the settings for fetching sources, shared by serve (whose
// poller runs until shutdown) and fetch (one pass).
type pollFlags struct {
	poll         bool          // serve only: run the poller
	every        time.Duration // serve only: how often to look for due sources
	allowPrivate bool
	contactURL   string
	workers      int
	perHost      int
	timeout      time.Duration

	metrics *metrics.Metrics // serve only: set before start; nil records nothing
	// owner, when set, makes the poller claim the sources it polls in the
	// database under this id, sharing them with the other instances and
	// commands on it (PostgreSQL; see feed/aggregate/claim.go).
	owner string
}

func (p *pollFlags) register(f *flags, serve bool) {
	if serve {
		f.boolVar(&p.poll, "poll", "HERALD_POLL", true, "fetch the sources (herald source) while serving")
		f.durationVar(&p.every, "poll-interval", "HERALD_POLL_INTERVAL", aggregate.DefaultEvery, "how often the poller looks for sources that are due")
	}
	f.boolVar(&p.allowPrivate, "allow-private-sources", "HERALD_ALLOW_PRIVATE_SOURCES", false,
		"allow sources on loopback, private, link-local and other non-public addresses (intranet feeds, tests)")
	f.stringVar(&p.contactURL, "contact-url", "HERALD_CONTACT_URL", "",
		"a page or mailto: URL about this herald, sent in the User-Agent of fetches so that publishers can reach its operator")
	f.intVar(&p.workers, "fetch-workers", "HERALD_FETCH_WORKERS", aggregate.DefaultWorkers, "how many sources are fetched at once")
	f.intVar(&p.perHost, "fetch-per-host", "HERALD_FETCH_PER_HOST", aggregate.DefaultPerHost, "how many fetches run at once against one host")
	f.durationVar(&p.timeout, "fetch-timeout", "HERALD_FETCH_TIMEOUT", aggregate.DefaultTimeout, "time limit of one fetch, redirects and body included")
}

// check returns what is wrong with the settings, or nil.
func (p *pollFlags) check() error {
	if p.contactURL != "" {
		u, err := url.Parse(p.contactURL)
		if err != nil || !(u.Scheme == "mailto" && u.Opaque != "" || (u.Scheme == "http" || u.Scheme == "https") && u.Host != "") {
			return fmt.Errorf("--contact-url %q must be an absolute http, https or mailto URL", p.contactURL)
		}
	}
	switch {
	case p.workers < 1:
		return fmt.Errorf("--fetch-workers must be at least 1")
	case p.perHost < 1:
		return fmt.Errorf("--fetch-per-host must be at least 1")
	case p.timeout <= 0:
		return fmt.Errorf("--fetch-timeout must be positive")
	case p.poll && p.every <= 0:
		return fmt.Errorf("--poll-interval must be positive")
	}
	return nil
}

// resolver looks up the hosts of source and WebSub callback URLs when they
// are added. The tests put a stub here, so that none of them asks DNS.
var resolver guard.Resolver = net.DefaultResolver

// lookupTimeout bounds resolving a source URL's host when it is added.
const lookupTimeout = 10 * time.Second

func (p *pollFlags) policy() guard.Policy {
	return guard.Policy{AllowPrivate: p.allowPrivate, Resolver: resolver}
}

func (p *pollFlags) newPoller(db store.DB, log *slog.Logger, progress func(done, total int), stored func()) (*aggregate.Poller, *aggregate.Fetcher) {
	f := aggregate.NewFetcher(aggregate.Options{
		Version:    readBuild().version, // the User-Agent is build.userAgent's
		ContactURL: p.contactURL,
		Timeout:    p.timeout,
		Guard:      p.policy(),
	})
	return aggregate.NewPoller(db, f, aggregate.PollerOptions{
		Workers:  p.workers,
		PerHost:  p.perHost,
		Every:    p.every,
		Logger:   log,
		Progress: progress,
		Stored:   stored,
		Metrics:  p.metrics,
		Owner:    p.owner,
	}), f
}

// start runs the poller of herald serve in a goroutine of wg until ctx ends,
// unless --poll=false.
// stored is called when a poll stored something new.
func (p *pollFlags) start(ctx context.Context, wg *sync.WaitGroup, db store.DB, log *slog.Logger, stored func()) {
	if !p.poll {
		log.Info("not polling sources (--poll=false)")
		return
	}
	poller, f := p.newPoller(db, log, nil, stored)
	log.Info("polling sources", "every", p.every, "workers", p.workers, "per_host", p.perHost,
		"user_agent", f.UserAgent(), "allow_private", p.allowPrivate, "shared", p.owner != "")
	wg.Go(func() {
		defer f.Close()
		poller.Run(ctx)
	})
}

// checkSourceURL refuses a source URL that the fetcher would refuse to
// fetch: its host is an address the guard refuses, in any spelling, or a
// name with an address the guard refuses (guard.Policy.CheckURL). The
// fetcher checks every connection anyway; this is the early answer. A name
// that does not resolve now is accepted: a feed's DNS may be down for an
// hour, and the poller reports what comes of it.
func (p *pollFlags) checkSourceURL(ctx context.Context, raw string) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	err := p.policy().CheckURL(ctx, raw)
	if errors.As(err, new(*guard.LookupError)) {
		return nil
	}
	if errors.As(err, new(*guard.BlockedError)) {
		return fmt.Errorf("%w; --allow-private-sources allows it", err)
	}
	return err
}

const fetchHelp = `Fetch sources now, once, and store what they give, then exit: every enabled
source, whatever its schedule, or those named by --source (enabled or not), or
with --due only those due. The summary counts sources fetched, not modified
(304), failed, and new and updated items; the exit status is 1 when a source
failed. herald serve fetches due sources by itself unless --poll=false.

On PostgreSQL, where herald serve instances share the sources, the sources due
now are claimed as the instances claim them, so that a fetch never doubles one
of theirs (one they are fetching is left to them); those not yet due, and those
named by --source, are fetched as asked.`

func cmdFetch(ctx context.Context, e *env, args []string) int {
	var (
		c       config
		p       pollFlags
		sources multiFlag
		due     bool
	)
	f := newFlags(e, "fetch", "", fetchHelp)
	c.common(f)
	p.register(f, false)
	f.Var(&sources, "source", "the ID of a source to fetch (repeatable)")
	f.BoolVar(&due, "due", false, "fetch only the sources that are due")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	if f.NArg() > 0 {
		fmt.Fprintf(e.stderr, "herald fetch: unexpected argument %q\n", f.Arg(0))
		return 2
	}
	if err := p.check(); err != nil {
		fmt.Fprintf(e.stderr, "herald fetch: %v\n", err)
		return 2
	}
	var ids []int64
	for _, s := range sources {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 1 {
			fmt.Fprintf(e.stderr, "herald fetch: --source %q is not a source ID (see herald source list)\n", s)
			return 2
		}
		ids = append(ids, id)
	}
	if due && len(ids) > 0 {
		fmt.Fprintln(e.stderr, "herald fetch: --due and --source do not go together")
		return 2
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	if engine(c.db) == "postgres" {
		p.owner = "fetch-" + instanceID()
	}

	var bar *progress
	show := func(done, total int) {
		if bar == nil {
			bar = newProgress(e.stderr, total)
		}
		bar.step(done, "sources")
	}
	if !isTerminal(e.stderr) {
		show = nil
	}
	poller, fetcher := p.newPoller(db, nil, show, nil)
	defer fetcher.Close()
	var sum aggregate.Summary
	if due {
		sum, err = poller.PollDue(ctx)
	} else {
		sum, err = poller.RunOnce(ctx, ids...)
	}
	bar.done()
	refused := false
	for _, se := range sum.Errors {
		fmt.Fprintf(e.stderr, "error: %v\n", se)
		refused = refused || errors.As(se.Err, new(*guard.BlockedError))
	}
	if refused {
		fmt.Fprintln(e.stderr, "herald fetch: sources on non-public addresses are refused unless --allow-private-sources is given")
	}
	fmt.Fprintln(e.stdout, sum)
	if err != nil {
		return fail(e, err)
	}
	if sum.Failed > 0 {
		return 1
	}
	return 0
}
