package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/web"
)

// addSubscriber creates a subscriber through the API and returns its token.
func (f *fixture) addSubscriber(body string) (token, feedURL string) {
	f.t.Helper()
	resp, b := f.do("POST", "/api/subscribers", body, "Authorization", "Bearer "+f.token)
	if resp.StatusCode != 201 {
		f.t.Fatalf("POST /api/subscribers: %d %s", resp.StatusCode, b)
	}
	var out struct {
		Token   string `json:"token"`
		FeedURL string `json:"feed_url"`
	}
	json.Unmarshal(b, &out)
	return out.Token, out.FeedURL
}

const secretText = "The full text that only subscribers may read"

func TestSubscriberPlans(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) { c.PublicContent = feed.PlanSummary })
	resp, _ := f.do("PUT", "/api/articles/a1?create_tags=1", `{"title":"Grid drill","summary":"A short summary.","content":"<p>`+secretText+`</p>","published":"2026-11-20","tags":["alpha"]}`,
		"Authorization", "Bearer "+f.token)
	if resp.StatusCode != 201 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}

	// Public feeds, pages and reads carry no full text.
	for _, p := range []string{"/feed.atom", "/feed.rss", "/feed.json", "/tags/alpha/feed.atom", "/tags/alpha/archive/current.atom",
		"/articles/a1/grid-drill", "/api/articles/a1", "/api/articles"} {
		resp, body := f.do("GET", p, "")
		if resp.StatusCode != 200 {
			t.Errorf("%s: got %d", p, resp.StatusCode)
		}
		if strings.Contains(string(body), secretText) {
			t.Errorf("%s leaks the full text to the public", p)
		}
		if strings.Contains(p, "feed") && strings.Contains(resp.Header.Get("Cache-Control"), "private") {
			t.Errorf("%s: a public feed is Cache-Control %q", p, resp.Header.Get("Cache-Control"))
		}
	}
	if _, body := f.do("GET", "/api/articles/a1", "", "Authorization", "Bearer "+f.token); !strings.Contains(string(body), secretText) {
		t.Errorf("the newsroom's own token does not read the full text")
	}

	full, fullURL := f.addSubscriber(`{"name":"partner","plan":"full","attribution":true}`)
	summary, _ := f.addSubscriber(`{"name":"reader","plan":"summary"}`)
	if !strings.Contains(fullURL, "/s/"+full+"/") {
		t.Errorf("feed_url %q lacks the token", fullURL)
	}
	resp, body := f.do("GET", "/s/"+full+"/tags/alpha/feed.atom", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), secretText) {
		t.Fatalf("full plan: got %d, full text %v", resp.StatusCode, strings.Contains(string(body), secretText))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("token feed Cache-Control %q, want private", cc)
	}
	if !strings.Contains(string(body), "First published by Test Desk") || !strings.Contains(string(body), "/s/"+full+"/tags/alpha/feed.atom") {
		t.Errorf("full plan feed lacks the attribution line or its own self link")
	}
	// The token feed and the public feed are cached apart.
	if _, pub := f.do("GET", "/tags/alpha/feed.atom", ""); strings.Contains(string(pub), secretText) {
		t.Errorf("the public feed picked up the subscriber's full text from the cache")
	}
	_, body = f.do("GET", "/s/"+summary+"/tags/alpha/feed.json", "")
	if strings.Contains(string(body), secretText) {
		t.Errorf("summary plan got the full text")
	}
	if _, body := f.do("GET", "/s/"+full+"/search/feed.atom?q=grid", ""); !strings.Contains(string(body), secretText) {
		t.Errorf("full plan search feed lacks the full text")
	}
	if r, body := f.do("GET", "/search/feed.atom?q=grid", ""); r.StatusCode != 200 || strings.Contains(string(body), secretText) {
		t.Errorf("public search feed: got %d, full text %v; want 200 without it", r.StatusCode, strings.Contains(string(body), secretText))
	}
	etag := resp.Header.Get("ETag")
	if r, _ := f.do("GET", "/s/"+full+"/tags/alpha/feed.atom", "", "If-None-Match", etag, "User-Agent", "Reader/2"); r.StatusCode != 304 {
		t.Errorf("token feed re-poll: got %d, want 304", r.StatusCode)
	}

	// Usage is counted and stored on flush.
	if err := f.handler.FlushUsage(context.Background()); err != nil {
		t.Fatal(err)
	}
	sub, err := f.db.Subscriber(context.Background(), "partner")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Usage.Polls != 3 || sub.Usage.NotModified != 1 || sub.Usage.UserAgents["Reader/2"] != 1 || !sub.Usage.LastSeen.Equal(f.now) {
		t.Errorf("usage: got %+v, want 3 polls (two feeds, a search), 1 not modified, Reader/2 once, last seen %v", sub.Usage, f.now)
	}

	// Revocation answers 403 at once.
	if r, _ := f.do("DELETE", "/api/subscribers/partner", "", "Authorization", "Bearer "+f.token); r.StatusCode != 204 {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if r, body := f.do("GET", "/s/"+full+"/tags/alpha/feed.atom", ""); r.StatusCode != 403 || !strings.Contains(string(body), "revoked") {
		t.Errorf("revoked token: got %d %s, want 403", r.StatusCode, body)
	}
	if r, _ := f.do("GET", "/s/hrs_madeup/feed.atom", ""); r.StatusCode != 403 {
		t.Errorf("unknown token: got %d, want 403", r.StatusCode)
	}
	// Rotation: the old token stops, the new one works.
	resp, b := f.do("POST", "/api/subscribers/reader/rotate", "", "Authorization", "Bearer "+f.token)
	var rotated struct {
		Token string `json:"token"`
	}
	json.Unmarshal(b, &rotated)
	if resp.StatusCode != 200 || rotated.Token == "" || rotated.Token == summary {
		t.Fatalf("rotate: %d %s", resp.StatusCode, b)
	}
	if r, _ := f.do("GET", "/s/"+summary+"/feed.atom", ""); r.StatusCode != 403 {
		t.Errorf("old token after rotation: got %d, want 403", r.StatusCode)
	}
	if r, _ := f.do("GET", "/s/"+rotated.Token+"/feed.atom", ""); r.StatusCode != 200 {
		t.Errorf("new token after rotation: got %d, want 200", r.StatusCode)
	}
}

