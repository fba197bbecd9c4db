package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
	"herald/feed/render"
	"herald/store"
	"herald/store/storetest"
)

// TestEmbargoEndToEnd runs herald serve on SQLite and follows an embargoed
// article through it: held back from every public read (its permalink a
// 404), in an early-access partner's token feeds at once, marked in every
// format, which still pass the validators; moved earlier, it is lifted by
// the server's timer, appears everywhere, and the WebSub subscriber of the
// site feed gets a push with it.
func TestEmbargoEndToEnd(t *testing.T) {
	s, _ := serveDB(t, filepath.Join(t.TempDir(), "herald.db"), "--poll=false", "--allow-private-callbacks",
		"--hub-check-every", "50ms")
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := s.herald(t, args...)
		if code != 0 {
			t.Fatalf("herald %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return strings.TrimSpace(out)
	}
	token := must("token", "create", "desk")
	early := must("subscriber", "add", "wire", "--early-access")
	plain := must("subscriber", "add", "reader")
	get := func(path, tok string) (int, string, string) {
		t.Helper()
		resp, body := s.do(t, "GET", path, tok, "")
		return resp.StatusCode, string(body), resp.Header.Get("Etag")
	}
	put := func(id, body string, want int) string {
		t.Helper()
		resp, out := s.do(t, "PUT", "/api/articles/"+id, token, body)
		if resp.StatusCode != want {
			t.Fatalf("PUT %s: got %d %s, want %d", id, resp.StatusCode, out, want)
		}
		return string(out)
	}
	put("grid", `{"title":"Grid drill held","content":"<p>Operators drilled.</p>","published":"2026-11-20T09:00:00Z","tags":["critical-infrastructure"]}`, 201)

	// What the public sees before the embargoed article is written, to
	// compare with after: counts must not move.
	requestTime := regexp.MustCompile(`<dateCreated>[^<]*</dateCreated>`)
	snapshot := func() map[string]string {
		out := map[string]string{}
		for _, p := range []string{"/feeds.opml", "/api/tags", "/api/changes", "/api/articles", "/archive/current.atom",
			"/tags/critical-infrastructure/feed.atom", "/feed.rss", "/feed.atom", "/feed.json", "/"} {
			_, body, _ := get(p, "")
			out[p] = requestTime.ReplaceAllString(body, "")
		}
		return out
	}
	before := snapshot()

	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	saved := put("zephyr", fmt.Sprintf(`{"title":"Zephyr pact signed","content":"<p>The zephyr pact.</p>","tags":["critical-infrastructure"],"embargo_until":%q}`,
		until.Format(time.RFC3339)), 201)
	if !strings.Contains(saved, `"embargo_until": "`+until.Format(time.RFC3339)) {
		t.Errorf("PUT answer lacks the embargo: %s", saved)
	}

	// Hidden from every public read.
	for p, want := range before {
		if _, got, _ := get(p, ""); requestTime.ReplaceAllString(got, "") != want {
			t.Errorf("GET %s changed with an embargoed article stored:\n%s", p, firstDiff([]byte(got), []byte(want)))
		}
	}
	for _, p := range []string{"/articles/zephyr", "/articles/zephyr/zephyr-pact-signed", "/api/articles/zephyr", "/api/articles/zephyr/versions"} {
		if code, body, _ := get(p, ""); code != 404 {
			t.Errorf("GET %s: %d, want 404: %.200s", p, code, body)
		}
	}
	for _, p := range []string{"/search?q=zephyr", "/api/articles?q=zephyr", "/search/feed.atom?q=zephyr", "/s/" + plain + "/feed.atom"} {
		if _, body, _ := get(p, ""); strings.Contains(body, "Zephyr pact") {
			t.Errorf("GET %s shows the embargoed article", p)
		}
	}
	// An editor with an API token may read it.
	if code, body, _ := get("/api/articles/zephyr", token); code != 200 || !strings.Contains(body, "embargo_until") {
		t.Errorf("editor's GET: %d %.200s; want 200 with embargo_until", code, body)
	}

	// The early-access partner has it at once, marked, in all three formats.
	for _, ext := range []string{"rss", "atom", "json"} {
		code, body, etag := get("/s/"+early+"/feed."+ext, "")
		if code != 200 || !strings.Contains(body, "Zephyr pact") || !strings.Contains(body, "Embargoed until "+until.Format("2006-01-02 15:04 UTC")) {
			t.Errorf("early-access feed.%s: %d, want the article with its embargo line: %.300s", ext, code, body)
		}
		mark := "<herald:embargo-until>" + until.Format(time.RFC3339) + "</herald:embargo-until>"
		if ext == "json" {
			mark = `"_herald":{"origin":"own","embargo_until":"` + until.Format(time.RFC3339) + `"}`
		}
		if !strings.Contains(body, mark) {
			t.Errorf("early-access feed.%s lacks %s", ext, mark)
		}
		if ext != "json" && !strings.Contains(body, `xmlns:herald="`+render.NSHerald+`"`) {
			t.Errorf("early-access feed.%s does not declare herald's namespace", ext)
		}
		if _, _, plainETag := get("/s/"+plain+"/feed."+ext, ""); plainETag == etag {
			t.Errorf("feed.%s: the early-access and the ordinary token feeds have one ETag, %s", ext, etag)
		}
		t.Run("validators/"+ext, func(t *testing.T) {
			doc := []byte(body)
			switch ext {
			case "atom":
				conformance.Atom(t, doc)
				conformance.FeedParser(t, doc, 2)
			case "rss":
				conformance.FeedParser(t, doc, 2)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/rss+xml")
					w.Write(doc)
				}))
				defer srv.Close()
				conformance.Newsboat(t, srv.URL+"/feed.rss", 2)
			case "json":
				conformance.JSONFeed(t, doc)
			}
		})
	}

	// A WebSub subscriber of the site feed.
	sink := newPushSink(t, 0)
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {copyBase + "/feed.atom"}, "hub.callback": {sink.url + "/cb"}}
	if resp, out := s.do(t, "POST", "/websub", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 202 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, out)
	}
	waitFor(t, "the subscription", func() bool { return strings.Contains(must("hub", "list"), "verify") })

	// Moved earlier, to a second from now: the timer set for an hour is
	// set again, and lifts it.
	soon := time.Now().Add(time.Second).UTC()
	put("zephyr", fmt.Sprintf(`{"title":"Zephyr pact signed","content":"<p>The zephyr pact.</p>","tags":["critical-infrastructure"],"embargo_until":%q}`,
		soon.Format(time.RFC3339Nano)), 200)
	waitFor(t, "the lift", func() bool { code, _, _ := get("/articles/zephyr/zephyr-pact-signed", ""); return code == 200 })
	for _, p := range []string{"/feed.atom", "/feed.rss", "/feed.json", "/tags/critical-infrastructure/feed.atom", "/search?q=zephyr",
		"/api/articles?q=zephyr", "/archive/current.atom", "/api/changes"} {
		if _, body, _ := get(p, ""); !strings.Contains(body, "zephyr") && !strings.Contains(body, "Zephyr") {
			t.Errorf("GET %s after the lift lacks the article", p)
		}
	}
	_, body, _ := get("/api/articles/zephyr", "")
	var a feed.Article
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	if !a.EmbargoUntil.IsZero() || a.Published.Before(soon.Add(-time.Second)) || a.Published.After(time.Now()) {
		t.Errorf("lifted article: embargo %v, published %v; want none, published at the lift (after %v)", a.EmbargoUntil, a.Published, soon)
	}
	if _, body, _ := get("/s/"+early+"/feed.atom", ""); strings.Contains(body, "herald:embargo-until") {
		t.Errorf("the early-access feed still marks the lifted article")
	}
	waitFor(t, "the push of the lifted article", func() bool {
		for _, p := range sink.got("/cb") {
			if strings.Contains(p, "Zephyr pact") {
				return true
			}
		}
		return false
	})
	// Public now: it cannot be embargoed again.
	resp, out := s.do(t, "PUT", "/api/articles/zephyr", token,
		fmt.Sprintf(`{"title":"Zephyr pact signed","content":"<p>x</p>","embargo_until":%q}`, until.Format(time.RFC3339)))
	if resp.StatusCode != 422 || !strings.Contains(string(out), "embargo_until") {
		t.Errorf("embargo a public article: %d %s; want 422 naming embargo_until", resp.StatusCode, out)
	}
}

