package web_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/feed/web"
)

func TestHealthVerbose(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) { c.Version, c.Commit, c.Engine = "1.2.3", "0123abc", "sqlite" })
	if resp, body := f.do("GET", "/healthz", ""); resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz: got %d %q, want 200 ok", resp.StatusCode, body)
	}
	f.now = f.now.Add(90 * time.Second)
	resp, body := f.do("GET", "/healthz?verbose=1", "")
	var h map[string]any
	if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz?verbose=1: got %d %s (%v)", resp.StatusCode, body, err)
	}
	want := map[string]any{"status": "ok", "version": "1.2.3", "commit": "0123abc", "engine": "sqlite", "database": "reachable", "uptime_seconds": 90.0}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("%s: got %v, want %v", k, h[k], v)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}

	// A database that does not answer: 503, still in JSON, logged once.
	var logs bytes.Buffer
	s := web.New(brokenStore{f.db}, web.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/healthz?verbose=1", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"database": "unreachable"`) || !strings.Contains(w.Body.String(), `"version": "dev"`) {
		t.Errorf("broken store: got %d %s, want 503 saying the database is unreachable", w.Code, w.Body.String())
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 || !strings.Contains(logs.String(), errDisk.Error()) {
		t.Errorf("broken store: got %d log lines, want 1 naming the cause:\n%s", n, logs.String())
	}
}
