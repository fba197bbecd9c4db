package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/store"
	"herald/store/storetest"
)

// slogLine is what slog's JSON handler writes for a record at t with one
// attribute k=v.
func slogLine(t time.Time, v string) string {
	var buf bytes.Buffer
	r := slog.NewRecord(t, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.String("k", v))
	slog.NewJSONHandler(&buf, nil).Handle(context.Background(), r)
	return buf.String()
}

// TestLogEncoding checks the access log's own time and string encoding
// against slog's JSON handler.
func TestLogEncoding(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600)}
	base := time.Date(2026, 11, 29, 17, 58, 20, 0, time.UTC)
	for _, loc := range zones {
		for _, ns := range []int{0, 1, 10, 120_000_000, 123_456_789, 999_999_999, 500} {
			tm := base.Add(time.Duration(ns)).In(loc)
			want := slogLine(tm, "")
			want = want[len(`{"time":"`):strings.Index(want, `","level"`)]
			if got := string(appendLogTime(nil, tm)); got != want {
				t.Errorf("appendLogTime(%v): got %s, want %s", tm, got, want)
			}
		}
	}
	for _, s := range []string{"", "plain", `a "quoted" \ path`, "tab\there\nnewline\r\x00\x1f\x7f", "<b>&amp;</b>",
		"サイバー", "bad \xff utf-8 \xe3\x82", "line\u2028para\u2029end", "/s/REDACTED/feed.atom"} {
		want := slogLine(base, s)
		want = want[strings.Index(want, `"k":`)+len(`"k":`) : len(want)-len("}\n")]
		if got := string(appendJSONString(nil, s)); got != want {
			t.Errorf("appendJSONString(%q): got %s, want %s", s, got, want)
		}
	}
	for _, d := range []time.Duration{0, time.Microsecond, 420 * time.Microsecond, 1234567 * time.Nanosecond, time.Second,
		90 * time.Minute, 1<<63 - 1, -time.Millisecond} {
		f := durationMS(d)
		var buf bytes.Buffer
		r := slog.NewRecord(base, slog.LevelInfo, "m", 0)
		r.AddAttrs(slog.Float64("k", f))
		slog.NewJSONHandler(&buf, nil).Handle(context.Background(), r)
		want := buf.String()
		want = want[strings.Index(want, `"k":`)+len(`"k":`) : len(want)-len("}\n")]
		if got := string(appendJSONFloat(nil, f)); got != want {
			t.Errorf("appendJSONFloat(%v): got %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{1e-7, 1.5e-9, 1e21, 123456789e20, -2.5e-8} {
		b, _ := json.Marshal(f)
		if got := string(appendJSONFloat(nil, f)); got != string(b) {
			t.Errorf("appendJSONFloat(%v): got %s, want %s", f, got, b)
		}
	}
	if got := durationMS(420*time.Microsecond + 999*time.Nanosecond); got != 0.42 {
		t.Errorf("durationMS(420.999µs) = %v, want 0.42", got)
	}
}

// TestAccessLog serves the same requests with and without Config.AccessLog:
// the lines must be those slog writes, but for the time, and errors go to
// the Logger either way.
func TestAccessLog(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	db := storetest.Open(t, store.Options{Authority: "news.example.org", Now: func() time.Time { return now }})
	requests := func(s *Server) {
		t.Helper()
		for _, tt := range []struct {
			method, path, ua string
			status           int
		}{
			{"GET", "/feed.atom", "Reader/1.0", 200},
			{"GET", "/feed.atom", `odd "reader"` + "\t\xff", 200}, // from the cache
			{"HEAD", "/feed.json", "", 200},
			{"GET", "/no/such/page", "", 404},
			{"GET", "/s/hrs_secret/feed.atom", "", 403},
			{"GET", "/static/style.css", "", 200}, // at debug: not logged
			{"GET", "/healthz", "", 200},          // at debug: not logged
		} {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.ua != "" {
				r.Header.Set("User-Agent", tt.ua)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("%s %s: got %d, want %d", tt.method, tt.path, w.Code, tt.status)
			}
		}
	}
	var viaSlog, direct, errs bytes.Buffer
	cfg := Config{BaseURL: &url.URL{Scheme: "https", Host: "news.example.org"}, Now: func() time.Time { return now }}
	cfg.Logger = slog.New(slog.NewJSONHandler(&viaSlog, nil))
	requests(New(db, cfg))
	cfg.Logger, cfg.AccessLog = slog.New(slog.NewJSONHandler(&errs, nil)), &direct
	requests(New(db, cfg))

	noTime := regexp.MustCompile(`^\{"time":"[^"]+",`)
	want := strings.Split(strings.TrimSpace(viaSlog.String()), "\n")
	got := strings.Split(strings.TrimSpace(direct.String()), "\n")
	if len(got) != 5 || len(want) != 5 {
		t.Fatalf("got %d lines, want 5 (slog wrote %d):\n%s", len(got), len(want), direct.String())
	}
	for i := range want {
		if g, w := noTime.ReplaceAllString(got[i], ""), noTime.ReplaceAllString(want[i], ""); g != w {
			t.Errorf("line %d:\n got %s\nwant %s", i, got[i], want[i])
		}
		var line struct{ Time time.Time }
		if err := json.Unmarshal([]byte(got[i]), &line); err != nil || !line.Time.Equal(now) {
			t.Errorf("line %d: time %v, %v; want %v", i, line.Time, err, now)
		}
	}
	// The 404 page: its bytes, its duration, the client's address.
	if !regexp.MustCompile(`"path":"/no/such/page","status":404,"bytes":[1-9][0-9]*,"duration_ms":0,"client":"192.0.2.1:1234","ua":""}`).MatchString(direct.String()) {
		t.Errorf("the 404's line lacks its bytes, duration or client:\n%s", direct.String())
	}
	if !strings.Contains(direct.String(), `"method":"HEAD","path":"/feed.json","status":200,"bytes":0,`) {
		t.Errorf("a HEAD is logged with bytes sent:\n%s", direct.String())
	}
	if strings.Contains(direct.String(), "hrs_secret") || !strings.Contains(direct.String(), `"/s/REDACTED/feed.atom"`) {
		t.Errorf("the subscriber token is not redacted:\n%s", direct.String())
	}
	if errs.Len() != 0 {
		t.Errorf("the Logger got lines with AccessLog set and no error:\n%s", errs.String())
	}

	// At debug, /static/ and /healthz are logged too, at debug.
	direct.Reset()
	cfg.Logger = slog.New(slog.NewJSONHandler(&errs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(db, cfg)
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	if !strings.Contains(direct.String(), `"level":"DEBUG","msg":"request","method":"GET","path":"/healthz","status":200`) {
		t.Errorf("healthz at debug: got %s", direct.String())
	}
}

// TestFastPathLogs checks that an answer from the cache is logged like any.
func TestFastPathLogs(t *testing.T) {
	db := storetest.Open(t, store.Options{Authority: "news.example.org"})
	var direct bytes.Buffer
	s := New(db, Config{AccessLog: &direct, Logger: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)), StaleAfter: time.Hour})
	for range 3 {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/feed.rss", nil))
	}
	r := httptest.NewRequest("GET", "/feed.rss", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	s.ServeHTTP(httptest.NewRecorder(), r)
	lines := strings.Split(strings.TrimSpace(direct.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[4], `"status":304,"bytes":0,`) ||
		!strings.Contains(lines[3], `"status":200,"bytes":`+strconv.Itoa(w.Body.Len())+`,`) {
		t.Errorf("got %d lines, want 5 ending with a 200 of %d bytes and a 304:\n%s", len(lines), w.Body.Len(), direct.String())
	}
	if _, ok := s.cache.entries["/feed.rss"]; !ok {
		t.Errorf("the public feed is not kept under its path; keys: %v", keys(s.cache.entries))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
