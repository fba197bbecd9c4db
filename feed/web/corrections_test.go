package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
	"herald/feed/web"
)

// putCorrected PUTs article id with body and a correction note ("" for
// none) and returns the status.
func (f *fixture) putCorrected(id, title, body, note string) (int, []byte) {
	f.t.Helper()
	a := map[string]any{"title": title, "content": "<p>" + body + "</p>", "published": "2026-11-20T10:00:00Z",
		"authors": []string{"Ana Reporter"}}
	if note != "" {
		a["correction"] = note
	}
	b, _ := json.Marshal(a)
	resp, out := f.do("PUT", "/api/articles/"+id, string(b), "Authorization", "Bearer "+f.token)
	return resp.StatusCode, out
}

// TestCorrectionsEndToEnd edits an article with a correction note through
// the API and checks everything public that follows: the note at the top
// of the article page and of its item in the three feeds, whose updated
// time and ETag move; /corrections and its feeds (valid in the third-party
// validators, with 304s); the diff page, which marks exactly the words that
// changed. An edit without a note adds no entry; a note without an edit is
// refused; deleting the article removes its corrections.
func TestCorrectionsEndToEnd(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "Grid drill planned", "Operators will drill in May with ten utilities.")
	f.put("b1", "Other news", "Nothing corrected here.")
	etags := map[string]string{}
	for _, p := range []string{"/feed.rss", "/feed.atom", "/feed.json", "/corrections/feed.atom"} {
		resp, _ := f.do("GET", p, "")
		etags[p] = resp.Header.Get("ETag")
	}
	if _, body := f.do("GET", "/corrections/feed.json", ""); !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("corrections feed before any: got %s, want no items", body)
	}

	f.now = f.now.Add(time.Hour)
	const note = "The drill is in June, not May."
	if status, body := f.putCorrected("a1", "Grid drill planned", "Operators will drill in June with ten utilities.", note); status != 200 {
		t.Fatalf("PUT with a correction: got %d %s", status, body)
	}

	// The article page: the note at the top, linking to what changed.
	_, page := f.do("GET", "/articles/a1/grid-drill-planned", "")
	want := regexp.MustCompile(`<p class="correction"><strong>Correction, <time datetime="2026-11-25T13:00:00Z">November 25, 2026</time>:</strong> The drill is in June, not May. <a href="(http://[^"]+/corrections/(\d+))">What changed</a></p>`)
	m := want.FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("article page: no correction note at the top in\n%s", page)
	}
	diffURL, diffPath := m[1], "/corrections/"+m[2]
	if strings.Index(string(page), `class="correction"`) > strings.Index(string(page), `class="body"`) {
		t.Error("article page: the note comes after the body")
	}

	// The three feeds: the note at the top of the item's content, a new
	// ETag, the item's updated time moved.
	for _, tc := range []struct{ path, updated string }{
		{"/feed.rss", ""},
		{"/feed.atom", "<updated>2026-11-25T13:00:00Z</updated>"},
		{"/feed.json", `"date_modified":"2026-11-25T13:00:00Z"`},
	} {
		resp, body := f.do("GET", tc.path, "", "If-None-Match", etags[tc.path])
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == etags[tc.path] {
			t.Errorf("%s after the correction: got %d with ETag %s, want 200 and a new ETag", tc.path, resp.StatusCode, resp.Header.Get("ETag"))
		}
		if got, want := resp.Header.Get("Last-Modified"), f.now.Format(http.TimeFormat); got != want {
			t.Errorf("%s Last-Modified: got %s, want %s", tc.path, got, want)
		}
		s := string(body)
		at, text := strings.Index(s, "Correction, November 25, 2026:"), strings.LastIndex(s, "Operators will drill in June") // the content comes after the summary
		if at < 0 || !strings.Contains(s, note) || text < at {
			t.Errorf("%s: the note is not at the top of the item's content:\n%s", tc.path, s)
		}
		if tc.updated != "" && !strings.Contains(s, tc.updated) {
			t.Errorf("%s: no %s", tc.path, tc.updated)
		}
		if strings.Count(s, "Correction, ") != 1 {
			t.Errorf("%s: %d notes, want 1 (b1 has none)", tc.path, strings.Count(s, "Correction, "))
		}
	}

	// /corrections lists it, with the feeds for autodiscovery.
	_, list := f.do("GET", "/corrections", "")
	for _, want := range []string{
		`<a class="title" href="` + f.srv.URL + `/articles/a1/grid-drill-planned">Grid drill planned</a>`,
		`<time datetime="2026-11-25T13:00:00Z">November 25, 2026</time> · <a href="` + diffURL + `">what changed</a>`,
		"<p>" + note + "</p>",
		`<link rel="alternate" type="application/atom+xml" title="Test Desk: Corrections (Atom)" href="` + f.srv.URL + `/corrections/feed.atom">`,
		`<link rel="alternate" type="application/rss+xml" title="Test Desk: Corrections (RSS)" href="` + f.srv.URL + `/corrections/feed.rss">`,
		`<link rel="alternate" type="application/feed+json" title="Test Desk: Corrections (JSON Feed)" href="` + f.srv.URL + `/corrections/feed.json">`,
	} {
		if !strings.Contains(string(list), want) {
			t.Errorf("/corrections: no %s in\n%s", want, list)
		}
	}

	// The diff page marks exactly the words that changed.
	resp, diff := f.do("GET", diffPath, "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", diffPath, resp.StatusCode)
	}
	body := regexp.MustCompile(`(?s)<div class="body diff-text">(.*?)</div>`).FindSubmatch(diff)
	if body == nil || string(body[1]) != "Operators will drill in <del>May</del> <ins>June</ins> with ten utilities." {
		t.Errorf("diff page: got body %q in\n%s", body, diff)
	}
	if !strings.Contains(string(diff), "<h1>Grid drill planned</h1>") {
		t.Errorf("diff page: the unchanged title is marked:\n%s", diff)
	}

	// The corrections feeds: in the validators, with the note and a link
	// to the diff, and 304 when asked again.
	docs := map[string][]byte{}
	for _, ext := range []string{"atom", "rss", "json"} {
		p := "/corrections/feed." + ext
		resp, doc := f.do("GET", p, "")
		if resp.StatusCode != 200 || !strings.Contains(string(doc), note) || !strings.Contains(string(doc), diffURL) {
			t.Fatalf("%s: got %d\n%s", p, resp.StatusCode, doc)
		}
		docs[ext] = doc
		if again, _ := f.do("GET", p, "", "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != 304 {
			t.Errorf("%s again: got %d, want 304", p, again.StatusCode)
		}
		etags[p] = resp.Header.Get("ETag")
	}
	const id = "tag:news.example.org,2026-11-25:article:a1:correction:2"
	t.Run("feed.atom/jing", func(t *testing.T) { conformance.Atom(t, docs["atom"]) })
	for _, ext := range []string{"atom", "rss"} {
		t.Run("feed."+ext+"/feedparser", func(t *testing.T) {
			p := conformance.FeedParser(t, docs[ext], 1)
			if e := p.Entries[0]; e.ID != id || e.Link != diffURL || e.Title != "Correction: Grid drill planned" {
				t.Errorf("entry: got %+v, want id %s linking to %s", e, id, diffURL)
			}
		})
		t.Run("feed."+ext+"/newsboat", func(t *testing.T) {
			conformance.Newsboat(t, f.srv.URL+"/corrections/feed."+ext, 1)
		})
	}
	t.Run("feed.json/ajv", func(t *testing.T) { conformance.JSONFeed(t, docs["json"]) })

	// The API lists it.
	_, api := f.do("GET", "/api/corrections?article=a1", "")
	var got struct{ Corrections []feed.Correction }
	if err := json.Unmarshal(api, &got); err != nil || len(got.Corrections) != 1 || got.Corrections[0].Note != note ||
		got.Corrections[0].Before != 1 || got.Corrections[0].After != 2 {
		t.Errorf("/api/corrections: got %s (%v)", api, err)
	}

	// A silent typo fix: the article changes, the corrections do not.
	f.now = f.now.Add(time.Hour)
	if status, body := f.putCorrected("a1", "Grid drill planned", "Operators will drill in June with ten utilites.", ""); status != 200 {
		t.Fatalf("silent fix: got %d %s", status, body)
	}
	if resp, _ := f.do("GET", "/corrections/feed.atom", "", "If-None-Match", etags["/corrections/feed.atom"]); resp.StatusCode != 304 {
		t.Errorf("corrections feed after a silent fix: got %d, want 304", resp.StatusCode)
	}
	if _, page := f.do("GET", "/articles/a1/grid-drill-planned", ""); strings.Count(string(page), `class="correction"`) != 1 {
		t.Errorf("article page after a silent fix: want the one note")
	}

	// A note on a write that changes nothing is refused.
	status, refused := f.putCorrected("a1", "Grid drill planned", "Operators will drill in June with ten utilites.", "Nothing changed.")
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(refused), "correction") {
		t.Errorf("a note without an edit: got %d %s, want 422 naming correction", status, refused)
	}

	// Deleting the article removes its corrections from the public list.
	if resp, _ := f.do("DELETE", "/api/articles/a1", "", "Authorization", "Bearer "+f.token); resp.StatusCode >= 300 {
		t.Fatalf("DELETE a1: %d", resp.StatusCode)
	}
	if _, list := f.do("GET", "/corrections", ""); strings.Contains(string(list), "Grid drill") || !strings.Contains(string(list), "No corrections.") {
		t.Errorf("/corrections after the deletion still lists it:\n%s", list)
	}
	if resp, _ := f.do("GET", diffPath, ""); resp.StatusCode != 404 {
		t.Errorf("%s after the deletion: got %d, want 404", diffPath, resp.StatusCode)
	}
	if resp, _ := f.do("GET", "/corrections/not-a-number", ""); resp.StatusCode != 404 {
		t.Errorf("/corrections/not-a-number: got %d, want 404", resp.StatusCode)
	}
}

