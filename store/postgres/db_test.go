package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/postgres"
	"herald/store/storetest"
)

// TestMigrateOnce starts instances at once on a new database: one applies
// the migrations and creates the site and the seed tags, the others wait
// and find it done. Then a release with one more migration starts at once
// in several instances: it is applied once (its CREATE TABLE would fail a
// second time).
func TestMigrateOnce(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	seed := []feed.Tag{{Slug: "one", Name: "One"}, {Slug: "two", Name: "Two"}}
	start := func(fsys fs.FS) []*postgres.DB {
		t.Helper()
		const n = 5
		dbs, errs := make([]*postgres.DB, n), make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				dbs[i], errs[i] = postgres.OpenFS(ctx, u, postgres.Options{Authority: fmt.Sprintf("i%d.example.org", i), SeedTags: seed}, fsys)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
			t.Cleanup(func() { dbs[i].Close() })
		}
		return dbs
	}
	dbs := start(postgres.Migrations)
	site := dbs[0].Site()
	for i, db := range dbs {
		if db.Site() != site {
			t.Errorf("instance %d: site %+v, want the one site %+v", i, db.Site(), site)
		}
	}
	if tags, err := dbs[0].Tags(ctx); err != nil || len(tags) != len(seed) {
		t.Errorf("seed tags: got %+v, %v; want each once", tags, err)
	}

	// The shipped migrations and one more, numbered after any to come.
	next := fstest.MapFS{"migrations/9999_next.sql": {Data: []byte("CREATE TABLE next_release (id bigint PRIMARY KEY);")}}
	var want []string
	err := fs.WalkDir(postgres.Migrations, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n, _ := strconv.Atoi(d.Name()[:4])
		want = append(want, strconv.Itoa(n)+" "+d.Name())
		b, err := fs.ReadFile(postgres.Migrations, path)
		next[path] = &fstest.MapFile{Data: b}
		return err
	})
	want = append(want, "9999 9999_next.sql")
	if err != nil {
		t.Fatal(err)
	}
	dbs = start(next)
	rows, err := dbs[0].Pool().Query(ctx, `SELECT version || ' ' || name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var applied []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, s)
	}
	if !slices.Equal(applied, want) {
		t.Errorf("applied: got %q, want %q", applied, want)
	}
}

// TestOpenErrorsHideThePassword opens databases that fail, with a password
// in the URL, through store.Open as --db does: the password must not show in
// the error.
func TestOpenErrorsHideThePassword(t *testing.T) {
	admin, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s3cret-Pa55word"
	withPassword := func(path, query string) string {
		u := *admin
		u.User = url.UserPassword(u.User.Username(), secret)
		u.Path, u.RawQuery = path, query
		return u.String()
	}
	tests := []struct{ name, url string }{
		{"no such database", withPassword("/herald_no_such_database", "")},
		{"nothing listening", strings.Replace(withPassword("/x", ""), admin.Host, "127.0.0.1:1", 1)},
		{"bad port", "postgres://herald:" + secret + "@127.0.0.1:port/x"},
		{"unescaped @ and :", "postgres://herald:" + secret + "@x:y@127.0.0.1:port/x"},
		{"bad parameter", withPassword("/x", "sslmode=sideways")},
		{"password parameter", strings.Replace(admin.String(), admin.Path, "/herald_no_such_database?password="+secret, 1)},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		db, err := store.Open(ctx, tt.url, store.Options{})
		cancel()
		if err == nil {
			db.Close()
			t.Errorf("%s: opened %s", tt.name, tt.url)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the password: %v", tt.name, err)
		}
	}
}

// TestOpenOptions checks that pool size and statement timeout, from the
// options or the URL, reach the connections.
func TestOpenOptions(t *testing.T) {
	ctx := context.Background()
	u := storetest.PostgresURL(t)
	db := openURL(t, u, postgres.Options{MaxConns: 3, StatementTimeout: 1500 * time.Millisecond})
	var timeout string
	if err := db.Pool().QueryRow(ctx, "SHOW statement_timeout").Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if max := db.Pool().Config().MaxConns; timeout != "1500ms" || max != 3 {
		t.Errorf("options: got statement_timeout %s and %d connections, want 1500ms and 3", timeout, max)
	}

	sdb, err := store.Open(ctx, u+"?pool_max_conns=5&statement_timeout=2000", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	pdb, ok := sdb.(*postgres.DB)
	if !ok {
		t.Fatalf("store.Open of a postgres:// URL gave a %T", sdb)
	}
	if err := pdb.Pool().QueryRow(ctx, "SHOW statement_timeout").Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if max := pdb.Pool().Config().MaxConns; timeout != "2s" || max != 5 {
		t.Errorf("URL parameters: got statement_timeout %s and %d connections, want 2s and 5", timeout, max)
	}
	if _, err := pdb.Pool().Exec(ctx, "SELECT pg_sleep(3)"); err == nil {
		t.Error("a statement outlived statement_timeout")
	}
}

func TestBackupNotYet(t *testing.T) {
	db, _, _ := openTest(t)
	err := db.Backup(context.Background(), t.TempDir()+"/copy")
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "not supported on PostgreSQL yet") {
		t.Errorf("got %v, want not supported yet", err)
	}
}

// TestNULIsInvalid: PostgreSQL's text cannot hold a NUL, which feed's
// validation lets through (SQLite stores it): the caller is told that its
// input is bad, not that the store failed.
func TestNULIsInvalid(t *testing.T) {
	db, _, _ := openTest(t)
	a := storetest.Article("a1", "Title with a \x00 in it")
	if _, err := db.UpsertArticle(context.Background(), &a); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("got %v, want feed.ErrInvalid", err)
	}
}
