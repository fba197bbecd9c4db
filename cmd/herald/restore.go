package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"herald/store"
)

const restoreHelp = `Put BACKUP, a file that herald backup wrote, in place of the database.

On SQLite (--db FILE) it refuses while herald serve uses the database: stop it,
and any ingest or fetch run by cron, first. It checks the backup (SQLite's
integrity and foreign key checks; a herald database of a schema this herald
knows), copies it beside the database, and renames the copy over the database
in one step. The database it replaces is kept beside it as
FILE.before-restore-TIME, its write-ahead log checkpointed into it (or, should
that fail, kept beside it): remove it once the restored one serves well.

On PostgreSQL (--db postgres://...) it copies the backup into the database,
which must be new and empty: restore into a new database (CREATE DATABASE),
never over a database in use. To move a database that is in use, see herald copy
and pg_dump.

Restoring takes the database back to the time of the backup: clients polling
/api/changes or /api/articles?order=changed should start their walks again.`

func cmdRestore(ctx context.Context, e *env, args []string) int {
	var dsn string
	f := newFlags(e, "restore", "BACKUP", restoreHelp)
	f.stringVar(&dsn, "db", "HERALD_DB", "herald.db", "the database to restore: the path of the SQLite file to replace, or a postgres:// URL of an empty database")
	if err := f.parseAll(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if f.NArg() != 1 {
		f.Usage()
		return 2
	}
	backup := f.Arg(0)
	var err error
	if isPostgresURL(dsn) {
		err = restorePostgres(ctx, e, backup, dsn)
	} else {
		err = restoreSQLite(ctx, e, backup, dsn)
	}
	if err != nil {
		return fail(e, errors.New(scrub(err.Error(), dbSecrets(dsn))))
	}
	return 0
}

// restoreSQLite puts the backup at backup in place of the SQLite database
// at path.
func restoreSQLite(ctx context.Context, e *env, backup, path string) error {
	if err := checkBackupFile(backup); err != nil {
		return err
	}
	if same(backup, path) {
		return fmt.Errorf("restore: %s is the database itself", backup)
	}
	release, err := lockDB(path, true)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer release()

	// The copy is made beside the database, so that the rename that puts
	// it in place is atomic, and is what is checked: the bytes put in
	// place are the bytes checked.
	tmp, err := copyToTemp(backup, filepath.Dir(path), "."+filepath.Base(path)+".restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp) // after the rename, there is nothing there
	if _, err := checkSQLiteFile(ctx, tmp); err != nil {
		return fmt.Errorf("restore: %s: %w", backup, err)
	}
	kept, err := setAside(ctx, path)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	fmt.Fprintf(e.stdout, "restored %s to %s\n", backup, path)
	if kept != "" {
		fmt.Fprintf(e.stdout, "the database it replaced is kept as %s: remove it once herald serves the restored one well\n", kept)
	}
	// Opening it brings an older backup's schema up to date now, under
	// the lock, rather than at the server's start.
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return fmt.Errorf("restore: open the restored database: %w", err)
	}
	defer db.Close()
	counts, err := db.Counts(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintln(e.stdout)
	writeRecords(e.stdout, "restored", counts)
	return nil
}

// checkBackupFile checks that backup is a file that may be restored from:
// a regular file, without a write-ahead log of its own (a live database
// copied by hand would have one, holding its latest writes).
func checkBackupFile(backup string) error {
	fi, err := os.Stat(backup)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("restore: %s is not a file", backup)
	}
	if wal, err := os.Stat(backup + "-wal"); err == nil && wal.Size() > 0 {
		return fmt.Errorf("restore: %s has a write-ahead log (%s-wal): it is a database in use, or one that was not closed, not a backup; make one with herald backup", backup, backup)
	}
	return nil
}

// same reports whether the paths a and b name one file.
func same(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// copyToTemp copies the file src to a new file in dir, named after pattern
// (see os.CreateTemp), synced to stable storage, and returns its path.
func copyToTemp(src, dir, pattern string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Name(), nil
}

// setAside keeps the SQLite database at path, if there is one, under a new
// name, path.before-restore-TIME, and returns that name. The database stays
// where it is (a hard link, or a copy where the file system has none) until
// the restored one is renamed over it; its write-ahead log and index go
// now, since SQLite would apply a log left beside the restored database to
// it. The log is first checkpointed into the database, so that the file
// kept holds all of it; where that fails (a damaged database, say), the
// log is kept beside it.
func setAside(ctx context.Context, path string) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			os.Remove(path + suffix)
		}
		return "", nil
	}
	checkpoint(ctx, path)
	kept := path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	if err := os.Link(path, kept); err != nil {
		tmp, cerr := copyToTemp(path, filepath.Dir(path), "."+filepath.Base(kept)+"-*")
		if cerr != nil {
			return "", fmt.Errorf("keep %s: %w", path, errors.Join(err, cerr))
		}
		if err := os.Rename(tmp, kept); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("keep %s: %w", path, err)
		}
	}
	// The log and a rollback journal go with the database they belong to;
	// the index (-shm) is rebuilt from the log.
	for _, suffix := range []string{"-wal", "-journal"} {
		err := os.Rename(path+suffix, kept+suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("keep %s: %w", path+suffix, err)
		}
	}
	if err := os.Remove(path + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return kept, syncDir(filepath.Dir(path))
}

