package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/store"
	"herald/store/storetest"
)

// copyBase is the --base-url of every server in the copy tests: the same
// for the source and its copies, as the README asks.
const copyBase = "http://news.example.test"

// serveDB runs herald serve on the database db, on a loopback port, with
// --base-url copyBase and extra flags, until stop is called or the test
// ends. Its base is the address it listens on, which requests go to.
func serveDB(t *testing.T, db string, extra ...string) (s *server, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s = &server{db: db, done: make(chan int, 1), stop: cancel}
	pr, pw := io.Pipe()
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--base-url", copyBase, "--stale-after", "1ns"}, extra...)
	go func() {
		code := run(ctx, args, noEnv, io.Discard, pw)
		pw.Close()
		s.done <- code
	}()
	// The logs (JSON: stderr is no terminal) name the address bound.
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			s.base = "http://" + line.Addr
			break
		}
	}
	if s.base == "" {
		cancel()
		t.Fatalf("serve --db %s did not start: exit %d", showDB(db), <-s.done)
	}
	go io.Copy(io.Discard, pr)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if code := <-s.done; code != 0 {
				t.Errorf("serve --db %s exited with %d, want 0", showDB(db), code)
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

// runHerald runs a command of herald and returns its exit code and output.
func runHerald(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, noEnv, &out, &errOut)
	return code, out.String(), errOut.String()
}

