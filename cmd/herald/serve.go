package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"herald/feed"
	"herald/feed/metrics"
	"herald/feed/stats"
	"herald/feed/web"
)

// The outlet's name and description with --demo, when not given.
const (
	demoTitle       = "Herald Demo Newsroom"
	demoDescription = "Cybersecurity policy news: diplomacy, critical infrastructure and information sharing."
)

func cmdServe(ctx context.Context, e *env, args []string) int {
	var (
		c                     config
		demo                  bool
		rights                string
		feedMaxAge, staleness time.Duration
		logLevel              string
		publicContent         string
		language              string
	)
	f := newFlags(e, "serve", "", "Serve the feeds, the pages their items link to, and the JSON API.")
	c.common(f)
	f.stringVar(&c.addr, "addr", "HERALD_ADDR", "127.0.0.1:8080", "address to listen on")
	f.stringVar(&c.title, "title", "HERALD_TITLE", "", "the outlet's name in feeds and pages (default: the host of --base-url; with --demo, "+demoTitle+")")
	f.stringVar(&c.desc, "description", "HERALD_DESCRIPTION", "", "one line about the outlet (default: none; with --demo, the demo's)")
	f.stringVar(&rights, "rights", "HERALD_RIGHTS", "", "copyright line for the outlet's own articles")
	f.boolVar(&demo, "demo", "HERALD_DEMO", false, "ingest the bundled demo articles when the database holds no article")
	f.stringVar(&logLevel, "log-level", "HERALD_LOG_LEVEL", "info", "debug, info (one line per request), warn or error")
	f.stringVar(&publicContent, "public-content", "HERALD_PUBLIC_CONTENT", "full", "what feeds without a subscriber token carry: full or summary")
	f.durationVar(&feedMaxAge, "feed-max-age", "HERALD_FEED_MAX_AGE", time.Minute, "Cache-Control max-age of feeds")
	f.durationVar(&staleness, "stale-after", "HERALD_STALE_AFTER", time.Second, "how soon a change made by another process (herald ingest) reaches cached feeds; on PostgreSQL changes are pushed at once, and this is the fallback while the database cannot push them")
	languageFlag(f, &language)
	var cacheSize string
	f.stringVar(&cacheSize, "cache-size", "HERALD_CACHE_SIZE", "64MiB", "memory for cached feeds, such as 64MiB or 1GiB; a quarter of it at most holds search feeds and pages past the first")
	var metricsAddr string
	f.stringVar(&metricsAddr, "metrics-addr", "HERALD_METRICS_ADDR", "", "serve /metrics on this address (such as 127.0.0.1:9090) instead of --addr, off the public listener")
	var roleName string
	f.stringVar(&roleName, "role", "HERALD_ROLE", string(roleAll),
		"what this instance does: all (serve HTTP and poll, deliver and prune), web (serve HTTP only) or worker (poll sources, verify and deliver WebSub, prune; over HTTP only /healthz and /metrics)")
	var poll pollFlags
	poll.register(f, true)
	var hub hubFlags
	hub.register(f)
	var keep retention
	keep.register(f)
	var statsEvery time.Duration
	f.durationVar(&statsEvery, "stats-every", "HERALD_STATS_EVERY", 10*time.Second,
		"how often the readership statistics counted in memory are added to the database (also at shutdown); a crash loses at most this much")
	var zone statsZone
	zone.register(f)
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	if f.NArg() > 0 {
		fmt.Fprintf(e.stderr, "herald serve: unexpected argument %q\n", f.Arg(0))
		return 2
	}
	if err := poll.check(); err != nil {
		fmt.Fprintf(e.stderr, "herald serve: %v\n", err)
		return 2
	}
	if statsEvery <= 0 {
		fmt.Fprintf(e.stderr, "herald serve: --stats-every %v: want a positive duration such as 10s\n", statsEvery)
		return 2
	}
	statsLoc, err := zone.location()
	if err != nil {
		fmt.Fprintf(e.stderr, "herald serve: %v\n", err)
		return 2
	}
	rl, err := parseRole(roleName)
	if err != nil {
		fmt.Fprintf(e.stderr, "herald serve: %v\n", err)
		return 2
	}
	if err := hub.check(); err != nil {
		fmt.Fprintf(e.stderr, "herald serve: %v\n", err)
		return 2
	}
	cacheBytes, err := parseSize(cacheSize)
	if err != nil || cacheBytes < 1<<20 {
		fmt.Fprintf(e.stderr, "herald serve: --cache-size %q: want a size of 1MiB or more, such as 64MiB or 1GiB\n", cacheSize)
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		fmt.Fprintf(e.stderr, "herald serve: --log-level %q: want debug, info, warn or error\n", logLevel)
		return 2
	}
	// Logs to a terminal are written at once; otherwise they are batched,
	// and flushed by a goroutine that ends last (see the end of this function).
	logOut := e.stderr
	var logBuf *logBuffer
	if !isTerminal(e.stderr) {
		logBuf = newLogBuffer(e.stderr)
		logOut = logBuf
		defer logBuf.Flush()
	}
	log := newLogger(logOut, level)
	if publicContent != string(feed.PlanFull) && publicContent != string(feed.PlanSummary) {
		fmt.Fprintf(e.stderr, "herald serve: --public-content %q: want full or summary\n", publicContent)
		return 2
	}
	if !feed.ValidLanguage(language) {
		fmt.Fprintf(e.stderr, "herald serve: --language %q is not a language tag such as en or ja\n", language)
		return 2
	}
	// herald's live heap is small (templates, sanitizer tables, cached
	// feeds: a few MB), so at Go's default the collector ran at its 4 MB
	// floor, every ~1,500 answers of a cached feed, and marking that heap
	// made answering them ~10% dearer (cmd/feedbaseline/load.sh). A quarter
	// as often costs ~12 MB more. GOGC, when set, decides instead.
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(web.GCPercent))
	}
	// That lets the heap grow to five times what it holds, though, and
	// once the feed cache fills (--cache-size) that is five times the
	// cache: a soft limit of twice the cache and 128 MiB more makes the
	// collector run as often as it must to stay within it (never, while
	// the cache is small). GOMEMLIMIT, when set, decides instead.
	if e.getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(2*cacheBytes + 128<<20))
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fail(e, err)
	}
	defer ln.Close()
	var metricsLn net.Listener
	if metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", metricsAddr); err != nil {
			return fail(e, fmt.Errorf("--metrics-addr: %w", err))
		}
		defer metricsLn.Close()
	}
	if c.baseURL == "" { // links must name the port actually bound, e.g. for --addr :0
		c.base = &url.URL{Scheme: "http", Host: ln.Addr().String()}
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
			c.base.Host = net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
		}
	}

	// restore refuses while the lock is held (see restore.go).
	release, err := holdDB(c.db)
	if err != nil {
		return fail(e, err)
	}
	defer release()
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	// Instances on one PostgreSQL database share the work through claims in
	// it, under this id (see role.go); on SQLite, one herald serve has the
	// file to itself, and its poller works alone as it always has.
	owner, shared := instanceID(), engine(c.db) == "postgres"
	notifier := db // before timeWrites wraps it: the store.Notifier, if any
	if demo {
		n, err := loadDemo(ctx, db, c.loc)
		if err != nil {
			return fail(e, fmt.Errorf("demo articles: %w", err))
		}
		if n > 0 {
			log.Info("ingested demo articles", "count", n)
		}
	}

	// A real deployment must not inherit the demo's branding: without
	// --demo the outlet is named by its host until it is given a name.
	switch {
	case c.title == "" && demo:
		c.title = demoTitle
	case c.title == "":
		c.title = c.base.Hostname()
		log.Warn("no --title (HERALD_TITLE) given: feeds and pages name the outlet "+c.title+", the host of the base URL", "title", c.title)
	}
	if c.desc == "" && demo {
		c.desc = demoDescription
	}

	// Metrics of the whole process; the store's writes are timed by a
	// wrapper (see metrics.go), the rest where it happens.
	bi := readBuild()
	m := metrics.New(metrics.Build{Version: bi.version, Commit: bi.commit})
	db = timeWrites(db, m)
	poll.metrics = m
	if shared {
		poll.owner = owner
	}
	hub.metrics, hub.userAgent, hub.owner = m, bi.userAgent(poll.contactURL), owner
	hub.setup(db, c.base, log)
	webCfg := web.Config{
		HubURLs: hub.urls(), Hub: hub.webHub(),
		BaseURL: c.base, Title: c.title, Description: c.desc, Rights: rights, Location: c.loc, Language: language,
		CheckSourceURL: poll.checkSourceURL,
		PublicContent:  feed.Plan(publicContent),
		FeedMaxAge:     feedMaxAge, StaleAfter: staleness, Logger: log,
		CacheSize:    cacheBytes,
		SharedRates:  shared,
		Metrics:      m,
		ServeMetrics: metricsLn == nil,
		Version:      bi.version,
		Commit:       bi.commit,
		Engine:       engine(c.db),
	}
	if logBuf != nil {
		// The logger writes JSON there (see newLogger); the access log's
		// lines, written without slog, are the same.
		webCfg.AccessLog = logBuf
	}
	// Readership statistics are counted in memory, off the path of the
	// answer, and added to the database every --stats-every (see below).
	var counter *stats.Counter
	if rl.serves() {
		counter = &stats.Counter{Location: statsLoc}
		webCfg.Stats = counter
	}
	handler := web.New(db, webCfg)
	// A worker renders feeds for the hub with the same handler, but over
	// HTTP it answers only its health and metrics.
	var public http.Handler = handler
	if !rl.serves() {
		public = workerHandler(handler, metricsLn == nil)
	}
	srv := &http.Server{
		Handler:           public,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	base := c.base.String()
	if rl.serves() {
		fmt.Fprintf(e.stdout, "herald is serving %s (database %s)\n", base, showDB(c.db))
		fmt.Fprintf(e.stdout, "  pages:       %s/\n", base)
		fmt.Fprintf(e.stdout, "  feeds:       %s/feed.atom  %s/feed.rss  %s/feed.json\n", base, base, base)
		fmt.Fprintf(e.stdout, "  a tag feed:  %s/tags/cyber-diplomacy/feed.atom\n", base)
		fmt.Fprintf(e.stdout, "  every feed:  %s/feeds.opml\n", base)
		if hub.on {
			fmt.Fprintf(e.stdout, "  websub hub:  %s/websub\n", base)
		}
	} else {
		fmt.Fprintf(e.stdout, "herald is working for %s (database %s): polling sources, delivering WebSub, pruning\n", base, showDB(c.db))
		fmt.Fprintf(e.stdout, "  health:      http://%s/healthz\n", ln.Addr())
	}
	switch {
	case metricsLn != nil:
		fmt.Fprintf(e.stdout, "  metrics:     http://%s/metrics\n", metricsLn.Addr())
	case rl.serves():
		fmt.Fprintf(e.stdout, "  metrics:     %s/metrics\n", base)
	default:
		fmt.Fprintf(e.stdout, "  metrics:     http://%s/metrics\n", ln.Addr())
	}
	log.Info("listening", "addr", ln.Addr().String(), "base_url", base, "role", string(rl), "instance", owner)

	var wg sync.WaitGroup
	if logBuf != nil {
		logCtx, stopLogFlush := context.WithCancel(context.WithoutCancel(ctx))
		var logWG sync.WaitGroup
		logWG.Go(func() { logBuf.run(logCtx, 200*time.Millisecond) })
		defer logWG.Wait()
		defer stopLogFlush()
	}
	// Word of writes made by other instances (PostgreSQL), for the caches
	// and the hub (see role.go); until shutdown.
	listenCtx, stopListen := context.WithCancel(ctx)
	defer stopListen()
	listen(listenCtx, &wg, notifier, handler.Changed, handler.Listening, log)
	// The background work, unless --role web: the poller fetches due
	// sources (see fetch.go), the WebSub hub verifies and delivers (see
	// hub.go), retention prunes (see retention.go), until shutdown. Each is
	// stopped and waited for below, giving back the claims it holds,
	// before the store closes.
	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	hubCtx, stopHub := context.WithCancel(ctx)
	defer stopHub()
	stopPrune := func() {}
	var leaderPrune *leaderPruner
	if rl.works() {
		poll.start(pollCtx, &wg, db, log, handler.Changed)
		// Embargoes are lifted when their time comes (at start for those
		// that passed while herald was down); on a shared database every
		// worker may, and each article is lifted once (see feed/web/embargo.go).
		// Writes of other processes move the next embargo: --hub-check-every
		// bounds how soon this sees them, when the store does not tell.
		wg.Go(func() { handler.RunEmbargoes(pollCtx, db, hub.checkEvery) })
		hub.start(hubCtx, &wg, db, handler, log)
		var p pruner = db
		if shared {
			leaderPrune = &leaderPruner{db: db, owner: owner, m: m}
			p = leaderPrune
		}
		stopPrune = keep.start(ctx, &wg, p, log)
	} else {
		log.Info("not polling, delivering or pruning (--role web): the workers do")
	}
	stopMetrics := func(context.Context) error { return nil }
	if metricsLn != nil {
		stopMetrics = serveMetrics(metricsLn, m, log, &wg)
	}
	// Subscriber usage is counted in memory and stored now and then.
	flushCtx, stopFlush := context.WithCancel(context.WithoutCancel(ctx))
	if counter != nil {
		wg.Go(func() {
			t := time.NewTicker(statsEvery)
			defer t.Stop()
			for {
				select {
				case <-flushCtx.Done():
					return
				case <-t.C:
					if err := counter.Flush(flushCtx, db); err != nil {
						log.Error("store readership stats", "err", err)
					}
				}
			}
		})
	}
	wg.Go(func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-flushCtx.Done():
				return
			case <-t.C:
				if err := handler.FlushUsage(flushCtx); err != nil {
					log.Error("store subscriber usage", "err", err)
				}
			}
		}
	})
	if shared && rl.serves() {
		// Subscribers' requests, counted for the site's rate limits, go to
		// the database in batches; these are the stragglers (see
		// feed/web/rate.go).
		wg.Go(func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-flushCtx.Done():
					return
				case <-t.C:
					handler.FlushRates(flushCtx)
				}
			}
		})
	}
	serveErr := make(chan error, 1)
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
		close(serveErr)
	})
	var serveFailed error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case serveFailed = <-serveErr:
	}
	// Whatever ended serving, every goroutine is stopped and waited for,
	// and the usage counted so far is stored, before the store closes. The
	// background work stops taking work first: the poller and the hub cut
	// their work in flight short and give back their claims, so that other
	// instances take it at once, while the requests in flight are answered.
	stopPoll()
	stopHub()
	stopPrune()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopMetrics(shutdownCtx)
	stopFlush()
	stopListen()
	wg.Wait()
	if leaderPrune != nil {
		if lerr := leaderPrune.release(shutdownCtx); lerr != nil {
			log.Warn("release the retention lease", "err", lerr)
		}
	}
	handler.FlushRates(shutdownCtx)
	if ferr := handler.FlushUsage(shutdownCtx); ferr != nil {
		log.Error("store subscriber usage", "err", ferr)
	}
	if counter != nil {
		if ferr := counter.Flush(shutdownCtx, db); ferr != nil {
			log.Error("store readership stats", "err", ferr)
		}
	}
	if serveFailed != nil {
		return fail(e, serveFailed)
	}
	if err != nil {
		return fail(e, fmt.Errorf("shutdown: %w", err))
	}
	log.Info("stopped")
	return 0
}

// engine names the database engine --db selects, for /healthz?verbose=1.
func engine(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}

// sizeUnits are the units parseSize takes, binary and decimal.
var sizeUnits = []struct {
	name string
	n    int64
}{{"", 1}, {"B", 1}, {"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}}

// parseSize reads a size in bytes: a whole number, with a unit (KiB, MiB,
// GiB, KB, MB, GB, B, in any case) or without, for bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a whole number and a unit, such as 64MiB", s)
	}
	unit := strings.TrimSpace(s[digits:])
	for _, u := range sizeUnits {
		if strings.EqualFold(unit, u.name) {
			if n > math.MaxInt64/u.n {
				return 0, fmt.Errorf("size %q is too large", s)
			}
			return n * u.n, nil
		}
	}
	return 0, fmt.Errorf("size %q: unknown unit %q, want KiB, MiB, GiB, KB, MB, GB or B", s, unit)
}
