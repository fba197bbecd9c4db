package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/rule"
	"herald/feed/web"
	"herald/feed/websub"
	"herald/store"
	"herald/store/storetest"
)

// fuzzAPI is a server on a real store, answering in memory (no network),
// for the fuzz targets of what clients send: JSON bodies and hub forms.
type fuzzAPI struct {
	h    *web.Server
	auth string
	hub  *fuzzHub
}

func newFuzzAPI(f *testing.F) *fuzzAPI {
	f.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db := storetest.Open(f, store.Options{Authority: "news.example.org", SeedTags: rule.Defaults(), Now: clock})
	secret, hash := feed.NewTokenSecret()
	if _, err := db.CreateToken(context.Background(), "fuzz", hash); err != nil {
		f.Fatal(err)
	}
	hub := &fuzzHub{}
	base := &url.URL{Scheme: "http", Host: "news.example.org"}
	h := web.New(db, web.Config{BaseURL: base, Title: "Fuzz Desk", StaleAfter: time.Nanosecond, Now: clock,
		Hub: hub, HubURLs: []string{"http://news.example.org/websub"}})
	return &fuzzAPI{h: h, auth: "Bearer " + secret, hub: hub}
}

// fuzzHub takes every request the server passes on.
type fuzzHub struct{ got []websub.Request }

func (h *fuzzHub) Request(ctx context.Context, r websub.Request) error {
	h.got = append(h.got, r)
	return nil
}

func (h *fuzzHub) Notify() {}

// do answers one request with the API token; header adds fields in pairs.
func (a *fuzzAPI) do(method, path, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://news.example.org"+path, strings.NewReader(body))
	r.Header.Set("Authorization", a.auth)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	return w
}

// checkAPIAnswer fails t unless w is one of the statuses allowed, and, if
// it is an error, a JSON error that no cache keeps, naming what is wrong.
func checkAPIAnswer(t *testing.T, what string, w *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	ok := false
	for _, s := range allowed {
		ok = ok || w.Code == s
	}
	if !ok {
		t.Fatalf("%s: status %d, want one of %v: %s", what, w.Code, allowed, w.Body)
	}
	if w.Code < 400 {
		return
	}
	var e struct {
		Error  string            `json:"error"`
		Fields []feed.FieldError `json:"fields"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
		t.Fatalf("%s: status %d with body %q, want a JSON error (%v)", what, w.Code, w.Body, err)
	}
	if w.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%s: error answered with Cache-Control %q, Content-Type %q", what, w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"))
	}
	for _, fe := range e.Fields {
		// The field may be "": a body's unknown key "" is named as sent.
		if fe.Problem == "" {
			t.Fatalf("%s: error %+v names a field without its problem", what, e)
		}
	}
}

// FuzzArticleBody sends arbitrary bodies to POST /api/articles and PUT
// /api/articles/{id}. A body is stored or refused with a 4xx in JSON,
// never a 5xx; what is stored is a valid article, and sending it again,
// as sent or as GET returns it, changes nothing.
func FuzzArticleBody(f *testing.F) {
	for _, s := range []string{
		`{"id":"2026-11-20-grid-drill","title":"Grid operators drill for a cyberattack","summary":"Plain text.","content":"<p>HTML, sanitized on the way in.</p>","authors":["Lee Park"],"published":"2026-11-20T10:00:00Z","url":"https://example.org/canonical/address","language":"en","tags":["critical-infrastructure"]}`,
		`{"title":"Cyber dialogue opens","content":"<p>A bilateral cyber dialogue <script>alert(1)</script>opened.</p>","published":"2026-11-20","tags":["Asia Pacific"]}`,
		`{"title":"海底ケーブルの切断想定","content_text":"政府は訓練を行った。","published":"2026年11月20日 15:30"}`,
		`{"title":"t","content":"x","published":"2026-01-01","tags":[{"slug":"cyber-diplomacy","name":"Cyber Diplomacy","rule":"cyber"},{"slug":"hand","name":"Hand"}]}`,
		`{"title":"t","content":"x","published":"2026-01-01","guid":"tag:x","origin":"external","colour":"red"}`,
		`{"id":7,"title":["t"]}`, `{"title":"","published":"yesterday"}`, `[{"title":"t"}]`, `null`, `{`, ``, `{"a":1}{"b":2}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	// The articles of feed/ingest's tests, one body each.
	files, _ := filepath.Glob("../ingest/testdata/json/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var objs []json.RawMessage
		if json.Unmarshal(b, &objs) != nil {
			objs = []json.RawMessage{b}
		}
		for _, o := range objs {
			f.Add([]byte(o), false)
		}
	}
	a := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte, put bool) {
		what := fmt.Sprintf("POST /api/articles %q", body)
		w := a.do("POST", "/api/articles", string(body), "Content-Type", "application/json")
		allowed := []int{201, 400, 409, 413, 422}
		if put {
			what = fmt.Sprintf("PUT /api/articles/fuzz %q", body)
			w = a.do("PUT", "/api/articles/fuzz", string(body), "Content-Type", "application/json")
			allowed = []int{200, 201, 400, 413, 422}
		}
		checkAPIAnswer(t, what, w, allowed...)
		if w.Code >= 300 {
			return
		}
		var got feed.Article
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: answer %q: %v", what, w.Body, err)
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("%s: stored an invalid article: %v", what, err)
		}
		path := "/api/articles/" + got.ID
		defer func() {
			if w := a.do("DELETE", path, ""); w.Code != http.StatusNoContent {
				t.Fatalf("DELETE %s: status %d: %s", path, w.Code, w.Body)
			}
		}()
		again := a.do("PUT", path, string(body), "Content-Type", "application/json")
		if again.Code != 200 || again.Header().Get("X-Herald-Change") != "unchanged" {
			t.Fatalf("%s, then again to %s: status %d, change %q, want 200 unchanged: %s",
				what, path, again.Code, again.Header().Get("X-Herald-Change"), again.Body)
		}
		read := a.do("GET", path, "")
		if read.Code != 200 {
			t.Fatalf("%s, then GET %s: status %d", what, path, read.Code)
		}
		back := a.do("PUT", path, read.Body.String(), "Content-Type", "application/json")
		if back.Code != 200 || back.Header().Get("X-Herald-Change") != "unchanged" {
			t.Fatalf("%s, then what GET %s returned PUT back: status %d, change %q, want 200 unchanged: %s",
				what, path, back.Code, back.Header().Get("X-Herald-Change"), back.Body)
		}
	})
}

