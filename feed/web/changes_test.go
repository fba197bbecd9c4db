package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
	"herald/feed/web"
)

// nextLink returns the target of a response's Link rel="next", or "".
func nextLink(resp *http.Response) string {
	m := regexp.MustCompile(`<([^>]+)>;\s*rel="next"`).FindStringSubmatch(resp.Header.Get("Link"))
	if m == nil {
		return ""
	}
	return m[1]
}

// TestPollingWalkWhileInserting is a client walking /api/articles in the
// polling order by its Link headers while another goroutine stores
// articles: it sees every article once, those there at the start and those
// added meanwhile.
func TestPollingWalkWhileInserting(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const initial, added = 60, 40
	var batch []feed.Article
	for i := range initial {
		batch = append(batch, feed.Article{ID: fmt.Sprintf("old-%02d", i), Title: "Old story", Content: "<p>x</p>",
			Published: time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC)})
	}
	if _, err := f.db.UpsertArticles(ctx, batch); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	inserted := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range added {
			a := feed.Article{ID: fmt.Sprintf("new-%02d", i), Title: "New story", Content: "<p>y</p>",
				Published: time.Date(2026, 1, 1, i%24, 30, 0, 0, time.UTC)} // among the old ones
			if _, err := f.db.UpsertArticle(ctx, &a); err != nil {
				t.Error(err)
				return
			}
			select {
			case inserted <- struct{}{}:
			default:
			}
		}
	})
	seen := map[string]int{}
	path := "/api/articles?order=changed&limit=7"
	cursor := ""
	finished := false
	for pages := 0; pages < 10*(initial+added); pages++ {
		select {
		case <-done:
			finished = true
		default:
		}
		p := path
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		resp, body := f.do("GET", p, "")
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
			t.Fatalf("GET %s: %d, ETag %q", p, resp.StatusCode, resp.Header.Get("ETag"))
		}
		var list struct {
			Articles   []feed.Article `json:"articles"`
			NextCursor string         `json:"next_cursor"`
			HasMore    bool           `json:"has_more"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		for _, a := range list.Articles {
			seen[a.ID]++
		}
		if next := nextLink(resp); (next != "") != list.HasMore || (next != "" && !strings.Contains(next, "cursor="+list.NextCursor)) {
			t.Fatalf("Link %q with has_more %t and next_cursor %s", resp.Header.Get("Link"), list.HasMore, list.NextCursor)
		}
		if list.NextCursor != "" {
			cursor = list.NextCursor
		}
		if !list.HasMore {
			if finished {
				break
			}
			select { // caught up: wait for the next insert
			case <-inserted:
			case <-done:
			}
		}
	}
	wg.Wait()
	for i := range initial {
		if id := fmt.Sprintf("old-%02d", i); seen[id] != 1 {
			t.Errorf("%s, there at the start, seen %d times", id, seen[id])
		}
	}
	for i := range added {
		if id := fmt.Sprintf("new-%02d", i); seen[id] != 1 {
			t.Errorf("%s, added during the walk, seen %d times", id, seen[id])
		}
	}
	if len(seen) != initial+added {
		t.Errorf("saw %d articles, want %d", len(seen), initial+added)
	}

	// The end of the walk is a place to poll from: 304 until something changes.
	last := path + "&cursor=" + cursor
	resp, _ := f.do("GET", last, "")
	if again, _ := f.do("GET", last, "", "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != 304 {
		t.Errorf("poll with nothing new: got %d, want 304", again.StatusCode)
	}
	f.put("old-00", "Old story, edited", "z")
	resp, body := f.do("GET", last, "", "If-None-Match", resp.Header.Get("ETag"))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"old-00"`) {
		t.Errorf("poll after an edit: got %d %s, want the edited article", resp.StatusCode, body)
	}
}

