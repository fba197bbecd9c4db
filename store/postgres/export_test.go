package postgres

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"herald/feed"
)

// Migrations are the engine's migrations, for tests that add to them.
var Migrations fs.FS = migrations

// OpenFS is Open with the migrations in fsys.
func OpenFS(ctx context.Context, url string, opt Options, fsys fs.FS) (*DB, error) {
	return open(ctx, url, opt, fsys)
}

// Pool returns the handle's pool, for tests that look at the rows.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// A HeldWrite is an article write whose transaction the test drives: its
// work (Upsert), its end (Finish: numbers and change log) and its commit,
// with whatever the test does between them.
type HeldWrite struct {
	tx pgx.Tx
	w  *articleWriter
}

// BeginHeldWrite begins a write transaction on a connection of its own.
func (db *DB) BeginHeldWrite(ctx context.Context) (*HeldWrite, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &HeldWrite{tx: tx, w: db.newWriter(tx)}, nil
}

// Upsert does UpsertArticles' work for a, without ending the write.
func (h *HeldWrite) Upsert(ctx context.Context, a *feed.Article) (feed.Change, error) {
	if a.Origin == "" {
		a.Origin = feed.OriginOwn
	}
	if err := a.Validate(); err != nil {
		return "", err
	}
	return h.w.upsert(ctx, a)
}

// Finish ends the write as UpsertArticles does, without committing.
func (h *HeldWrite) Finish(ctx context.Context) error { return h.w.finish(ctx, true) }

// Commit commits the write.
func (h *HeldWrite) Commit(ctx context.Context) error { return h.tx.Commit(ctx) }

// Rollback abandons the write.
func (h *HeldWrite) Rollback(ctx context.Context) error { return h.tx.Rollback(ctx) }

// SetRankWindow sets rankWindow to n until the test ends, for the contract
// suite's window tests (storetest.Opener.SetRankWindow). Tests that call it
// must not run in parallel with others.
func SetRankWindow(tb testing.TB, n int) {
	old := rankWindow
	rankWindow = n
	tb.Cleanup(func() { rankWindow = old })
}

// Document is the search index's vector of an article's fields, as text.
func Document(title, summary, content string) string { return document(title, summary, content) }

// Vector is vector, for tests.
func Vector(title, summary, content string) pgtype.TSVector {
	return vector(title, summary, content, nil)
}

// SearchParallelWorkers returns max_parallel_workers_per_gather as the
// statements of a search's snapshot see it: the snapshot begun by a query
// sent with BEGIN (batched), or by BEGIN on its own.
func (db *DB) SearchParallelWorkers(ctx context.Context, batched bool) (string, error) {
	var got string
	err := db.snapshot(ctx, func(s *snapshot) error {
		s.serial = true
		const show = "SELECT current_setting('max_parallel_workers_per_gather')"
		if !batched {
			return s.QueryRow(ctx, show).Scan(&got)
		}
		rows, err := s.Query(ctx, show)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&got); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return got, err
}

// WriteQuiet writes the poll states of srcs as one batch of quiet polls
// (see quietpoll.go) and reports which it wrote.
func (db *DB) WriteQuiet(ctx context.Context, srcs []feed.Source) []bool {
	batch := make([]*quietPoll, len(srcs))
	for i := range srcs {
		batch[i] = &quietPoll{s: &srcs[i], done: make(chan struct{})}
	}
	writeQuiet(ctx, db.pool, batch)
	out := make([]bool, len(batch))
	for i, p := range batch {
		<-p.done
		out[i] = p.written
	}
	return out
}
