package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/ingest"
	"herald/feed/rule"
	"herald/store"
	"herald/store/storetest"
)

// BenchmarkBulkIngest measures "herald ingest" on a folder of ~5 KB
// plain-text exports, tag rules on (read, parse, apply rules, store), on
// each engine (engine=sqlite, engine=postgres), against a baseline that
// reads, parses and tags the same files and writes the same rows with
// plain prepared statements (storetest.Baseline), in batches of the same
// size. Each iteration runs both into fresh databases, so that the two
// share the machine's moods. It reports herald's articles per second, the
// baseline's, and herald's as a fraction of the baseline's (x-baseline);
// and, less moved by other work on a shared machine, the CPU time each
// used per article (cpu-us/article: the test process's and, on a local
// PostgreSQL, its server processes' for the database; see serverCPU) and
// herald's speed by that measure (x-baseline-cpu: the baseline's CPU time
// over herald's).
//
//	go test ./cmd/herald -run '^$' -bench BulkIngest -count 3
func BenchmarkBulkIngest(b *testing.B) {
	const (
		files     = 2000
		authority = "news.example.org"
	)
	dir := b.TempDir()
	para := strings.Repeat("Officials discussed the protection of critical infrastructure and the sharing of threat information with allies. ", 6)
	for i := range files {
		var sb strings.Builder
		fmt.Fprintf(&sb, "Officials meet for cyber dialogue round %d\n\nPosted: April %d, 2026\nBookmark and Share\n\n", i, i%28+1)
		for range 7 {
			sb.WriteString(para + "\n\n")
		}
		sb.WriteString("The talks will continue next month. -- Ana Reporter\n")
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("a%05d.txt", i)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	paths, _, err := expandPaths([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	opt := store.Options{Authority: authority, SeedTags: rule.Defaults()}
	storetest.BenchEngines(b, func(b *testing.B, e storetest.Engine) {
		var herald, base, heraldCPU, baseCPU time.Duration
		n := 0
		for b.Loop() {
			b.StopTimer()
			name := e.Create(b)
			db, err := store.Open(ctx, name, opt)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start, cpu := time.Now(), cpuTime()+serverCPU(name)
			in := &ingester{db: db, opt: ingest.Options{}}
			rep, err := in.run(ctx, paths, readFile)
			herald += time.Since(start)
			heraldCPU += cpuTime() + serverCPU(name) - cpu
			n += files
			if err != nil || rep.created != files {
				b.Fatalf("got %+v, %v", rep, err)
			}
			db.Close()

			b.StopTimer()
			name = e.Create(b)
			db, err = store.Open(ctx, name, opt)
			if err != nil {
				b.Fatal(err)
			}
			rules, err := storedRules(ctx, db)
			db.Close()
			if err != nil {
				b.Fatal(err)
			}
			bl, err := storetest.OpenBaseline(ctx, name, authority)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start, cpu = time.Now(), cpuTime()+serverCPU(name)
			if err := baselineIngest(ctx, bl, rules, paths); err != nil {
				b.Fatal(err)
			}
			base += time.Since(start)
			baseCPU += cpuTime() + serverCPU(name) - cpu
			bl.Close()
		}
		b.ReportMetric(float64(n)/herald.Seconds(), "articles/s")
		b.ReportMetric(float64(n)/base.Seconds(), "baseline-articles/s")
		b.ReportMetric(base.Seconds()/herald.Seconds(), "x-baseline")
		b.ReportMetric(float64(heraldCPU.Microseconds())/float64(n), "cpu-us/article")
		b.ReportMetric(float64(baseCPU.Microseconds())/float64(n), "baseline-cpu-us/article")
		b.ReportMetric(baseCPU.Seconds()/heraldCPU.Seconds(), "x-baseline-cpu")
	})
}

// serverCPU returns the CPU time that the processes of a PostgreSQL server
// on this machine serving the database of the URL name have used so far,
// from /proc (Linux, where a server process's title names its database).
// It returns 0 for an SQLite file, or where /proc tells nothing. A process
// that ended meanwhile takes its time with it: call it while the
// connections are open.
func serverCPU(name string) time.Duration {
	u, err := url.Parse(name)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return 0
	}
	db := " " + strings.TrimPrefix(u.Path, "/") + " "
	procs, _ := os.ReadDir("/proc")
	var ticks int64
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		title, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !strings.HasPrefix(string(title), "postgres: ") || !strings.Contains(string(title), db) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", p.Name(), "stat"))
		if err != nil {
			continue
		}
		// After the command in parentheses: state is field 3, utime 14,
		// stime 15, in clock ticks (USER_HZ, 100 on Linux).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		user, _ := strconv.ParseInt(f[11], 10, 64)
		sys, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += user + sys
	}
	return time.Duration(ticks) * (time.Second / 100)
}

// storedRules returns the set of db's tag rules.
func storedRules(ctx context.Context, db store.DB) (*rule.Set, error) {
	tags, err := db.Tags(ctx)
	if err != nil {
		return nil, err
	}
	return rule.NewSet(tags)
}

// baselineIngest does what "herald ingest" does to new files (read, parse,
// apply the rules) and writes the articles with base, in batches of
// batchSize.
func baselineIngest(ctx context.Context, base *storetest.Baseline, rules *rule.Set, paths []string) error {
	batch := make([]feed.Article, 0, batchSize)
	for _, path := range paths {
		data, err := readFile(path)
		if err != nil {
			return err
		}
		arts, err := ingest.Parse(path, data, ingest.Options{})
		if err != nil {
			return err
		}
		for _, a := range arts {
			rules.Apply(&a)
			batch = append(batch, a)
		}
		if len(batch) >= batchSize {
			if err := base.Write(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return base.Write(ctx, batch)
}
