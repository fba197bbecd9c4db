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

// SQLite returns the Opener of SQLite files in temporary folders, with the
// engine's setRankWindow (see Opener; nil for none).
func SQLite(setRankWindow func(tb testing.TB, n int)) Opener {
	return Opener{
		Create:        func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "herald.db") },
		Open:          openName,
		SetRankWindow: setRankWindow,
	}
}

// Postgres returns the Opener of fresh PostgreSQL databases, one per test
// (see PostgresURL), with the engine's setRankWindow (see Opener; nil for
// none).
func Postgres(setRankWindow func(tb testing.TB, n int)) Opener {
	return Opener{Create: PostgresURL, Open: openName, SetRankWindow: setRankWindow}
}

// openName opens the database name names, as store.Open does, and closes it
// when the test ends.
func openName(tb testing.TB, name string, opt store.Options) store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), name, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
