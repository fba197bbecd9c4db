package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store/postgres"
	"herald/store/storetest"
)

// openTest opens a fresh database with a fixed clock and returns it with
// its URL, for tests that open more handles on it.
func openTest(t *testing.T) (*postgres.DB, string, *storetest.Clock) {
	t.Helper()
	url := storetest.PostgresURL(t)
	clk := &storetest.Clock{T: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	return openURL(t, url, postgres.Options{Authority: "news.example.org", Now: clk.Now}), url, clk
}

// openURL opens a handle on the database at url, closed when the test ends:
// a second handle is what a second herald instance has.
func openURL(tb testing.TB, url string, opt postgres.Options) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// A poller follows the change log and the polling order from where it last
// stopped, as a client of /api/changes and of order=changed does.
type poller struct {
	db      *postgres.DB
	changes string // cursor of the change log
	listing string // cursor of the polling order
}

// poll reads both to their end and returns what it got since the last
// poll: "<change> <id>" entries of the log, and the IDs of the listing.
func (p *poller) poll(t *testing.T) (log, listed []string) {
	t.Helper()
	log, arts := p.pollArticles(t)
	for _, a := range arts {
		listed = append(listed, a.ID)
	}
	return log, listed
}

// pollArticles is poll that returns the articles listed.
func (p *poller) pollArticles(t *testing.T) (log []string, listed []feed.Article) {
	t.Helper()
	ctx := context.Background()
	for {
		page, err := p.db.Changes(ctx, p.changes, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Changes {
			log = append(log, string(c.Change)+" "+c.ArticleID)
		}
		p.changes = page.NextCursor
		if !page.More {
			break
		}
	}
	for {
		page, err := p.db.ArticlePage(ctx, feed.ArticleFilter{Order: feed.OrderChanged, Limit: 2, Cursor: p.listing})
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, page.Articles...)
		p.listing = page.NextCursor
		if !page.More {
			break
		}
	}
	return log, listed
}

// TestHeldWriterIsNotSkipped holds a writer's transaction open, its work
// done, while a writer in another instance commits and a poller reads past
// that one. When the held writer commits, the poller, going on from where it
// stopped, gets it: its numbers were taken at the end, after the other's.
// Had they been taken as it worked, they would be lower than the other's,
// and the poller would have passed them for good.
func TestHeldWriterIsNotSkipped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	other := openURL(t, url, postgres.Options{Now: clk.Now})
	first := storetest.Article("first", "First")
	if _, err := db.UpsertArticle(ctx, &first); err != nil {
		t.Fatal(err)
	}
	p := &poller{db: db}
	p.poll(t)

	held, err := db.BeginHeldWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	h := storetest.Article("held", "Held")
	if _, err := held.Upsert(ctx, &h); err != nil {
		t.Fatal(err)
	}
	edit := storetest.Article("first", "First, edited") // an update: a new rev for an old article
	if _, err := held.Upsert(ctx, &edit); err != nil {
		t.Fatal(err)
	}

	// The other instance's write neither waits for the held one nor shows it.
	later := storetest.Article("later", "Later")
	if _, err := other.UpsertArticle(ctx, &later); err != nil {
		t.Fatal(err)
	}
	log, listed := p.poll(t)
	if want := []string{"created later"}; !slices.Equal(log, want) {
		t.Errorf("log while the writer is held: got %q, want %q", log, want)
	}
	if want := []string{"later"}; !slices.Equal(listed, want) {
		t.Errorf("polling order while the writer is held: got %q, want %q", listed, want)
	}

	if err := held.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := held.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	log, listed = p.poll(t)
	if want := []string{"created held", "updated first"}; !slices.Equal(log, want) {
		t.Errorf("log after the held writer committed: got %q, want %q", log, want)
	}
	if want := []string{"held", "first"}; !slices.Equal(listed, want) {
		t.Errorf("polling order after the held writer committed: got %q, want %q", listed, want)
	}
}

