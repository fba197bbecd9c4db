package postgres_test

import (
	"testing"

	"herald/store/storetest"
)

// BenchmarkSearch measures searches over a large archive in a PostgreSQL
// database; see storetest.BenchmarkSearch.
func BenchmarkSearch(b *testing.B) {
	storetest.PostgresServer(b)
	storetest.BenchmarkSearch(b, engine)
}
