package postgres_test

import (
	"testing"

	"herald/store/postgres"
	"herald/store/storetest"
)

// engine opens fresh PostgreSQL databases, one per test, for the contract
// suite.
var engine = storetest.Postgres(postgres.SetRankWindow)

// TestContract runs the behaviour every store engine must show against
// PostgreSQL databases.
func TestContract(t *testing.T) {
	storetest.PostgresServer(t)
	storetest.Run(t, engine)
}
