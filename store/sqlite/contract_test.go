package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"herald/store"
	"herald/store/sqlite"
	"herald/store/storetest"
)

// engine opens SQLite files in temporary folders for the contract suite.
var engine = storetest.Opener{
	Create: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "herald.db") },
	Open: func(tb testing.TB, path string, opt store.Options) store.DB {
		tb.Helper()
		db, err := sqlite.Open(context.Background(), path, sqlite.Options(opt))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	},
	SetRankWindow: sqlite.SetRankWindow,
}

// TestContract runs the behaviour every store engine must show against
// SQLite files.
func TestContract(t *testing.T) {
	storetest.Run(t, engine)
}
