package storetest

import (
	"testing"
	"time"

	"herald/store"
)

// An Opener opens a fresh, empty store of one engine with opt, for the test
// tb, and closes it when the test ends.
type Opener func(tb testing.TB, opt store.Options) store.DB

// Run runs the contract suite against the engine that open opens: every
// behaviour herald's consumers rely on (upserts, tag rules' effects,
// cursors, archives, the change log, tombstones, versions, tokens,
// subscribers, sources, subscriptions, search). Each engine's tests call it
// once; the tests themselves are black-box, through store.DB only.
func Run(t *testing.T, open Opener) {
	c := &contract{open: open}
	t.Run("Articles", c.testArticles)
}

// contract is the state the suite shares: how to open a store.
type contract struct {
	open Opener
}

// Clock is a settable fake clock for store.Options.Now.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.T = c.T.Add(d) }

// openClocked opens a store whose clock starts at 2026-11-01 12:00 UTC and
// whose authority is news.example.org, unless opt sets them.
func (c *contract) openClocked(tb testing.TB, opt store.Options) (store.DB, *Clock) {
	tb.Helper()
	clk := &Clock{T: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	if opt.Now == nil {
		opt.Now = clk.Now
	}
	if opt.Authority == "" {
		opt.Authority = "news.example.org"
	}
	return c.open(tb, opt), clk
}
