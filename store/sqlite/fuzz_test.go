package sqlite

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store/internal/listing"
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

// openFuzzDB opens a store in a temporary folder holding a few articles,
// one of them deleted, so that listings and the change log have pages.
func openFuzzDB(f *testing.F) *DB {
	f.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(f.TempDir(), "herald.db"), Options{Authority: "news.example.org",
		SeedTags: []feed.Tag{{Slug: "cyber-diplomacy", Name: "Cyber Diplomacy"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	for i := range 6 {
		a := article(fmt.Sprintf("a%d", i), fmt.Sprintf("Cyber grid drill %d", i), "cyber-diplomacy")
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

func sameKey(a, b listing.Key) bool {
	return a.Seq == b.Seq && a.Published == b.Published && a.Rev == b.Rev && a.Floor == b.Floor &&
		(a.Rank == b.Rank || (a.Rank != a.Rank && b.Rank != b.Rank)) // NaN is NaN
}

// FuzzListingCursor hands arbitrary cursors to every listing. "{fp}" in
// the fuzzed text stands for the listing's fingerprint, so that the keys
// behind it get fuzzed too. A cursor is refused as a *feed.ValidationError
// of the field "cursor", or it is taken and then: written again it reads
// back the same key; every listing with other filters, query or order, and
// the change log, refuse it; and the store lists the page after it.
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
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, which uint8, raw string, encode bool) {
		filter := cursorFilters[int(which)%len(cursorFilters)]
		base, err := listing.New(filter)
		if err != nil {
			t.Fatalf("listing %+v: %v", filter, err)
		}
		c := strings.ReplaceAll(raw, "{fp}", base.Fingerprint())
		if encode {
			c = base64.RawURLEncoding.EncodeToString([]byte(c))
		}
		filter.Cursor = c
		l, err := listing.New(filter)
		if err != nil {
			if !isCursorError(err) {
				t.Fatalf("cursor %q of listing %+v: error %T %v, want a *feed.ValidationError of the cursor", c, filter, err, err)
			}
			if _, perr := db.ArticlePage(ctx, filter); !isCursorError(perr) {
				t.Fatalf("cursor %q of listing %+v: ArticlePage error %v, want the cursor's %v", c, filter, perr, err)
			}
			return
		}
		if c != "" {
			if l.After == nil {
				t.Fatalf("cursor %q of listing %+v: taken, but no key", c, filter)
			}
			again := filter
			again.Cursor = l.Cursor(*l.After)
			l2, err := listing.New(again)
			if err != nil || !sameKey(*l2.After, *l.After) {
				t.Fatalf("cursor %q of listing %+v reads key %+v; written again as %q it reads %v", c, filter, *l.After, again.Cursor, err)
			}
			for i, other := range cursorFilters {
				other.Cursor = c
				if i == int(which)%len(cursorFilters) {
					other.Limit = 7 // the page size is no part of a listing
					if _, err := listing.New(other); err != nil {
						t.Fatalf("cursor %q of listing %+v refused with another limit: %v", c, filter, err)
					}
					continue
				}
				if _, err := listing.New(other); !isCursorError(err) {
					t.Fatalf("cursor %q of listing %+v taken by listing %+v (error %v)", c, filter, other, err)
				}
			}
			if _, err := db.Changes(ctx, c, 10); !isCursorError(err) {
				t.Fatalf("cursor %q of listing %+v taken by the change log (error %v)", c, filter, err)
			}
		}
		page, err := db.ArticlePage(ctx, filter)
		if err != nil {
			t.Fatalf("cursor %q of listing %+v: ArticlePage: %v", c, filter, err)
		}
		if page.NextCursor != "" {
			next := filter
			next.Cursor = page.NextCursor
			if _, err := listing.New(next); err != nil {
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
			if _, err := listing.New(filter); !isCursorError(err) {
				t.Fatalf("change cursor %q taken by listing %+v (error %v)", page.NextCursor, filter, err)
			}
		}
	})
}