// checkpoint copies the write-ahead log of the SQLite database at path
// into it, and removes the log when nothing else has the database open.
func checkpoint(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(1000)")
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(err, db.Close())
}

// restorePostgres copies the backup at backup into the empty PostgreSQL
// database that dsn names.
func restorePostgres(ctx context.Context, e *env, backup, dsn string) error {
	if err := checkBackupFile(backup); err != nil {
		return err
	}
	// Opening the backup itself would write to it (and bring an older
	// schema up to date): a copy is opened instead.
	dir, err := os.MkdirTemp("", "herald-restore-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp, err := copyToTemp(backup, dir, "backup-*.db")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := checkSQLiteFile(ctx, tmp); err != nil {
		return fmt.Errorf("restore: %s: %w", backup, err)
	}
	src, err := store.Open(ctx, tmp, store.Options{})
	if err != nil {
		return fmt.Errorf("restore: %s: %w", backup, err)
	}
	defer src.Close()
	// Without seed tags: the backup brings its tags.
	dst, err := store.Open(ctx, dsn, store.Options{Authority: src.Site().Authority})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer dst.Close()
	held, err := dst.Counts(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var what []string
	for _, k := range store.Kinds() {
		if k != "site" && held[k] > 0 {
			what = append(what, k+": "+strconv.FormatInt(held[k], 10))
		}
	}
	if len(what) > 0 {
		return fmt.Errorf("restore: %s is not empty (it holds %s): restore into a new database (CREATE DATABASE ...); "+
			"to move a database in use, see herald copy, or pg_dump and pg_restore", showDB(dsn), strings.Join(what, ", "))
	}
	want, got, err := copyDB(ctx, src, dst, e.stderr, "restore")
	if err != nil {
		return fmt.Errorf("restore %s to %s: %w (%s is as it was)", backup, showDB(dsn), err, showDB(dsn))
	}
	fmt.Fprintf(e.stdout, "restored %s to %s\n\n", backup, showDB(dsn))
	if !printCounts(e.stdout, want, got) {
		return errors.New("restore: the counts differ: the database was written to during the restore?")
	}
	return nil
}

// writeRecords writes the table of the records of each kind that counts
// gives, under the heading name.
func writeRecords(w io.Writer, name string, counts map[string]int64) {
	fmt.Fprintf(w, "%-14s %10s\n", "records", name)
	for _, k := range store.Kinds() {
		fmt.Fprintf(w, "%-14s %10d\n", k, counts[k])
	}
}

// holdDB takes, for herald serve, the shared lock of the database that dsn
// names, until release: herald restore refuses to replace it meanwhile. A
// PostgreSQL database has none: restore goes only into an empty one.
func holdDB(dsn string) (release func(), err error) {
	if isPostgresURL(dsn) {
		return func() {}, nil
	}
	return lockDB(dsn, false)
}

// lockDB takes the lock of the SQLite database at path, without waiting:
// shared by herald serve for as long as it runs (several may serve one
// file), exclusive by herald restore while it replaces the file. The lock
// is an advisory lock (flock) on a file beside the database, path.lock,
// which names its last holder; the lock goes when the process ends,
// however it ends. Where the system has no such locks, it locks nothing.
//
// release releases the lock. err is a *lockedError when another process
// holds the lock.
func lockDB(path string, exclusive bool) (release func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	switch err := flock(f, exclusive); {
	case errors.Is(err, errors.ErrUnsupported):
		f.Close()
		return func() {}, nil
	case errors.Is(err, errLocked):
		holder, _ := io.ReadAll(io.LimitReader(f, 100))
		f.Close()
		return nil, &lockedError{path: path, holder: strings.TrimSpace(string(holder))}
	case err != nil:
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	who := "serve"
	if exclusive {
		who = "restore"
	}
	// Shared holders each write here; the last to start is named.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(who+" "+strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}

// errLocked: another process holds a lock that conflicts (see flock).
var errLocked = errors.New("locked")

// A lockedError says who holds the database's lock: the first word of the
// lock file is the command, the second its process id.
type lockedError struct {
	path, holder string
}

func (e *lockedError) Error() string {
	cmd, pid, _ := strings.Cut(e.holder, " ")
	switch cmd {
	case "restore":
		return fmt.Sprintf("herald restore (pid %s) is replacing %s: wait for it to end", pid, e.path)
	case "serve":
		return fmt.Sprintf("a herald server is using %s (pid %s): stop it first", e.path, pid)
	}
	return fmt.Sprintf("another herald process is using %s: stop it first", e.path)
}

func (e *lockedError) Unwrap() error { return errLocked }
