package main

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	var outputs []string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, noEnv, &out, &errOut); code != 0 {
			t.Fatalf("herald %s: exit %d: %s", args[0], code, errOut.String())
		}
		outputs = append(outputs, out.String())
	}
	// A test binary has no module version and no VCS stamp.
	want := "herald dev\ncommit unknown (built without VCS information)\n" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	for i, got := range outputs {
		if got != want {
			t.Errorf("output %d: got %q, want %q", i, got, want)
		}
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"version", "extra"}, noEnv, &bytes.Buffer{}, &errOut); code != 2 {
		t.Errorf("herald version extra: exit %d, want 2", code)
	}
}

func TestBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Path: "herald", Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-11-20T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	b := buildOf(stamped)
	if got, want := b.String(), "herald 1.2.3\ncommit 0123456789abcdef0123456789abcdef01234567 (2026-11-20T10:00:00Z, modified)\n"; !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want it to start %q", got, want)
	}
	if got, want := b.userAgent("https://newsroom.example/contact"), "herald/1.2.3 (+https://newsroom.example/contact)"; got != want {
		t.Errorf("User-Agent %q, want %q", got, want)
	}
	if got, want := buildOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}).userAgent(""), "herald/dev"; got != want {
		t.Errorf("User-Agent of a development build %q, want %q", got, want)
	}
}