// TestEmbargoLiftedAtStart stores an embargoed article while no server
// runs, lets its time pass (the store that wrote it ran an hour behind),
// and starts herald serve: the article is public at once. On both engines.
func TestEmbargoLiftedAtStart(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "herald.db")
			if engine == "postgres" {
				dsn = storetest.PostgresURL(t)
			}
			ctx := context.Background()
			behind := func() time.Time { return time.Now().Add(-time.Hour) }
			db, err := store.Open(ctx, dsn, store.Options{Authority: "news.example.test", Now: behind})
			if err != nil {
				t.Fatal(err)
			}
			a := storetest.Article("held", "Zephyr at start")
			a.Published, a.EmbargoUntil = time.Time{}, time.Now().Add(-time.Minute)
			if _, err := db.UpsertArticle(ctx, &a); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s, _ := serveDB(t, dsn, "--poll=false", "--hub=false")
			waitFor(t, "the lift at start", func() bool {
				resp, _ := s.do(t, "GET", "/api/articles/held", "", "")
				return resp.StatusCode == 200
			})
			if resp, body := s.do(t, "GET", "/feed.atom", "", ""); resp.StatusCode != 200 || !strings.Contains(string(body), "Zephyr at start") {
				t.Errorf("site feed after the start: %d, lacks the article", resp.StatusCode)
			}
		})
	}
}

