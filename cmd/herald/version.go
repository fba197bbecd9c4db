package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// build is what the binary knows of how it was built, from the build
// information Go records in it (runtime/debug.ReadBuildInfo): the module
// version ("v1.2.3", or a pseudo-version) when built as a module, as by "go
// install herald@v1.2.3"; and the commit, its time and whether the tree had
// changes, when built in a Git checkout with VCS stamping on ("go build"
// does so by default; -buildvcs=false, or "go run", leaves them out).
type build struct {
	version  string // without the leading "v"; "dev" when unknown
	commit   string // "" when unknown
	time     string // of the commit, RFC 3339
	modified bool   // the tree had uncommitted changes
}

// readBuild reads the running binary's build information.
func readBuild() build {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return build{version: "dev"}
	}
	return buildOf(bi)
}

// buildOf reads what herald shows of bi.
func buildOf(bi *debug.BuildInfo) build {
	b := build{version: "dev"}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.version = strings.TrimPrefix(v, "v")
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// userAgent is what herald sends to the servers it fetches from and the
// WebSub callbacks it calls: "herald/1.2.3 (+https://contact.example)",
// the contact part only when there is one.
func (b build) userAgent(contactURL string) string {
	ua := "herald/" + b.version
	if contactURL != "" {
		ua += " (+" + contactURL + ")"
	}
	return ua
}

// String gives the answer to herald version.
func (b build) String() string {
	commit := "commit unknown (built without VCS information)"
	if b.commit != "" {
		commit = "commit " + b.commit
		var notes []string
		if b.time != "" {
			notes = append(notes, b.time)
		}
		if b.modified {
			notes = append(notes, "modified")
		}
		if len(notes) > 0 {
			commit += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	return fmt.Sprintf("herald %s\n%s\n%s %s/%s\n", b.version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// cmdVersion prints the version and commit herald was built from.
func cmdVersion(ctx context.Context, e *env, args []string) int {
	f := newFlags(e, "version", "", "Print the version and commit herald was built from, and the Go release that built it.")
	if err := f.parseAll(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if f.NArg() > 0 {
		fmt.Fprintf(e.stderr, "herald version: unexpected argument %q\n", f.Arg(0))
		return 2
	}
	fmt.Fprint(e.stdout, readBuild())
	return 0
}
