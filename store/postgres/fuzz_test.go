package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/storetest"
)

// FuzzListingCursor and FuzzChangeCursor hand arbitrary cursors to the
// listings and the change log of a PostgreSQL database: see
// storetest.FuzzListingCursor and storetest.FuzzChangeCursor.
func FuzzListingCursor(f *testing.F) {
	storetest.FuzzListingCursor(f, storetest.OpenFuzzDB(f, engine))
}

func FuzzChangeCursor(f *testing.F) {
	storetest.FuzzChangeCursor(f, storetest.OpenFuzzDB(f, engine))
}

// FuzzSearch runs arbitrary search queries on PostgreSQL and on SQLite,
// holding the same articles. PostgreSQL refuses a query only with a
// *feed.ValidationError, and it refuses and finds what SQLite does: the
// same articles in the same order (newest published first).
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		`cyber`, `"critical infrastructure" NOT water`, `(grid OR pipeline) ransomware`, `sanction*`, `サイバー OR cyber`,
		`resume`, `ｃｙｂｅｒ`, `政府`, `税*`, `"a b"*`, `a OR NOT (b c)`, `NOT spam`, `""`, `(`, `*`, `NEAR(a b)`, `a:b`, `x & y | !z`,
		`"日米* サイバー*"`, `"x\x00y"`, `Ελλάδα`, `ภาษาไทย`,
	} {
		f.Add(s)
	}
	ctx := context.Background()
	arts := []feed.Article{
		{ID: "en", Title: "Sanctions after the cyber dialogue", Content: "<p>Critical infrastructure: grid and pipeline ransomware; water.</p>"},
		{ID: "fr", Title: "Le résumé de la réunion", Content: "<p>Cyber-sécurité et « diplomatie ».</p>", Language: "fr"},
		{ID: "ja", Title: "サイバーセキュリティ対話", Content: "<p>日米の政府は税制とサイバー攻撃について協議した。</p>", Language: "ja"},
		{ID: "mix", Title: "ｃｙｂｅｒ week: Ελλάδα, ภาษาไทย", Content: "<p>spam & ham | a:b NEAR(a b)</p>"},
	}
	for i := range arts {
		arts[i].Published = time.Date(2026, 10, 1+i, 9, 0, 0, 0, time.UTC)
	}
	opt := store.Options{Authority: "news.example.org"}
	pg, lite := engine.Open(f, storetest.PostgresURL(f), opt), storetest.Open(f, opt)
	for _, db := range []store.DB{pg, lite} {
		if _, err := db.UpsertArticles(ctx, arts); err != nil {
			f.Fatal(err)
		}
	}
	search := func(db store.DB, q string) ([]string, error) {
		page, err := db.ArticlePage(ctx, feed.ArticleFilter{Query: q, Order: feed.OrderPublished})
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, a := range page.Articles {
			ids = append(ids, a.ID)
		}
		return ids, nil
	}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := search(pg, q)
		var v *feed.ValidationError
		if err != nil && !errors.As(err, &v) {
			t.Fatalf("query %q: %v", q, err)
		}
		want, werr := search(lite, q)
		if fmt.Sprint(err) != fmt.Sprint(werr) || !slices.Equal(got, want) {
			t.Fatalf("query %q: PostgreSQL finds %q (%v), SQLite %q (%v)", q, got, err, want, werr)
		}
	})
}
