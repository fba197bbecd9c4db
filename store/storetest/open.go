// Package storetest holds what tests need of a store: Open, the one way tests
// outside package store get a fresh database, the contract suite (Run) that
// every engine must pass, and the search benchmark (BenchmarkSearch) that
// every engine runs.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"herald/store"
)

// Open opens a fresh, empty store for the test tb and closes it when the test
// ends. It is an SQLite file in tb.TempDir(): a real file, never :memory:.
func Open(tb testing.TB, opt store.Options) store.DB {
	tb.Helper()
	if opt.Authority == "" {
		opt.Authority = "news.example.org"
	}
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "herald.db"), opt)
	if err != nil {
		tb.Fatalf("open test store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
