package main

import (
	"context"
	"fmt"
)

func cmdBackup(ctx context.Context, e *env, args []string) int {
	var c config
	f := newFlags(e, "backup", "FILE", "Write a consistent copy of the database to FILE (which must not exist), safely\nwhile herald serve runs. Restore by stopping herald and putting the copy in\nplace of the database file.")
	c.common(f)
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	if f.NArg() != 1 {
		f.Usage()
		return 2
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	if err := db.Backup(ctx, f.Arg(0)); err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s\n", c.db, f.Arg(0))
	return 0
}
