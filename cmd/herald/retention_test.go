package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseKeep(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"90d", 90 * day, false},
		{"0", 0, false},
		{"0d", 0, false},
		{"2160h", 90 * day, false},
		{"36h", 36 * time.Hour, false},
		{"-1d", 0, true},
		{"-5h", 0, true},
		{"1y", 0, true},
		{"d", 0, true},
		{"90", 0, true},
	} {
		got, err := parseKeep(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseKeep(%q): got %v, %v; want %v (error: %t)", tt.in, got, err, tt.want, tt.bad)
		}
		if err == nil {
			if back, _ := parseKeep(showKeep(got)); back != got {
				t.Errorf("showKeep(%v) = %q reads back as %v", got, showKeep(got), back)
			}
		}
	}
}

// TestRetentionFlags checks the defaults, the variables and the flags, a
// flag winning over its variable, and a bad variable refused.
func TestRetentionFlags(t *testing.T) {
	parse := func(vars map[string]string, args ...string) (retention, error) {
		e := &env{getenv: func(k string) string { return vars[k] }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		f := newFlags(e, "serve", "", "")
		var r retention
		r.register(f)
		return r, f.parseAll(args)
	}
	if r, err := parse(nil); err != nil || r != (retention{versions: 365 * day, changes: 90 * day, tombstones: 90 * day, stats: 400 * day}) {
		t.Errorf("defaults: got %+v, %v", r, err)
	}
	r, err := parse(map[string]string{"HERALD_KEEP_CHANGES": "30d", "HERALD_KEEP_VERSIONS": "0", "HERALD_KEEP_STATS": "90d"}, "--keep-changes", "7d", "--keep-tombstones=48h")
	if err != nil || r != (retention{versions: 0, changes: 7 * day, tombstones: 48 * time.Hour, stats: 90 * day}) {
		t.Errorf("flags and variables: got %+v, %v", r, err)
	}
	if _, err := parse(map[string]string{"HERALD_KEEP_TOMBSTONES": "soon"}); err == nil {
		t.Errorf("HERALD_KEEP_TOMBSTONES=soon was taken")
	}
	if _, err := parse(nil, "--keep-versions", "-3d"); err == nil {
		t.Errorf("--keep-versions -3d was taken")
	}
}

// fakePruner records the calls of a pass, and has n records of each kind
// to remove.
type fakePruner struct {
	mu    sync.Mutex
	calls []string
	left  map[string]int
	fail  error
}

func (p *fakePruner) take(kind string, before time.Time, limit int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, fmt.Sprintf("%s before %s", kind, before.Format(time.DateOnly)))
	if p.fail != nil {
		return 0, p.fail
	}
	n := min(p.left[kind], limit)
	p.left[kind] -= n
	return n, nil
}

func (p *fakePruner) PruneChanges(_ context.Context, before time.Time, limit int) (int, error) {
	return p.take("changes", before, limit)
}

func (p *fakePruner) PruneTombstones(_ context.Context, before time.Time, limit int) (int, error) {
	return p.take("tombstones", before, limit)
}

func (p *fakePruner) PruneVersions(_ context.Context, before time.Time, keep, limit int) (int, error) {
	if keep != keepVersionsAtLeast {
		return 0, fmt.Errorf("keep %d, want %d", keep, keepVersionsAtLeast)
	}
	return p.take("versions", before, limit)
}

func (p *fakePruner) PruneStats(_ context.Context, before time.Time, limit int) (int, error) {
	return p.take("stats", before, limit)
}

func (p *fakePruner) took() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.calls
	p.calls = nil
	return out
}

// TestRetentionSchedule checks when the server prunes (a minute after it
// starts, then hourly), what each pass removes (in batches, until a batch
// comes back short; nothing of what is kept for good), that a failing pass
// is logged and tried again, and that stop ends the goroutine.
func TestRetentionSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		db := &fakePruner{left: map[string]int{"changes": 2*pruneBatch + 5, "tombstones": 3, "stats": 4}}
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		var wg sync.WaitGroup
		r := retention{changes: 90 * day, tombstones: 7 * day, stats: 400 * day} // versions kept for good
		stop := r.start(context.Background(), &wg, db, log)

		time.Sleep(pruneAfterStart - time.Second)
		synctest.Wait()
		if got := db.took(); len(got) != 0 {
			t.Errorf("before a minute: got %q, want nothing pruned", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		changes := "changes before " + start.Add(pruneAfterStart).Add(-90*day).Format(time.DateOnly)
		tombstones := "tombstones before " + start.Add(pruneAfterStart).Add(-7*day).Format(time.DateOnly)
		statsBefore := "stats before " + start.Add(pruneAfterStart).Add(-400*day).Format(time.DateOnly)
		want := []string{changes, changes, changes, tombstones, statsBefore}
		if got := db.took(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("first pass: got %q, want %q", got, want)
		}
		if !strings.Contains(logs.String(), "msg=pruned changes=2005 tombstones=3 versions=0 stats=4") {
			t.Errorf("log of the first pass: %s", logs.String())
		}

		db.mu.Lock()
		db.fail = errors.New("database is locked")
		db.mu.Unlock()
		time.Sleep(pruneEvery)
		synctest.Wait()
		if got := db.took(); len(got) != 3 || !strings.Contains(logs.String(), `msg="prune changes" err="database is locked"`) {
			t.Errorf("failing pass: got %q and log %s, want each kind tried once and the failure logged", got, logs.String())
		}
		db.mu.Lock()
		db.fail = nil
		db.mu.Unlock()
		time.Sleep(pruneEvery)
		synctest.Wait()
		if got := db.took(); len(got) != 3 {
			t.Errorf("the pass after: got %q, want each kind tried once", got)
		}

		stop()
		wg.Wait()
	})
}

// TestRetentionForGood checks that nothing runs when everything is kept
// for good.
func TestRetentionForGood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := &fakePruner{left: map[string]int{}}
		var wg sync.WaitGroup
		stop := retention{}.start(context.Background(), &wg, db, slog.New(slog.DiscardHandler))
		time.Sleep(3 * pruneEvery)
		if got := db.took(); len(got) != 0 {
			t.Errorf("got %q, want nothing pruned", got)
		}
		stop()
		wg.Wait()
	})
}
