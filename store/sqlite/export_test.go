package sqlite

import "testing"

// SetRankWindow sets rankWindow to n until the test ends, for the contract
// suite's window tests (storetest.Opener.SetRankWindow). Tests that call it
// must not run in parallel with others.
func SetRankWindow(tb testing.TB, n int) {
	old := rankWindow
	rankWindow = n
	tb.Cleanup(func() { rankWindow = old })
}
