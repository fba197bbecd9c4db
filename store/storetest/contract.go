package storetest

import (
	"context"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

// An Opener is what the suite needs of one engine.
type Opener struct {
	// Create makes a fresh, empty database for the test tb, removed when the
	// test ends, and returns the name Open takes (an SQLite file's path, a
	// PostgreSQL URL). The suite does not look inside the name.
	Create func(tb testing.TB) string
	// Open opens the database name names with opt, bringing its schema up to
	// date, and closes the handle when the test ends (a test may close it
	// before, to open the database again: a second Close must do no harm).
	// Opening one name twice gives two handles on one database, as two
	// processes (two instances of herald) would have.
	Open func(tb testing.TB, name string, opt store.Options) store.DB
	// SetRankWindow sets, until the test ends, how many of a query's most
	// recently stored matches the engine ranks (see store.DB.ArticlePage),
	// so that the suite can test the bound without storing thousands of
	// articles. Nil means the engine ranks every match; the window's tests
	// are then skipped.
	SetRankWindow func(tb testing.TB, n int)
}

// Run runs the contract suite against the engine that open opens: every
// behaviour herald's consumers rely on (upserts, tag rules' effects,
// cursors, archives, the change log, tombstones, versions, tokens,
// subscribers, sources, subscriptions, search). Each engine's tests call it
// once; the tests themselves are black-box, through store.DB only.
//
// The tests do not run in parallel: SetRankWindow may set a variable that
// every handle of the engine shares.
func Run(t *testing.T, open Opener) {
	c := &contract{engine: open}
	t.Run("Database", c.testDatabase)
	t.Run("Articles", c.testArticles)
	t.Run("Cursors", c.testCursors)
	t.Run("Search", c.testSearch)
	t.Run("Archives", c.testArchives)
	t.Run("Tags", c.testTags)
	t.Run("Changes", c.testChanges)
	t.Run("Tombstones", c.testTombstones)
	t.Run("Versions", c.testVersions)
	t.Run("Corrections", c.testCorrections)
	t.Run("Prune", c.testPrune)
	t.Run("Tokens", c.testTokens)
	t.Run("Subscribers", c.testSubscribers)
	t.Run("Sources", c.testSources)
	t.Run("Dedupe", c.testDedupe)
	t.Run("Subscriptions", c.testSubscriptions)
	t.Run("Copy", c.testCopy)
	t.Run("Claims", c.testClaims)
	t.Run("HubQueue", c.testHubQueue)
	t.Run("RateUse", c.testRateUse)
	t.Run("Leases", c.testLeases)
	t.Run("Stats", c.testStats)
	t.Run("Embargoes", c.testEmbargoes)
}

// contract is the state the suite shares: how to open a store.
type contract struct {
	engine Opener
}

// Clock is a settable fake clock for store.Options.Now. It is not safe for
// concurrent use: tests move it only while no write runs.
type Clock struct{ T time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.T }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.T = c.T.Add(d) }

// openClocked opens a store whose clock starts at 2026-11-01 12:00 UTC and
// whose authority is news.example.org, unless opt sets them.
func (c *contract) openClocked(tb testing.TB, opt store.Options) (store.DB, *Clock) {
	tb.Helper()
	db, _, clk := c.openNamed(tb, opt)
	return db, clk
}

// openNamed is openClocked that also returns the database's name, for
// tests that open a second handle on it.
func (c *contract) openNamed(tb testing.TB, opt store.Options) (store.DB, string, *Clock) {
	tb.Helper()
	clk := &Clock{T: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	if opt.Now == nil {
		opt.Now = clk.Now
	}
	if opt.Authority == "" {
		opt.Authority = "news.example.org"
	}
	name := c.engine.Create(tb)
	return c.engine.Open(tb, name, opt), name, clk
}

// ids returns the IDs of the first page of the articles f selects, in order.
func ids(t *testing.T, db store.DB, f feed.ArticleFilter) []string {
	t.Helper()
	arts, err := db.Articles(context.Background(), f)
	if err != nil {
		t.Fatalf("list %+v: %v", f, err)
	}
	ids := []string{}
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	return ids
}

// walk pages through everything f selects, pageSize at a time, and returns
// the IDs in order. It fails the test if the walk does not end.
func walk(t *testing.T, db store.DB, f feed.ArticleFilter, pageSize int) []string {
	t.Helper()
	var out []string
	f.Limit = pageSize
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("walk %+v does not end", f)
		}
		p, err := db.ArticlePage(context.Background(), f)
		if err != nil {
			t.Fatalf("walk %+v: %v", f, err)
		}
		for _, a := range p.Articles {
			out = append(out, a.ID)
		}
		if !p.More {
			return out
		}
		f.Cursor = p.NextCursor
	}
}

// version returns db's content version, failing the test on an error.
func version(t *testing.T, db store.DB) int64 {
	t.Helper()
	v, err := db.Version(context.Background())
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	return v
}
