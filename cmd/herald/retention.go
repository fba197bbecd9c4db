package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Retention: herald serve prunes the change log, tombstones and earlier
// versions of articles in the background, so that they do not grow for
// good (see store.DB's Prune methods).

const day = 24 * time.Hour

// keepVersionsAtLeast is how many of each article's earlier versions are
// kept, however old: an article edited rarely keeps its history.
const keepVersionsAtLeast = 10

// pruneEvery is how often the server prunes; pruneAfterStart, how long
// after it starts it first does, so as not to add to a busy start.
const (
	pruneEvery      = time.Hour
	pruneAfterStart = time.Minute
)

// pruneBatch is how many records one transaction of pruning removes at
// most: writers wait for no more than that.
const pruneBatch = 1000

// retention is how long serve keeps what would otherwise grow for good;
// 0 is for good.
type retention struct {
	versions, changes, tombstones, stats time.Duration
}

// register registers the --keep-* flags of serve.
func (r *retention) register(f *flags) {
	keepVar(f, &r.versions, "keep-versions", "HERALD_KEEP_VERSIONS", 365*day,
		"how long an earlier version of an article is kept after it was replaced: `days` such as 365d, or a duration such as 8760h; each article's "+
			strconv.Itoa(keepVersionsAtLeast)+" newest earlier versions are kept whatever their age; 0 keeps them for good")
	keepVar(f, &r.changes, "keep-changes", "HERALD_KEEP_CHANGES", 90*day,
		"how long an entry of the change log (/api/changes) is kept, in `days` (90d) or a duration (2160h); a client whose cursor is older must start its walk again (410); 0 keeps them for good")
	keepVar(f, &r.tombstones, "keep-tombstones", "HERALD_KEEP_TOMBSTONES", 90*day,
		"how long a deleted article's tombstone is kept, in `days` (90d) or a duration (2160h) (Atom feeds show those of the last 30 days); 0 keeps them for good")
	keepVar(f, &r.stats, "keep-stats", "HERALD_KEEP_STATS", 400*day,
		"how long the readership statistics of a day are kept, in `days` (400d) or a duration; 0 keeps them for good")
}

// pruner is what retention needs of the store.
type pruner interface {
	PruneChanges(ctx context.Context, before time.Time, limit int) (int, error)
	PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error)
	PruneVersions(ctx context.Context, before time.Time, keep, limit int) (int, error)
	PruneStats(ctx context.Context, before time.Time, limit int) (int, error)
}

// start prunes db in a goroutine that wg counts: a pass pruneAfterStart
// after it starts and every pruneEvery after that, until stop is called.
// A pass that fails is logged and the next one tries again.
func (r retention) start(ctx context.Context, wg *sync.WaitGroup, db pruner, log *slog.Logger) (stop func()) {
	ctx, stop = context.WithCancel(ctx)
	if r == (retention{}) {
		return stop
	}
	if r.tombstones > 0 && r.tombstones < 30*day {
		log.Warn("--keep-tombstones is under 30 days: Atom feeds lose their deleted entries sooner", "keep_tombstones", showKeep(r.tombstones))
	}
	wg.Go(func() {
		t := time.NewTimer(pruneAfterStart)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			r.prune(ctx, db, log)
			t.Reset(pruneEvery)
		}
	})
	return stop
}

// prune makes one pass: it removes what is older than the policy keeps,
// as of now, in batches, and logs what it removed.
func (r retention) prune(ctx context.Context, db pruner, log *slog.Logger) {
	start := time.Now()
	c := r.cutoffs(start)
	var counts [4]int
	kinds := [4]struct {
		name   string
		before time.Time
		prune  func(context.Context, time.Time, int) (int, error)
	}{
		{"changes", c.changes, db.PruneChanges},
		{"tombstones", c.tombstones, db.PruneTombstones},
		{"versions", c.versions, func(ctx context.Context, before time.Time, limit int) (int, error) {
			return db.PruneVersions(ctx, before, keepVersionsAtLeast, limit)
		}},
		{"stats", c.stats, db.PruneStats},
	}
	for i, k := range kinds {
		if k.before.IsZero() {
			continue
		}
		for ctx.Err() == nil {
			n, err := k.prune(ctx, k.before, pruneBatch)
			counts[i] += n
			if err != nil {
				if ctx.Err() == nil {
					log.Error("prune "+k.name, "err", err)
				}
				break
			}
			if n < pruneBatch {
				break
			}
		}
	}
	if counts != [4]int{} {
		log.Info("pruned", "changes", counts[0], "tombstones", counts[1], "versions", counts[2], "stats", counts[3],
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	}
}

// cutoffs is what a pass at now removes: what is older than each time;
// zero for what is kept for good.
type cutoffs struct {
	versions, changes, tombstones, stats time.Time
}

func (r retention) cutoffs(now time.Time) cutoffs {
	before := func(keep time.Duration) time.Time {
		if keep <= 0 {
			return time.Time{}
		}
		return now.Add(-keep)
	}
	return cutoffs{versions: before(r.versions), changes: before(r.changes), tombstones: before(r.tombstones),
		stats: before(r.stats)}
}

// keepVar registers a --keep-* flag: a duration, in days too (90d), whose
// default comes from its variable when that is set.
func keepVar(f *flags, p *time.Duration, name, envName string, def time.Duration, usage string) {
	if v := f.env.getenv(envName); v != "" {
		d, err := parseKeep(v)
		if err != nil {
			f.bad = append(f.bad, fmt.Sprintf("%s=%q: %v", envName, v, err))
		}
		def = d
	}
	*p = def
	f.Var((*keepValue)(p), name, usage+" (env "+envName+")")
}

// keepValue is a --keep-* flag's value.
type keepValue time.Duration

func (k *keepValue) String() string {
	if k == nil {
		return "0"
	}
	return showKeep(time.Duration(*k))
}

func (k *keepValue) Set(s string) error {
	d, err := parseKeep(s)
	if err != nil {
		return err
	}
	*k = keepValue(d)
	return nil
}

// parseKeep reads a retention: a number of days (90d), a Go duration
// (2160h), or 0 for good.
func parseKeep(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 100*365 {
			return 0, fmt.Errorf("want a number of days such as 90d, a duration such as 2160h, or 0 to keep for good")
		}
		return time.Duration(days) * day, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a number of days such as 90d, a duration such as 2160h, or 0 to keep for good")
	}
	return d, nil
}

// showKeep writes a retention as parseKeep reads it, in days when whole.
func showKeep(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}