// TestCorrectionWithheldText checks that with --public-content summary the
// diff page compares the title and summary only: the text is for
// subscribers.
func TestCorrectionWithheldText(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) { c.PublicContent = feed.PlanSummary })
	f.put("a1", "Grid drill planned", "Operators will drill in May.")
	if status, body := f.putCorrected("a1", "Grid drill planned", "Operators will drill in June.", "June, not May."); status != 200 {
		t.Fatalf("PUT: %d %s", status, body)
	}
	cs, err := f.db.Corrections(t.Context(), feed.CorrectionFilter{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("corrections: %v, %v", cs, err)
	}
	_, page := f.do("GET", "/corrections/"+strconv.FormatInt(cs[0].ID, 10), "")
	// The summary, public, is made of the first paragraph here; the body
	// is not shown.
	if strings.Contains(string(page), `class="body diff-text"`) || !strings.Contains(string(page), "The article’s text is for subscribers.") {
		t.Errorf("diff page under summary: got\n%s", page)
	}
}

// correctWater corrects the "water" article of newsroom and returns the
// path of the correction's page, for the browser test.
func correctWater(t *testing.T, f *fixture) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"title": "Water utilities told to review remote access after intrusions",
		"summary": "An advisory asks operators to audit remote access to control systems within 30 days.",
		"content": "<p>Federal agencies urged water and wastewater utilities to review remote access to their control systems after intrusions at four small operators.</p>" +
			"<p>The advisory asks operators to remove internet-facing human-machine interfaces, change default passwords and keep offline backups of programmable logic controller configurations.</p>",
		"published": "2026-11-19T14:30:00Z", "tags": []string{"Critical Infrastructure"}, "authors": []string{"Dana Whitfield"},
		"correction": "An earlier version said three operators were hit; there were four."})
	if resp, b := f.do("PUT", "/api/articles/water", string(body), "Authorization", "Bearer "+f.token); resp.StatusCode != 200 {
		t.Fatalf("PUT water with a correction: %d %s", resp.StatusCode, b)
	}
	cs, err := f.db.Corrections(t.Context(), feed.CorrectionFilter{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("corrections: got %v, %v", cs, err)
	}
	return "/corrections/" + strconv.FormatInt(cs[0].ID, 10)
}

