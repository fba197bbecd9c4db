package web_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"herald/feed/conformance"
)

// searchArticles stores the articles the search tests look for: English
// ones and a Japanese press release.
func searchArticles(f *fixture) {
	f.t.Helper()
	f.put("grid", "Grid operators drill", "a drill of the power grid after an intrusion into critical infrastructure", "alpha")
	f.put("water", "Water utilities warned", "infrastructure that is critical to water supply", "alpha")
	f.put("dialogue", "Cyber dialogue opens", "officials discussed norms in cyberspace")
	body := `{"title":"経済産業省、対策を強化","content":"<p>経済産業省は、サイバーセキュリティ対策の強化を発表しました。</p>","published":"2026-11-21T01:00:00Z","language":"ja"}`
	if resp, b := f.do("PUT", "/api/articles/meti-1", body, "Authorization", "Bearer "+f.token); resp.StatusCode != 201 {
		f.t.Fatalf("PUT meti-1: %d %s", resp.StatusCode, b)
	}
}

func (f *fixture) searchIDs(query string) []string {
	f.t.Helper()
	resp, body := f.do("GET", "/api/articles?"+query, "")
	if resp.StatusCode != 200 {
		f.t.Fatalf("GET /api/articles?%s: %d %s", query, resp.StatusCode, body)
	}
	var list struct {
		Articles []struct{ ID string } `json:"articles"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		f.t.Fatal(err)
	}
	ids := []string{}
	for _, a := range list.Articles {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestSearchAPI(t *testing.T) {
	f := newFixture(t)
	searchArticles(f)
	tests := []struct {
		q    string
		want []string
	}{
		{"サイバー", []string{"meti-1"}}, // inside サイバーセキュリティ
		{"対策", []string{"meti-1"}},
		{`"critical infrastructure"`, []string{"grid"}},
		{"critical infrastructure", []string{"grid", "water"}},
		{"infrastructure NOT water", []string{"grid"}},
		{"(grid OR water) NOT drill", []string{"water"}},
		{"cyber* OR サイバー", []string{"dialogue", "meti-1"}},
	}
	for _, tt := range tests {
		got := f.searchIDs("q=" + url.QueryEscape(tt.q))
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("q=%s: got %q, want %q", tt.q, got, tt.want)
		}
	}
	// Best match first: "water" is in one title, "power" in a body only.
	if got := f.searchIDs("q=power+OR+water"); !slices.Equal(got, []string{"water", "grid"}) {
		t.Errorf("rank order: got %q, want [water grid]", got)
	}
	// Filters and another order apply to a search; of two published at
	// the same time, the later stored comes first.
	if got := f.searchIDs("q=infrastructure&tag=alpha&order=published"); !slices.Equal(got, []string{"water", "grid"}) {
		t.Errorf("search in a tag: got %q, want [water grid]", got)
	}
	bad := []struct{ q, want string }{
		{"(cyber", `q: position 0: unbalanced \"(\"`},
		{"NOT cyber", "q: NOT only excludes"},
		{`"open phrase`, "q: position 0: the phrase has no closing quote"},
	}
	for _, tt := range bad {
		resp, body := f.do("GET", "/api/articles?q="+url.QueryEscape(tt.q), "")
		if resp.StatusCode != 422 || !strings.Contains(string(body), tt.want) {
			t.Errorf("q=%s: got %d %s, want 422 saying %s", tt.q, resp.StatusCode, body, tt.want)
		}
	}
	if resp, body := f.do("GET", "/api/articles?order=rank", ""); resp.StatusCode != 422 || !strings.Contains(string(body), "rank needs a search query") {
		t.Errorf("order=rank without q: got %d %s", resp.StatusCode, body)
	}
}

func TestSearchPage(t *testing.T) {
	f := newFixture(t)
	searchArticles(f)
	resp, body := f.do("GET", "/search?q="+url.QueryEscape("サイバー"), "")
	page := string(body)
	if resp.StatusCode != 200 || !strings.Contains(page, "経済産業省、対策を強化") || !strings.Contains(page, `value="サイバー"`) {
		t.Fatalf("search page: got %d\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `rel="alternate" type="application/atom+xml"`) || !strings.Contains(page, "/search/feed.atom?q=") {
		t.Errorf("search page does not offer its feed")
	}
	resp, body = f.do("GET", "/search?q="+url.QueryEscape("(cyber"), "")
	if resp.StatusCode != 422 || !strings.Contains(string(body), "This search cannot run: q: position 0: unbalanced") {
		t.Errorf("bad query page: got %d\n%s", resp.StatusCode, body)
	}
	resp, body = f.do("GET", "/search?q="+url.QueryEscape("nothingmatchesthis"), "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "No article matches") {
		t.Errorf("no results: got %d\n%s", resp.StatusCode, body)
	}
	if resp, body := f.do("GET", "/search", ""); resp.StatusCode != 200 || !strings.Contains(string(body), `role="search"`) {
		t.Errorf("empty search page: got %d", resp.StatusCode)
	}
	// Every page has the search box.
	if _, body := f.do("GET", "/", ""); !strings.Contains(string(body), `action="`+f.srv.URL+`/search"`) {
		t.Errorf("home page has no search box")
	}
}

func TestSearchFeeds(t *testing.T) {
	f := newFixture(t)
	searchArticles(f)
	q := "?q=" + url.QueryEscape("サイバー OR infrastructure")
	atom, body := f.do("GET", "/search/feed.atom"+q, "")
	if atom.StatusCode != 200 || !strings.HasPrefix(atom.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("search feed: got %d %s", atom.StatusCode, body)
	}
	if n := strings.Count(string(body), "<entry"); n != 3 {
		t.Errorf("entries: got %d, want 3", n)
	}
	if !strings.Contains(string(body), `rel="self" type="application/atom+xml"`) || !strings.Contains(string(body), "feed:search?q=") {
		t.Errorf("self link or feed id missing:\n%s", body)
	}
	t.Run("atom/jing", func(t *testing.T) { conformance.Atom(t, body) })
	_, jsonDoc := f.do("GET", "/search/feed.json"+q, "")
	t.Run("json/ajv", func(t *testing.T) { conformance.JSONFeed(t, jsonDoc) })

	// Cached like a tag feed: 304 until a matching article changes.
	again, _ := f.do("GET", "/search/feed.atom"+q, "", "If-None-Match", atom.Header.Get("ETag"))
	if again.StatusCode != 304 {
		t.Errorf("unchanged search feed: got %d, want 304", again.StatusCode)
	}
	f.put("pipeline", "Pipeline rules", "critical infrastructure operators must report")
	changed, body := f.do("GET", "/search/feed.atom"+q, "", "If-None-Match", atom.Header.Get("ETag"))
	if changed.StatusCode != 200 || strings.Count(string(body), "<entry") != 4 {
		t.Errorf("after a new match: got %d with %d entries, want 200 with 4", changed.StatusCode, strings.Count(string(body), "<entry"))
	}
	if resp, _ := f.do("GET", "/search/feed.rss", ""); resp.StatusCode != 400 {
		t.Errorf("no q: got %d, want 400", resp.StatusCode)
	}
	if resp, body := f.do("GET", "/search/feed.rss?q=NOT+x", ""); resp.StatusCode != 422 || !strings.Contains(string(body), "NOT only excludes") {
		t.Errorf("bad q: got %d %s, want 422", resp.StatusCode, body)
	}
}
