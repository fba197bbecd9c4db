package sqlite_test

import (
	"testing"

	"herald/store/storetest"
)

// BenchmarkSearch measures searches over a large archive in an SQLite
// file; see storetest.BenchmarkSearch.
func BenchmarkSearch(b *testing.B) {
	storetest.BenchmarkSearch(b, engine)
}