// TestFinishedWriterHoldsLaterOnes holds a writer's transaction open after
// it has taken its numbers: another instance's writer then waits to take
// its own until the first commits, so that no reader can see the second's
// numbers without the first's.
func TestFinishedWriterHoldsLaterOnes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	other := openURL(t, url, postgres.Options{Now: clk.Now})
	p := &poller{db: db}

	held, err := db.BeginHeldWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	h := storetest.Article("held", "Held")
	if _, err := held.Upsert(ctx, &h); err != nil {
		t.Fatal(err)
	}
	if err := held.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		a := storetest.Article("waiting", "Waiting")
		_, err := other.UpsertArticle(ctx, &a)
		done <- err
	}()
	// Wait until the other writer waits for the change log's lock.
	for waiting := 0; waiting == 0; {
		err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the second writer finished (%v) while the first held its numbers", err)
		case <-ctx.Done():
			t.Fatal("the second writer never waited for the change log")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if log, listed := p.poll(t); len(log) != 0 || len(listed) != 0 {
		t.Errorf("before either commits: got %q and %q, want nothing", log, listed)
	}
	if err := held.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	log, listed := p.poll(t)
	if want := []string{"created held", "created waiting"}; !slices.Equal(log, want) {
		t.Errorf("log: got %q, want %q", log, want)
	}
	if want := []string{"held", "waiting"}; !slices.Equal(listed, want) {
		t.Errorf("polling order: got %q, want %q", listed, want)
	}
}

// TestOutOfOrderCommits runs rounds of writers in three instances that all
// do their work first and then commit in a random order, a poller reading
// between commits. The poller must get every entry of the change log exactly
// once and in order, and every article in its final version.
func TestOutOfOrderCommits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	handles := []*postgres.DB{db, openURL(t, url, postgres.Options{Now: clk.Now}), openURL(t, url, postgres.Options{Now: clk.Now})}
	const writers, rounds = 6, 8
	// The tags exist: a writer creating one would make the others that
	// want it wait for its commit, which here waits for them.
	for i := range 3 {
		if err := db.CreateTag(ctx, feed.Tag{Slug: fmt.Sprintf("t%d", i), Name: "T"}); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(8, 8))
	p := &poller{db: db}
	var gotLog []string
	final := map[string]string{}    // article ID -> title
	lastSeen := map[string]string{} // article ID -> title when last listed
	for r := range rounds {
		var (
			wg     sync.WaitGroup
			ready  = make(chan int, writers)
			commit = make([]chan struct{}, writers)
			done   = make([]chan struct{}, writers)
			errs   = make([]error, writers)
			titles = make([]map[string]string, writers)
		)
		for w := range writers {
			commit[w], done[w] = make(chan struct{}), make(chan struct{})
			titles[w] = map[string]string{}
			// Each writer its own articles (so that none waits for another's
			// row while all hold their work): some new, some edits.
			var arts []feed.Article
			for i := range 1 + rng.IntN(3) {
				id := fmt.Sprintf("w%d-%d", w, rng.IntN(4))
				if i == 0 {
					id = fmt.Sprintf("w%d-r%d", w, r)
				}
				arts = append(arts, storetest.Article(id, fmt.Sprintf("%s in round %d", id, r), fmt.Sprintf("t%d", rng.IntN(3))))
			}
			wg.Go(func() {
				defer close(done[w])
				held, err := handles[w%len(handles)].BeginHeldWrite(ctx)
				if err != nil {
					errs[w] = err
					ready <- w
					return
				}
				defer held.Rollback(ctx)
				for i := range arts {
					if _, err := held.Upsert(ctx, &arts[i]); err != nil {
						errs[w] = err
						ready <- w
						return
					}
					titles[w][arts[i].ID] = arts[i].Title
				}
				ready <- w
				<-commit[w]
				if err := held.Finish(ctx); err != nil {
					errs[w] = err
					return
				}
				errs[w] = held.Commit(ctx)
			})
		}
		// Every writer has done its work; they commit one by one in a random
		// order, and the poller reads after each.
		for range writers {
			<-ready
		}
		for _, w := range rng.Perm(writers) {
			close(commit[w])
			<-done[w]
			log, listed := p.pollArticles(t)
			gotLog = append(gotLog, log...)
			for _, a := range listed {
				lastSeen[a.ID] = a.Title
			}
		}
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Fatalf("round %d, writer %d: %v", r, w, err)
			}
			for id, title := range titles[w] {
				final[id] = title
			}
		}
	}

	page, err := db.Changes(ctx, "", feed.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range page.Changes {
		want = append(want, string(c.Change)+" "+c.ArticleID)
	}
	if page.More {
		t.Fatal("the log is longer than one page: make the test smaller")
	}
	if !slices.Equal(gotLog, want) {
		t.Errorf("the poller's log differs from the whole log:\n got %q\nwant %q", gotLog, want)
	}
	for id, title := range final {
		if lastSeen[id] != title {
			t.Errorf("%s: last listed as %q, want its final version %q", id, lastSeen[id], title)
		}
	}
}

