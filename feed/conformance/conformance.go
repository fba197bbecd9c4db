// Package conformance runs third-party validators and feed readers over
// herald's feeds, for tests: jing with RFC 4287's Atom grammar, Python's
// feedparser, newsboat, and ajv with the JSON Feed 1.1 schema.
//
// Each check exists twice: CheckX returns an error, so that tests can show
// the validator rejecting a broken document, and X takes a testing.TB and
// fails the test. When a tool is not installed, X skips the test, naming the
// package to install, unless the environment variable CI is set: CI installs
// every tool, so there a missing one fails the test (and .ci/run fails on any
// skip at all).
//
// Because a skip ends the test it is called in, call each X in a subtest of
// its own, named after the feed and the tool, so that a missing tool skips
// that one check and nothing else:
//
//	t.Run("feed.atom/jing", func(t *testing.T) { conformance.Atom(t, body) })
package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// timeout bounds one check: each starts a JVM, Python or Node, or fetches
// over loopback, which take seconds at most.
const timeout = 2 * time.Minute

// A MissingError says that a validator is not installed.
type MissingError struct {
	Tool    string // what was looked for
	Install string // how to get it
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s not found: %s", e.Tool, e.Install)
}

// report fails t with err, or skips it when err is a *MissingError and the
// environment variable CI is empty.
func report(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var missing *MissingError
	if errors.As(err, &missing) {
		if os.Getenv("CI") == "" {
			t.Skipf("skipped: %v", err)
			return
		}
		t.Fatalf("%v (CI must install it)", err)
		return
	}
	t.Fatal(err)
}

// checkContext returns the context for one check run by a test.
func checkContext(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), timeout)
}

// lookPath finds a program on PATH, or returns a *MissingError saying how
// to install it.
func lookPath(name, install string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", &MissingError{Tool: name, Install: install}
	}
	return p, nil
}

// run runs a program in dir and returns what it printed on stdout and
// stderr, and its exit code. An error means it could not be run at all or
// was stopped by ctx.
func run(ctx context.Context, dir string, env []string, name string, args ...string) (stdout, stderr []byte, code int, err error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && ctx.Err() == nil {
		return out.Bytes(), errOut.Bytes(), exit.ExitCode(), nil
	}
	if err != nil {
		return out.Bytes(), errOut.Bytes(), -1, fmt.Errorf("%s: %w (stderr: %s)", name, err, bytes.TrimSpace(errOut.Bytes()))
	}
	return out.Bytes(), errOut.Bytes(), 0, nil
}

// writeTemp writes doc into a new temporary directory as name and returns
// the directory, which the caller removes.
func writeTemp(name string, doc []byte) (string, error) {
	dir, err := os.MkdirTemp("", "conformance-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name), doc, 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// repoRoot returns the directory holding go.mod, the nearest one up from the
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Rejects fails t unless err is a validator's verdict against a document:
// it is for tests that show a check catching a broken document. A nil err
// fails t; a *MissingError skips it, or fails it when CI is set.
func Rejects(t testing.TB, err error) {
	t.Helper()
	var missing *MissingError
	switch {
	case err == nil:
		t.Fatal("the validator accepted a broken document")
	case errors.As(err, &missing):
		report(t, err)
	default:
		t.Logf("rejected as expected: %v", err)
	}
}