// TestCorrectionsPaged makes more corrections than a page holds and walks
// /corrections by its "Older corrections" links and /api/corrections by
// next_cursor (and its Link header): each correction once, the latest
// first, the last page without a next, and bad cursors refused.
func TestCorrectionsPaged(t *testing.T) {
	f := newFixture(t)
	f.put("a1", "Grid drill planned", "Operators will drill.")
	const n = 53 // a page of /corrections is 50
	for i := range n {
		if status, body := f.putCorrected("a1", "Grid drill planned", "Operators will drill, take "+strconv.Itoa(i)+".",
			"Fix number "+strconv.Itoa(i)+"."); status != 200 {
			t.Fatalf("PUT %d: %d %s", i, status, body)
		}
	}
	want := make([]string, n)
	for i := range n {
		want[i] = "Fix number " + strconv.Itoa(n-1-i) + "."
	}
	note := regexp.MustCompile(`<p>(Fix number \d+\.)</p>`)
	older := regexp.MustCompile(`<a href="([^"]+)" rel="next">Older corrections</a>`)
	var got []string
	path, pages := "/corrections", 0
	for path != "" {
		resp, page := f.do("GET", path, "")
		if resp.StatusCode != 200 || pages > 3 {
			t.Fatalf("GET %s: %d (page %d)", path, resp.StatusCode, pages)
		}
		pages++
		for _, m := range note.FindAllStringSubmatch(string(page), -1) {
			got = append(got, m[1])
		}
		path = ""
		if m := older.FindStringSubmatch(string(page)); m != nil {
			path = strings.TrimPrefix(strings.ReplaceAll(m[1], "&amp;", "&"), f.srv.URL)
		}
		if pages == 2 && !strings.Contains(string(page), `<a href="`+f.srv.URL+`/corrections">Latest corrections</a>`) {
			t.Errorf("the second page does not link to the latest")
		}
	}
	if pages != 2 || !slices.Equal(got, want) {
		t.Errorf("walk of /corrections: %d pages, got %q, want %q", pages, got, want)
	}

	got, pages = nil, 0
	path = "/api/corrections?limit=20"
	for path != "" {
		resp, body := f.do("GET", path, "")
		var list struct {
			Corrections []feed.Correction `json:"corrections"`
			NextCursor  string            `json:"next_cursor"`
			HasMore     bool              `json:"has_more"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || pages > 4 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		pages++
		for _, c := range list.Corrections {
			got = append(got, c.Note)
		}
		link := resp.Header.Get("Link")
		if list.HasMore != (list.NextCursor != "") || list.HasMore != (link != "") {
			t.Errorf("page %d: has_more %v, next_cursor %q, Link %q", pages, list.HasMore, list.NextCursor, link)
		}
		path = ""
		if list.HasMore {
			path = "/api/corrections?limit=20&cursor=" + list.NextCursor
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("walk of /api/corrections: %d pages, got %q, want %q", pages, got, want)
	}
	// A full last page says there is no more.
	resp, body := f.do("GET", "/api/corrections?limit=53", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"has_more": false`) || resp.Header.Get("Link") != "" {
		t.Errorf("a page of exactly all: %d %s, Link %q", resp.StatusCode, body, resp.Header.Get("Link"))
	}
	for path, status := range map[string]int{
		"/api/corrections?cursor=x": 422, "/api/corrections?cursor=-4": 422, "/corrections?before=x": 400, "/corrections?before=0": 400,
	} {
		if resp, body := f.do("GET", path, ""); resp.StatusCode != status {
			t.Errorf("GET %s: got %d %s, want %d", path, resp.StatusCode, body, status)
		}
	}
}
