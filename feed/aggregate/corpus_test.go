package aggregate

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/conformance"
	"herald/feed/render"
)

// corpusDir returns the corpus folder named by HERALD_CORPUS. CI sets it
// relative to the repository root, while go test runs in the package
// folder, so a relative path that is not found here is tried from the
// module root.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HERALD_CORPUS")
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HERALD_CORPUS is not set; CI must point it at the shared feed corpus")
		}
		t.Skip("HERALD_CORPUS is not set")
	}
	if _, err := os.Stat(dir); err == nil || filepath.IsAbs(dir) {
		return dir
	}
	for root, _ := filepath.Abs("."); root != filepath.Dir(root); root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return filepath.Join(root, dir)
		}
	}
	return dir
}

// corpusFiles lists the feed files of the corpus in dir, as slash-separated
// paths relative to it.
func corpusFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch path.Ext(d.Name()) {
		case ".xml", ".json", ".html", ".rss", ".atom", ".rdf":
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read corpus %s: %v", dir, err)
	}
	if len(files) < 100 {
		t.Fatalf("found %d files in %s, want the whole corpus", len(files), dir)
	}
	return files
}

// corpusTypes are the Content-Types the corpus files are served with; the
// rest are application/xml, without a charset: the file decides.
var corpusTypes = map[string]string{".json": "application/json", ".html": "text/html"}

// TestCorpus fetches and parses every file of the shared corpus (feeds from
// gofeed's and Miniflux's test suites) through a local server. Each must
// give articles, an empty feed, or an error; none may panic or hang.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	files := corpusFiles(t, dir)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/")
		if !slices.Contains(files, rel) {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ct := corpusTypes[path.Ext(rel)]
		if ct == "" {
			ct = "application/xml"
		}
		w.Header().Set("Content-Type", ct)
		w.Write(b)
	})
	f := newFetcher(t, Options{Timeout: 10 * time.Second})

	type outcome struct {
		file      string
		articles  int
		skipped   int
		encoding  string
		feedTitle string
		err       error
	}
	results := make([]outcome, len(files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range jobs {
				src := testSource(srv.URL + "/" + (&url.URL{Path: files[i]}).EscapedPath())
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
				done := make(chan Outcome, 1)
				go func() { done <- f.Poll(ctx, src) }()
				var o Outcome
				select {
				case o = <-done:
				case <-time.After(60 * time.Second):
					// The fetch is bounded by ctx; only parsing could hang.
					t.Errorf("%s: no outcome after 60s", files[i])
					cancel()
					continue
				}
				cancel()
				r := outcome{file: files[i], err: o.Err}
				if o.Result != nil {
					r.articles, r.skipped = len(o.Result.Articles), len(o.Result.Skipped)
					r.encoding, r.feedTitle = o.Result.Encoding, o.Result.Title
					for _, a := range o.Result.Articles {
						if err := a.Validate(); err != nil {
							t.Errorf("%s: invalid article %s: %v", files[i], a.ID, err)
						}
					}
				}
				if o.Err == nil && o.Result == nil {
					t.Errorf("%s: neither a result nor an error", files[i])
				}
				results[i] = r
			}
		})
	}
	for i := range files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	var withArticles, empty, failed, articles, skipped int
	kinds := map[string]int{}
	for _, r := range results {
		switch {
		case r.err != nil:
			failed++
			if strings.Contains(r.err.Error(), "parser panic") {
				t.Errorf("%s: %v", r.file, r.err)
			}
			kinds[errorKind(r.err)]++
		case r.articles > 0:
			withArticles++
		default:
			empty++
		}
		articles += r.articles
		skipped += r.skipped
	}
	t.Logf("corpus %s: %d files: %d with articles, %d empty feeds, %d errors; %d articles, %d items skipped",
		dir, len(files), withArticles, empty, failed, articles, skipped)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range kinds {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Logf("  %4d %s", kinds[k], k)
	}
	if testing.Verbose() {
		for _, r := range results {
			if r.err != nil {
				t.Logf("  %s: %v", r.file, r.err)
			}
		}
	}

	// Real feeds in legacy or mislabelled encodings must arrive intact.
	spot := []struct {
		file, encoding, feedTitle string
		articles                  int
	}{
		{"miniflux/internal/reader/parser/testdata/large_rss.xml", "utf-8", "Artificial truth", 25},
		{"miniflux/internal/reader/parser/testdata/large_atom.xml", "utf-8", "Artificial truth", 25},
		{"miniflux/internal/reader/parser/testdata/rdf_UTF8.xml", "utf-8", "heise online News", 60},
		{"miniflux/internal/reader/parser/testdata/encoding_ISO-8859-1.xml", "windows-1252", "Golem.de", 40},
		{"miniflux/internal/reader/parser/testdata/encoding_WINDOWS-1251.xml", "windows-1251", "iBash.Org.Ru", 50},
		{"miniflux/internal/reader/parser/testdata/no_encoding_ISO-8859-1.xml", "windows-1252", "Flux RSS du magazine de psychologie Le Cercle Psy", 9},
		{"miniflux/internal/reader/encoding/testdata/koi8r.xml", "koi8-r", "Пример RSS ленты", 2},
		{"miniflux/internal/reader/encoding/testdata/windows-1252.xml", "windows-1252", "Euro €", 0},
		{"miniflux/internal/reader/encoding/testdata/windows-1252-incorrect-prolog.xml", "utf-8", "Euro €", 0},
		{"miniflux/internal/reader/encoding/testdata/utf8-incorrect-prolog.xml", "utf-8", "테스트 피드", 1},
		{"miniflux/internal/reader/encoding/testdata/invalid-prolog.xml", "utf-8", "테스트 피드", 1},
	}
	for _, want := range spot {
		i := slices.Index(files, want.file)
		if i < 0 {
			t.Errorf("%s: not in the corpus", want.file)
			continue
		}
		got := results[i]
		if got.err != nil || got.encoding != want.encoding || got.feedTitle != want.feedTitle || got.articles != want.articles {
			t.Errorf("%s: %d articles, %q from %s, err %v; want %d, %q from %s",
				want.file, got.articles, got.feedTitle, got.encoding, got.err, want.articles, want.feedTitle, want.encoding)
		}
	}
}

