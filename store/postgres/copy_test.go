package postgres_test

import (
	"testing"

	"herald/store/storetest"
)

// sqliteEngine opens SQLite files in temporary folders, for the copies
// between the engines.
var sqliteEngine = storetest.SQLite(nil)

// TestCopyBetweenEngines copies a database from SQLite to PostgreSQL and
// back, and from PostgreSQL to SQLite and back: every copy reads as its
// source, record for record, and goes on as it would.
func TestCopyBetweenEngines(t *testing.T) {
	storetest.PostgresServer(t)
	t.Run("FromSQLite", func(t *testing.T) { storetest.CopyBetween(t, sqliteEngine, engine) })
	t.Run("FromPostgreSQL", func(t *testing.T) { storetest.CopyBetween(t, engine, sqliteEngine) })
}

// BenchmarkCopyFromSQLite and BenchmarkCopyToSQLite measure copies of a
// large database between the engines; see storetest.BenchmarkCopy.
func BenchmarkCopyFromSQLite(b *testing.B) {
	storetest.PostgresServer(b)
	storetest.BenchmarkCopy(b, sqliteEngine, engine)
}

func BenchmarkCopyToSQLite(b *testing.B) {
	storetest.PostgresServer(b)
	storetest.BenchmarkCopy(b, engine, sqliteEngine)
}
