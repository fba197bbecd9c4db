// Package postgres is herald's PostgreSQL store engine, for several herald
// instances sharing one database: pgx v5 (pgxpool), its own numbered
// migrations applied under an advisory lock, and the numbers readers walk by
// handed out in commit order.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"herald/feed"
	"herald/store/internal/micros"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys. Advisory locks belong to one database, so two herald
// databases on one server do not share them.
const (
	// migrateLock is held (for the session) by the instance applying
	// migrations: others starting at the same time wait, then find nothing
	// left to do.
	migrateLock int64 = 0x68657261_6c640001
	// changeLogLock is held (for the transaction) by a writer from the
	// moment it hands out article numbers and change log ids until it
	// commits. See change.go.
	changeLogLock int64 = 0x68657261_6c640002
	// subscriptionsLock is held (for the transaction) by a writer
	// numbering a new subscription.
	subscriptionsLock int64 = 0x68657261_6c640003
	// sourceClaimLock is held (for the transaction) by a claimer of
	// sources that bounds the claims per host: see claim.go.
	sourceClaimLock int64 = 0x68657261_6c640004
	// hubQueueLock is held (for the transaction) by a writer adding to
	// the WebSub verification queue, which is bounded: see hubqueue.go.
	hubQueueLock int64 = 0x68657261_6c640005
)

// Options configure a DB.
type Options struct {
	// Authority names the publisher in the tag: URIs of GUIDs and feed ids,
	// e.g. "news.example.org". It is recorded when the database is created
	// and kept from then on (see Site), so a later change of domain changes
	// no id that readers have seen.
	Authority string
	// SeedTags are created when the database is created, and never again,
	// so that a newsroom that deletes one does not see it return.
	SeedTags []feed.Tag
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxConns caps the connections of this instance's pool; 0 keeps the
	// URL's pool_max_conns, or pgxpool's default (4 or the number of CPUs,
	// whichever is more).
	MaxConns int
	// StatementTimeout cancels a statement that runs longer (PostgreSQL's
	// statement_timeout); 0 keeps the URL's statement_timeout parameter, or
	// the server's setting. Migrations run without it.
	StatementTimeout time.Duration
}

// DB is a handle on one herald database in PostgreSQL. It is safe for
// concurrent use, and other instances may use the same database at once.
type DB struct {
	pool  *pgxpool.Pool
	opt   Options
	site  feed.Site
	quiet quietPolls // the writes of polls that stored nothing
}

// Open connects to the PostgreSQL database that url names
// (postgres://user:password@host:port/database?param=value, or any
// connection string pgx takes) and brings its schema up to date. The
// password appears in no error.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	return open(ctx, url, opt, migrations)
}

// open is Open with the migrations in fsys.
func open(ctx context.Context, url string, opt Options, fsys fs.FS) (*DB, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Authority == "" {
		opt.Authority = "herald.invalid"
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, redact(fmt.Errorf("open PostgreSQL database: %w", err), urlSecrets(url)...)
	}
	secrets := append(urlSecrets(url), cfg.ConnConfig.Password)
	name := fmt.Sprintf("PostgreSQL database %s on %s:%d as %s", cfg.ConnConfig.Database, cfg.ConnConfig.Host,
		cfg.ConnConfig.Port, cfg.ConnConfig.User)
	if opt.MaxConns > 0 {
		cfg.MaxConns = int32(min(opt.MaxConns, 1<<20))
	}
	if opt.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opt.StatementTimeout.Milliseconds(), 10)
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "herald"
	}
	// JIT compiles a query whose estimated cost is high, which takes tens
	// of milliseconds: more than the searches and listings it would speed
	// up take (a search's plan may be costed over every match it will not
	// read). Off, unless the URL sets jit.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	db := &DB{opt: opt}
	if err := db.migrate(ctx, cfg.ConnConfig, fsys); err != nil {
		return nil, redact(fmt.Errorf("open %s: %w", name, err), secrets...)
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, redact(fmt.Errorf("open %s: %w", name, err), secrets...)
	}
	return db, nil
}

// Close closes the pool's connections; it waits for those in use.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// goSteps are the parts of migrations that SQL cannot do, by the name of
// their migration without its number; each runs in the migration's
// transaction, after its SQL.
var goSteps = map[string]func(context.Context, pgx.Tx) error{
	"credits.sql": fillArticleKeys,
}