// fillThroughCLI writes a database through herald's commands and API, as a
// newsroom would, on the server s (SQLite): articles over two archive
// pages, tagged by hand and by rules, some edited (versions) and some
// deleted (tombstones); tags with a rule and a rename; API tokens, one
// revoked; subscribers with usage, one revoked; sources fetched from a
// loopback feed server, one removed; a WebSub subscription with its log.
// It returns the subscribers' tokens, the live one first.
func fillThroughCLI(t *testing.T, s *server) (apiToken string, subscriberTokens []string) {
	t.Helper()
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := s.herald(t, args...)
		if code != 0 {
			t.Fatalf("herald %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return strings.TrimSpace(out)
	}
	apiToken = must("token", "create", "newsroom")
	must("token", "create", "retired")
	must("token", "revoke", "retired")
	must("tags", "create", "Energy Grid", "--slug", "energy", "--description", "Power and the grid.", "--rule", "grid OR power")
	must("tags", "create", "Water")

	// 300 articles in one JSON file: over two archive pages (250 each).
	var arts []map[string]any
	for i := range 300 {
		a := map[string]any{
			"id":        fmt.Sprintf("brief-%03d", i),
			"title":     fmt.Sprintf("Grid operators brief %d", i),
			"summary":   fmt.Sprintf("Summary %d: utilities & regulators.", i),
			"content":   fmt.Sprintf("<p>Body %d on critical infrastructure and the power grid.</p>", i),
			"authors":   []string{"Ana Reporter"},
			"published": time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
		}
		switch i % 3 {
		case 0:
			a["tags"] = []string{"water"}
		case 1:
			a["title"], a["language"] = fmt.Sprintf("サイバー攻撃に関する報告 %d", i), "ja"
			a["content"] = "<p>サイバーセキュリティ政策と外交。</p>"
		}
		arts = append(arts, a)
	}
	b, err := json.Marshal(arts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "briefs.json", string(b))
	must("ingest", dir)

	// Edits (two versions kept), deletions, a rename.
	for i, title := range []string{"Grid operators brief 5, corrected", "Grid operators brief 5, corrected again"} {
		body := fmt.Sprintf(`{"title":%q,"content":"<p>Edit %d.</p>","published":"2026-10-01T14:00:00Z","tags":["water"]}`, title, i)
		if resp, out := s.do(t, "PUT", "/api/articles/brief-005", apiToken, body); resp.StatusCode != 200 {
			t.Fatalf("PUT brief-005: %d %s", resp.StatusCode, out)
		}
	}
	for _, id := range []string{"brief-000", "brief-007", "brief-299"} {
		if resp, out := s.do(t, "DELETE", "/api/articles/"+id, apiToken, ""); resp.StatusCode != 204 {
			t.Fatalf("DELETE %s: %d %s", id, resp.StatusCode, out)
		}
	}
	must("tags", "rename", "water", "water-utilities")

	// Subscribers, their feeds read (usage), one revoked.
	partner := must("subscriber", "add", "partner", "--plan", "full", "--tags", "energy", "--rate", "600/min")
	gone := must("subscriber", "add", "gone", "--plan", "summary")
	must("subscriber", "revoke", "gone")
	var etag string
	for i := range 3 {
		h := []string{"User-Agent", fmt.Sprintf("Reader/%d", i%2)}
		if etag != "" {
			h = append(h, "If-None-Match", etag)
		}
		resp, _ := s.do(t, "GET", "/s/"+partner+"/tags/energy/feed.atom", "", "", h...)
		etag = resp.Header.Get("ETag")
	}

	// Sources from a loopback feed server, fetched; the last one removed
	// (its articles stay).
	feeds := newFeedServer(t, map[string]served{
		"/state/rss": {readFixture(t, "rss2.xml"), "application/rss+xml"},
		"/cisa/atom": {readFixture(t, "atom.xml"), "application/atom+xml"},
		"/gone/rss":  {readFixture(t, "rss2.xml"), "application/rss+xml"},
	})
	must("source", "add", feeds.URL+"/state/rss", "--allow-private-sources", "--name", "State", "--tag", "external", "--categories", "--create-tags")
	must("source", "add", feeds.URL+"/cisa/atom", "--allow-private-sources", "--tag", "external", "--every", "2h")
	must("source", "add", feeds.URL+"/gone/rss", "--allow-private-sources", "--name", "Gone")
	must("fetch", "--allow-private-sources")
	must("fetch", "--allow-private-sources", "--source", "1") // a 304
	must("source", "remove", "3")

	// A WebSub subscription, verified, and a delivery after a change.
	sink := newPushSink(t, 0)
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {copyBase + "/tags/energy/feed.atom"},
		"hub.callback": {sink.url + "/cb"}, "hub.secret": {"a-shared-secret"}}
	if resp, out := s.do(t, "POST", "/websub", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 202 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, out)
	}
	waitFor(t, "the subscription", func() bool { return strings.Contains(must("hub", "list"), "verify") })
	body := `{"title":"A new grid security directive","content":"<p>Power.</p>","published":"2026-11-20T09:00:00Z"}`
	if resp, out := s.do(t, "PUT", "/api/articles/directive", apiToken, body); resp.StatusCode != 201 {
		t.Fatalf("PUT directive: %d %s", resp.StatusCode, out)
	}
	waitFor(t, "the push", func() bool { return strings.Contains(must("hub", "list"), "content  attempt") })
	return apiToken, []string{partner, gone}
}

