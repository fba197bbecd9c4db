package postgres_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/storetest"
)

// cursorFilters are listings a client may page through. Each has a
// fingerprint of its own, so a cursor of one is foreign to all the others.
var cursorFilters = []feed.ArticleFilter{
	{},
	{Order: feed.OrderChanged},
	{Query: "cyber"},
	{Query: "cyber", Order: feed.OrderPublished},
	{Query: `"grid drill" OR cyber*`, Order: feed.OrderChanged},
	{Tags: []string{"cyber-diplomacy"}, Origin: feed.OriginOwn},
	{Tags: []string{"cyber-diplomacy"}, Order: feed.OrderChanged, Since: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
	{Source: 3, Order: feed.OrderChanged},
}

// openFuzzDB opens a fresh database holding a few articles, one of them
// deleted, so that listings and the change log have pages.
func openFuzzDB(f *testing.F) store.DB {
	f.Helper()
	ctx := context.Background()
	db := engine.Open(f, storetest.PostgresURL(f), store.Options{Authority: "news.example.org",
		SeedTags: []feed.Tag{{Slug: "cyber-diplomacy", Name: "Cyber Diplomacy"}}})
	for i := range 6 {
		a := feed.Article{ID: fmt.Sprintf("a%d", i), Title: fmt.Sprintf("Cyber grid drill %d", i), Content: "<p>Body.</p>",
			Published: time.Date(2026, 10, 1+i%3, 9, 0, 0, 0, time.UTC), Language: "en",
			Tags: []feed.ArticleTag{{Slug: "cyber-diplomacy"}}}
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			f.Fatal(err)
		}
	}
	if err := db.DeleteArticle(ctx, "a5"); err != nil {
		f.Fatal(err)
	}
	return db
}

// isCursorError reports whether err is the *feed.ValidationError that a
// bad cursor is: of the field "cursor" alone.
func isCursorError(err error) bool {
	var v *feed.ValidationError
	if !errors.As(err, &v) || len(v.Fields) == 0 {
		return false
	}
	for _, fe := range v.Fields {
		if fe.Field != "cursor" || fe.Problem == "" {
			return false
		}
	}
	return true
}

// fingerprints returns the fingerprint that each of cursorFilters puts in
// its cursors, read from a cursor it gives out; "" for a listing with no
// article to give one.
func fingerprints(f *testing.F, db store.DB) []string {
	f.Helper()
	fps := make([]string, len(cursorFilters))
	for i, filter := range cursorFilters {
		filter.Limit = 1
		page, err := db.ArticlePage(context.Background(), filter)
		if err != nil {
			f.Fatalf("listing %+v: %v", filter, err)
		}
		if page.NextCursor == "" {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(page.NextCursor)
		parts := strings.Split(string(raw), "|")
		if err != nil || len(parts) < 3 {
			f.Fatalf("listing %+v gave out cursor %q (%q)", filter, page.NextCursor, raw)
		}
		fps[i] = parts[1]
	}
	return fps
}

// FuzzListingCursor hands arbitrary cursors to every listing. "{fp}" in
// the fuzzed text stands for the listing's fingerprint, so that the keys
// behind it get fuzzed too. A cursor is refused as a *feed.ValidationError
// of the field "cursor", or it is taken and then every listing with other
// filters, query or order, and the change log, refuse it, and the next
// cursor is taken. store/sqlite's FuzzListingCursor also reads the keys
// back; the cursors of both engines are one format.
func FuzzListingCursor(f *testing.F) {
	for _, s := range []string{
		"a1|{fp}|1759309200000000|3", "a1|{fp}|4", "a1|{fp}|-3.25|2|1", "a1|{fp}|NaN|1|0", "a1|{fp}|+Inf|9223372036854775807|-1",
		"a1|{fp}|9223372036854775807|-9223372036854775808", "a1|{fp}|1e400|1|1", "a1|{fp}|0x1p-2|+7|007",
		"a1|{fp}|", "a1|{fp}|1|2|3|4", "a1|AAAAAAAA|1|2", "c1|3", "", "%%%",
	} {
		for i := range cursorFilters {
			f.Add(uint8(i), s, true)
		}
		f.Add(uint8(0), s, false)
	}
	db := openFuzzDB(f)
	fps := fingerprints(f, db)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, which uint8, raw string, encode bool) {
		i := int(which) % len(cursorFilters)
		filter := cursorFilters[i]
		c := strings.ReplaceAll(raw, "{fp}", fps[i])
		if encode {
			c = base64.RawURLEncoding.EncodeToString([]byte(c))
		}
		filter.Cursor = c
		page, err := db.ArticlePage(ctx, filter)
		if err != nil {
			if !isCursorError(err) {
				t.Fatalf("cursor %q of listing %+v: error %T %v, want a *feed.ValidationError of the cursor", c, filter, err, err)
			}
			return
		}
		if c != "" {
			for j, other := range cursorFilters {
				other.Cursor = c
				if j == i {
					other.Limit = 7 // the page size is no part of a listing
					if _, err := db.ArticlePage(ctx, other); err != nil {
						t.Fatalf("cursor %q of listing %+v refused with another limit: %v", c, filter, err)
					}
					continue
				}
				if _, err := db.ArticlePage(ctx, other); !isCursorError(err) {
					t.Fatalf("cursor %q of listing %+v taken by listing %+v (error %v)", c, filter, other, err)
				}
			}
			if _, err := db.Changes(ctx, c, 10); !isCursorError(err) {
				t.Fatalf("cursor %q of listing %+v taken by the change log (error %v)", c, filter, err)
			}
		}
		if page.NextCursor != "" && page.NextCursor != c {
			next := filter
			next.Cursor = page.NextCursor
			if _, err := db.ArticlePage(ctx, next); err != nil {
				t.Fatalf("cursor %q of listing %+v: the next cursor %q is refused: %v", c, filter, page.NextCursor, err)
			}
		}
	})
}

