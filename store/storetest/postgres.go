package storetest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the variable that gives tests a PostgreSQL server: the
// URL of a database on it, as a role that may CREATE DATABASE, such as
// postgres://postgres@127.0.0.1:5432/postgres.
const PostgresEnv = "HERALD_TEST_POSTGRES"

// PostgresURL creates a fresh, empty PostgreSQL database for the test tb
// (herald_test_ and a random suffix) on the server that HERALD_TEST_POSTGRES
// names, drops it when the test ends, and returns its URL. Without
// HERALD_TEST_POSTGRES it skips the test on a developer's machine and fails
// it under CI (the variable CI set), where a PostgreSQL test must not
// silently not run.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	admin := PostgresServer(tb)
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s must be a postgres:// URL", PostgresEnv)
	}
	name := "herald_test_" + strings.ToLower(rand.Text())
	ident := pgx.Identifier{name}.Sanitize()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+ident+" ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a handle the test left open must not keep it.
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// PostgresServer returns HERALD_TEST_POSTGRES. Without it, it skips the
// test on a developer's machine and fails it under CI; a test that opens
// many databases calls it first, to skip once.
func PostgresServer(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set: under CI the PostgreSQL tests must run", PostgresEnv)
		}
		tb.Skipf("set %s=postgres://... to run the PostgreSQL tests (a server where they may CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres)", PostgresEnv)
	}
	return admin
}

// adminExec runs one statement on its own connection to the server's
// database that admin names.
func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
