package conformance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Newsboat fails t unless newsboat, a terminal feed reader, fetches feedURL
// (an RSS or Atom feed served over HTTP, e.g. by httptest.NewServer) without
// logging an error and finds wantItems items in it.
func Newsboat(t testing.TB, feedURL string, wantItems int) {
	t.Helper()
	ctx, cancel := checkContext(t)
	defer cancel()
	report(t, CheckNewsboat(ctx, feedURL, wantItems))
}

var unreadLine = regexp.MustCompile(`(?m)^(\d+) unread articles?$`)

// CheckNewsboat runs newsboat without its interface ("-x reload
// print-unread") on feedURL, with its own home, configuration, URL list and
// cache in a temporary directory. The error quotes newsboat's error log, or
// says how many items it found instead of wantItems, or is a *MissingError
// when newsboat is not installed.
func CheckNewsboat(ctx context.Context, feedURL string, wantItems int) error {
	newsboat, err := lookPath("newsboat", "install Debian package newsboat")
	if err != nil {
		return err
	}
	dir, err := writeTemp("urls", []byte(feedURL+"\n"))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	home := filepath.Join(dir, "home")
	errLog := filepath.Join(dir, "error.log")
	config := fmt.Sprintf("error-log %q\nreload-threads 1\n", errLog)
	if err := os.Mkdir(home, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o644); err != nil {
		return err
	}
	stdout, stderr, code, err := run(ctx, dir, newsboatEnv(home), newsboat,
		"-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload", "print-unread")
	if err != nil {
		return err
	}
	logged, err := os.ReadFile(errLog)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if code != 0 || len(bytes.TrimSpace(logged)) > 0 {
		return fmt.Errorf("newsboat %s: exit %d: %s%s", feedURL, code, logged, stderr)
	}
	m := unreadLine.FindSubmatch(stdout)
	if m == nil {
		return fmt.Errorf("newsboat %s: no count of unread articles in its output: %q", feedURL, stdout)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != wantItems {
		return fmt.Errorf("newsboat %s: got %d items, want %d", feedURL, n, wantItems)
	}
	return nil
}

// newsboatEnv is the environment for newsboat: the test's, with home and
// the XDG directories in home, a UTF-8 locale, and no proxy, which would
// not reach a loopback server.
func newsboatEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "HOME", name == "LANG", strings.HasPrefix(name, "LC_"), strings.HasPrefix(name, "XDG_"),
			strings.HasSuffix(strings.ToLower(name), "_proxy"):
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"LC_ALL=C.UTF-8",
	)
}
