package sqlite_test

import (
	"testing"

	"herald/store/storetest"
)

// FuzzListingCursor and FuzzChangeCursor hand arbitrary cursors to the
// listings and the change log of an SQLite file: see
// storetest.FuzzListingCursor and storetest.FuzzChangeCursor.
func FuzzListingCursor(f *testing.F) {
	storetest.FuzzListingCursor(f, storetest.OpenFuzzDB(f, engine))
}

func FuzzChangeCursor(f *testing.F) {
	storetest.FuzzChangeCursor(f, storetest.OpenFuzzDB(f, engine))
}
