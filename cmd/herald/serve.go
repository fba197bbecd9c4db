package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"herald/feed/web"
)

func cmdServe(ctx context.Context, e *env, args []string) int {
	var (
		c                     config
		demo                  bool
		rights                string
		feedMaxAge, staleness time.Duration
		logLevel              string
	)
	f := newFlags(e, "serve", "", "Serve the feeds, the pages their items link to, and the JSON API.")
	c.common(f)
	f.stringVar(&c.addr, "addr", "HERALD_ADDR", "127.0.0.1:8080", "address to listen on")
	f.stringVar(&c.title, "title", "HERALD_TITLE", "Herald Demo Newsroom", "the outlet's name in feeds and pages")
	f.stringVar(&c.desc, "description", "HERALD_DESCRIPTION", "Cybersecurity policy news: diplomacy, critical infrastructure and information sharing.", "one line about the outlet")
	f.stringVar(&rights, "rights", "HERALD_RIGHTS", "", "copyright line for the outlet's own articles")
	f.boolVar(&demo, "demo", "HERALD_DEMO", false, "ingest the bundled demo articles when the database holds no article")
	f.stringVar(&logLevel, "log-level", "HERALD_LOG_LEVEL", "info", "debug, info (one line per request), warn or error")
	f.DurationVar(&feedMaxAge, "feed-max-age", time.Minute, "Cache-Control max-age of feeds")
	f.DurationVar(&staleness, "stale-after", time.Second, "how soon a change made by another process (herald ingest) reaches cached feeds")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	if f.NArg() > 0 {
		fmt.Fprintf(e.stderr, "herald serve: unexpected argument %q\n", f.Arg(0))
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		fmt.Fprintf(e.stderr, "herald serve: --log-level %q: want debug, info, warn or error\n", logLevel)
		return 2
	}
	log := newLogger(e.stderr, level)

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fail(e, err)
	}
	defer ln.Close()
	if c.baseURL == "" { // links must name the port actually bound, e.g. for --addr :0
		c.base = &url.URL{Scheme: "http", Host: ln.Addr().String()}
		if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
			c.base.Host = net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
		}
	}

	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	if demo {
		n, err := loadDemo(ctx, db, c.loc)
		if err != nil {
			return fail(e, fmt.Errorf("demo articles: %w", err))
		}
		if n > 0 {
			log.Info("ingested demo articles", "count", n)
		}
	}

	handler := web.New(db, web.Config{
		BaseURL: c.base, Title: c.title, Description: c.desc, Rights: rights, Location: c.loc,
		FeedMaxAge: feedMaxAge, StaleAfter: staleness, Logger: log,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	base := c.base.String()
	fmt.Fprintf(e.stdout, "herald is serving %s (database %s)\n", base, c.db)
	fmt.Fprintf(e.stdout, "  pages:       %s/\n", base)
	fmt.Fprintf(e.stdout, "  feeds:       %s/feed.atom  %s/feed.rss  %s/feed.json\n", base, base, base)
	fmt.Fprintf(e.stdout, "  a tag feed:  %s/tags/cyber-diplomacy/feed.atom\n", base)
	fmt.Fprintf(e.stdout, "  every feed:  %s/feeds.opml\n", base)
	log.Info("listening", "addr", ln.Addr().String(), "base_url", base)

	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
		close(serveErr)
	})
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if err != nil {
			return fail(e, err)
		}
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	wg.Wait()
	if err != nil {
		return fail(e, fmt.Errorf("shutdown: %w", err))
	}
	log.Info("stopped")
	return 0
}
