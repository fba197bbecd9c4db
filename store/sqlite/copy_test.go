package sqlite_test

import (
	"testing"

	"herald/store/storetest"
)

// BenchmarkCopy measures a copy of a large SQLite database to a new SQLite
// file; see storetest.BenchmarkCopy.
func BenchmarkCopy(b *testing.B) {
	storetest.BenchmarkCopy(b, engine, engine)
}