func TestArticleListParameters(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "One", "x", "alpha")
	f.now = f.now.Add(time.Hour)
	f.put("a2", "Two", "x", "beta")
	if got := f.searchIDs("since=" + f.now.Format(time.RFC3339)); len(got) != 1 || got[0] != "a2" {
		t.Errorf("since: got %q, want [a2]", got)
	}
	if got := f.searchIDs("tag=alpha"); len(got) != 1 || got[0] != "a1" {
		t.Errorf("tag: got %q, want [a1]", got)
	}
	if got := f.searchIDs("source=3"); len(got) != 0 {
		t.Errorf("source without articles: got %q", got)
	}
	for _, tt := range []struct {
		query  string
		status int
		want   string
	}{
		{"since=yesterday", 400, "since must be"},
		{"source=x", 400, "source must be"},
		{"order=sideways", 400, "order must be"},
		{"limit=0", 400, "limit must be"},
		{"cursor=bm9wZQ", 422, "cursor: is not a cursor"},
	} {
		resp, body := f.do("GET", "/api/articles?"+tt.query, "")
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: got %d %s, want %d saying %q", tt.query, resp.StatusCode, body, tt.status, tt.want)
		}
	}
	// A cursor belongs to its query.
	resp, body := f.do("GET", "/api/articles?limit=1", "")
	var list struct {
		NextCursor string `json:"next_cursor"`
	}
	json.Unmarshal(body, &list)
	if nextLink(resp) == "" {
		t.Errorf("first of two pages has no Link rel=next")
	}
	if resp, body := f.do("GET", "/api/articles?tag=alpha&cursor="+list.NextCursor, ""); resp.StatusCode != 422 || !strings.Contains(string(body), "other filters") {
		t.Errorf("cursor of another query: got %d %s", resp.StatusCode, body)
	}
	// Tags come with counts and an ETag.
	tags, body := f.do("GET", "/api/tags", "")
	if !strings.Contains(string(body), `"slug": "alpha"`) || !strings.Contains(string(body), `"articles": 1`) {
		t.Errorf("tags: %s", body)
	}
	if again, _ := f.do("GET", "/api/tags", "", "If-None-Match", tags.Header.Get("ETag")); again.StatusCode != 304 {
		t.Errorf("tags with their ETag: got %d, want 304", again.StatusCode)
	}
}

// tombstoneDoc is what the tombstone test reads of an Atom feed.
type tombstoneDoc struct {
	Deleted []struct {
		Ref  string `xml:"ref,attr"`
		When string `xml:"when,attr"`
	} `xml:"http://purl.org/atompub/tombstones/1.0 deleted-entry"`
	Entries []struct {
		ID string `xml:"id"`
	} `xml:"http://www.w3.org/2005/Atom entry"`
}

