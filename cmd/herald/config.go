package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"herald/feed/rule"
	"herald/store"
)

// config holds the settings shared by subcommands.
type config struct {
	db       string
	addr     string
	baseURL  string
	timezone string
	title    string
	desc     string

	loc  *time.Location
	base *url.URL
}

// flags builds a subcommand's flag set. Each flag's default comes from its
// HERALD_* variable when that is set, and its help names the variable.
type flags struct {
	*flag.FlagSet
	env  *env
	args string // the positional arguments, for the usage line
	help string
	pos  []string
	bad  []string // HERALD_* values that are not of their flag's type
}

// parseAll parses flags wherever they stand among the positional arguments,
// so that "herald ingest notes/ --tag x" works; "--" ends the flags.
func (f *flags) parseAll(args []string) error {
	for _, msg := range f.bad {
		fmt.Fprintf(f.Output(), "%s: %s\n", f.Name(), msg)
	}
	if len(f.bad) > 0 {
		return errors.New(f.bad[0])
	}
	f.pos = nil
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			return err
		}
		rest := f.FlagSet.Args()
		if len(rest) == 0 {
			return nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			f.pos = append(f.pos, rest...)
			return nil
		}
		f.pos = append(f.pos, rest[0])
		args = rest[1:]
	}
}

// subcommand splits the positional arguments into a subcommand (def when
// none is given) and its arguments, and checks them against arity, which
// gives each subcommand's least and most arguments. When they do not fit it
// prints the usage and returns ok false.
func (f *flags) subcommand(def string, arity map[string][2]int) (sub string, rest []string, ok bool) {
	sub = f.Arg(0)
	if sub == "" {
		sub = def
	}
	rest = f.Args()[min(1, f.NArg()):]
	n, known := arity[sub]
	switch {
	case !known:
		fmt.Fprintf(f.Output(), "%s: unknown command %q\n\n", f.Name(), sub)
	case len(rest) < n[0]:
		fmt.Fprintf(f.Output(), "%s %s: missing argument\n\n", f.Name(), sub)
	case len(rest) > n[1]:
		fmt.Fprintf(f.Output(), "%s %s: unexpected argument %q\n\n", f.Name(), sub, rest[n[1]])
	default:
		return sub, rest, true
	}
	f.Usage()
	return sub, rest, false
}

// Args, Arg and NArg give the positional arguments parseAll found.
func (f *flags) Args() []string { return f.pos }
func (f *flags) NArg() int      { return len(f.pos) }
func (f *flags) Arg(i int) string {
	if i < len(f.pos) {
		return f.pos[i]
	}
	return ""
}

func newFlags(e *env, name, args, help string) *flags {
	fs := flag.NewFlagSet("herald "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &flags{FlagSet: fs, env: e, args: args, help: help}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: herald %s [flags] %s\n\n%s\n\nFlags:\n", name, args, help)
		fs.PrintDefaults()
	}
	return f
}

func (f *flags) stringVar(p *string, name, envName, def, usage string) {
	if v := f.env.getenv(envName); v != "" {
		def = v
	}
	f.StringVar(p, name, def, usage+" (env "+envName+")")
}

func (f *flags) boolVar(p *bool, name, envName string, def bool, usage string) {
	if v := f.env.getenv(envName); v != "" {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	f.BoolVar(p, name, def, usage+" (env "+envName+")")
}

func (f *flags) intVar(p *int, name, envName string, def int, usage string) {
	if v := f.env.getenv(envName); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.bad = append(f.bad, fmt.Sprintf("%s=%q is not a whole number", envName, v))
		}
		def = n
	}
	f.IntVar(p, name, def, usage+" (env "+envName+")")
}

func (f *flags) durationVar(p *time.Duration, name, envName string, def time.Duration, usage string) {
	if v := f.env.getenv(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.bad = append(f.bad, fmt.Sprintf("%s=%q is not a duration such as 30s", envName, v))
		}
		def = d
	}
	f.DurationVar(p, name, def, usage+" (env "+envName+")")
}

// common registers the flags every command that opens the database shares.
func (c *config) common(f *flags) {
	f.stringVar(&c.db, "db", "HERALD_DB", "herald.db", "path of the SQLite database file, or a postgres:// URL")
	f.stringVar(&c.timezone, "timezone", "HERALD_TIMEZONE", "UTC", "the newsroom's time zone (IANA name), for date-only values")
	f.stringVar(&c.baseURL, "base-url", "HERALD_BASE_URL", "", "public URL used in every absolute link (default http://ADDR); set it before the first run: its host becomes the authority of every id")
}

// parse parses args and checks the common values; it returns the exit code
// to stop with, or -1 to go on.
func (c *config) parse(f *flags, args []string) int {
	if err := f.parseAll(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	loc, err := time.LoadLocation(c.timezone)
	if err != nil {
		fmt.Fprintf(f.env.stderr, "herald: --timezone %q: %v\n", c.timezone, err)
		return 2
	}
	c.loc = loc
	raw := c.baseURL
	if raw == "" {
		addr := c.addr
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		host, port, err := net.SplitHostPort(addr)
		if err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
			addr = net.JoinHostPort("localhost", port)
		}
		raw = "http://" + addr
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(f.env.stderr, "herald: --base-url %q must be an absolute http or https URL\n", raw)
		return 2
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c.base = u
	return -1
}

// open opens the database, creating it with the default tag rules.
func (c *config) open(ctx context.Context) (store.DB, error) {
	return store.Open(ctx, c.db, store.Options{Authority: c.base.Hostname(), SeedTags: rule.Defaults()})
}

// newLogger logs text to a terminal and JSON otherwise.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	opt := &slog.HandlerOptions{Level: level}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opt))
	}
	return slog.New(slog.NewJSONHandler(w, opt))
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// fail prints an error the way every subcommand does and returns exit code 1.
func fail(e *env, err error) int {
	fmt.Fprintf(e.stderr, "herald: %v\n", err)
	return 1
}
