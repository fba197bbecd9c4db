package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"herald/feed"
	"herald/feed/web"
	"herald/feed/websub"
)

// fakeHub records what the web layer hands the hub.
type fakeHub struct {
	mu       sync.Mutex
	requests []websub.Request
	notified int
	err      error
}

func (h *fakeHub) Request(_ context.Context, r websub.Request) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	h.requests = append(h.requests, r)
	return nil
}

func (h *fakeHub) Notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.notified++
}

func (h *fakeHub) taken() []websub.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]websub.Request(nil), h.requests...)
}

const externalHub = "https://hub.example.net/"

// newHubFixture is a fixture whose server runs a (fake) hub.
func newHubFixture(t *testing.T) (*fixture, *fakeHub) {
	t.Helper()
	hub := &fakeHub{}
	f := newFixtureWith(t, func(c *web.Config) {
		c.Hub = hub
		c.HubURLs = []string{c.BaseURL.String() + "/websub", externalHub}
	})
	return f, hub
}

// postHub sends a form to /websub.
func (f *fixture) postHub(kv ...string) (*http.Response, string) {
	f.t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	resp, body := f.do("POST", "/websub", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	return resp, string(body)
}

func TestHubSubscribeRequest(t *testing.T) {
	f, hub := newHubFixture(t)
	topic := f.srv.URL + "/tags/cyber-diplomacy/feed.atom"
	resp, body := f.postHub("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", "https://sub.example.com/cb?x=1",
		"hub.lease_seconds", "86400", "hub.secret", "s3cret")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe: got %d %s, want 202", resp.StatusCode, body)
	}
	got := hub.taken()
	if len(got) != 1 {
		t.Fatalf("hub got %d requests, want 1", len(got))
	}
	if r := got[0]; r.Mode != websub.Subscribe || r.Topic != topic || r.Callback != "https://sub.example.com/cb?x=1" || r.Secret != "s3cret" || r.Lease.Hours() != 24 {
		t.Errorf("hub got %+v", r)
	}
	// A publish ping names topics of this site.
	resp, body = f.postHub("hub.mode", "publish", "hub.url", f.srv.URL+"/feed.json")
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("publish: got %d %s, want 204", resp.StatusCode, body)
	}
	// Subscribers of a tag that is gone can still leave.
	f.put("x1", "Note", "a note", "short-lived")
	if resp, _ := f.do("DELETE", "/api/tags/short-lived", "", "Authorization", "Bearer "+f.token); resp.StatusCode != 204 {
		t.Fatalf("delete tag: %d", resp.StatusCode)
	}
	resp, body = f.postHub("hub.mode", "unsubscribe", "hub.topic", f.srv.URL+"/tags/short-lived/feed.atom", "hub.callback", "https://sub.example.com/cb")
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("unsubscribe from a deleted tag: got %d %s, want 202", resp.StatusCode, body)
	}
}

