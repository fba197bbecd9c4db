package postgres_test

import (
	"context"
	"testing"

	"herald/store"
	"herald/store/postgres"
	"herald/store/storetest"
)

// engine opens fresh PostgreSQL databases, one per test, for the contract
// suite.
var engine = storetest.Opener{
	Create: storetest.PostgresURL,
	Open: func(tb testing.TB, url string, opt store.Options) store.DB {
		tb.Helper()
		db, err := postgres.Open(context.Background(), url, postgres.Options{Authority: opt.Authority, SeedTags: opt.SeedTags, Now: opt.Now})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	},
	SetRankWindow: postgres.SetRankWindow,
}

// TestContract runs the behaviour every store engine must show against
// PostgreSQL databases.
func TestContract(t *testing.T) {
	storetest.PostgresServer(t)
	storetest.Run(t, engine)
}
