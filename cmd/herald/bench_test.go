package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/feed/ingest"
	"herald/feed/rule"
	"herald/store"
)

// BenchmarkBulkIngest measures "herald ingest" on a folder of ~5 KB
// plain-text exports, tag rules on: read, parse, apply rules, store. It
// reports articles per second.
func BenchmarkBulkIngest(b *testing.B) {
	const files = 2000
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
	var total time.Duration
	n := 0
	for b.Loop() {
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{SeedTags: rule.Defaults()})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		in := &ingester{db: db, opt: ingest.Options{}}
		rep, err := in.run(ctx, paths, readFile)
		total += time.Since(start)
		n += files
		if err != nil || rep.created != files {
			b.Fatalf("got %+v, %v", rep, err)
		}
		db.Close()
	}
	b.ReportMetric(float64(n)/total.Seconds(), "articles/s")
}
