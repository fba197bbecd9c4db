// Command herald publishes a newsroom's articles as tagged RSS, Atom and
// JSON feeds, with the pages their items link to. Run "herald help" for the
// subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // --stats-timezone names zones on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// A command is one subcommand: its name, a line of help, and its body, which
// returns the process exit code.
type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "serve feeds, pages and the API over HTTP", cmdServe},
		{"ingest", "read article files (plain text, Markdown, JSON) into the database", cmdIngest},
		{"tags", "list, show, create, rename, describe tags; set, preview and apply their rules", cmdTags},
		{"token", "create, list and revoke API tokens", cmdToken},
		{"source", "add, list, show, enable, disable, remove, import and export external feeds", cmdSource},
		{"fetch", "fetch the external feeds once, now", cmdFetch},
		{"subscriber", "manage subscriber and partner feed tokens and their plans", cmdSubscriber},
		{"hub", "list the WebSub hub's subscriptions and their delivery logs", cmdHub},
		{"stats", "print the feeds' readership: polls, 304s, bytes, pollers and readers per day", cmdStats},
		{"backup", "write a consistent copy of the database", cmdBackup},
		{"restore", "put a backup in place of the database", cmdRestore},
		{"copy", "copy a whole database to a new one, between SQLite and PostgreSQL either way", cmdCopy},
		{"version", "print the version and commit herald was built from", cmdVersion},
	}
}

// env is what every subcommand gets from the process.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// run is the whole program, minus the process: tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, getenv, stdout, stderr)
		}
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	args = hoistCommand(args)
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "herald: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// boolFlags are the flags of any command that take no value, so that
// hoistCommand does not take the word after one for its value.
var boolFlags = map[string]bool{
	"demo": true, "hub": true, "poll": true, "allow-private-sources": true, "allow-private-callbacks": true,
	"due": true, "categories": true, "attribution": true, "create-tags": true, "dry-run": true,
	"early-access": true, "purge": true, "h": true, "help": true,
}

// hoistCommand moves flags given before the command to after it, so that
// "herald --db x.db tags" is "herald tags --db x.db". args that do not start
// with a flag are returned as they are; so are flags followed by no command.
func hoistCommand(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args
		}
		if !strings.HasPrefix(a, "-") {
			out := make([]string, 0, len(args))
			out = append(out, a)
			out = append(out, args[:i]...)
			return append(out, args[i+1:]...)
		}
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && !boolFlags[name] {
			i++ // the flag's value
		}
	}
	return args
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "herald publishes a newsroom's articles as tagged RSS, Atom and JSON feeds.")
	fmt.Fprintln(w, "\nUsage: herald <command> [flags] [args]\n\nCommands:")
	var tab table
	for _, c := range commands() {
		tab.row("  "+c.name, c.summary)
	}
	tab.write(w)
	fmt.Fprintln(w, "\nRun \"herald <command> --help\" for a command's flags. The settings of the service")
	fmt.Fprintln(w, "(--db, --addr, --base-url, --title, ...) can also be set by the environment variable")
	fmt.Fprintln(w, "named in their help, e.g. HERALD_DB; a flag on the command line wins. Per-call flags")
	fmt.Fprintln(w, "(ingest --tag, tags --dry-run, subscriber --plan, ...) have no variable.")
}