// TestArticleNumbersAreSQLites checks that new articles are numbered as
// SQLite numbers its rows (one more than the greatest, so the number of the
// newest article comes back after it is deleted), with no provisional
// number left behind, whatever the batches.
func TestArticleNumbersAreSQLites(t *testing.T) {
	ctx := context.Background()
	db, _, _ := openTest(t)
	var batch []feed.Article
	for i := range 5 {
		batch = append(batch, storetest.Article(fmt.Sprintf("a%d", i), "A"))
	}
	if _, err := db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a2", "a4"} { // a hole, and the newest
		if err := db.DeleteArticle(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	b := storetest.Article("b", "B")
	if _, err := db.UpsertArticle(ctx, &b); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool().Query(ctx, `SELECT id || '=' || seq FROM articles ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if want := []string{"a0=1", "a1=2", "a3=4", "b=5"}; !slices.Equal(got, want) {
		t.Errorf("article numbers: got %q, want %q", got, want)
	}
}

// TestBatchCreatesRacedArticle has a batch that found an article new
// (readAhead, before another writer committed it) and kept it to insert
// at the end: its insert then breaks the unique id, and the batch runs
// again, this time as an update of what the other writer stored.
func TestBatchCreatesRacedArticle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	other := openURL(t, url, postgres.Options{Now: clk.Now})

	held, err := db.BeginHeldWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	first := storetest.Article("raced", "Raced, first writer")
	if _, err := held.Upsert(ctx, &first); err != nil {
		t.Fatal(err)
	}
	if err := held.Finish(ctx); err != nil { // holds the change log's lock
		t.Fatal(err)
	}

	type result struct {
		changes []feed.Change
		err     error
	}
	done := make(chan result, 1)
	batch := []feed.Article{storetest.Article("raced", "Raced, batch"), storetest.Article("fresh", "Fresh")}
	go func() {
		changes, err := other.UpsertArticles(ctx, batch)
		done <- result{changes, err}
	}()
	// Once the batch waits on a lock, it has read the stored rows (and not
	// found "raced") and kept both articles for the end.
	for {
		var waiting int
		err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("the batch did not wait for the held writer: %v, %v", r.changes, r.err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := held.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("batch after the race: %v", r.err)
	}
	if want := []feed.Change{feed.Updated, feed.Created}; !slices.Equal(r.changes, want) {
		t.Errorf("changes: got %v, want %v", r.changes, want)
	}
	for id, title := range map[string]string{"raced": "Raced, batch", "fresh": "Fresh"} {
		a, err := db.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != title {
			t.Errorf("%s: title %q, want %q", id, a.Title, title)
		}
	}
	log, _ := (&poller{db: db}).poll(t)
	if want := []string{"created raced", "updated raced", "created fresh"}; !slices.Equal(log, want) {
		t.Errorf("change log: got %q, want %q", log, want)
	}
}
