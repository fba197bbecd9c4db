package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the driver of checkSQLiteFile's read-only connection

	"herald/store"
)

const backupHelp = `Write a consistent copy of the database to FILE, which must not exist, safely
while herald serve runs, then check the copy: SQLite's integrity check and
foreign key check, and the number of records of each kind, which it prints. A
copy that fails its check is removed, and the exit code is 1.

On SQLite the copy is the database file as it stands (VACUUM INTO): restore it
with "herald restore FILE".

On PostgreSQL the copy is an SQLite file holding the whole database, read in one
snapshot: what herald copy moves, nothing of PostgreSQL's own (roles, grants,
settings); its counts are compared with the snapshot's. Serve it with --db FILE,
or restore it into a new, empty database with "herald restore FILE --db
postgres://...". For a large database, for point-in-time recovery, or where a
DBA keeps the backups, use pg_dump (or the server's own backups) instead.`

func cmdBackup(ctx context.Context, e *env, args []string) int {
	var c config
	f := newFlags(e, "backup", "FILE", backupHelp)
	c.common(f)
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	if f.NArg() != 1 {
		f.Usage()
		return 2
	}
	path := f.Arg(0)
	if _, err := os.Lstat(path); err == nil {
		return fail(e, fmt.Errorf("backup: %s exists", path))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(e, fmt.Errorf("backup: %w", err))
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	// want: the counts of the snapshot the copy was made from, when the
	// engine tells them (an export's site record does); SQLite's VACUUM
	// INTO does not, and its source may be written meanwhile, so the copy
	// is counted alone.
	var want map[string]int64
	err = db.Backup(ctx, path)
	if errors.Is(err, errors.ErrUnsupported) {
		// PostgreSQL: an SQLite file, through the export herald copy uses.
		want, err = backupToSQLite(ctx, db, path, e)
	}
	if err != nil {
		return fail(e, errors.New(scrub(err.Error(), dbSecrets(c.db))))
	}
	got, err := checkBackup(ctx, path)
	if err == nil && want != nil && !maps.Equal(want, got) {
		err = errors.New("its counts of records differ from the database's")
	}
	if err != nil {
		removeSQLite(path)
		if got != nil {
			writeCounts(e.stderr, want, got)
		}
		return fail(e, fmt.Errorf("backup: the copy failed its check, and was removed: %w", err))
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s: integrity ok\n\n", showDB(c.db), path)
	writeCounts(e.stdout, want, got)
	return 0
}

// backupToSQLite copies db into a new SQLite file at path, which it removes
// again if the copy fails, and returns the counts of the snapshot it copied.
func backupToSQLite(ctx context.Context, db store.DB, path string, e *env) (map[string]int64, error) {
	dst, err := store.Open(ctx, path, store.Options{Authority: db.Site().Authority})
	if err != nil {
		removeSQLite(path)
		return nil, fmt.Errorf("backup to %s: %w", path, err)
	}
	want, got, err := copyDB(ctx, db, dst, e.stderr, "backup")
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil && !maps.Equal(want, got) {
		printCounts(e.stderr, want, got)
		err = errors.New("the counts of records differ")
	}
	if err != nil {
		removeSQLite(path)
		return nil, fmt.Errorf("backup to %s: %w", path, err)
	}
	return want, nil
}

// checkBackup checks the SQLite file a backup wrote at path (see
// checkSQLiteFile), counts its records, and makes it durable: the file and
// its folder are synced. It returns the counts even when the check fails.
func checkBackup(ctx context.Context, path string) (map[string]int64, error) {
	// Opening it as herald does is the one way to count as the engine
	// counts; it adds nothing (the schema is this herald's), though it
	// turns on the write-ahead log that every herald database has, and
	// leaves no log behind when closed.
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	counts, err := db.Counts(ctx)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if exists(path + "-wal") {
		return counts, fmt.Errorf("%s-wal was left beside it", path)
	}
	if _, err := checkSQLiteFile(ctx, path); err != nil {
		return counts, err
	}
	return counts, syncFile(path)
}

// checkSQLiteFile checks that the SQLite file at path, which nothing else
// uses and which has no write-ahead log beside it, is whole and is a herald
// database: SQLite's integrity check and foreign key check pass, it has its
// site row, and a schema version (returned) that this herald knows. It
// opens the file read-only and immutable: it writes nothing, not even a
// lock.
func checkSQLiteFile(ctx context.Context, path string) (int, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?mode=ro&immutable=1")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check(20)")
	if err != nil {
		return 0, fmt.Errorf("not an SQLite database, or not whole: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("the integrity check failed: %s", strings.Join(problems, "; "))
	}
	var (
		table, parent string
		rowid         sql.NullInt64
		fkid          int64
	)
	err = db.QueryRowContext(ctx, "PRAGMA foreign_key_check").Scan(&table, &rowid, &parent, &fkid)
	if err == nil {
		return 0, fmt.Errorf("the foreign key check failed: row %d of %s refers to a missing row of %s", rowid.Int64, table, parent)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("foreign key check: %w", err)
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, err
	}
	latest, err := sqliteSchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if version > latest {
		return 0, fmt.Errorf("its schema is version %d, newer than this herald's (%d): use a newer herald", version, latest)
	}
	var authority string
	err = db.QueryRowContext(ctx, "SELECT authority FROM site WHERE id = 1").Scan(&authority)
	if version == 0 || err != nil || authority == "" {
		return 0, errors.New("not a herald database: it has no site row")
	}
	return version, nil
}

// sqliteSchemaVersion returns the schema version that this herald brings an
// SQLite database to, read from a new one made in a temporary folder: the
// engine keeps its migrations to itself.
func sqliteSchemaVersion(ctx context.Context) (int, error) {
	dir, err := os.MkdirTemp("", "herald-schema-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "herald.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return 0, err
	}
	if err := db.Close(); err != nil {
		return 0, err
	}
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var version int
	err = conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	return version, err
}

// writeCounts writes the table of records of each kind: in the database's
// snapshot (want, when known) and in the backup (got).
func writeCounts(w io.Writer, want, got map[string]int64) {
	if want == nil {
		writeRecords(w, "backup", got)
		return
	}
	fmt.Fprintf(w, "%-14s %10s %10s\n", "records", "database", "backup")
	for _, k := range store.Kinds() {
		mark := ""
		if want[k] != got[k] {
			mark = "  differs"
		}
		fmt.Fprintf(w, "%-14s %10d %10d%s\n", k, want[k], got[k], mark)
	}
}

// syncFile flushes the file at path, and the folder that names it, to
// stable storage.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir flushes a folder's entries (a file created or renamed in it) to
// stable storage.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
