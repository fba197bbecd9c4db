package storetest

import (
	"testing"
)

// An Engine is a store engine by name, for benchmarks that measure the
// engines side by side in one run.
type Engine struct {
	// Name is the engine's name in sub-benchmark names: sqlite, postgres.
	Name string
	Opener
}

// Engines returns SQLite and PostgreSQL, in that order, without rank
// windows.
func Engines() []Engine {
	return []Engine{{"sqlite", SQLite(nil)}, {"postgres", Postgres(nil)}}
}

// BenchEngines runs f once per engine, as the sub-benchmark engine=NAME,
// so that "go test -bench" prints both engines' figures in one run. The
// PostgreSQL one needs HERALD_TEST_POSTGRES (see PostgresServer): without
// it, it is skipped on a developer's machine.
func BenchEngines(b *testing.B, f func(b *testing.B, e Engine)) {
	for _, e := range Engines() {
		b.Run("engine="+e.Name, func(b *testing.B) {
			if e.Name == "postgres" {
				PostgresServer(b)
			}
			f(b, e)
		})
	}
}
