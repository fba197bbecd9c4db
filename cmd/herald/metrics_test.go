package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"herald/feed/conformance"
)

// servedLines runs herald serve with extra flags until the test ends, its
// log going to a buffer (not a terminal: JSON, batched by a logBuffer), and
// returns what it printed on stdout, up to its list of addresses, with the
// log, and stop, which ends it and returns its exit code.
func servedLines(t *testing.T, extra ...string) (out map[string]string, log *lockedBuffer, stop func() int) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "herald.db")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	log = &lockedBuffer{}
	done := make(chan int, 1)
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--stale-after", "1ns", "--poll=false"}, extra...)
	go func() {
		code := run(ctx, args, noEnv, pw, log)
		pw.Close()
		done <- code
	}()
	out = map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "herald is serving "); ok {
			out["base"], _, _ = strings.Cut(rest, " ")
		}
		if name, value, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.HasPrefix(line, "  ") {
			out[name] = strings.TrimSpace(value)
		}
		if strings.HasPrefix(line, "  metrics:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	stopped := false
	code := 0
	stop = func() int {
		if !stopped {
			cancel()
			code, stopped = <-done, true
		}
		return code
	}
	t.Cleanup(func() { stop() })
	return out, log, stop
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestMetricsEndToEnd serves some traffic, a write among it, and checks
// /metrics with promtool (CI installs it; locally the check skips without
// it) and for the metrics of each part.
func TestMetricsEndToEnd(t *testing.T) {
	s := startServer(t, "--demo")
	code, secret, stderr := s.herald(t, "token", "create", "newsroom")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr)
	}
	article := `{"title":"Grid drill","content":"<p>Operators drilled.</p>","published":"2026-11-20T10:00:00Z","tags":["critical-infrastructure"]}`
	if resp, body := s.do(t, "PUT", "/api/articles/grid-drill", strings.TrimSpace(secret), article); resp.StatusCode != 201 {
		t.Fatalf("PUT: got %d %s", resp.StatusCode, body)
	}
	first, _ := s.do(t, "GET", "/feed.atom", "", "")
	s.do(t, "GET", "/feed.atom", "", "")
	s.do(t, "GET", "/feed.atom", "", "", "If-None-Match", first.Header.Get("ETag"))
	s.do(t, "GET", "/tags/nope/feed.rss", "", "")
	s.do(t, "GET", "/", "", "")
	resp, body := s.do(t, "GET", "/metrics", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: got %d", resp.StatusCode)
	}
	t.Run("promtool", func(t *testing.T) { conformance.Metrics(t, body) })
	for _, want := range []string{
		`herald_http_request_duration_seconds_count{route="GET /feed.atom",status_class="2xx"} 2`,
		`herald_http_request_duration_seconds_count{route="GET /feed.atom",status_class="3xx"} 1`,
		"herald_feed_cache_not_modified_total 1",
		`herald_store_write_duration_seconds_count{method="UpsertArticle"} 1`,
		`herald_polls_total{result="fetched"} 0`,
		`herald_websub_deliveries_total{outcome="delivered"} 0`,
		`herald_build_info{commit="",goversion="go`,
		"go_gc_duration_seconds",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestMetricsAddr moves /metrics to a listener of its own: there it is
// served, and on the site it is not.
func TestMetricsAddr(t *testing.T) {
	out, _, stop := servedLines(t, "--metrics-addr", "127.0.0.1:0")
	metricsURL := out["metrics"]
	if !strings.HasPrefix(metricsURL, "http://127.0.0.1:") || strings.HasPrefix(metricsURL, out["base"]) {
		t.Fatalf("metrics at %q, want another loopback listener than %s", metricsURL, out["base"])
	}
	if resp, body := get(t, metricsURL); resp.StatusCode != 200 || !strings.Contains(body, "herald_build_info") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: got %d %v", metricsURL, resp.StatusCode, resp.Header)
	}
	if resp, _ := get(t, out["base"]+"/metrics"); resp.StatusCode != 404 {
		t.Errorf("/metrics on the site: got %d, want 404", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited with %d, want 0", code)
	}
}

// TestShutdownFlushesLogs checks that with the log batched (stderr is no
// terminal), the lines written up to the very end, during shutdown too,
// all reach stderr, and that request lines carry the client, the bytes
// sent and the duration in milliseconds.
func TestShutdownFlushesLogs(t *testing.T) {
	out, log, stop := servedLines(t)
	resp, body := get(t, out["base"]+"/feed.json", "User-Agent", "TestReader/1.0", "Accept-Encoding", "identity")
	if resp.StatusCode != 200 {
		t.Fatalf("/feed.json: got %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited with %d, want 0", code)
	}
	var messages []string
	var request map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("a log line that is not JSON: %q", line)
		}
		messages = append(messages, l["msg"].(string))
		if l["msg"] == "request" && l["ua"] == "TestReader/1.0" {
			request = l
		}
	}
	if n := len(messages); n < 3 || messages[n-2] != "shutting down" || messages[n-1] != "stopped" {
		t.Errorf("the log ends with %q, want the lines of shutdown, ending with stopped", messages)
	}
	if request == nil {
		t.Fatalf("no line for the request in:\n%s", log.String())
	}
	if _, ok := request["duration_ms"].(float64); !ok || request["bytes"] != float64(len(body)) ||
		!strings.HasPrefix(request["client"].(string), "127.0.0.1:") {
		t.Errorf("request line %v, want duration_ms, bytes %d and the client's address", request, len(body))
	}
}