// FuzzAPIBody sends arbitrary bodies to the other JSON writes: tags
// (create, change), sources (create, change) and subscribers (create). Each
// is taken or refused with a 4xx in JSON, never a 5xx, and what is created
// can be read and removed.
func FuzzAPIBody(f *testing.F) {
	for _, tc := range []struct {
		kind uint8
		body string
	}{
		{0, `{"slug":"undersea-cables","name":"Undersea Cables","description":"Cables.","rule":"\"undersea cable*\" OR \"submarine cable*\""}`},
		{0, `{"name":"Asia Pacific"}`}, {0, `{"slug":"t","name":"T","rule":"(cyber"}`}, {0, `{"slug":"cyber-diplomacy","name":"T"}`},
		{1, `{"slug":"indo-pacific","description":"The region."}`}, {1, `{"rule":"NOT spam"}`}, {1, `{"name":null}`},
		{2, `{"url":"https://www.example.gov/press/rss.xml","name":"Example Agency","tags":["Critical Infrastructure"],"every":"1h"}`},
		{2, `{"url":"ftp://x","every":1e300}`}, {2, `{"url":"https://a.example/feed","every":-60,"enabled":false,"use_categories":true}`},
		{3, `{"url":"https://b.example/rss","every":"30m"}`}, {3, `{"tags":["no such tag"],"enabled":"yes"}`},
		{4, `{"name":"partner-site","plan":"full","tags":["cyber-diplomacy"],"rate_per_minute":60,"attribution":true}`},
		{4, `{"name":"x","plan":"gold","rate_per_minute":-1}`}, {4, `{"name":"","tags":["nope"]}`},
	} {
		f.Add(tc.kind, []byte(tc.body))
	}
	a := newFuzzAPI(f)
	asJSON := []string{"Content-Type", "application/json"}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		switch kind % 5 {
		case 0: // POST /api/tags
			w := a.do("POST", "/api/tags", string(body), asJSON...)
			checkAPIAnswer(t, fmt.Sprintf("POST /api/tags %q", body), w, 201, 400, 409, 422)
			if w.Code == 201 {
				removeCreated(t, a, w, "/api/tags/", "slug")
			}
		case 1: // PATCH /api/tags/{slug}, of a new tag
			if w := a.do("POST", "/api/tags", `{"slug":"fuzz-tag","name":"Fuzz Tag"}`, asJSON...); w.Code != 201 {
				t.Fatalf("POST /api/tags: status %d: %s", w.Code, w.Body)
			}
			w := a.do("PATCH", "/api/tags/fuzz-tag", string(body), asJSON...)
			checkAPIAnswer(t, fmt.Sprintf("PATCH /api/tags/fuzz-tag %q", body), w, 200, 400, 409, 422)
			path := "/api/tags/fuzz-tag"
			if w.Code == 200 {
				path = "/api/tags/" + field(t, w, "slug")
			}
			if w := a.do("DELETE", path, ""); w.Code != http.StatusNoContent {
				t.Fatalf("DELETE %s: status %d: %s", path, w.Code, w.Body)
			}
		case 2: // POST /api/sources
			w := a.do("POST", "/api/sources", string(body), asJSON...)
			checkAPIAnswer(t, fmt.Sprintf("POST /api/sources %q", body), w, 201, 400, 409, 422)
			if w.Code == 201 {
				removeCreated(t, a, w, "/api/sources/", "id")
			}
		case 3: // PATCH /api/sources/{id}, of a new source
			w := a.do("POST", "/api/sources", `{"url":"https://fuzz.example/feed.xml"}`, asJSON...)
			if w.Code != 201 {
				t.Fatalf("POST /api/sources: status %d: %s", w.Code, w.Body)
			}
			path := "/api/sources/" + field(t, w, "id")
			w = a.do("PATCH", path, string(body), asJSON...)
			checkAPIAnswer(t, fmt.Sprintf("PATCH %s %q", path, body), w, 200, 400, 409, 422)
			if w := a.do("DELETE", path, ""); w.Code != http.StatusNoContent {
				t.Fatalf("DELETE %s: status %d: %s", path, w.Code, w.Body)
			}
		case 4: // POST /api/subscribers
			w := a.do("POST", "/api/subscribers", string(body), asJSON...)
			checkAPIAnswer(t, fmt.Sprintf("POST /api/subscribers %q", body), w, 201, 400, 409, 422)
			if w.Code == 201 {
				removeCreated(t, a, w, "/api/subscribers/", "name")
			}
		}
	})
}

