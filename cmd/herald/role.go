package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"herald/feed/metrics"
	"herald/store"
)

// Many instances, one site: herald serve processes on one PostgreSQL
// database share the work of polling and of the WebSub hub through claims
// in the database, and each may do only part of what serve does (--role),
// as Miniflux runs its HTTP and scheduler services apart.

// A role is what one herald serve does.
type role string

const (
	// roleAll serves HTTP and does the background work: the default.
	roleAll role = "all"
	// roleWeb serves the site over HTTP and nothing else: it polls no
	// source and delivers nothing, but its /websub still takes requests,
	// queued in the database for the workers.
	roleWeb role = "web"
	// roleWorker polls sources, verifies and delivers WebSub, and prunes;
	// over HTTP it answers /healthz and /metrics only.
	roleWorker role = "worker"
)

func parseRole(s string) (role, error) {
	switch r := role(strings.ToLower(s)); r {
	case roleAll, roleWeb, roleWorker:
		return r, nil
	}
	return "", fmt.Errorf("--role %q: want all, web or worker", s)
}

// serves reports whether the role serves the site over HTTP.
func (r role) serves() bool { return r != roleWorker }

// works reports whether the role does the background work.
func (r role) works() bool { return r != roleWeb }

// instanceID names this process in the claims and leases it takes in the
// database: the host, the process and a random part, so that two processes
// never share one, even across restarts that reuse a pid.
func instanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "herald"
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), strings.ToLower(rand.Text()[:8]))
}

// workerHandler is what a worker answers at --addr: /healthz and, unless it
// has a listener of its own, /metrics, both as the site would answer them
// (site is the web.Server the worker renders feeds with); everything else
// is 404, since a worker serves no site.
func workerHandler(site http.Handler, withMetrics bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", site)
	if withMetrics {
		mux.Handle("GET /metrics", site)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "this herald is a worker (--role worker): it serves /healthz and /metrics only", http.StatusNotFound)
	})
	return mux
}

// listen keeps the process hearing of every write committed to the
// database by any instance, when the store can tell (PostgreSQL's
// LISTEN/NOTIFY): changed runs for each, and listening says whether the
// connection is up, so that the caches fall back to checking the version
// meanwhile. It runs in a goroutine of wg until ctx ends.
func listen(ctx context.Context, wg *sync.WaitGroup, db store.DB, changed func(), listening func(bool), log *slog.Logger) {
	n, ok := db.(store.Notifier)
	if !ok {
		return
	}
	var (
		mu sync.Mutex
		up bool
	)
	wg.Go(func() {
		err := n.Listen(ctx, changed, func(now bool) {
			mu.Lock()
			was := up
			up = now
			mu.Unlock()
			switch {
			case now && !was:
				log.Info("hearing of other instances' writes at once (LISTEN)")
			case !now && was && ctx.Err() == nil:
				log.Warn("not hearing of other instances' writes: checking for them every --stale-after until the database answers again")
			}
			listening(now)
		})
		if err != nil && ctx.Err() == nil {
			log.Error("listen for changes", "err", err)
		}
	})
}

// leaderPruner is the store as retention sees it on a shared database: the
// instance that holds the retention lease prunes, the others skip their
// passes, so that one instance, not every one, does the pruning each hour.
type leaderPruner struct {
	db    store.DB
	owner string
	m     *metrics.Metrics

	mu      sync.Mutex
	held    bool
	checked time.Time
}

// retentionLease names the lease, retentionTTL its term: two passes, so
// that the leader keeps it from one pass to the next; another instance
// takes over when a leader has missed two.
const (
	retentionLease = "retention"
	retentionTTL   = 2 * pruneEvery
)

// lead takes or renews the lease, at most once a minute, and reports
// whether this instance holds it.
func (p *leaderPruner) lead(ctx context.Context) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.checked) < time.Minute {
		return p.held
	}
	ok, err := p.db.AcquireLease(ctx, retentionLease, p.owner, now, retentionTTL)
	if err != nil {
		return false // the pass waits for the next
	}
	p.held, p.checked = ok, now
	p.m.Leader(metrics.LeaseRetention, ok)
	return ok
}

func (p *leaderPruner) PruneChanges(ctx context.Context, before time.Time, limit int) (int, error) {
	if !p.lead(ctx) {
		return 0, nil
	}
	return p.db.PruneChanges(ctx, before, limit)
}

func (p *leaderPruner) PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error) {
	if !p.lead(ctx) {
		return 0, nil
	}
	return p.db.PruneTombstones(ctx, before, limit)
}

func (p *leaderPruner) PruneVersions(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	if !p.lead(ctx) {
		return 0, nil
	}
	return p.db.PruneVersions(ctx, before, keep, limit)
}

func (p *leaderPruner) PruneStats(ctx context.Context, before time.Time, limit int) (int, error) {
	if !p.lead(ctx) {
		return 0, nil
	}
	return p.db.PruneStats(ctx, before, limit)
}

// release gives the lease up, so that another instance prunes next.
func (p *leaderPruner) release(ctx context.Context) error {
	p.mu.Lock()
	held := p.held
	p.held = false
	p.mu.Unlock()
	if !held {
		return nil
	}
	p.m.Leader(metrics.LeaseRetention, false)
	return p.db.ReleaseLease(ctx, retentionLease, p.owner)
}
