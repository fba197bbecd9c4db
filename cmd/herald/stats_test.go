package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/feed/stats"
)

// startStatsServer is startServer on a database of the caller's, so that a
// test can stop the server and start another on the same file; stop stops
// it and waits for it to exit.
func startStatsServer(t *testing.T, db string, extra ...string) (s *server, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s = &server{db: db, done: make(chan int, 1), stop: cancel}
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--stale-after", "1ns"}, extra...)
	go func() {
		code := run(ctx, args, noEnv, pw, io.Discard)
		pw.Close()
		s.done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	go io.Copy(io.Discard, pr)
	_, rest, _ := strings.Cut(line, "serving ")
	s.base, _, _ = strings.Cut(rest, " ")
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if code := <-s.done; code != 0 {
			t.Errorf("serve exited with %d, want 0", code)
		}
	}
	t.Cleanup(stop)
	return s, stop
}

const (
	feedlyUA    = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )"
	inoreaderUA = "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 12 subscribers; )"
	readerUA    = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
)

// statsOf asks /api/stats, with token, until check accepts the answer
// (counts reach the database at the server's next flush) or 10 seconds
// pass.
func statsOf(t *testing.T, s *server, token, query string, check func(map[string]*stats.Series) bool) map[string]*stats.Series {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body := s.do(t, "GET", "/api/stats"+query, token, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/api/stats: %d %s", resp.StatusCode, body)
		}
		var got struct {
			From, To string
			Feeds    []stats.Series
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("/api/stats: %v\n%s", err, body)
		}
		bySeries := map[string]*stats.Series{}
		for i := range got.Feeds {
			bySeries[got.Feeds[i].Label()] = &got.Feeds[i]
		}
		if check(bySeries) {
			return bySeries
		}
		if time.Now().After(deadline) {
			t.Fatalf("/api/stats never showed what was expected:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadership polls a feed as Feedly, Inoreader and a plain reader
// would, and a partner's token feed, through the real server, and checks
// what /api/stats reports after a flush; that the counts survive a
// restart on the same SQLite file, that a graceful stop stores what was
// counted since the last flush, the stats page and its SVG, and herald
// stats.
func TestReadership(t *testing.T) {
	db := filepath.Join(t.TempDir(), "herald.db")
	s, stop := startStatsServer(t, db, "--demo", "--stats-every", "50ms")
	code, secret, errOut := s.herald(t, "token", "create", "newsroom")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	token := strings.TrimSpace(secret)

	const path = "/tags/cyber-diplomacy/feed.atom"
	// Accept-Encoding: identity, so that the bytes sent are those read.
	resp, body := s.do(t, "GET", path, "", "", "User-Agent", feedlyUA, "Accept-Encoding", "identity")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	size := int64(len(body))
	etag := resp.Header.Get("ETag")
	if resp, _ := s.do(t, "GET", path, "", "", "User-Agent", inoreaderUA, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("with If-None-Match: %d, want 304", resp.StatusCode)
	}
	for range 2 {
		if resp, _ := s.do(t, "GET", path, "", "", "User-Agent", readerUA, "Accept-Encoding", "identity"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	s.do(t, "GET", "/tags/no-such-tag/feed.atom", "", "", "User-Agent", readerUA) // a 404 is no poll
	// A partner's token feed counts in a row of its own, by name.
	resp, body = s.do(t, "POST", "/api/subscribers", token, `{"name":"acme"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create subscriber: %d %s", resp.StatusCode, body)
	}
	var sub struct {
		Token   string `json:"token"`
		FeedURL string `json:"feed_url"`
	}
	if err := json.Unmarshal(body, &sub); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.do(t, "GET", strings.TrimPrefix(sub.FeedURL, s.base), "", "", "User-Agent", "Partner/1"); resp.StatusCode != http.StatusOK {
		t.Fatalf("partner feed: %d", resp.StatusCode)
	}

	want := func(got map[string]*stats.Series) bool {
		p := got[path]
		return p != nil && p.Polls == 4 && got["/feed.atom [acme]"] != nil
	}
	got := statsOf(t, s, token, "", want)
	p := got[path]
	today := p.Days[len(p.Days)-1]
	if len(p.Days) != 30 || today.Day != stats.DayOf(time.Now()) {
		t.Errorf("%d days ending %s, want 30 ending today", len(p.Days), today.Day)
	}
	if today.Polls != 4 || today.NotModified != 1 || today.Bytes != 3*size || p.NotModifiedShare != 0.25 {
		t.Errorf("today: %d polls, %d 304s, %d bytes, share %.2f; want 4, 1, %d, 0.25", today.Polls, today.NotModified, today.Bytes,
			p.NotModifiedShare, 3*size)
	}
	if today.Pollers != 3 || today.Readers != 42+12+1 || today.Aggregators["Feedly"] != 42 || today.Aggregators["Inoreader"] != 12 {
		t.Errorf("today: %d pollers, %d readers (%v); want 3 and 55: Feedly 42, Inoreader 12, one reader", today.Pollers,
			today.Readers, today.Aggregators)
	}
	if a := got["/feed.atom [acme]"]; a.Polls != 1 || a.Days[len(a.Days)-1].Readers != 1 {
		t.Errorf("partner row: %+v", a)
	}
	if _, ok := got["/tags/no-such-tag/feed.atom"]; ok {
		t.Error("a 404 was counted")
	}
	_, body = s.do(t, "GET", "/api/stats", token, "")
	if bytes.Contains(body, []byte(sub.Token)) {
		t.Error("/api/stats shows a subscriber's token")
	}
	// One feed, by URL; days.
	one := statsOf(t, s, token, "?feed="+s.base+path+"&days=7", func(m map[string]*stats.Series) bool { return m[path] != nil })
	if len(one) != 1 || len(one[path].Days) != 7 {
		t.Errorf("?feed=URL&days=7: got %d series, %d days", len(one), len(one[path].Days))
	}
	for _, q := range []string{"?days=0", "?days=401", "?days=x"} {
		if resp, _ := s.do(t, "GET", "/api/stats"+q, token, ""); resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/api/stats%s: %d, want a 4xx", q, resp.StatusCode)
		}
	}

	// Not public.
	for _, tc := range []struct{ path, token string }{
		{"/api/stats", ""}, {"/api/stats", "wrong"}, {"/stats", ""}, {"/stats?token=wrong", ""}, {"/stats.svg", ""},
	} {
		if resp, body := s.do(t, "GET", tc.path, tc.token, ""); resp.StatusCode != http.StatusUnauthorized || bytes.Contains(body, []byte("<svg")) {
			t.Errorf("%s without a valid token: %d, want 401 and no chart", tc.path, resp.StatusCode)
		}
	}
	// The page, with the token in its address as a browser has it, and
	// the chart alone: SVG that parses.
	resp, body = s.do(t, "GET", "/stats?token="+token, "", "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("/stats: %d %v", resp.StatusCode, resp.Header)
	}
	start, end := bytes.Index(body, []byte("<svg")), bytes.Index(body, []byte("</svg>"))
	if start < 0 || end < start {
		t.Fatalf("/stats has no chart:\n%s", body)
	}
	checkSVG(t, "/stats", body[start:end+len("</svg>")], path)
	resp, body = s.do(t, "GET", "/stats.svg", token, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("/stats.svg: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkSVG(t, "/stats.svg", body, path)

	// Restart on the same file: the counts are kept.
	stop()
	s, stop = startStatsServer(t, db, "--stats-every", "1h")
	got = statsOf(t, s, token, "", want)
	if got[path].Polls != 4 {
		t.Errorf("after a restart: %d polls, want 4", got[path].Polls)
	}
	// A graceful stop stores what was counted since the last flush.
	s.do(t, "GET", path, "", "", "User-Agent", feedlyUA)
	stop()
	var out, errBuf bytes.Buffer
	if code := run(context.Background(), []string{"stats", "--db", db}, noEnv, &out, &errBuf); code != 0 {
		t.Fatalf("herald stats: %d %s", code, errBuf.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "FEED") {
		t.Fatalf("herald stats printed:\n%s", out.String())
	}
	var row string
	for _, l := range lines {
		if strings.HasPrefix(l, path+" ") {
			row = l
		}
	}
	fields := strings.Fields(row)
	// FEED PARTNER POLLS 304 BYTES(2) POLLERS READERS SPARKLINE
	if len(fields) != 9 || fields[1] != "-" || fields[2] != "5" || fields[3] != "20%" || fields[6] != "3" || fields[7] != "55" ||
		!strings.HasSuffix(fields[8], "█") || len([]rune(fields[8])) != 30 {
		t.Errorf("herald stats row of %s: %q", path, row)
	}
	// Columns line up by display width: the sparkline column starts where
	// its header does.
	header := []rune(lines[0])
	col := strings.Index(lines[0], "READERS/DAY")
	if col < 0 || len([]rune(row)) < len(header[:col]) || strings.Index(row, fields[8]) != len(string([]rune(row)[:len([]rune(lines[0][:col]))])) {
		t.Errorf("the sparkline is not under its header:\n%s\n%s", lines[0], row)
	}
	out.Reset()
	run(context.Background(), []string{"stats", "--db", db, "--feed", "https://example.org/s/TOKEN/feed.atom", "--days", "3"}, noEnv, &out, &errBuf)
	if !strings.Contains(out.String(), "/feed.atom  acme") || strings.Contains(out.String(), path) {
		t.Errorf("herald stats --feed .../s/TOKEN/feed.atom printed:\n%s", out.String())
	}
	if code := run(context.Background(), []string{"stats", "--db", db, "--days", "0"}, noEnv, io.Discard, io.Discard); code != 2 {
		t.Errorf("herald stats --days 0: exit %d, want 2", code)
	}
}

// checkSVG checks that b is an SVG document that XML parses, with a line
// and the feed's name.
func checkSVG(t *testing.T, what string, b []byte, feed string) {
	t.Helper()
	var doc struct {
		XMLName  xml.Name
		Polyline []struct {
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Text []string `xml:"text"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: the chart is not XML: %v\n%s", what, err, b)
	}
	if doc.XMLName.Local != "svg" || doc.XMLName.Space != "http://www.w3.org/2000/svg" || len(doc.Polyline) < 2 ||
		!strings.Contains(strings.Join(doc.Text, "\n"), feed) {
		t.Errorf("%s: got %+v", what, doc)
	}
}

// TestStatsTimezone runs serve with --stats-timezone set to a zone whose
// date is not UTC's at this moment: a poll counts under that zone's today,
// /api/stats and herald stats end their days there, and a zone that does
// not exist is refused.
func TestStatsTimezone(t *testing.T) {
	now := time.Now()
	var zone string
	for _, z := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago"} { // UTC+14 and UTC-11: one of them is on another date
		loc, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		if now.In(loc).Format(time.DateOnly) != now.UTC().Format(time.DateOnly) {
			zone = z
			break
		}
	}
	loc, _ := time.LoadLocation(zone)
	db := filepath.Join(t.TempDir(), "herald.db")
	for _, cmd := range []string{"serve", "stats"} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), []string{cmd, "--db", db, "--stats-timezone", "Mars/Olympus_Mons"}, noEnv, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), `--stats-timezone "Mars/Olympus_Mons": want an IANA time zone name`) {
			t.Errorf("%s with a zone that does not exist: exit %d %q", cmd, code, errOut.String())
		}
	}

	s, stop := startStatsServer(t, db, "--demo", "--stats-every", "50ms", "--stats-timezone", zone)
	defer stop()
	code, secret, errOut := s.herald(t, "token", "create", "newsroom")
	if code != 0 {
		t.Fatalf("token create: %s", errOut)
	}
	const path = "/feed.atom"
	if resp, _ := s.do(t, "GET", path, "", "", "User-Agent", readerUA); resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	got := statsOf(t, s, strings.TrimSpace(secret), "", func(m map[string]*stats.Series) bool { return m[path] != nil && m[path].Polls == 1 })
	days := got[path].Days
	today := time.Now().In(loc).Format(time.DateOnly)
	if last := days[len(days)-1]; last.Day != today || last.Polls != 1 {
		t.Errorf("in %s: the last day is %s with %d polls, want %s (UTC says %s) with 1", zone, last.Day, last.Polls, today,
			time.Now().UTC().Format(time.DateOnly))
	}
	code, out, errOut := s.herald(t, "stats", "--stats-timezone", zone, "--days", "2")
	if code != 0 || !strings.Contains(out, " .. "+today) || !strings.Contains(out, path) {
		t.Errorf("herald stats in %s: exit %d %q %q; want its days to end %s", zone, code, out, errOut, today)
	}
}
