package storetest

// What the engines' fuzz targets share: the targets of the cursors, which
// are one format on every engine (package store/internal/listing), run
// against a database of each.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

// CursorFilters are listings a client may page through. Each has a
// fingerprint of its own, so a cursor of one is foreign to all the others.
var CursorFilters = []feed.ArticleFilter{
	{},
	{Order: feed.OrderChanged},
	{Query: "cyber"},
	{Query: "cyber", Order: feed.OrderPublished},
	{Query: `"grid drill" OR cyber*`, Order: feed.OrderChanged},
	{Tags: []string{"cyber-diplomacy"}, Origin: feed.OriginOwn},
	{Tags: []string{"cyber-diplomacy"}, Order: feed.OrderChanged, Since: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
	{Source: 3, Order: feed.OrderChanged},
}

// OpenFuzzDB opens a fresh database of the engine that o opens, holding a
// few articles, one of them deleted, so that listings and the change log
// have pages.
func OpenFuzzDB(f *testing.F, o Opener) store.DB {
	f.Helper()
	ctx := context.Background()
	db := o.Open(f, o.Create(f), store.Options{Authority: "news.example.org",
		SeedTags: []feed.Tag{{Slug: "cyber-diplomacy", Name: "Cyber Diplomacy"}}})
	for i := range 6 {
		a := Article(fmt.Sprintf("a%d", i), fmt.Sprintf("Cyber grid drill %d", i), "cyber-diplomacy")
		a.Published = time.Date(2026, 10, 1+i%3, 9, 0, 0, 0, time.UTC)
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			f.Fatal(err)
		}
	}
	if err := db.DeleteArticle(ctx, "a5"); err != nil {
		f.Fatal(err)
	}
	return db
}

// IsCursorError reports whether err is the *feed.ValidationError that a
// bad cursor is: of the field "cursor" alone.
func IsCursorError(err error) bool {
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

// fingerprints returns the fingerprint that each of CursorFilters puts in
// its cursors, read from a cursor it gives out; "" for a listing with no
// article to give one.
func fingerprints(f *testing.F, db store.DB) []string {
	f.Helper()
	fps := make([]string, len(CursorFilters))
	for i, filter := range CursorFilters {
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

// FuzzListingCursor hands arbitrary cursors to every listing of db, a
// database OpenFuzzDB opened, as an engine's FuzzListingCursor. "{fp}" in
// the fuzzed text stands for the listing's fingerprint, so that the keys
// behind it get fuzzed too. A cursor is refused as a *feed.ValidationError
// of the field "cursor", or it is taken and then every listing with other
// filters, query or order, and the change log, refuse it, and the next
// cursor is taken. Package listing's FuzzCursor reads the keys back: the
// cursors of every engine are its format.
func FuzzListingCursor(f *testing.F, db store.DB) {
	for _, s := range []string{
		"a1|{fp}|1759309200000000|3", "a1|{fp}|4", "a1|{fp}|-3.25|2|1", "a1|{fp}|NaN|1|0", "a1|{fp}|+Inf|9223372036854775807|-1",
		"a1|{fp}|9223372036854775807|-9223372036854775808", "a1|{fp}|1e400|1|1", "a1|{fp}|0x1p-2|+7|007",
		"a1|{fp}|", "a1|{fp}|1|2|3|4", "a1|AAAAAAAA|1|2", "c1|3", "", "%%%",
	} {
		for i := range CursorFilters {
			f.Add(uint8(i), s, true)
		}
		f.Add(uint8(0), s, false)
	}
	fps := fingerprints(f, db)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, which uint8, raw string, encode bool) {
		i := int(which) % len(CursorFilters)
		filter := CursorFilters[i]
		c := strings.ReplaceAll(raw, "{fp}", fps[i])
		if encode {
			c = base64.RawURLEncoding.EncodeToString([]byte(c))
		}
		filter.Cursor = c
		page, err := db.ArticlePage(ctx, filter)
		if err != nil {
			if !IsCursorError(err) {
				t.Fatalf("cursor %q of listing %+v: error %T %v, want a *feed.ValidationError of the cursor", c, filter, err, err)
			}
			return
		}
		if c != "" {
			for j, other := range CursorFilters {
				other.Cursor = c
				if j == i {
					other.Limit = 7 // the page size is no part of a listing
					if _, err := db.ArticlePage(ctx, other); err != nil {
						t.Fatalf("cursor %q of listing %+v refused with another limit: %v", c, filter, err)
					}
					continue
				}
				if _, err := db.ArticlePage(ctx, other); !IsCursorError(err) {
					t.Fatalf("cursor %q of listing %+v taken by listing %+v (error %v)", c, filter, other, err)
				}
			}
			if _, err := db.Changes(ctx, c, 10); !IsCursorError(err) {
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

// FuzzChangeCursor hands arbitrary cursors to the change log of db, a
// database OpenFuzzDB opened, as an engine's FuzzChangeCursor. A cursor is
// refused as a *feed.ValidationError of the field "cursor", or it is taken
// and the page holds changes after its position only, with a next cursor
// that is taken too and that every listing refuses.
func FuzzChangeCursor(f *testing.F, db store.DB) {
	for _, s := range []string{"c1|0", "c1|3", "c1|+2", "c1|007", "c1|-1", "c1|9223372036854775807", "c1|9223372036854775808", "c1|", "c2|1", "a1|x|1", ""} {
		f.Add(s, true, int16(2))
		f.Add(s, false, int16(0))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string, encode bool, limit int16) {
		c := raw
		if encode {
			c = base64.RawURLEncoding.EncodeToString([]byte(raw))
		}
		page, err := db.Changes(ctx, c, int(limit))
		if err != nil {
			if !IsCursorError(err) {
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
		for _, filter := range CursorFilters {
			filter.Cursor = page.NextCursor
			if _, err := db.ArticlePage(ctx, filter); !IsCursorError(err) {
				t.Fatalf("change cursor %q taken by listing %+v (error %v)", page.NextCursor, filter, err)
			}
		}
	})
}