// FuzzChangeCursor hands arbitrary cursors to the change log. A cursor is
// refused as a *feed.ValidationError of the field "cursor", or it is taken
// and the page holds changes after its position only, with a next cursor
// that is taken too and that every listing refuses.
func FuzzChangeCursor(f *testing.F) {
	for _, s := range []string{"c1|0", "c1|3", "c1|+2", "c1|007", "c1|-1", "c1|9223372036854775807", "c1|9223372036854775808", "c1|", "c2|1", "a1|x|1", ""} {
		f.Add(s, true, int16(2))
		f.Add(s, false, int16(0))
	}
	db := openFuzzDB(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string, encode bool, limit int16) {
		c := raw
		if encode {
			c = base64.RawURLEncoding.EncodeToString([]byte(raw))
		}
		page, err := db.Changes(ctx, c, int(limit))
		if err != nil {
			if !isCursorError(err) {
				t.Fatalf("change cursor %q: error %T %v, want a *feed.ValidationError of the cursor", c, err, err)
			}
			return
		}
		var after int64
		if c != "" {
			b, err := base64.RawURLEncoding.DecodeString(c)
			n, ok := strings.CutPrefix(string(b), "c1|")
			if err != nil || !ok {
				t.Fatalf("change cursor %q (%q) taken", c, b)
			}
			if after, err = strconv.ParseInt(n, 10, 64); err != nil || after < 0 {
				t.Fatalf("change cursor %q (%q) taken", c, b)
			}
		}
		want := feed.DefaultLimit
		if limit > 0 {
			want = min(int(limit), feed.MaxLimit)
		}
		if len(page.Changes) > want {
			t.Fatalf("change cursor %q, limit %d: %d changes", c, limit, len(page.Changes))
		}
		last := after
		for _, ch := range page.Changes {
			if ch.Seq <= last {
				t.Fatalf("change cursor %q: change %d after %d", c, ch.Seq, last)
			}
			last = ch.Seq
		}
		if len(page.Changes) == 0 && page.NextCursor != c {
			t.Fatalf("change cursor %q: an empty page with next cursor %q", c, page.NextCursor)
		}
		if page.NextCursor == "" {
			return
		}
		next, err := db.Changes(ctx, page.NextCursor, int(limit))
		if err != nil {
			t.Fatalf("change cursor %q: next cursor %q refused: %v", c, page.NextCursor, err)
		}
		for _, ch := range next.Changes {
			if ch.Seq <= last {
				t.Fatalf("change cursor %q, then %q: change %d after %d", c, page.NextCursor, ch.Seq, last)
			}
		}
		for _, filter := range cursorFilters {
			filter.Cursor = page.NextCursor
			if _, err := db.ArticlePage(ctx, filter); !isCursorError(err) {
				t.Fatalf("change cursor %q taken by listing %+v (error %v)", page.NextCursor, filter, err)
			}
		}
	})
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
