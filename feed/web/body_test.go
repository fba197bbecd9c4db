package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/rule"
	"herald/feed/websub"
	"herald/store"
	"herald/store/storetest"
)

// bodyServer is a server with a token, an article a1, a source, a
// subscriber named partner and a hub that takes every request; its log
// goes to logs.
func bodyServer(t *testing.T, logs *bytes.Buffer) (s *Server, token string, sourceID int64) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.Options{Authority: "news.example.org", SeedTags: rule.Defaults()})
	secret, hash := feed.NewTokenSecret()
	if _, err := db.CreateToken(ctx, "test", hash); err != nil {
		t.Fatal(err)
	}
	a := &feed.Article{ID: "a1", Title: "One", Content: "<p>x</p>", Published: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	if _, err := db.UpsertArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	src, err := db.CreateSource(ctx, feed.Source{URL: "https://agency.example/feed.xml", Name: "Agency", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	_, subHash := feed.NewFeedToken()
	if err := db.CreateSubscriber(ctx, &feed.Subscriber{Name: "partner", Plan: feed.PlanFull}, subHash); err != nil {
		t.Fatal(err)
	}
	s = New(db, Config{BaseURL: &url.URL{Scheme: "https", Host: "news.example.org"}, Hub: acceptingHub{},
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	return s, secret, src.ID
}

// acceptingHub takes every WebSub request.
type acceptingHub struct{}

func (acceptingHub) Request(context.Context, websub.Request) error { return nil }
func (acceptingHub) Notify()                                       {}

// bodyless lists the write routes that read no body, so that junk sent to
// them is ignored. Every other POST, PUT and PATCH of the API must refuse
// it: a new write route either reads its body through readObject (or
// decodeJSON) or is listed here.
var bodyless = map[string]bool{
	"POST /api/subscribers/{name}/rotate": true,
	"POST /api/tags/apply":                true,
}

// TestBadBodies sends every JSON write route of the route table bodies that
// are not one JSON object, or are junk, truncated or too large. Each must
// be refused with a 4xx in JSON that names the problem: never a 500, never
// a panic (which adapt would answer with a 500).
func TestBadBodies(t *testing.T) {
	var logs bytes.Buffer
	s, token, srcID := bodyServer(t, &logs)
	names := strings.NewReplacer("{id}", "a1", "{slug}", "cyber-diplomacy", "{name}", "partner")
	deep := strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000)
	for _, tt := range []struct {
		name, body string
		status     int    // 0: any 4xx, or a 2xx (an empty object may be a valid PATCH)
		says       string // what the error says
	}{
		{"null", "null", 400, "the body must be a JSON object, not null"},
		{"array", "[]", 400, "the body must be a JSON object, not an array"},
		{"string", `"x"`, 400, "the body must be a JSON object, not a string"},
		{"number", "1", 400, "the body must be a JSON object, not a number"},
		{"boolean", "true", 400, "the body must be a JSON object, not a boolean"},
		{"empty", "", 400, "the body is empty"},
		{"truncated", `{"title": "One`, 400, "the body is not valid JSON"},
		{"junk", "\x00\xff<html>", 400, "the body is not valid JSON"},
		{"two objects", `{} {}`, 400, "the body is not valid JSON"},
		{"deep nesting", deep, 400, "the body is not valid JSON"},
		{"deep object", `{"title":` + strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_001), 400, "the body is not valid JSON"},
		{"huge", `{"title":"` + strings.Repeat("x", 5<<20) + `"}`, 413, "request body is larger than 4 MiB"},
		{"empty object", `{}`, 0, ""},
		{"empty field name", `{"":1}`, 400, "the body has a field with an empty name (known: "},
		{"unknown field", `{"colour":"red"}`, 400, `the body has an unknown field "colour"`},
		{"nested junk", `{"id":{"a":[1,{"b":null}]},"title":[[[]]],"name":{},"slug":7,"url":[{}],"every":{"x":[]},` +
			`"tags":[{"slug":{"x":1}},null,[]],"plan":null,"content":{"<p>":true},"rule":[],"published":-1e400}`, 0, ""},
		{"wrong types", `{"title":1,"name":2,"slug":3,"url":4,"every":true,"tags":"x","plan":5,"rate_per_minute":"x","enabled":"yes"}`, 0, ""},
		{"null fields", `{"id":null,"title":null,"name":null,"tags":null,"url":null,"every":null,"rule":null,"published":null}`, 0, ""},
	} {
		for _, pattern := range s.patterns {
			method, path, _ := strings.Cut(pattern, " ")
			if (method != "POST" && method != "PUT" && method != "PATCH") || !strings.HasPrefix(path, "/api/") || bodyless[pattern] {
				continue
			}
			path = names.Replace(path)
			if strings.HasPrefix(pattern, method+" /api/sources/") {
				path = strings.Replace(path, "a1", strconv.FormatInt(srcID, 10), 1)
			}
			t.Run(tt.name+"/"+pattern, func(t *testing.T) {
				logs.Reset()
				r := httptest.NewRequest(method, path, strings.NewReader(tt.body))
				r.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				var answer apiError
				json.Unmarshal(w.Body.Bytes(), &answer)
				switch {
				case w.Code >= 500 || strings.Contains(logs.String(), `"level":"ERROR"`):
					t.Fatalf("got %d %s; logged %s", w.Code, w.Body.Bytes(), logs.Bytes())
				case tt.status != 0 && (w.Code != tt.status || !strings.HasPrefix(answer.Error, tt.says)):
					t.Errorf("got %d %q, want %d %q...", w.Code, answer.Error, tt.status, tt.says)
				case tt.status == 0 && w.Code >= 300 && answer.Error == "":
					t.Errorf("got %d %s, want an error that says what is wrong", w.Code, w.Body.Bytes())
				}
				if ct := w.Header().Get("Content-Type"); ct != jsonType {
					t.Errorf("Content-Type %q, want %q", ct, jsonType)
				}
			})
		}
	}
}

// TestBodyLimitIsOnWhatWasSent posts an article whose HTML has many tags:
// 2 MB as sent, well within the 4 MiB limit, and over 4 MiB if "<" and ">"
// were re-encoded as \u003c and \u003e. It must be stored.
func TestBodyLimitIsOnWhatWasSent(t *testing.T) {
	var logs bytes.Buffer
	s, token, _ := bodyServer(t, &logs)
	content := strings.Repeat("<p><b>x</b></p>", 2_000_000/15)
	body, _ := json.Marshal(map[string]string{"title": "Many tags", "published": "2026-11-20", "content": content})
	body = bytes.ReplaceAll(body, []byte(`\u003c`), []byte("<"))
	body = bytes.ReplaceAll(body, []byte(`\u003e`), []byte(">"))
	if len(body) > maxBody {
		t.Fatalf("the test body is %d bytes, over the limit", len(body))
	}
	r := httptest.NewRequest("PUT", "/api/articles/many-tags", bytes.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		t.Fatalf("PUT of %d bytes: got %d %s, want 201", len(body), w.Code, w.Body.Bytes())
	}
}

// TestHubRefusesJunk sends the WebSub hub forms that are not forms, junk
// and forms too large: each is a 4xx in plain text saying what is wrong.
func TestHubRefusesJunk(t *testing.T) {
	var logs bytes.Buffer
	s, _, _ := bodyServer(t, &logs)
	const form = "application/x-www-form-urlencoded"
	for _, tt := range []struct {
		name, ctype, body string
		status            int
		says              string
	}{
		{"JSON", "application/json", `{"hub.mode":"subscribe"}`, 415, "a WebSub request is a form"},
		{"no type", "", "hub.mode=subscribe", 415, "a WebSub request is a form"},
		{"empty", form, "", 400, "hub.mode"},
		{"bad escape", form, "hub.mode=%zz&hub.topic=%", 400, "the body is not a form"},
		{"null", form, "null", 400, "hub.mode"},
		{"binary", form, "\x00\xff\xfe=\x01&&&==", 400, "hub.mode"},
		{"nested junk", form, "hub.mode[]=subscribe&hub.topic[a][b]=x&hub.callback=%00", 400, "hub.mode"},
		{"bad mode", form, "hub.mode=subscribe%00&hub.topic=https://news.example.org/feed.atom", 400, "hub.mode"},
		{"huge", form, "hub.mode=subscribe&hub.topic=" + strings.Repeat("x", 70<<10), 413, "request body is larger than 64 KiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			r := httptest.NewRequest("POST", "/websub", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.says) {
				t.Errorf("got %d %q, want %d containing %q", w.Code, w.Body.String(), tt.status, tt.says)
			}
			if strings.Contains(logs.String(), `"level":"ERROR"`) {
				t.Errorf("logged an error: %s", logs.Bytes())
			}
		})
	}
}