func TestSubscriberTagsAndRate(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "One", "x", "alpha")
	f.put("b1", "Two", "y", "beta")
	tok, _ := f.addSubscriber(`{"name":"narrow","plan":"full","tags":["alpha"],"rate_per_minute":3}`)
	if r, _ := f.do("GET", "/s/"+tok+"/tags/alpha/feed.rss", ""); r.StatusCode != 200 {
		t.Errorf("allowed tag: got %d", r.StatusCode)
	}
	if r, body := f.do("GET", "/s/"+tok+"/tags/beta/feed.rss", ""); r.StatusCode != 403 || !strings.Contains(string(body), "alpha") {
		t.Errorf("other tag: got %d %s, want 403 naming alpha", r.StatusCode, body)
	}
	if r, _ := f.do("GET", "/s/"+tok+"/feed.rss", ""); r.StatusCode != 403 {
		t.Errorf("site feed for a tag-limited token: got %d, want 403", r.StatusCode)
	}
	// Three requests a minute: the fourth waits.
	r, _ := f.do("GET", "/s/"+tok+"/tags/alpha/feed.rss", "")
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the rate: got %d Retry-After %q, want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	f.now = f.now.Add(time.Minute)
	if r, _ := f.do("GET", "/s/"+tok+"/tags/alpha/feed.rss", ""); r.StatusCode != 200 {
		t.Errorf("a minute later: got %d, want 200", r.StatusCode)
	}
	if r, _ := f.do("POST", "/api/subscribers", `{"name":"x","plan":"gold"}`, "Authorization", "Bearer "+f.token); r.StatusCode != 422 {
		t.Errorf("bad plan: got %d, want 422", r.StatusCode)
	}
	if r, _ := f.do("GET", "/api/subscribers", ""); r.StatusCode != 401 {
		t.Errorf("subscriber list without a token: got %d, want 401", r.StatusCode)
	}
}