// TestIngestEmbargoUntil checks herald ingest --embargo-until: the file's
// article is held until then, and --embargo-until now publishes it.
func TestIngestEmbargoUntil(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "herald.db")
	file := filepath.Join(dir, "pact.md")
	if err := os.WriteFile(file, []byte("---\ntitle: Zephyr pact\n---\nThe pact.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ingestWith := func(embargo string) {
		t.Helper()
		if code, out, errOut := runHerald("ingest", "--db", dsn, file, "--embargo-until", embargo); code != 0 {
			t.Fatalf("ingest --embargo-until %s: exit %d: %s%s", embargo, code, out, errOut)
		}
	}
	look := func() (public, held bool) {
		t.Helper()
		db, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, err = db.Article(context.Background(), "pact")
		_, herr := db.EmbargoedArticle(context.Background(), "pact")
		return err == nil, herr == nil
	}
	ingestWith("2099-01-01 09:00 UTC")
	if public, held := look(); public || !held {
		t.Errorf("after --embargo-until 2099: public %v, held %v; want held only", public, held)
	}
	if code, _, errOut := runHerald("ingest", "--db", dsn, file, "--embargo-until", "someday"); code != 2 || !strings.Contains(errOut, "--embargo-until") {
		t.Errorf("--embargo-until someday: exit %d, %s; want 2 naming the flag", code, errOut)
	}
	ingestWith("now")
	if public, held := look(); !public || held {
		t.Errorf("after --embargo-until now: public %v, held %v; want public only", public, held)
	}
	// Public now: the file with a later embargo is refused, naming the field.
	code, _, errOut := runHerald("ingest", "--db", dsn, file, "--embargo-until", "2099-01-01")
	if code == 0 || !strings.Contains(errOut, "embargo_until") {
		t.Errorf("embargo a public article again: exit %d, %s; want a failure naming embargo_until", code, errOut)
	}
}