// TestPanicIsA500 checks the adapter's last line of defence: a handler that
// panics before answering gets a 500 in its route's format, and the panic
// is logged once, with its stack, on the request's line; one that panics
// after it began answering has its connection dropped, and is logged once.
func TestPanicIsA500(t *testing.T) {
	var logs bytes.Buffer
	s, _, _ := bodyServer(t, &logs)
	s.mux.Handle("GET /panic/before", s.adapt(apiErrors, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Location", "/somewhere")
		setID(nil, "a1") // the bug of issue 10: assignment to entry in nil map
		return nil
	}))
	s.mux.Handle("GET /panic/after", s.adapt(pageErrors, func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("half"))
		panic("after the header")
	}))
	srv := httptest.NewServer(s)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/panic/before")
	if err != nil {
		t.Fatal(err)
	}
	var answer apiError
	json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	if resp.StatusCode != 500 || answer.Error != "Internal Server Error" || resp.Header.Get("Location") != "" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("panic before answering: got %d %q %v, want a plain 500 in JSON", resp.StatusCode, answer.Error, resp.Header)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"status":500`) || !strings.Contains(lines[0], "assignment to entry in nil map") ||
		!strings.Contains(lines[0], `"stack":"goroutine`) {
		t.Errorf("panic before answering: got %d log lines, want one with the status, the panic and its stack:\n%s", len(lines), logs.String())
	}

	logs.Reset()
	// A fresh connection: on a reused one the client would try again.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(srv.URL + "/panic/after"); err == nil {
		_, err = bytes.NewBuffer(nil).ReadFrom(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("panic after answering: the answer ended cleanly; want it cut off")
		}
	}
	srv.Close() // waits for the handler, and its log line
	lines = strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "after the header") {
		t.Errorf("panic after answering: got %d log lines, want one naming the panic:\n%s", len(lines), logs.String())
	}
}

// setID sets the id of fields, which the caller forgot to make.
func setID(fields map[string]string, id string) { fields["id"] = id }
