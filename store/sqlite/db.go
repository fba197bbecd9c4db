// Package sqlite is herald's default store engine: articles, tags, tokens,
// sources and subscriptions in one embedded SQLite file (modernc.org/sqlite,
// no cgo). Its migrations are embedded and tracked by PRAGMA user_version.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"herald/feed"
	"herald/store/internal/micros"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure a DB.
type Options struct {
	// Authority names the publisher in the tag: URIs of GUIDs and feed ids,
	// e.g. "news.example.org". It is recorded when the file is created and
	// kept from then on (see Site), so a later change of domain changes no
	// id that readers have seen.
	Authority string
	// SeedTags are created when the database file is created, and never
	// again, so that a newsroom that deletes one does not see it return.
	SeedTags []feed.Tag
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DB is a handle on one herald database file. It is safe for concurrent use:
// writes go through one connection, reads through a pool.
type DB struct {
	write *sql.DB
	read  *sql.DB
	opt   Options
	site  feed.Site
}

// Open opens (creating if need be) the database file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Authority == "" {
		opt.Authority = "herald.invalid"
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath()
	write, err := sql.Open("sqlite", dsn+"?_txlock=immediate&_pragma=journal_mode(WAL)&"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	db := &DB{write: write, opt: opt}
	if err := db.migrate(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn+"?_pragma=query_only(1)&"+pragmas)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	read.SetMaxIdleConns(max(4, runtime.NumCPU()))
	db.read = read
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

// goSteps are the parts of migrations that SQL cannot do, by the name of
// their migration without its number; each runs in the migration's
// transaction, after its SQL.
var goSteps = map[string]func(context.Context, *sql.Tx) error{
	"credits.sql": fillArticleKeys,
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations newer than the file's user_version.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	var current int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	fresh := current == 0
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		if n <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if step := goSteps[strings.SplitN(path.Base(name), "_", 2)[1]]; step != nil {
				if err := step(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", path.Base(name), err)
		}
		current = n
	}
	if fresh {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO site (id, authority, created) VALUES (1, ?, ?)`,
				db.opt.Authority, micros.Of(db.now()))
			if err != nil {
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
			return err
		}
	}
	var created int64
	err = db.write.QueryRowContext(ctx, `SELECT authority, created FROM site WHERE id = 1`).Scan(&db.site.Authority, &created)
	if err != nil {
		return fmt.Errorf("read site identity: %w", err)
	}
	db.site.Created = micros.Time(created)
	return nil
}

// Site returns the identity the database was created with.
func (db *DB) Site() feed.Site { return db.site }

// tx runs fn in a write transaction, committing if it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// bump records that published content changed, inside the writing tx.
func bump(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "UPDATE content_version SET version = version + 1 WHERE id = 1")
	return err
}

// Version returns a number that grows with every committed change to
// articles or tags, made by this process or any other.
func (db *DB) Version(ctx context.Context) (int64, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, "SELECT version FROM content_version WHERE id = 1").Scan(&v)
	return v, err
}

// Backup writes a consistent copy of the database to path, which must not
// exist. Readers go on meanwhile; this process's writers wait for the copy.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := db.write.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

func (db *DB) now() time.Time { return db.opt.Now().UTC() }

// isUnique reports whether err is a violation of a UNIQUE or PRIMARY KEY
// constraint, judged by SQLite's extended result code.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// notFound maps sql.ErrNoRows to feed.ErrNotFound with context.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, feed.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}
