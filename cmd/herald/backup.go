package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"

	"herald/store"
)

const backupHelp = `Write a consistent copy of the database to FILE, which must not exist, safely
while herald serve runs.

On SQLite the copy is the database file as it stands (VACUUM INTO): restore it
by stopping herald and putting the copy in place of the database file.

On PostgreSQL the copy is an SQLite file holding the whole database, read in one
snapshot: what herald copy moves, nothing of PostgreSQL's own (roles, grants,
settings). Serve it with --db FILE, or restore it into a new, empty database
with "herald copy --from FILE --to postgres://...". For a large database, for
point-in-time recovery, or where a DBA keeps the backups, use pg_dump (or the
server's own backups) instead.`

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
	err = db.Backup(ctx, path)
	if errors.Is(err, errors.ErrUnsupported) {
		// PostgreSQL: an SQLite file, through the export herald copy uses.
		err = backupToSQLite(ctx, db, path, e)
	}
	if err != nil {
		return fail(e, errors.New(scrub(err.Error(), dbSecrets(c.db))))
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", showDB(c.db), path)
	return 0
}

// backupToSQLite copies db into a new SQLite file at path, which it removes
// again if the copy fails.
func backupToSQLite(ctx context.Context, db store.DB, path string, e *env) error {
	dst, err := store.Open(ctx, path, store.Options{Authority: db.Site().Authority})
	if err != nil {
		removeSQLite(path)
		return fmt.Errorf("backup to %s: %w", path, err)
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
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