func TestHubRefusesBadRequests(t *testing.T) {
	f, hub := newHubFixture(t)
	f.put("a1", "Water plant hit", "hackers reached a water treatment plant", "alpha")
	if resp, _ := f.do("PATCH", "/api/tags/alpha", `{"slug":"alpha-2"}`, "Authorization", "Bearer "+f.token); resp.StatusCode != 200 {
		t.Fatalf("rename: %d", resp.StatusCode)
	}
	cb := "https://sub.example.com/cb"
	base := f.srv.URL
	for _, tc := range []struct {
		name  string
		form  []string
		field string // named in the answer
	}{
		{"another site's feed", []string{"hub.mode", "subscribe", "hub.topic", "https://elsewhere.example/feed.atom", "hub.callback", cb}, "hub.topic"},
		{"not a feed", []string{"hub.mode", "subscribe", "hub.topic", base + "/articles/a1", "hub.callback", cb}, "hub.topic"},
		{"unknown tag", []string{"hub.mode", "subscribe", "hub.topic", base + "/tags/no-such-tag/feed.atom", "hub.callback", cb}, "no tag"},
		{"renamed tag", []string{"hub.mode", "subscribe", "hub.topic", base + "/tags/alpha/feed.atom", "hub.callback", cb}, "/tags/alpha-2/feed.atom"},
		{"tags out of order", []string{"hub.mode", "subscribe", "hub.topic", base + "/tags/cyber-diplomacy+alpha-2/feed.atom", "hub.callback", cb}, "subscribe to " + base + "/tags/alpha-2+cyber-diplomacy/feed.atom"},
		{"second page", []string{"hub.mode", "subscribe", "hub.topic", base + "/feed.atom?page=2", "hub.callback", cb}, "first page"},
		{"default spelled out", []string{"hub.mode", "subscribe", "hub.topic", base + "/feed.atom?limit=50", "hub.callback", cb}, base + "/feed.atom"},
		{"bad query", []string{"hub.mode", "subscribe", "hub.topic", base + "/feed.atom?limit=0", "hub.callback", cb}, "limit"},
		{"ftp callback", []string{"hub.mode", "subscribe", "hub.topic", base + "/feed.atom", "hub.callback", "ftp://sub.example.com/"}, "hub.callback"},
		{"no mode", []string{"hub.topic", base + "/feed.atom", "hub.callback", cb}, "hub.mode"},
		{"publish elsewhere", []string{"hub.mode", "publish", "hub.url", "https://elsewhere.example/feed.atom"}, "hub.topic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.postHub(tc.form...)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.field) {
				t.Errorf("got %d %q, want 400 naming %s", resp.StatusCode, body, tc.field)
			}
		})
	}
	if got := hub.taken(); len(got) != 0 {
		t.Errorf("the hub got refused requests: %+v", got)
	}
	resp, _ := f.do("POST", "/websub", `{"hub.mode":"subscribe"}`, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: got %d, want 415", resp.StatusCode)
	}
	resp, _ = f.do("GET", "/websub", "")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /websub: got %d Allow %q, want 405 Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	hub.err = websub.ErrBusy
	resp, _ = f.postHub("hub.mode", "subscribe", "hub.topic", base+"/feed.atom", "hub.callback", cb)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("busy hub: got %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	hub.err = feed.Invalid("hub.callback", "is a loopback address")
	resp, body := f.postHub("hub.mode", "subscribe", "hub.topic", base+"/feed.atom", "hub.callback", cb)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "loopback") {
		t.Errorf("callback refused by the hub: got %d %q, want 400 saying why", resp.StatusCode, body)
	}
}

func TestHubSecretNeedsHTTPS(t *testing.T) {
	f, hub := newHubFixture(t)
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {f.srv.URL + "/feed.atom"},
		"hub.callback": {"https://sub.example.com/cb"}, "hub.secret": {"s3cret"}}
	for addr, want := range map[string]int{"203.0.113.9:5555": http.StatusBadRequest, "127.0.0.1:5555": http.StatusAccepted, "[::1]:5555": http.StatusAccepted} {
		req := httptest.NewRequest("POST", "/websub", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != want || (want == 400 && !strings.Contains(rec.Body.String(), "hub.secret")) {
			t.Errorf("secret from %s over HTTP: got %d %q, want %d", addr, rec.Code, rec.Body, want)
		}
	}
	if n := len(hub.taken()); n != 2 {
		t.Errorf("hub got %d requests, want the 2 from loopback", n)
	}
}

func TestNoHub(t *testing.T) {
	f := newFixture(t)
	resp, body := f.postHub("hub.mode", "subscribe", "hub.topic", f.srv.URL+"/feed.atom", "hub.callback", "https://sub.example.com/cb")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /websub without a hub: got %d %s, want 404", resp.StatusCode, body)
	}
	resp, doc := f.do("GET", "/feed.atom", "")
	if l := resp.Header.Get("Link"); strings.Contains(l, `rel="hub"`) || !strings.Contains(l, `rel="self"`) {
		t.Errorf("Link without a hub: %q, want self only", l)
	}
	if strings.Contains(string(doc), `rel="hub"`) {
		t.Error("a feed names a hub when there is none")
	}
}

