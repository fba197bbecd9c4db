package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// agencyRSS is an agency's feed of three press releases; guid and link
// make each item's GUID and link from its number.
func agencyRSS(guid, link func(n int) string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Agency press releases</title><link>https://agency.example/</link>
<description>Releases</description>`)
	for n, title := range []string{"Grid drill announced for the northern region", "Water utilities advisory on remote access",
		"Ministers meet on undersea cable repairs"} {
		fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><guid isPermaLink="false">%s</guid>
<description>%s, the agency said.</description><pubDate>Mon, 0%d Nov 2026 09:00:00 GMT</pubDate></item>`,
			title, link(n+1), guid(n+1), title, n+2)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// TestSourcesWithoutDuplicates follows one agency's items through three
// sources: its feed, an old URL that redirects to it, and a mirror that
// carries the same items under GUIDs of its own and links with tracking
// parameters. Each item is one article, in every feed and in search,
// crediting all three; removing the sources with --purge deletes them.
func TestSourcesWithoutDuplicates(t *testing.T) {
	agency := agencyRSS(func(n int) string { return fmt.Sprint("release-", n) },
		func(n int) string { return fmt.Sprintf("https://agency.example/releases/%d", n) })
	mirror := agencyRSS(func(n int) string { return fmt.Sprintf("https://mirror.example/p/%d", 100+n) },
		func(n int) string { return fmt.Sprintf("http://www.agency.example/releases/%d/?utm_source=mirror", n) })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agency/rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, agency)
	})
	mux.HandleFunc("GET /old/feed", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/agency/rss", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /mirror/agency.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, mirror)
	})
	feeds := httptest.NewServer(mux)
	t.Cleanup(feeds.Close)

	s := startServer(t, "--allow-private-sources", "--poll=false")
	if code, _, stderr := s.herald(t, "tags", "create", "Agencies"); code != 0 {
		t.Fatalf("tags create: %s", stderr)
	}
	for _, src := range [][]string{{"/agency/rss", "Agency"}, {"/old/feed", "Agency (old URL)"}, {"/mirror/agency.xml", "Mirror"}} {
		code, _, stderr := s.herald(t, "source", "add", feeds.URL+src[0], "--allow-private-sources", "--name", src[1], "--tag", "agencies")
		if code != 0 {
			t.Fatalf("source add %s: %s", src[0], stderr)
		}
	}
	code, out, stderr := s.herald(t, "fetch", "--allow-private-sources")
	if code != 0 || !strings.Contains(out, "3 sources: 3 fetched") || !strings.Contains(out, " 3 new items") {
		t.Fatalf("fetch: exit %d %q %q, want 3 fetched and 3 new items", code, out, stderr)
	}

	// Each item is once in the site feed, the tag feed and search.
	for _, path := range []string{"/feed.json", "/tags/agencies/feed.json", "/search/feed.json?q=drill+OR+advisory+OR+cable"} {
		titles := jsonFeedTitles(t, s, path)
		if len(titles) != 3 {
			t.Errorf("%s: got %d items %q, want the 3 releases once each", path, len(titles), titles)
		}
	}
	if got := s.count(t, "q=drill"); got != 1 {
		t.Errorf("search for drill: got %d articles, want 1", got)
	}
	code, out, _ = s.herald(t, "source", "list")
	if code != 0 || strings.Count(out, " 3 ") < 3 {
		t.Errorf("source list: every source should count the 3 items it carries:\n%s", out)
	}

	// The API lists the credits; the page credits every publisher.
	id := firstArticleID(t, s)
	resp, body := s.do(t, "GET", "/api/articles/"+id, "", "")
	var art struct {
		Provenance struct {
			SourceID int64 `json:"source_id"`
		} `json:"provenance"`
		Sources []struct {
			SourceID   int64  `json:"source_id"`
			SourceName string `json:"source_name"`
			GUID       string `json:"guid"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(body, &art); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/articles/%s: %d %s", id, resp.StatusCode, body)
	}
	if len(art.Sources) != 3 || art.Sources[0].SourceID != art.Provenance.SourceID {
		t.Errorf("the article's sources: got %+v, want 3, its provenance's first", art.Sources)
	}
	resp, _ = s.do(t, "GET", "/articles/"+id, "", "")
	loc := resp.Header.Get("Location")
	if loc == "" {
		t.Fatalf("GET /articles/%s: %d with no redirect to its slug", id, resp.StatusCode)
	}
	resp, page := s.do(t, "GET", strings.TrimPrefix(loc, s.base), "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("article page: %d", resp.StatusCode)
	}
	via := regexp.MustCompile(`via <a href="([^"]+)">([^<]+)</a>, <a href="([^"]+)">([^<]+)</a> and <a href="([^"]+)">([^<]+)</a>`).FindSubmatch(page)
	if via == nil {
		t.Errorf("the page does not credit the three sources (via A, B and C):\n%s", page)
	} else if string(via[1]) != "https://agency.example/" || !strings.Contains(string(page), ">Mirror</a>") {
		t.Errorf("via links: got %q, want the publishers' sites", via[0])
	}

	// --purge removes the items no other source carries: none, until the
	// last source goes; then every item, with tombstones in the feeds.
	code, out, stderr = s.herald(t, "source", "remove", "3", "--purge")
	if code != 0 || !strings.Contains(out, "and 0 of its 3 articles; 3 carried by other sources stay") {
		t.Fatalf("source remove 3 --purge: exit %d %q %q", code, out, stderr)
	}
	code, out, stderr = s.herald(t, "source", "remove", "2")
	if code != 0 || !strings.Contains(out, "its 3 articles stay published") {
		t.Fatalf("source remove 2: exit %d %q %q", code, out, stderr)
	}
	if got := s.count(t, "origin=external"); got != 3 {
		t.Fatalf("after removing two sources: %d articles, want the 3 the first still carries", got)
	}
	code, out, stderr = s.herald(t, "source", "remove", "--purge", "1")
	if code != 0 || !strings.Contains(out, "and 3 of its 3 articles") {
		t.Fatalf("source remove --purge 1: exit %d %q %q", code, out, stderr)
	}
	if got := s.count(t, "origin=external"); got != 0 {
		t.Errorf("after purging the last source: %d articles, want 0", got)
	}
	resp, atom := s.do(t, "GET", "/tags/agencies/feed.atom", "", "")
	if resp.StatusCode != 200 || strings.Count(string(atom), "<at:deleted-entry") != 3 {
		t.Errorf("the tag's Atom feed after the purge: %d, want 3 tombstones:\n%s", resp.StatusCode, atom)
	}
	if resp, _ := s.do(t, "GET", "/api/articles/"+id, "", ""); resp.StatusCode != 404 {
		t.Errorf("a purged article: got %d, want 404", resp.StatusCode)
	}
}

// jsonFeedTitles returns the titles of the items of the JSON Feed at path.
func jsonFeedTitles(t *testing.T, s *server, path string) []string {
	t.Helper()
	resp, body := s.do(t, "GET", path, "", "")
	var doc struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var out []string
	for _, it := range doc.Items {
		out = append(out, it.Title)
	}
	return out
}

// firstArticleID returns the ID of the newest article.
func firstArticleID(t *testing.T, s *server) string {
	t.Helper()
	resp, body := s.do(t, "GET", "/api/articles?limit=1", "", "")
	var list struct {
		Articles []struct {
			ID string `json:"id"`
		} `json:"articles"`
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Articles) == 0 {
		t.Fatalf("GET /api/articles: %d %s", resp.StatusCode, body)
	}
	return list.Articles[0].ID
}
