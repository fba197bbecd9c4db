package postgres

// Reads of one snapshot in few round trips. A feed's page is several
// statements that must see the same snapshot (the keys of the page, then
// its articles, their tags and their corrections), and on a loopback
// connection each round trip costs more than the statement it carries. A
// snapshot sends BEGIN along with the first statement and COMMIT along
// with the last batch, so that such a read costs two round trips, not six;
// or, when every statement can be written beforehand (only), one.

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const beginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"

// serialPlans keeps the planner from giving the rest of a transaction's
// statements parallel workers. A search ranks thousands of matches in tens
// of milliseconds, and starting workers and merging what they find costs
// more than they save, the more so as herald serves many requests at once:
// over 100,000 articles on two cores, a boolean search the planner gave two
// workers took 70 ms, and 11 ms without them; a walk of the newest matches
// forced parallel, 240 ms against 40.
const serialPlans = "SET LOCAL max_parallel_workers_per_gather = 0"

// A snapshot is a read-only transaction of one snapshot on a connection
// of its own, begun by its first statement (see snapshot.go).
type snapshot struct {
	conn   *pgxpool.Conn
	serial bool // its statements run without parallel workers (serialPlans)
	begun  bool // and not yet ended
}

// open queues the statements that begin the snapshot.
func (s *snapshot) open(b *pgx.Batch) {
	b.Queue(beginSnapshot)
	if s.serial {
		b.Queue(serialPlans)
	}
}

// snapshot runs fn in a snapshot, which it ends if fn did not.
func (db *DB) snapshot(ctx context.Context, fn func(*snapshot) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The pool closes a connection released in a transaction (fn failed
	// halfway) rather than give it out again.
	defer conn.Release()
	s := &snapshot{conn: conn}
	if err := fn(s); err != nil {
		return err
	}
	if s.begun {
		s.begun = false
		_, err = conn.Exec(ctx, "COMMIT")
	}
	return err
}

// begin begins the transaction, for a statement that cannot go with it.
func (s *snapshot) begin(ctx context.Context) error {
	if s.begun {
		return nil
	}
	begin := beginSnapshot
	if s.serial {
		begin += "; " + serialPlans // one round trip: without arguments, Exec sends both at once
	}
	if _, err := s.conn.Exec(ctx, begin); err != nil {
		return err
	}
	s.begun = true
	return nil
}

// Query runs a query in the snapshot; the first goes with BEGIN.
func (s *snapshot) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if s.begun {
		return s.conn.Query(ctx, sql, args...)
	}
	if len(args) > 0 {
		if _, ok := args[0].(pgx.QueryExecMode); ok {
			// A statement run its own way does not go in a batch.
			if err := s.begin(ctx); err != nil {
				return nil, err
			}
			return s.conn.Query(ctx, sql, args...)
		}
	}
	b := &pgx.Batch{}
	s.open(b)
	b.Queue(sql, args...)
	br := s.conn.SendBatch(ctx, b)
	for range len(b.QueuedQueries) - 1 {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	s.begun = true
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// QueryRow runs a query of one row in the snapshot.
func (s *snapshot) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := s.begin(ctx); err != nil {
		return errRow{err}
	}
	return s.conn.QueryRow(ctx, sql, args...)
}

// Exec runs a statement in the snapshot.
func (s *snapshot) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := s.begin(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return s.conn.Exec(ctx, sql, args...)
}

// end sends the statements of b in the snapshot and ends it after them:
// the caller reads their results in order and closes what end returns.
func (s *snapshot) end(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := s.begin(ctx); err != nil { // when nothing went before
		return errResults{err}
	}
	s.begun = false
	b.Queue("COMMIT")
	return s.conn.SendBatch(ctx, b)
}

// only sends the statements of b as the whole snapshot, begun before them
// and ended after them, in one round trip: the caller reads their results
// in order and closes what only returns. It is for a snapshot that has
// run nothing yet.
func (s *snapshot) only(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	all := &pgx.Batch{}
	s.open(all)
	opening := len(all.QueuedQueries)
	all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
	all.Queue("COMMIT")
	br := s.conn.SendBatch(ctx, all)
	for range opening {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return errResults{err}
		}
	}
	return br
}

// batchRows are the rows of a query sent in a batch, which closing them
// closes.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

func (r *batchRows) Close() {
	if r.br == nil {
		return
	}
	r.Rows.Close()
	r.err = r.br.Close()
	r.br = nil
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// errResults are the results of a batch that could not be sent.
type errResults struct{ err error }

func (r errResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, r.err }
func (r errResults) Query() (pgx.Rows, error)         { return nil, r.err }
func (r errResults) QueryRow() pgx.Row                { return errRow(r) }
func (r errResults) Close() error                     { return r.err }
func (r errResults) Tx() pgx.Tx                       { return nil }

// errRow is a row that only gives an error.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
