package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"herald/store"
	"herald/store/sqlite"
	"herald/store/storetest"
)

// TestContract runs the behaviour every store engine must show against an
// SQLite file in a temporary folder.
func TestContract(t *testing.T) {
	storetest.Run(t, func(tb testing.TB, opt store.Options) store.DB {
		tb.Helper()
		db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "herald.db"), sqlite.Options(opt))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	})
}