// field returns the field key of the JSON object w answered, as text.
func field(t *testing.T, w *httptest.ResponseRecorder, key string) string {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &obj); err != nil {
		t.Fatalf("answer %q: %v", w.Body, err)
	}
	switch v := obj[key].(type) {
	case string:
		return url.PathEscape(v)
	case float64:
		return fmt.Sprint(int64(v))
	}
	t.Fatalf("answer %q has no %s", w.Body, key)
	return ""
}

// removeCreated reads what w says was created under prefix, by its key
// field, and removes it.
func removeCreated(t *testing.T, a *fuzzAPI, w *httptest.ResponseRecorder, prefix, key string) {
	t.Helper()
	path := prefix + field(t, w, key)
	if r := a.do("GET", path, ""); r.Code != 200 {
		t.Fatalf("created %s, then GET: status %d: %s", path, r.Code, r.Body)
	}
	if r := a.do("DELETE", path, ""); r.Code != http.StatusNoContent {
		t.Fatalf("DELETE %s: status %d: %s", path, r.Code, r.Body)
	}
}

// FuzzHubRequest sends arbitrary forms to the WebSub hub at POST /websub,
// from this machine or another. A request is passed to the hub as
// websub.ParseRequest reads it, and only when its topics are feeds here,
// which GET then serves; anything else is a 4xx in plain text that the hub
// never sees.
func FuzzHubRequest(f *testing.F) {
	for _, s := range []string{
		"hub.mode=subscribe&hub.topic=http%3A%2F%2Fnews.example.org%2Ftags%2Fcyber-diplomacy%2Ffeed.atom&hub.callback=https%3A%2F%2Fpartner.example.com%2Fpush&hub.secret=LONG-RANDOM-STRING",
		"hub.mode=subscribe&hub.topic=http://news.example.org/feed.json&hub.callback=https://a.example/cb&hub.lease_seconds=3600",
		"hub.mode=subscribe&hub.topic=http://news.example.org/search/feed.rss?q=cyber&hub.callback=https://a.example/cb",
		"hub.mode=subscribe&hub.topic=http://news.example.org/tags/cyber-diplomacy%2Bcritical-infrastructure/feed.atom?origin=own&hub.callback=https://a.example/cb",
		"hub.mode=subscribe&hub.topic=http://news.example.org/feed.atom?page=2&hub.callback=https://a.example/cb",
		"hub.mode=subscribe&hub.topic=http://news.example.org/tags/nope/feed.atom&hub.callback=https://a.example/cb",
		"hub.mode=unsubscribe&hub.topic=http://news.example.org/tags/gone/feed.rss&hub.callback=https://a.example/cb",
		"hub.mode=publish&hub.url=http://news.example.org/feed.atom&hub.url=http://other.example/feed.atom",
		"hub.mode=subscribe&hub.topic=https://other.example/feed.atom&hub.callback=https://a.example/cb", "hub.mode=nope", "%zz",
	} {
		f.Add(s, "application/x-www-form-urlencoded", true)
		f.Add(s, "application/x-www-form-urlencoded; charset=utf-8", false)
	}
	f.Add("hub.mode=publish&hub.url=http://news.example.org/feed.atom", "text/plain", true)
	a := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body, contentType string, local bool) {
		what := fmt.Sprintf("POST /websub %q (Content-Type %q, local %t)", body, contentType, local)
		r := httptest.NewRequest("POST", "http://news.example.org/websub", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		if local {
			r.RemoteAddr = "127.0.0.1:40000"
		}
		w := httptest.NewRecorder()
		a.hub.got = nil
		a.h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusAccepted, http.StatusNoContent:
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			if len(a.hub.got) != 0 {
				t.Fatalf("%s: status %d, yet the hub got %+v", what, w.Code, a.hub.got)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") || w.Body.Len() == 0 {
				t.Fatalf("%s: status %d with Content-Type %q and body %q", what, w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			return
		default:
			t.Fatalf("%s: status %d: %s", what, w.Code, w.Body)
		}
		if len(a.hub.got) != 1 {
			t.Fatalf("%s: status %d, and the hub got %d requests", what, w.Code, len(a.hub.got))
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("%s: taken, but it is not a form: %v", what, err)
		}
		want, err := websub.ParseRequest(form)
		got := a.hub.got[0]
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: the hub got %+v, want %+v (%v)", what, got, want, err)
		}
		if (got.Mode == websub.Publish) != (w.Code == http.StatusNoContent) {
			t.Fatalf("%s: mode %s answered %d", what, got.Mode, w.Code)
		}
		if got.Secret != "" && !local {
			t.Fatalf("%s: a secret taken over plain HTTP from afar", what)
		}
		topics := got.Topics
		if got.Mode == websub.Subscribe {
			topics = []string{got.Topic}
		}
		for _, topic := range topics {
			u, err := url.Parse(topic)
			if err != nil || !strings.EqualFold(u.Host, "news.example.org") {
				t.Fatalf("%s: the hub got topic %q, not of this site", what, topic)
			}
			if r := a.do("GET", u.RequestURI(), ""); r.Code != 200 {
				t.Fatalf("%s: the hub got topic %q, which GET answers %d", what, topic, r.Code)
			}
		}
	})
}