func TestChangesAndTombstones(t *testing.T) {
	f := newFixture(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	f.put("a1", "Grid drill", "x", "alpha")
	f.put("a2", "Water advisory", "y", "alpha")
	f.put("b1", "Other", "z", "beta")
	_, body := f.do("GET", "/api/articles/a1", "")
	var a1 feed.Article
	json.Unmarshal(body, &a1)
	f.now = f.now.Add(time.Hour)
	if resp, _ := f.do("DELETE", "/api/articles/a1", "", auth...); resp.StatusCode != 204 {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}

	// The log, a page at a time by its Link headers.
	var log []string
	next := "/api/changes?limit=2"
	for next != "" {
		resp, body := f.do("GET", strings.TrimPrefix(next, f.srv.URL), "")
		var page struct {
			Changes []feed.ArticleChange `json:"changes"`
		}
		if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", next, resp.StatusCode, body)
		}
		for _, c := range page.Changes {
			log = append(log, fmt.Sprintf("%s %s", c.Change, c.ArticleID))
			if c.Change == feed.Deleted && (c.GUID != a1.GUID || !c.At.Equal(f.now)) {
				t.Errorf("deletion: got %+v, want guid %s at %v", c, a1.GUID, f.now)
			}
		}
		next = nextLink(resp)
	}
	if want := "created a1,created a2,created b1,deleted a1"; strings.Join(log, ",") != want {
		t.Errorf("change log: got %s, want %s", strings.Join(log, ","), want)
	}
	if resp, _ := f.do("GET", "/api/changes?cursor=zz", ""); resp.StatusCode != 422 {
		t.Errorf("bad cursor: got %d, want 422", resp.StatusCode)
	}

	// The Atom feeds of its tags say it is gone; the others do not.
	feedOf := func(path string) tombstoneDoc {
		t.Helper()
		resp, body := f.do("GET", path, "")
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		var d tombstoneDoc
		if err := xml.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	alpha := feedOf("/tags/alpha/feed.atom")
	if len(alpha.Deleted) != 1 || alpha.Deleted[0].Ref != a1.GUID || alpha.Deleted[0].When != f.now.Format(time.RFC3339) {
		t.Errorf("alpha feed tombstones: got %+v, want %s", alpha.Deleted, a1.GUID)
	}
	if len(alpha.Entries) != 1 {
		t.Errorf("alpha entries: got %d, want 1", len(alpha.Entries))
	}
	if d := feedOf("/feed.atom"); len(d.Deleted) != 1 {
		t.Errorf("site feed tombstones: got %+v, want 1", d.Deleted)
	}
	if d := feedOf("/tags/beta/feed.atom"); len(d.Deleted) != 0 {
		t.Errorf("beta feed tombstones: got %+v, want none", d.Deleted)
	}
	_, doc := f.do("GET", "/tags/alpha/feed.atom", "")
	t.Run("atom/jing", func(t *testing.T) { conformance.Atom(t, doc) })
	if _, rss := f.do("GET", "/tags/alpha/feed.rss", ""); strings.Contains(string(rss), a1.GUID) {
		t.Errorf("RSS carries the deleted article")
	}

	// After 30 days the tombstone leaves the feed (at its next rebuild).
	f.now = f.now.Add(31 * 24 * time.Hour)
	f.put("a3", "Later", "w", "alpha")
	if d := feedOf("/tags/alpha/feed.atom"); len(d.Deleted) != 0 || len(d.Entries) != 2 {
		t.Errorf("a month later: got %d tombstones and %d entries, want 0 and 2", len(d.Deleted), len(d.Entries))
	}
}

func TestArticleVersionsAPI(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) { c.PublicContent = feed.PlanSummary })
	auth := []string{"Authorization", "Bearer " + f.token}
	f.put("a1", "First", "one")
	f.now = f.now.Add(time.Hour)
	f.put("a1", "Second", "two")
	f.now = f.now.Add(time.Hour)
	f.put("a1", "Third", "three")
	var list struct {
		ID       string                `json:"id"`
		Versions []feed.ArticleVersion `json:"versions"`
	}
	resp, body := f.do("GET", "/api/articles/a1/versions", "", auth...)
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("versions: %d %s", resp.StatusCode, body)
	}
	var got []string
	for _, v := range list.Versions {
		got = append(got, fmt.Sprintf("%d %t %s %s", v.Version, v.Current, v.Article.Title, v.Article.Content))
	}
	want := []string{"3 true Third <p>three</p>", "2 false Second <p>two</p>", "1 false First <p>one</p>"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("versions: got %q, want %q", got, want)
	}
	if list.Versions[1].ContentHash == "" || list.Versions[1].ContentHash == list.Versions[0].ContentHash {
		t.Errorf("content hashes: %q, %q", list.Versions[0].ContentHash, list.Versions[1].ContentHash)
	}
	if !list.Versions[1].Replaced.Equal(f.now) || !list.Versions[0].Saved.Equal(f.now) {
		t.Errorf("times: version 2 replaced %v, version 3 saved %v; want both %v", list.Versions[1].Replaced, list.Versions[0].Saved, f.now)
	}
	if resp.Header.Get("ETag") == "" {
		t.Errorf("versions list has no ETag")
	}
	// Summary-only public content: no full text of any version without a token.
	_, body = f.do("GET", "/api/articles/a1/versions", "")
	if strings.Contains(string(body), "<p>") {
		t.Errorf("public versions carry full text: %s", body)
	}
	if resp, _ := f.do("GET", "/api/articles/nope/versions", ""); resp.StatusCode != 404 {
		t.Errorf("unknown article: got %d, want 404", resp.StatusCode)
	}
}
