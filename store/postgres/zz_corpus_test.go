package postgres_test

import (
	"context"
	"os"
	"testing"

	"herald/store"
	"herald/store/postgres"
	"herald/store/storetest"
)

// go test -run - -bench ZZCorpus: builds the corpus in $ZZDB and keeps it.
func BenchmarkZZCorpus(b *testing.B) {
	url := os.Getenv("ZZDB")
	if url == "" {
		b.Skip()
	}
	storetest.BenchmarkSearch(b, storetest.Opener{
		Create: func(tb testing.TB) string { return url },
		Open: func(tb testing.TB, url string, opt store.Options) store.DB {
			db, err := postgres.Open(context.Background(), url, postgres.Options{Authority: opt.Authority})
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { db.Close() })
			return db
		},
	})
}
