package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"net/url"
	"os"
	"strings"

	"herald/store"
)

const copyHelp = `Copy a whole herald database to a new, empty one, between the engines in either
direction (an SQLite file, a postgres:// URL) or within one: the site's identity
(the tag: URI authority), articles and their versions, tags and their rules,
tokens, subscribers and their usage, sources and their fetch state, WebSub
subscriptions, the change log and tombstones. Ids, article numbers and times are
kept, so every feed served from the copy (with the same --base-url) is the same,
byte for byte, as the source's.

The source is read in one snapshot; stop writers (herald serve, fetch, ingest)
first, or what they write meanwhile is not copied. The destination is written
in one transaction: a copy that fails leaves it empty. It must be empty: a new
file, or a new PostgreSQL database that no other herald command has opened
(they create the default tags). At the end the counts of each kind of record
are compared; any difference exits 1.`

func cmdCopy(ctx context.Context, e *env, args []string) int {
	var from, to string
	f := newFlags(e, "copy", "--from SRC --to DST", copyHelp)
	f.stringVar(&from, "from", "HERALD_COPY_FROM", "", "the database to copy: the path of an SQLite file, or a postgres:// URL")
	f.stringVar(&to, "to", "HERALD_COPY_TO", "", "the new database to copy it to: the path of an SQLite file (created), or a postgres:// URL of an empty database")
	if err := f.parseAll(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case f.NArg() > 0:
		fmt.Fprintf(e.stderr, "herald copy: unexpected argument %q\n", f.Arg(0))
		return 2
	case from == "" || to == "":
		fmt.Fprintln(e.stderr, "herald copy: --from and --to are required")
		f.Usage()
		return 2
	case from == to:
		fmt.Fprintln(e.stderr, "herald copy: --from and --to name the same database")
		return 2
	}
	secrets := append(dbSecrets(from), dbSecrets(to)...)
	failed := func(err error) int {
		return fail(e, errors.New(scrub(err.Error(), secrets)))
	}
	if !isPostgresURL(from) {
		// Opening a file that is not there would make an empty database.
		if _, err := os.Stat(from); err != nil {
			return failed(fmt.Errorf("--from %s: %w", from, err))
		}
	}
	src, err := store.Open(ctx, from, store.Options{})
	if err != nil {
		return failed(err)
	}
	defer src.Close()

	created := !isPostgresURL(to) && !exists(to)
	// Without seed tags: the copy brings the source's tags.
	dst, err := store.Open(ctx, to, store.Options{Authority: src.Site().Authority})
	if err != nil {
		if created {
			removeSQLite(to)
		}
		return failed(err)
	}
	want, got, err := copyDB(ctx, src, dst, e.stderr, "copy")
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", showDB(to), cerr)
	}
	if err != nil {
		note := showDB(to) + " is as it was"
		if created {
			removeSQLite(to)
			note = "removed " + to
		}
		return failed(fmt.Errorf("copy %s to %s: %w (%s)", showDB(from), showDB(to), err, note))
	}
	fmt.Fprintf(e.stdout, "copied %s to %s\n\n", showDB(from), showDB(to))
	if !printCounts(e.stdout, want, got) {
		fmt.Fprintln(e.stderr, "herald copy: the counts differ: the destination was written to during the copy?")
		return 1
	}
	return 0
}

// copyDB imports the export of src into dst, showing its progress on w
// (lines start with label), and returns the counts of each kind of record
// the export announced and those dst holds afterwards.
func copyDB(ctx context.Context, src, dst store.DB, w io.Writer, label string) (want, got map[string]int64, err error) {
	p := &copyProgress{w: w, tty: isTerminal(w), label: label}
	records := func(yield func(store.Record, error) bool) {
		for r, err := range src.Export(ctx) {
			if err == nil {
				if s, ok := r.(*store.SiteRecord); ok {
					want = maps.Clone(s.Counts)
					p.start(want)
				}
				p.step(r.Kind())
			}
			if !yield(r, err) {
				return
			}
		}
	}
	err = dst.Import(ctx, iter.Seq2[store.Record, error](records))
	p.done()
	if err != nil {
		return nil, nil, err
	}
	if got, err = dst.Counts(ctx); err != nil {
		return nil, nil, err
	}
	return want, got, nil
}

// copyProgress shows how far a copy is: a bar redrawn in place on a
// terminal, otherwise a line as each kind of record is read.
type copyProgress struct {
	w      io.Writer
	tty    bool
	label  string
	counts map[string]int64
	bar    *progress
	kind   string
	n, all int64 // records of kind so far, and of every kind
}

func (p *copyProgress) start(counts map[string]int64) {
	p.counts = counts
	var total int64
	for _, n := range counts {
		total += n
	}
	if p.tty {
		p.bar = &progress{w: p.w, total: int(total), tty: true}
	}
}

func (p *copyProgress) step(kind string) {
	if kind != p.kind {
		p.kindDone()
		p.kind, p.n = kind, 0
	}
	p.n++
	p.all++
	p.bar.step(int(p.all), kind)
}

// kindDone says, off a terminal, that every record of the kind was read.
func (p *copyProgress) kindDone() {
	if !p.tty && p.kind != "" && p.kind != "site" {
		fmt.Fprintf(p.w, "%s: %d %s\n", p.label, p.n, p.kind)
	}
}

func (p *copyProgress) done() {
	p.kindDone()
	p.kind = ""
	p.bar.done()
}

// printCounts writes the table of counts per kind, source and destination,
// and reports whether they are all equal.
func printCounts(w io.Writer, want, got map[string]int64) bool {
	same := true
	fmt.Fprintf(w, "%-14s %10s %12s\n", "records", "source", "destination")
	for _, k := range store.Kinds() {
		mark := ""
		if want[k] != got[k] {
			mark, same = "  differs", false
		}
		fmt.Fprintf(w, "%-14s %10d %12d%s\n", k, want[k], got[k], mark)
	}
	return same
}

// isPostgresURL reports whether the --db value dsn names a PostgreSQL
// database rather than an SQLite file (see store.Open).
func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// showDB returns the --db value dsn as it may be shown: a PostgreSQL URL
// with its password masked.
func showDB(dsn string) string {
	if !isPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		scheme, _, _ := strings.Cut(dsn, "://")
		return scheme + "://(a URL that does not parse)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// dbSecrets returns what of the --db value dsn must never be shown: a
// PostgreSQL URL's password, in the user info or as a parameter, as written
// and unescaped.
func dbSecrets(dsn string) []string {
	if !isPostgresURL(dsn) {
		return nil
	}
	var out []string
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				out = append(out, pw)
			}
		}
	}
	if u, err := url.Parse(dsn); err == nil {
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
		if pw := u.Query().Get("password"); pw != "" {
			out = append(out, pw, url.QueryEscape(pw))
		}
	}
	return out
}

// scrub masks every secret in msg.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// removeSQLite removes an SQLite file that this command created, with its
// write-ahead log.
func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}
