package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"herald/feed"
	"herald/feed/web"
)

// apiSource is a source as the API shows it.
type apiSource struct {
	ID            int64    `json:"id"`
	URL           string   `json:"url"`
	Name          string   `json:"name"`
	Tags          []string `json:"tags"`
	Every         string   `json:"every"`
	Enabled       bool     `json:"enabled"`
	UseCategories bool     `json:"use_categories"`
	Items         int      `json:"items"`
}

func TestSourceAPI(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) {
		c.CheckSourceURL = func(_ context.Context, raw string) error {
			if strings.Contains(raw, "//10.") {
				return errors.New("refusing to connect to a private address")
			}
			return nil
		}
	})
	auth := []string{"Authorization", "Bearer " + f.token}
	decode := func(body []byte, v any) {
		t.Helper()
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
	}

	for _, path := range []string{"/api/sources", "/api/sources/1"} {
		if resp, _ := f.do("GET", path, ""); resp.StatusCode != 401 {
			t.Errorf("GET %s without a token: got %d, want 401 (sources are not public)", path, resp.StatusCode)
		}
	}
	if resp, _ := f.do("POST", "/api/sources", `{"url":"https://www.state.gov/feed"}`); resp.StatusCode != 401 {
		t.Errorf("POST without a token: got %d, want 401", resp.StatusCode)
	}

	resp, body := f.do("POST", "/api/sources?create_tags=1",
		`{"url":"https://www.state.gov/rss-feed/press-releases/feed/","tags":["Cyber Diplomacy","external"],"every":"2h"}`, auth...)
	if resp.StatusCode != 201 {
		t.Fatalf("create: got %d %s, want 201", resp.StatusCode, body)
	}
	var src apiSource
	decode(body, &src)
	if src.ID == 0 || src.Name != "www.state.gov" || strings.Join(src.Tags, ",") != "cyber-diplomacy,external" ||
		src.Every != "2h0m0s" || !src.Enabled || src.UseCategories {
		t.Errorf("created: got %+v, want the host as name, slugs, 2h, enabled", src)
	}
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "/api/sources/"+jsonNumber(src.ID)) {
		t.Errorf("Location: got %q", loc)
	}

	for _, tt := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"url":"https://www.state.gov/rss-feed/press-releases/feed/"}`, 409, "another source has this URL"},
		{`{"url":"ftp://example.gov/feed","every":"1s"}`, 422, `"field": "every"`},
		{`{"url":"http://10.0.0.5/feed"}`, 422, "refusing to connect"},
		{`{"url":"https://example.gov/feed","bogus":1}`, 400, "bogus"},
		{`{"url":"https://example.gov/feed","every":"soon"}`, 400, "every"},
	} {
		resp, body := f.do("POST", "/api/sources", tt.body, auth...)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("POST %s: got %d %s, want %d with %q", tt.body, resp.StatusCode, body, tt.status, tt.want)
		}
	}

	resp, body = f.do("GET", "/api/sources", "", auth...)
	var list struct{ Sources []apiSource }
	decode(body, &list)
	if resp.StatusCode != 200 || len(list.Sources) != 1 || list.Sources[0].ID != src.ID {
		t.Fatalf("list: got %d %s", resp.StatusCode, body)
	}
	path := "/api/sources/" + jsonNumber(src.ID)
	if resp, _ := f.do("GET", path, "", auth...); resp.StatusCode != 200 {
		t.Errorf("GET %s: got %d, want 200", path, resp.StatusCode)
	}
	for _, p := range []string{"/api/sources/999", "/api/sources/abc", "/api/sources/-1"} {
		if resp, _ := f.do("GET", p, "", auth...); resp.StatusCode != 404 {
			t.Errorf("GET %s: got %d, want 404", p, resp.StatusCode)
		}
	}

	resp, body = f.do("PATCH", path, `{"name":"State Department","enabled":false,"every":3600,"use_categories":true}`, auth...)
	if resp.StatusCode != 200 {
		t.Fatalf("PATCH: got %d %s", resp.StatusCode, body)
	}
	decode(body, &src)
	if src.Name != "State Department" || src.Enabled || src.Every != "1h0m0s" || !src.UseCategories ||
		strings.Join(src.Tags, ",") != "cyber-diplomacy,external" {
		t.Errorf("patched: got %+v, want the three fields changed and the tags kept", src)
	}
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"url":"http://10.1.2.3/feed"}`, 422},
		{`{"every":"1s"}`, 422},
		{`{"name":"  "}`, 422},
		{`{"id":7}`, 400},
	} {
		if resp, body := f.do("PATCH", path, tt.body, auth...); resp.StatusCode != tt.status {
			t.Errorf("PATCH %s: got %d %s, want %d", tt.body, resp.StatusCode, body, tt.status)
		}
	}
	stored, err := f.db.Source(t.Context(), src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "State Department" || stored.URL != "https://www.state.gov/rss-feed/press-releases/feed/" {
		t.Errorf("a refused PATCH changed the source: %+v", stored)
	}
	if resp, _ := f.do("PATCH", "/api/sources/999", `{"name":"x"}`, auth...); resp.StatusCode != 404 {
		t.Errorf("PATCH unknown: got %d, want 404", resp.StatusCode)
	}

	if resp, _ := f.do("DELETE", path, "", auth...); resp.StatusCode != 204 {
		t.Errorf("DELETE: got %d, want 204", resp.StatusCode)
	}
	if resp, _ := f.do("DELETE", path, "", auth...); resp.StatusCode != 404 {
		t.Errorf("second DELETE: got %d, want 404", resp.StatusCode)
	}
	if _, err := f.db.Source(t.Context(), src.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("after DELETE: got %v, want ErrNotFound", err)
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
