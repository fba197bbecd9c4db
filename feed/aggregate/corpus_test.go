package aggregate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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

// TestCorpus fetches and parses every file of the shared corpus (feeds from
// gofeed's and Miniflux's test suites) through a local server. Each must
// give articles, an empty feed, or an error; none may panic or hang.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
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

	types := map[string]string{".json": "application/json", ".html": "text/html"}
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
		ct := types[path.Ext(rel)]
		if ct == "" {
			ct = "application/xml" // no charset: the file decides
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
