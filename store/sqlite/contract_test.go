package sqlite_test

import (
	"testing"

	"herald/store/sqlite"
	"herald/store/storetest"
)

// engine opens SQLite files in temporary folders for the contract suite.
var engine = storetest.SQLite(sqlite.SetRankWindow)

// TestContract runs the behaviour every store engine must show against
// SQLite files.
func TestContract(t *testing.T) {
	storetest.Run(t, engine)
}
