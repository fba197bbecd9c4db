package storetest_test

import (
	"testing"

	"herald/store/storetest"
)

// BenchmarkSearch measures searches over 100,000 articles on each engine
// (engine=sqlite, engine=postgres) in one run; see storetest.BenchmarkSearch.
//
//	go test ./store/storetest -run '^$' -bench Search -count 3
func BenchmarkSearch(b *testing.B) {
	storetest.BenchEngines(b, func(b *testing.B, e storetest.Engine) {
		storetest.BenchmarkSearch(b, e.Opener)
	})
}