func TestFeedsAdvertiseHub(t *testing.T) {
	f, hub := newHubFixture(t)
	f.put("a1", "Water plant hit", "hackers reached a water treatment plant", "alpha")
	hubURL := f.srv.URL + "/websub"
	for _, ext := range []string{"atom", "rss", "json"} {
		path := "/tags/alpha/feed." + ext
		self := f.srv.URL + path
		resp, body := f.do("GET", path, "")
		link := resp.Header.Get("Link")
		for _, want := range []string{"<" + hubURL + `>; rel="hub"`, "<" + externalHub + `>; rel="hub"`, "<" + self + `>; rel="self"`} {
			if !strings.Contains(link, want) {
				t.Errorf("%s: Link %q lacks %s", path, link, want)
			}
		}
		switch ext {
		case "json":
			var doc struct {
				Hubs []struct{ Type, URL string } `json:"hubs"`
			}
			json.Unmarshal(body, &doc)
			if len(doc.Hubs) != 1 || doc.Hubs[0].URL != hubURL || doc.Hubs[0].Type != "WebSub" {
				t.Errorf("%s: hubs %+v, want ours", path, doc.Hubs)
			}
		default:
			if !strings.Contains(string(body), `href="`+hubURL+`" rel="hub"`) && !strings.Contains(string(body), `rel="hub" href="`+hubURL+`"`) {
				t.Errorf("%s: the document does not name the hub:\n%s", path, body)
			}
		}
		// A 304 carries the links too.
		again, _ := f.do("GET", path, "", "If-None-Match", resp.Header.Get("ETag"))
		if again.StatusCode != http.StatusNotModified || again.Header.Get("Link") != link {
			t.Errorf("%s: 304 got %d with Link %q, want %q", path, again.StatusCode, again.Header.Get("Link"), link)
		}
	}
	// Only a feed's first page is a topic.
	resp, _ := f.do("GET", "/feed.atom?page=2&limit=1", "")
	if l := resp.Header.Get("Link"); resp.StatusCode == 200 && strings.Contains(l, `rel="hub"`) {
		t.Errorf("page 2: Link %q names a hub", l)
	}

	// The hub hears of writes made through the server.
	before := hub.notified
	f.put("a2", "Another", "text", "alpha")
	if hub.notified == before {
		t.Error("a write through the API did not notify the hub")
	}
}

func TestTopicIsWhatGETServes(t *testing.T) {
	f, _ := newHubFixture(t)
	f.put("a1", "Water plant hit", "hackers reached a water treatment plant", "alpha")
	for _, path := range []string{"/feed.atom", "/tags/alpha/feed.rss", "/tags/alpha/feed.json?origin=own",
		"/search/feed.atom?q=water", "/search/feed.json?limit=5&origin=own&q=water+plant", "/corrections/feed.atom", "/corrections/feed.json"} {
		c, err := f.handler.Topic(t.Context(), f.srv.URL+path)
		if err != nil {
			t.Fatalf("Topic(%s): %v", path, err)
		}
		resp, body := f.do("GET", path, "")
		if c.ETag != resp.Header.Get("ETag") || string(c.Body) != string(body) || c.ContentType != resp.Header.Get("Content-Type") {
			t.Errorf("%s: Topic gave ETag %s, %s; GET gave %s, %s", path, c.ETag, c.ContentType, resp.Header.Get("ETag"), resp.Header.Get("Content-Type"))
		}
	}
	for _, bad := range []string{"/tags/nope/feed.atom", "/search/feed.atom", "/search/feed.atom?q=x&limit=50", "/search/feed.atom?q=(x",
		"/corrections/feed.atom?limit=5", "/corrections/feed.xml"} {
		if _, err := f.handler.Topic(t.Context(), f.srv.URL+bad); !errors.Is(err, feed.ErrInvalid) {
			t.Errorf("%s: got %v, want feed.ErrInvalid", bad, err)
		}
	}
	// Search feeds advertise the hub like tag feeds.
	resp, body := f.do("GET", "/search/feed.atom?q=water", "")
	if l := resp.Header.Get("Link"); !strings.Contains(l, `rel="hub"`) || !strings.Contains(l, f.srv.URL+`/search/feed.atom?q=water>; rel="self"`) {
		t.Errorf("search feed Link %q, want hub and self", l)
	}
	if !strings.Contains(string(body), `rel="hub"`) {
		t.Errorf("search feed body names no hub")
	}
	urls, err := f.handler.TopicURLs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(urls, " "); !strings.Contains(all, f.srv.URL+"/tags/alpha/feed.json") || !strings.Contains(all, f.srv.URL+"/corrections/feed.rss") {
		t.Errorf("TopicURLs %v lacks the alpha JSON feed or the corrections RSS feed", urls)
	}
	for _, u := range urls {
		if _, err := f.handler.Topic(t.Context(), u); err != nil {
			t.Errorf("TopicURLs gave %s, which is no topic: %v", u, err)
		}
	}
}
