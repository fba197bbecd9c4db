package listing_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"herald/store/internal/listing"
	"herald/store/storetest"
)

func sameKey(a, b listing.Key) bool {
	return a.Seq == b.Seq && a.Published == b.Published && a.Rev == b.Rev && a.Floor == b.Floor &&
		(a.Rank == b.Rank || (a.Rank != a.Rank && b.Rank != b.Rank)) // NaN is NaN
}

// FuzzCursor hands arbitrary cursors to every listing of
// storetest.CursorFilters. "{fp}" in the fuzzed text stands for the
// listing's fingerprint, so that the keys behind it get fuzzed too. A
// cursor is refused as a *feed.ValidationError of the field "cursor", or
// it is taken and then: written again it reads back the same key; and
// every listing with other filters, query or order, and the change log,
// refuse it. The engines' FuzzListingCursor hand the same cursors to a
// database (storetest.FuzzListingCursor).
func FuzzCursor(f *testing.F) {
	for _, s := range []string{
		"a1|{fp}|1759309200000000|3", "a1|{fp}|4", "a1|{fp}|-3.25|2|1", "a1|{fp}|NaN|1|0", "a1|{fp}|+Inf|9223372036854775807|-1",
		"a1|{fp}|9223372036854775807|-9223372036854775808", "a1|{fp}|1e400|1|1", "a1|{fp}|0x1p-2|+7|007",
		"a1|{fp}|", "a1|{fp}|1|2|3|4", "a1|AAAAAAAA|1|2", "c1|3", "", "%%%",
	} {
		for i := range storetest.CursorFilters {
			f.Add(uint8(i), s, true)
		}
		f.Add(uint8(0), s, false)
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string, encode bool) {
		filters := storetest.CursorFilters
		filter := filters[int(which)%len(filters)]
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
			if !storetest.IsCursorError(err) {
				t.Fatalf("cursor %q of listing %+v: error %T %v, want a *feed.ValidationError of the cursor", c, filter, err, err)
			}
			return
		}
		if c == "" {
			if l.After != nil {
				t.Fatalf("listing %+v without a cursor: key %+v", filter, *l.After)
			}
			return
		}
		if l.After == nil {
			t.Fatalf("cursor %q of listing %+v: taken, but no key", c, filter)
		}
		again := filter
		again.Cursor = l.Cursor(*l.After)
		l2, err := listing.New(again)
		if err != nil || !sameKey(*l2.After, *l.After) {
			t.Fatalf("cursor %q of listing %+v reads key %+v; written again as %q it reads %v", c, filter, *l.After, again.Cursor, err)
		}
		for i, other := range filters {
			other.Cursor = c
			if i == int(which)%len(filters) {
				other.Limit = 7 // the page size is no part of a listing
				if _, err := listing.New(other); err != nil {
					t.Fatalf("cursor %q of listing %+v refused with another limit: %v", c, filter, err)
				}
				continue
			}
			if _, err := listing.New(other); !storetest.IsCursorError(err) {
				t.Fatalf("cursor %q of listing %+v taken by listing %+v (error %v)", c, filter, other, err)
			}
		}
		if _, err := listing.NewChanges(c, 10); !storetest.IsCursorError(err) {
			t.Fatalf("cursor %q of listing %+v taken by the change log (error %v)", c, filter, err)
		}
	})
}