// errorKind groups an error for the corpus summary.
func errorKind(err error) string {
	var pe *ParseError
	switch {
	case errors.Is(err, ErrNotFeed):
		return "not a feed"
	case errors.As(err, &pe):
		msg := pe.Err.Error()
		if i := strings.Index(msg, " on line"); i > 0 {
			msg = msg[:i]
		}
		return "parse: " + msg
	default:
		return fmt.Sprintf("fetch: %T", errors.Unwrap(err))
	}
}

// A corpusFeed is what herald made of one corpus file.
type corpusFeed struct {
	file     string
	articles []feed.Article
}

// TestCorpusRepublished parses every file of the corpus as herald would
// poll it (each as a source of its own), republishes every article they
// give in one feed of each format, as herald's feeds show them, and runs
// each validator over those feeds in a subtest of its own: jing, Python's
// feedparser and newsboat (RSS and Atom), ajv (JSON Feed), and a check that
// every id, link and source URL is a URI and every atom:source has an id
// in normal form and an updated time (what the W3C validator warns of).
// Each must report nothing. When one does, the feeds at fault are named by
// running it over each corpus feed's articles alone.
func TestCorpusRepublished(t *testing.T) {
	dir := corpusDir(t)
	var (
		feeds []corpusFeed
		all   []feed.Article
	)
	for i, rel := range corpusFiles(t, dir) {
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		ct := corpusTypes[path.Ext(rel)]
		if ct == "" {
			ct = "application/xml"
		}
		feedURL := "https://feeds.example.org/" + (&url.URL{Path: rel}).EscapedPath()
		src := testSource(feedURL)
		src.ID = int64(i + 1) // article IDs differ from file to file
		r, err := Parse(body, ct, feedURL, fetchedAt, src)
		if err != nil || len(r.Articles) == 0 {
			continue
		}
		for j := range r.Articles {
			// What the store adds.
			a := &r.Articles[j]
			a.GUID = "tag:herald.example,2024:article/" + a.ID
			a.Slug = strings.ToLower(a.ID)
		}
		feeds = append(feeds, corpusFeed{file: rel, articles: r.Articles})
		all = append(all, r.Articles...)
	}
	if len(feeds) < 100 {
		t.Fatalf("%d corpus files gave articles; the corpus has more than 100 such feeds", len(feeds))
	}
	t.Logf("republishing %d articles of %d corpus feeds", len(all), len(feeds))

	checks := []struct {
		name  string
		check func(t *testing.T, arts []feed.Article) error
	}{
		{"atom/jing", func(t *testing.T, arts []feed.Article) error {
			return conformance.CheckAtom(t.Context(), republish(t, render.Atom, ".atom", arts))
		}},
		{"atom/feedparser", func(t *testing.T, arts []feed.Article) error {
			_, err := conformance.CheckFeedParser(t.Context(), republish(t, render.Atom, ".atom", arts), len(arts))
			return err
		}},
		{"rss/feedparser", func(t *testing.T, arts []feed.Article) error {
			_, err := conformance.CheckFeedParser(t.Context(), republish(t, render.RSS, ".rss", arts), len(arts))
			return err
		}},
		{"atom/newsboat", func(t *testing.T, arts []feed.Article) error {
			srv := serveBody(t, republish(t, render.Atom, ".atom", arts), "application/atom+xml; charset=utf-8")
			return conformance.CheckNewsboat(t.Context(), srv.URL+"/feed.atom", len(arts))
		}},
		{"rss/newsboat", func(t *testing.T, arts []feed.Article) error {
			srv := serveBody(t, republish(t, render.RSS, ".rss", arts), "application/rss+xml; charset=utf-8")
			return conformance.CheckNewsboat(t.Context(), srv.URL+"/feed.rss", len(arts))
		}},
		{"json/ajv", func(t *testing.T, arts []feed.Article) error {
			return conformance.CheckJSONFeed(t.Context(), republish(t, render.JSON, ".json", arts))
		}},
		{"uris", checkRepublishedURIs},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.check(t, all)
			var missing *conformance.MissingError
			switch {
			case err == nil:
				return
			case errors.As(err, &missing) && os.Getenv("CI") == "":
				t.Skipf("skipped: %v", err)
			case errors.As(err, &missing):
				t.Fatalf("%v (CI must install it)", err)
			}
			t.Errorf("the %d corpus feeds together: %v", len(feeds), err)
			named := 0
			for _, f := range feeds {
				if err := c.check(t, f.articles); err != nil {
					t.Errorf("%s: %v", f.file, err)
					if named++; named == 10 {
						t.Errorf("(and maybe more)")
						break
					}
				}
			}
		})
	}
}

