package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
)

type atomDoc struct {
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Archive *struct{} `xml:"http://purl.org/syndication/history/1.0 archive"`
	Entries []struct {
		ID string `xml:"id"`
	} `xml:"entry"`
}

func (d *atomDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// fill stores n articles tagged alpha, with every third article (untagged)
// in between, so that the tag's archive pages are not the site's.
func fill(t *testing.T, f *fixture, n int) map[string]bool {
	t.Helper()
	want := map[string]bool{}
	var batch []feed.Article
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; len(want) < n; i++ {
		a := feed.Article{ID: fmt.Sprintf("a%05d", i), Title: fmt.Sprintf("Item %d", i), Summary: "s",
			// Published dates go back and forth so that publishing order is
			// not storing order.
			Published: start.Add(time.Duration((i*7919)%5000) * time.Hour)}
		if i%3 != 2 {
			a.Tags = []feed.ArticleTag{{Slug: "alpha"}}
		}
		batch = append(batch, a)
		if len(batch) == 200 {
			if _, err := f.db.UpsertArticles(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			for _, b := range batch {
				if len(b.Tags) > 0 {
					want[b.GUID] = true
				}
			}
			batch = batch[:0]
		}
	}
	return want
}

func TestWalkPagedAndArchivedFeeds(t *testing.T) {
	f := newFixture(t)
	want := fill(t, f, 1000)

	walk := func(start, rel string, check func(url string, resp int, d *atomDoc)) map[string]int {
		t.Helper()
		seen := map[string]int{}
		for url, hops := start, 0; url != ""; hops++ {
			if hops > 100 {
				t.Fatalf("%s: more than 100 documents; a loop?", start)
			}
			resp, body := f.do("GET", strings.TrimPrefix(url, f.srv.URL), "")
			if resp.StatusCode != 200 {
				t.Fatalf("%s: got %d", url, resp.StatusCode)
			}
			var d atomDoc
			if err := xml.Unmarshal(body, &d); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			if check != nil {
				check(url, hops, &d)
			}
			for _, e := range d.Entries {
				seen[e.ID]++
			}
			url = d.link(rel)
		}
		return seen
	}
	exactlyOnce := func(name string, seen map[string]int) {
		t.Helper()
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s: %s seen %d times", name, id, n)
			}
			if !want[id] {
				t.Errorf("%s: %s is not tagged alpha", name, id)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("%s: saw %d articles, want %d", name, len(seen), len(want))
		}
	}

	exactlyOnce("paged", walk(f.srv.URL+"/tags/alpha/feed.atom?limit=100", "next", nil))

	validated := false
	archived := walk(f.srv.URL+"/tags/alpha/archive/current.atom", "prev-archive", func(url string, hops int, d *atomDoc) {
		if hops == 0 {
			if d.Archive != nil || d.link("prev-archive") == "" {
				t.Errorf("current: fh:archive %v, prev-archive %q", d.Archive != nil, d.link("prev-archive"))
			}
			return
		}
		if d.Archive == nil || d.link("current") == "" || d.link("next-archive") == "" {
			t.Errorf("%s: fh:archive %v, current %q, next-archive %q", url, d.Archive != nil, d.link("current"), d.link("next-archive"))
		}
		if !validated {
			resp, body := f.do("GET", strings.TrimPrefix(url, f.srv.URL), "")
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=2592000") {
				t.Errorf("%s: Cache-Control %q, want a long max-age", url, cc)
			}
			t.Run("archive.atom/jing", func(t *testing.T) { conformance.Atom(t, body) })
			validated = true
		}
	})
	exactlyOnce("archived", archived)

	// JSON Feed pages chain with next_url.
	seen := map[string]int{}
	for url := "/tags/alpha/feed.json?limit=250"; url != ""; {
		_, body := f.do("GET", url, "")
		var doc struct {
			NextURL string `json:"next_url"`
			Items   []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		for _, it := range doc.Items {
			seen[it.ID]++
		}
		url = strings.TrimPrefix(doc.NextURL, f.srv.URL)
	}
	exactlyOnce("json paged", seen)
}

func TestArchiveErrors(t *testing.T) {
	f := newFixture(t)
	fill(t, f, 10)
	for path, status := range map[string]int{
		"/tags/alpha/archive/current.atom": 200,
		"/tags/alpha/archive/1.atom":       302, // the open page is the current document
		"/tags/alpha/archive/99.atom":      404,
		"/tags/alpha/archive/01.atom":      404,
		"/tags/alpha/archive/x.atom":       404,
		"/tags/alpha/archive/current.txt":  404,
		"/tags/nope/archive/current.atom":  404,
		"/archive/current.rss":             200,
		"/tags/alpha/feed.atom?page=0":     400,
	} {
		if resp, _ := f.do("GET", path, ""); resp.StatusCode != status {
			t.Errorf("%s: got %d, want %d", path, resp.StatusCode, status)
		}
	}
}
