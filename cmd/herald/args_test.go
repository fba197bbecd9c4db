package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestHoistCommand(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"tags"}, []string{"tags"}},
		{[]string{"--db", "x.db", "tags"}, []string{"tags", "--db", "x.db"}},
		{[]string{"--db=x.db", "tags", "list"}, []string{"tags", "--db=x.db", "list"}},
		{[]string{"-db", "x.db", "--timezone", "Asia/Tokyo", "ingest", "a.txt"}, []string{"ingest", "-db", "x.db", "--timezone", "Asia/Tokyo", "a.txt"}},
		{[]string{"--demo", "serve"}, []string{"serve", "--demo"}},
		// The word after a flag that takes a value is that value, even
		// when it is a command's name.
		{[]string{"--title", "serve", "serve"}, []string{"serve", "--title", "serve"}},
		{[]string{"--db", "x.db"}, []string{"--db", "x.db"}},
	} {
		if got := hoistCommand(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("hoistCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGlobalFlagsBeforeCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "herald.db")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--db", db, "tags"}, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("herald --db DB tags: exit %d, stderr %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "cyber-diplomacy") {
		t.Errorf("herald --db DB tags printed no tag list:\n%s", out.String())
	}
}

func TestUnknownSubcommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "herald.db")
	for _, args := range [][]string{
		{"tags", "--db", db, "nosuch"},
		{"token", "--db", db, "nosuch"},
		{"source", "--db", db, "nosuch"},
		{"subscriber", "--db", db, "nosuch"},
		{"hub", "--db", db, "nosuch"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, noEnv, &out, &errOut)
		if code != 2 {
			t.Errorf("herald %s: exit %d, want 2", strings.Join(args, " "), code)
		}
		if want := `unknown command "nosuch"`; !strings.Contains(errOut.String(), want) {
			t.Errorf("herald %s: stderr does not say %s:\n%s", strings.Join(args, " "), want, errOut.String())
		}
	}
}