// republish renders arts as a feed of herald's, in the format of fn.
func republish(t *testing.T, fn func(io.Writer, *render.Feed) error, ext string, arts []feed.Article) []byte {
	t.Helper()
	const site = "https://herald.example"
	var b bytes.Buffer
	err := fn(&b, &render.Feed{
		ID:          "tag:herald.example,2024:feed:all",
		Title:       "Herald",
		Description: "The corpus, republished",
		HomeURL:     site + "/",
		SelfURL:     site + "/feed" + ext,
		Language:    "en",
		Author:      "Herald",
		Rights:      "© Herald",
		Items:       arts,
		Link:        func(a *feed.Article) string { return site + "/articles/" + a.Slug },
		TagURL:      func(slug string) string { return site + "/tags/" + slug },
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uriPattern is RFC 3986's URI grammar, much as JSON Feed's schema checker
// (ajv-formats "uri") has it: ASCII only, every '%' an escape.
var uriPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:` +
	`(//(([A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-F]{2})*@)?(\[[0-9a-f:.]+\]|([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(:[0-9]*)?)?` +
	`([A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-F]{2})*` +
	`(\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*)?` +
	`(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*)?$`)

// checkRepublishedURIs checks what jing, feedparser and newsboat do not:
// that every id, link and source URL of the three formats is a URI (RFC
// 4287 and RSS want IRIs and URLs, JSON Feed's schema URIs; herald's are
// ASCII, so all three); and that every atom:source has an updated time and
// an id in the normal form of RFC 3986 (the W3C validator warns of both).
func checkRepublishedURIs(t *testing.T, arts []feed.Article) error {
	var (
		a struct {
			ID    string `xml:"id"`
			Links []struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Entries []struct {
				ID    string `xml:"id"`
				Links []struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
				Source *struct {
					ID      string `xml:"id"`
					Updated string `xml:"updated"`
					Links   []struct {
						Href string `xml:"href,attr"`
					} `xml:"link"`
				} `xml:"source"`
			} `xml:"entry"`
		}
		r struct {
			// The channel's link, and its atom:links.
			Links []struct {
				XMLName xml.Name
				Href    string `xml:"href,attr"`
				Text    string `xml:",chardata"`
			} `xml:"channel>link"`
			Items []struct {
				Link   string `xml:"link"`
				Source *struct {
					URL string `xml:"url,attr"`
				} `xml:"source"`
			} `xml:"channel>item"`
		}
		j struct {
			Home  string `json:"home_page_url"`
			Self  string `json:"feed_url"`
			Items []struct {
				URL         string `json:"url"`
				ExternalURL string `json:"external_url"`
			} `json:"items"`
		}
	)
	if err := xml.Unmarshal(republish(t, render.Atom, ".atom", arts), &a); err != nil {
		return err
	}
	if err := xml.Unmarshal(republish(t, render.RSS, ".rss", arts), &r); err != nil {
		return err
	}
	if err := json.Unmarshal(republish(t, render.JSON, ".json", arts), &j); err != nil {
		return err
	}
	var errs []error
	uri := func(where, s string) {
		if !uriPattern.MatchString(s) {
			errs = append(errs, fmt.Errorf("%s: %q is not a URI", where, s))
		}
	}
	uri("atom:feed/atom:id", a.ID)
	for _, l := range a.Links {
		uri("atom:feed/atom:link", l.Href)
	}
	for i, e := range a.Entries {
		where := fmt.Sprintf("atom:entry %s", arts[i].ID)
		uri(where+"/atom:id", e.ID)
		for _, l := range e.Links {
			uri(where+"/atom:link", l.Href)
		}
		s := e.Source
		if s == nil {
			errs = append(errs, fmt.Errorf("%s: no atom:source", where))
			continue
		}
		uri(where+"/atom:source/atom:id", s.ID)
		if n := feed.NormalizeIRI(s.ID); n != s.ID {
			errs = append(errs, fmt.Errorf("%s/atom:source/atom:id: %q is not in normal form (%q)", where, s.ID, n))
		}
		if s.Updated == "" {
			errs = append(errs, fmt.Errorf("%s: atom:source without atom:updated", where))
		}
		for _, l := range s.Links {
			uri(where+"/atom:source/atom:link", l.Href)
		}
	}
	for _, l := range r.Links {
		if l.XMLName.Space == "" {
			uri("rss channel/link", l.Text)
		} else {
			uri("rss channel/atom:link", l.Href)
		}
	}
	for i, it := range r.Items {
		where := fmt.Sprintf("rss item %s", arts[i].ID)
		uri(where+"/link", it.Link)
		if it.Source != nil {
			uri(where+"/source/@url", it.Source.URL)
		}
	}
	uri("json home_page_url", j.Home)
	uri("json feed_url", j.Self)
	for i, it := range j.Items {
		where := fmt.Sprintf("json item %s", arts[i].ID)
		uri(where+"/url", it.URL)
		if it.ExternalURL != "" {
			uri(where+"/external_url", it.ExternalURL)
		}
	}
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("and %d more", len(errs)-10))
	}
	return errors.Join(errs...)
}