// migrate applies, in order and each in its own transaction, the migrations
// in fsys (migrations/NNNN_name.sql) that the database has not recorded,
// then creates the site and the seed tags of a new database, then reads the
// site. It does so on a connection of its own, holding migrateLock: of
// several instances starting at once, one migrates and the others wait and
// find nothing to do. The connection has no statement timeout: a migration
// may take long, and so may waiting for another instance's.
func (db *DB) migrate(ctx context.Context, cc *pgx.ConnConfig, fsys fs.FS) error {
	cc = cc.Copy()
	cc.RuntimeParams["statement_timeout"] = "0"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx)) // which releases the lock
	var encoding string
	if err := conn.QueryRow(ctx, "SHOW server_encoding").Scan(&encoding); err != nil {
		return err
	}
	if encoding != "UTF8" {
		return fmt.Errorf("the database's encoding is %s; herald needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8')", encoding)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("wait for other instances' migrations: %w", err)
	}
	_, err = conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name    text    NOT NULL,
		applied bigint  NOT NULL -- microseconds since the Unix epoch
	)`)
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		applied[n] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || n <= 0 {
			return fmt.Errorf("migration %s: name must start with a positive number", base)
		}
		if other, dup := seen[n]; dup {
			return fmt.Errorf("migrations %s and %s have the same number", other, base)
		}
		seen[n] = base
		if applied[n] {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			if step := goSteps[strings.SplitN(base, "_", 2)[1]]; step != nil {
				if err := step(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)",
				n, base, micros.Of(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	// A new database: no site yet.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO site (id, authority, created) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`,
			db.opt.Authority, micros.Of(db.now()))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		for _, t := range db.opt.SeedTags {
			if _, err := db.createTag(ctx, tx, t); err != nil {
				return fmt.Errorf("seed tag %s: %w", t.Slug, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create site: %w", err)
	}
	var created int64
	if err := conn.QueryRow(ctx, `SELECT authority, created FROM site WHERE id = 1`).Scan(&db.site.Authority, &created); err != nil {
		return fmt.Errorf("read site identity: %w", err)
	}
	db.site.Created = micros.Time(created)
	return nil
}

// Site returns the identity the database was created with.
func (db *DB) Site() feed.Site { return db.site }

// maxAttempts bounds how often tx runs a transaction that PostgreSQL
// aborted to break a deadlock.
const maxAttempts = 5

// tx runs fn in a transaction, committing if it returns nil. When
// PostgreSQL aborts the transaction to break a deadlock with another writer
// (two batches that lock the same articles in other orders, say), fn runs
// again in a new one: fn must start from its inputs each time. A NUL
// character in text is a *feed.ValidationError.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return textError(err)
		}
		// Give the transaction that won time to finish, or the two may
		// meet again where they met.
		wait := time.NewTimer(rand.N(10 * time.Millisecond << attempt))
		select {
		case <-ctx.Done():
			wait.Stop()
			return err
		case <-wait.C:
		}
	}
}

// readTx runs fn in a read-only transaction that sees one snapshot.
func (db *DB) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// bump records that published content changed, inside the writing tx. It
// is the transaction's last statement: the row stays locked until commit.
// It also notifies changedChannel of the new version, which PostgreSQL
// delivers to every listener (see Listen) when the transaction commits.
func bump(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `WITH v AS (UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version)
		SELECT pg_notify($1, version::text) FROM v`, changedChannel)
	return err
}

// Version returns a number that grows with every committed change to
// articles or tags, made by this process or any other.
func (db *DB) Version(ctx context.Context) (int64, error) {
	var v int64
	err := db.pool.QueryRow(ctx, "SELECT version FROM content_version WHERE id = 1").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("content version: %w", err)
	}
	return v, nil
}

// Backup writes a consistent copy of the database to path, which must not
// exist. Not on PostgreSQL yet: use pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	return fmt.Errorf("backup to %s: not supported on PostgreSQL yet (use pg_dump): %w", path, errors.ErrUnsupported)
}

func (db *DB) now() time.Time { return db.opt.Now().UTC() }

// nextID takes the next number of the counter name (see the counters
// table). Its row stays locked until the transaction ends, and the number is
// given back if it rolls back.
func nextID(ctx context.Context, tx pgx.Tx, name string, n int64) (last int64, err error) {
	err = tx.QueryRow(ctx, `UPDATE counters SET value = value + $2 WHERE name = $1 RETURNING value`, name, n).Scan(&last)
	return last, err
}

// PostgreSQL's error codes (SQLSTATE) that herald branches on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeNULInText            = "22021" // character_not_in_repertoire: a NUL in text
	codeUntranslatable       = "22P05" // untranslatable_character: \u0000 in JSON
)

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isUnique reports whether err is a violation of a unique or primary key
// constraint.
func isUnique(err error) bool { return sqlState(err) == codeUniqueViolation }

func retryable(err error) bool {
	c := sqlState(err)
	return c == codeDeadlockDetected || c == codeSerializationFailure || errors.Is(err, errRaced)
}

// notFound maps pgx.ErrNoRows to feed.ErrNotFound with context.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, feed.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// textError turns PostgreSQL's refusal of a NUL character (which its text
// cannot hold, though SQLite's can) into a *feed.ValidationError, so that
// callers see bad input rather than a failing store.
func textError(err error) error {
	if c := sqlState(err); c == codeNULInText || c == codeUntranslatable {
		return errors.Join(err, feed.Invalid("text", "contains a NUL character, which PostgreSQL cannot store"))
	}
	return err
}

// urlSecrets returns what in a connection URL must not be shown: its
// password, in the userinfo or as a parameter.
func urlSecrets(raw string) []string {
	var out []string
	// What a URL that does not parse may hold as a password: what is
	// between the user's colon and the last @.
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				out = append(out, pw)
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	if pw, ok := u.User.Password(); ok {
		out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
	}
	if pw := u.Query().Get("password"); pw != "" {
		out = append(out, pw, url.QueryEscape(pw))
	}
	return out
}

// redact returns err with every secret masked in its text; errors.Is and
// errors.As still see through it.
func redact(err error, secrets ...string) error {
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