// waitFor waits up to a minute for done.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	for waited := time.Duration(0); !done(); waited += 20 * time.Millisecond {
		if waited > time.Minute {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An exchange is what a server answered to one request, as a reader sees
// it.
type exchange struct {
	status                            int
	etag, contentType, location, link string
	body                              []byte
}

// readEverything makes the requests of every feed and list a reader or a
// poller of s would: the site's, every tag's (and a renamed tag's old
// slug), archives, searches, subscribers' token feeds, the API's change log
// and article pages in changed order, walked to the end. It returns the
// answers by request.
func readEverything(t *testing.T, s *server, apiToken string, tokens []string) (paths []string, got map[string]exchange) {
	t.Helper()
	got = map[string]exchange{}
	get := func(path, token string) exchange {
		t.Helper()
		resp, body := s.do(t, "GET", path, token, "")
		x := exchange{status: resp.StatusCode, etag: resp.Header.Get("ETag"), contentType: resp.Header.Get("Content-Type"),
			location: resp.Header.Get("Location"), link: resp.Header.Get("Link"), body: body}
		key := path
		if token != "" {
			key += " (with the API token)"
		}
		paths = append(paths, key)
		got[key] = x
		return x
	}
	for _, ext := range []string{"atom", "rss", "json"} {
		get("/feed."+ext, "")
		get("/archive/current."+ext, "")
		for n := 1; n <= 3; n++ {
			get(fmt.Sprintf("/archive/%d.%s", n, ext), "")
		}
		get("/search/feed."+ext+"?q=grid", "")
		get("/search/feed."+ext+"?q="+url.QueryEscape("サイバー"), "")
		for _, tok := range tokens {
			get("/s/"+tok+"/feed."+ext, "")
			get("/s/"+tok+"/tags/energy/feed."+ext, "")
			get("/s/"+tok+"/search/feed."+ext+"?q=grid", "")
		}
	}
	get("/feed.atom?limit=7&page=3", "")
	get("/feeds.opml", "")
	get("/tags/water/feed.atom", "") // renamed: a redirect
	var tags struct {
		Tags []struct{ Slug string } `json:"tags"`
	}
	if err := json.Unmarshal(get("/api/tags", "").body, &tags); err != nil || len(tags.Tags) == 0 {
		t.Fatalf("GET /api/tags: %v", err)
	}
	for _, tag := range tags.Tags {
		for _, ext := range []string{"atom", "rss", "json"} {
			get("/tags/"+tag.Slug+"/feed."+ext, "")
			get("/tags/"+tag.Slug+"/archive/current."+ext, "")
		}
		get("/tags/"+tag.Slug+"/archive/1.atom", "")
		get("/tags/"+tag.Slug+"/feed.atom?origin=external", "")
	}
	get("/s/"+tokens[0]+"/archive/current.atom", "")
	for _, list := range []string{"/api/changes?limit=40", "/api/articles?order=changed&limit=40"} {
		for path, pages := list, 0; ; pages++ {
			x := get(path, "")
			var page struct {
				NextCursor string `json:"next_cursor"`
				HasMore    bool   `json:"has_more"`
			}
			if err := json.Unmarshal(x.body, &page); err != nil || x.status != 200 {
				t.Fatalf("GET %s: %d %v", path, x.status, err)
			}
			if !page.HasMore {
				break
			}
			if pages > 100 {
				t.Fatalf("%s does not end", list)
			}
			path = list + "&cursor=" + url.QueryEscape(page.NextCursor)
		}
	}
	for _, path := range []string{"/api/articles/brief-005/versions", "/api/articles/brief-005", "/articles/brief-005",
		"/api/articles?order=published&limit=500", "/api/articles?q=grid&order=changed&limit=10", "/tags/energy", "/"} {
		get(path, "")
	}
	// Not the API's ranked search: its cursors hold the engine's score.
	get("/api/sources", apiToken)
	return paths, got
}

// TestCopyServesTheSameFeeds fills an SQLite database through herald's
// commands and API, copies it to PostgreSQL and from there to a second
// SQLite file, serves the three with the same --base-url, and compares
// every feed and list they serve: status, ETag, headers and bytes. The
// three hold the same records, too.
func TestCopyServesTheSameFeeds(t *testing.T) {
	pg := storetest.PostgresURL(t)
	src, stop := serveDB(t, filepath.Join(t.TempDir(), "herald.db"), "--poll=false", "--allow-private-callbacks", "--hub-check-every", "50ms")
	apiToken, tokens := fillThroughCLI(t, src)
	stop() // stores the subscribers' usage

	// A password in the URL (the test server trusts loopback, so any will
	// do) must never be shown.
	u, err := url.Parse(pg)
	if err != nil {
		t.Fatal(err)
	}
	const password = "pw-Do-Not-Show-7f3a"
	u.User = url.UserPassword(u.User.Username(), password)
	pg = u.String()
	second := filepath.Join(t.TempDir(), "copy.db")
	for _, c := range [][2]string{{src.db, pg}, {pg, second}} {
		code, out, errOut := runHerald("copy", "--from", c[0], "--to", c[1])
		if code != 0 {
			t.Fatalf("copy --from %s --to %s: exit %d\n%s%s", showDB(c[0]), showDB(c[1]), code, out, errOut)
		}
		if strings.Contains(out+errOut, password) {
			t.Errorf("copy showed the password:\n%s%s", out, errOut)
		}
		for _, want := range []string{"copied " + showDB(c[0]) + " to " + showDB(c[1]), "articles", "tombstones", "deliveries"} {
			if !strings.Contains(out, want) {
				t.Errorf("copy's output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "differs") {
			t.Errorf("copy's counts differ:\n%s", out)
		}
	}

	// The three hold the same records.
	ctx := context.Background()
	var records [][]string
	var counts []map[string]int64
	for _, dsn := range []string{src.db, pg, second} {
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, storetest.Records(t, db))
		n, err := db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
		db.Close()
	}
	if counts[0]["articles"] < 300 || counts[0]["versions"] != 2 || counts[0]["tombstones"] != 3 || counts[0]["deliveries"] < 2 {
		t.Errorf("the source holds %v; want the test's writes", counts[0])
	}
	for i, name := range []string{"", "the PostgreSQL copy", "the SQLite copy of it"} {
		if i == 0 {
			continue
		}
		if !maps.Equal(counts[i], counts[0]) {
			t.Errorf("counts of %s: got %v, want %v", name, counts[i], counts[0])
		}
		if !slices.Equal(records[i], records[0]) {
			t.Errorf("the records of %s differ from the source's", name)
		}
	}

	// Served with the same --base-url, they answer alike.
	var answers []map[string]exchange
	var paths []string
	for _, dsn := range []string{src.db, pg, second} {
		s, stop := serveDB(t, dsn, "--poll=false", "--hub=false")
		p, got := readEverything(t, s, apiToken, tokens)
		stop()
		if paths == nil {
			paths = p
		}
		answers = append(answers, got)
	}
	// The one thing of the request's time in any answer: OPML's
	// dateCreated, which differs between two requests a second apart to one
	// server.
	requestTime := regexp.MustCompile(`<dateCreated>[^<]*</dateCreated>`)
	for _, a := range answers {
		if x, ok := a["/feeds.opml"]; ok {
			x.body, x.etag = requestTime.ReplaceAll(x.body, []byte("<dateCreated/>")), ""
			a["/feeds.opml"] = x
		}
	}
	ok200 := 0
	for _, p := range paths {
		want := answers[0][p]
		if want.status == 200 {
			ok200++
		}
		for i, name := range []string{"", "the PostgreSQL copy", "the SQLite copy of it"} {
			if i == 0 {
				continue
			}
			got := answers[i][p]
			if got.status != want.status || got.etag != want.etag || got.contentType != want.contentType ||
				got.location != want.location || got.link != want.link || !bytes.Equal(got.body, want.body) {
				t.Errorf("GET %s from %s: got %d %s %q %q %q (%d bytes), want %d %s %q %q %q (%d bytes)\n%s",
					p, name, got.status, got.etag, got.contentType, got.location, got.link, len(got.body),
					want.status, want.etag, want.contentType, want.location, want.link, len(want.body), firstDiff(got.body, want.body))
			}
		}
	}
	if ok200 < 100 {
		t.Errorf("only %d of %d requests answered 200: the comparison compared little", ok200, len(paths))
	}
	t.Logf("%d requests compared, %d of them 200", len(paths), ok200)

	// The copy goes on numbering after the source: a new source does not
	// take the removed one's id.
	code, out, errOut := runHerald("source", "add", "https://example.org/feed.xml", "--db", pg)
	if code != 0 || !strings.Contains(out, "source 4:") {
		t.Errorf("source add on the copy: exit %d %q %q, want source 4", code, out, errOut)
	}
}

// firstDiff shows where got and want first differ.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("at byte %d:\n got …%s\nwant …%s", i, got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// TestCopyRefuses checks what copy refuses, and that it says so without
// showing a password: a destination that holds anything, a missing source,
// the same database twice, a database it cannot open. A refused copy leaves
// the destination as it was.
func TestCopyRefuses(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	writeFile(t, dir, "a.md", "---\ntitle: Grid operators drill\npublished: 2026-11-21\n---\n\nUtilities drill.\n")
	if code, _, errOut := runHerald("ingest", "--db", src, filepath.Join(dir, "a.md")); code != 0 {
		t.Fatalf("ingest: %s", errOut)
	}
	// A PostgreSQL database another command opened holds the default tags.
	pg := storetest.PostgresURL(t)
	if code, _, errOut := runHerald("tags", "--db", pg); code != 0 {
		t.Fatalf("tags --db PG: %s", errOut)
	}
	u, _ := url.Parse(pg)
	const password = "pw-Never-Shown-91c2"
	u.User = url.UserPassword(u.User.Username(), password)
	pgWithPassword := u.String()
	u.Path = "/herald_no_such_database"
	missing := u.String()
	used := filepath.Join(dir, "used.db")
	if code, _, errOut := runHerald("copy", "--from", src, "--to", used); code != 0 {
		t.Fatalf("first copy: %s", errOut)
	}
	usedBefore, err := os.ReadFile(used)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		wantErr  string
		notExist string // a file that must not be left behind
	}{
		{"an SQLite file holding a copy", []string{"--from", src, "--to", used}, 1, "not empty", ""},
		{"a PostgreSQL database with the default tags", []string{"--from", src, "--to", pgWithPassword}, 1, "not empty (it holds", ""},
		{"a missing source", []string{"--from", filepath.Join(dir, "nope.db"), "--to", filepath.Join(dir, "new.db")}, 1, "no such file", filepath.Join(dir, "nope.db")},
		{"a database that does not exist", []string{"--from", src, "--to", missing}, 1, "herald_no_such_database", ""},
		{"a source that does not exist", []string{"--from", missing, "--to", filepath.Join(dir, "new2.db")}, 1, "herald_no_such_database", filepath.Join(dir, "new2.db")},
		{"the same database", []string{"--from", src, "--to", src}, 2, "the same database", ""},
		{"no destination", []string{"--from", src}, 2, "required", ""},
	} {
		code, out, errOut := runHerald(append([]string{"copy"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.wantErr) {
			t.Errorf("copy to %s: exit %d %q, want %d and %q", tc.name, code, errOut, tc.code, tc.wantErr)
		}
		if strings.Contains(out+errOut, password) {
			t.Errorf("copy to %s showed the password: %s%s", tc.name, out, errOut)
		}
		if tc.notExist != "" && exists(tc.notExist) {
			t.Errorf("copy to %s left %s behind", tc.name, tc.notExist)
		}
	}
	if after, _ := os.ReadFile(used); !bytes.Equal(after, usedBefore) {
		t.Errorf("a refused copy changed the destination file")
	}
	if code, out, _ := runHerald("tags", "--db", pg); code != 0 || strings.Contains(out, "Grid operators") || !strings.Contains(out, "cyber-diplomacy") {
		t.Errorf("a refused copy changed the PostgreSQL database: %q", out)
	}
}

// TestBackupBothEngines backs up an SQLite file and a PostgreSQL database:
// each backup is an SQLite file holding the same records, and a backup
// target that exists is refused plainly.
func TestBackupBothEngines(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "herald.db")
	writeFile(t, dir, "a.md", "---\ntitle: Grid operators drill\npublished: 2026-11-21\n---\n\nUtilities drill.\n")
	if code, _, errOut := runHerald("ingest", "--db", src, filepath.Join(dir, "a.md")); code != 0 {
		t.Fatalf("ingest: %s", errOut)
	}
	pg := storetest.PostgresURL(t)
	u, _ := url.Parse(pg)
	const password = "pw-Backup-Hidden-55e0"
	u.User = url.UserPassword(u.User.Username(), password)
	pg = u.String()
	if code, _, errOut := runHerald("copy", "--from", src, "--to", pg); code != 0 {
		t.Fatalf("copy: %s", errOut)
	}
	ctx := context.Background()
	records := func(dsn string) []string {
		t.Helper()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return storetest.Records(t, db)
	}
	want := records(src)
	for _, dsn := range []string{src, pg} {
		backup := filepath.Join(t.TempDir(), "backup.db")
		code, out, errOut := runHerald("backup", "--db", dsn, backup)
		if code != 0 || !strings.Contains(out, "backed up "+showDB(dsn)+" to "+backup) {
			t.Fatalf("backup --db %s: exit %d %q %q", showDB(dsn), code, out, errOut)
		}
		if strings.Contains(out+errOut, password) {
			t.Errorf("backup showed the password: %s%s", out, errOut)
		}
		if got := records(backup); !slices.Equal(got, want) {
			t.Errorf("the backup of %s holds other records than the source", showDB(dsn))
		}
		code, _, errOut = runHerald("backup", "--db", dsn, backup)
		if want := "herald: backup: " + backup + " exists\n"; code != 1 || errOut != want {
			t.Errorf("backup to a file that exists: exit %d %q, want 1 and %q", code, errOut, want)
		}
	}
}

// TestCommandsOnPostgreSQL runs every command that opens the database with a
// postgres:// URL for --db, the password in it: each works as on SQLite,
// and none shows the password.
func TestCommandsOnPostgreSQL(t *testing.T) {
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	const password = "pw-Commands-Hidden-0b7d"
	u.User = url.UserPassword(u.User.Username(), password)
	pg := u.String()
	dir := t.TempDir()
	writeFile(t, dir, "a.md", "---\ntitle: Grid operators drill\npublished: 2026-11-21\n---\n\nUtilities drill for a cyber attack on the power grid.\n")
	feeds := newFeedServer(t, map[string]served{"/state/rss": {readFixture(t, "rss2.xml"), "application/rss+xml"}})
	var token string
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ingest", filepath.Join(dir, "a.md")}, "1 articles created"},
		{[]string{"tags", "create", "Water"}, ""},
		{[]string{"tags", "rename", "water", "water-utilities"}, ""},
		{[]string{"tags"}, "water-utilities"},
		{[]string{"token", "create", "newsroom"}, ""},
		{[]string{"token", "list"}, "newsroom"},
		{[]string{"source", "add", feeds.URL + "/state/rss", "--allow-private-sources", "--name", "State"}, "source 1: State"},
		{[]string{"fetch", "--allow-private-sources"}, "1 fetched"},
		{[]string{"source", "show", "1"}, "State"},
		{[]string{"subscriber", "add", "partner", "--plan", "full"}, ""},
		{[]string{"subscriber", "list"}, "partner"},
		{[]string{"subscriber", "usage"}, "partner"},
		{[]string{"hub", "list"}, "no subscriptions"},
		{[]string{"backup", filepath.Join(dir, "backup.db")}, "backed up"},
	} {
		args := append(c.args[:1:1], append([]string{"--db", pg}, c.args[1:]...)...)
		code, out, errOut := runHerald(args...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("herald %s: exit %d %q %q, want 0 and %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
		if strings.Contains(out+errOut, password) {
			t.Errorf("herald %s showed the password: %s%s", strings.Join(c.args, " "), out, errOut)
		}
		if c.args[0] == "token" && c.args[1] == "create" {
			token = strings.TrimSpace(out)
		}
	}

	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	pr, pw := io.Pipe()
	go func() {
		done <- run(ctx, []string{"serve", "--db", pg, "--addr", "127.0.0.1:0", "--poll=false"}, noEnv, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	go io.Copy(&out, pr)
	_, rest, _ := strings.Cut(line, "serving ")
	base, _, _ := strings.Cut(rest, " ")
	s := &server{base: base}
	if resp, body := s.do(t, "GET", "/tags/water/feed.atom", "", ""); resp.StatusCode != 301 {
		t.Errorf("GET a renamed tag's feed from PostgreSQL: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.do(t, "GET", "/api/sources", token, ""); resp.StatusCode != 200 || !strings.Contains(string(body), "State") {
		t.Errorf("GET /api/sources from PostgreSQL: %d %s", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve --db PG: exit %d", code)
	}
	if strings.Contains(line, password) || !strings.Contains(line, "(database "+showDB(pg)+")") {
		t.Errorf("serve printed %q, want the URL with its password masked", line)
	}
}