// FuzzGetRequest asks for arbitrary paths and queries: feeds with their
// ?limit, ?page and ?origin, tag lists, archive documents, searches, API
// listings with their cursors, filters and orders, pages, subscriber
// feeds. Nothing a client asks for is a 5xx, and the API routes answer
// their errors in JSON.
func FuzzGetRequest(f *testing.F) {
	for _, s := range []string{
		"/feed.atom?limit=10&origin=own", "/tags/cyber-diplomacy+critical-infrastructure/feed.rss?page=2", "/tags/nope/feed.json",
		"/archive/current.atom", "/tags/cyber-diplomacy/archive/0.rss", "/tags/cyber-diplomacy/archive/99999999999999999999.json",
		"/search?q=cyber&page=3", "/search/feed.atom?q=(cyber", "/search/feed.json?q=%22a%20b%22*&limit=0",
		"/api/articles?order=changed&cursor=xx&since=2026-11-20&tag=a+b&source=3&q=cyber*",
		"/api/articles?order=rank&q=grid&limit=1", "/api/articles?since=2026-11-20T10:00:00%2B14:00&origin=external",
		"/api/changes?cursor=YzF8Mw&limit=2", "/api/articles/a1/versions?limit=-1", "/api/tags/cyber-diplomacy",
		"/articles/a1/grid-drill", "/articles/a1/%E6%B5%B7", "/tags/cyber-diplomacy", "/s/badtoken/tags/x/feed.atom",
		"/feeds.opml", "/static/../../etc/passwd", "/healthz?verbose=1", "/websub", "/%zz",
	} {
		f.Add(s)
	}
	a := newFuzzAPI(f)
	for i, title := range []string{"Grid operators drill for a cyberattack", "海底ケーブルの切断想定", "Sanctions"} {
		body := fmt.Sprintf(`{"title":%q,"content":"<p>x</p>","published":"2026-11-2%dT10:00:00Z","tags":["cyber-diplomacy"]}`, title, i)
		if w := a.do("PUT", fmt.Sprintf("/api/articles/a%d", i), body, "Content-Type", "application/json"); w.Code != 201 {
			f.Fatalf("PUT a%d: status %d: %s", i, w.Code, w.Body)
		}
	}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(target, "/") {
			return // net/http answers such a request line itself
		}
		r := httptest.NewRequest("GET", "http://news.example.org/", nil)
		r.URL, r.RequestURI = u, target
		w := httptest.NewRecorder()
		a.h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("GET %q: status %d: %s", target, w.Code, w.Body)
		}
		// A path under /api/ that no route takes (GET /api/nope) is
		// answered by the pages' 404, in HTML.
		routed := w.Code != http.StatusNotFound && w.Code != http.StatusMethodNotAllowed
		if strings.HasPrefix(u.Path, "/api/") && routed && w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("GET %q: status %d in %q, want JSON", target, w.Code, w.Header().Get("Content-Type"))
		}
	})
}
