package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  string
	}{
		{"64MiB", 64 << 20, ""},
		{"64 mib", 64 << 20, ""},
		{"1GiB", 1 << 30, ""},
		{"512KiB", 512 << 10, ""},
		{"100MB", 100_000_000, ""},
		{"2097152", 2 << 20, ""},
		{"3B", 3, ""},
		{"", 0, "want a whole number"},
		{"MiB", 0, "want a whole number"},
		{"-1MiB", 0, "want a whole number"},
		{"1.5GiB", 0, `unknown unit ".5GiB"`},
		{"64 megabytes", 0, `unknown unit "megabytes"`},
		{"9999999999GiB", 0, "too large"},
	} {
		got, err := parseSize(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("parseSize(%q) = %d, %v; want %d, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestServeCacheSizeRefused checks that serve refuses a --cache-size, or a
// HERALD_CACHE_SIZE, that is not a size of 1MiB or more, before it listens.
func TestServeCacheSizeRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "herald.db")
	for _, tt := range []struct {
		args []string
		env  string
	}{
		{[]string{"--cache-size", "lots"}, ""},
		{[]string{"--cache-size", "512KiB"}, ""},
		{nil, "0"},
	} {
		getenv := func(name string) string {
			if name == "HERALD_CACHE_SIZE" {
				return tt.env
			}
			return ""
		}
		var out, errOut bytes.Buffer
		args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...)
		if code := run(context.Background(), args, getenv, &out, &errOut); code != 2 ||
			!strings.Contains(errOut.String(), "--cache-size") || !strings.Contains(errOut.String(), "want a size of 1MiB or more") {
			t.Errorf("serve %q, HERALD_CACHE_SIZE=%q: exit %d, stderr %s; want 2 and the flag named", tt.args, tt.env, code, errOut.String())
		}
	}
}
