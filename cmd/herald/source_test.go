package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
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

	"golang.org/x/text/encoding/japanese"

	"herald/feed/conformance"
)

// fixtureDir holds the aggregate package's fixture feeds.
const fixtureDir = "../../feed/aggregate/testdata"

// A served file is what feedServer answers for one path.
type served struct {
	body        []byte
	contentType string
}

// feedServer serves feeds by path with an ETag, answering If-None-Match
// with 304, and counts the answers by status.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string]served
	statuses map[int]int
}

func newFeedServer(t *testing.T, files map[string]served) *feedServer {
	t.Helper()
	fs := &feedServer{files: files, statuses: map[int]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := fs.files[r.URL.Path]
		status := http.StatusOK
		defer func() {
			fs.mu.Lock()
			fs.statuses[status]++
			fs.mu.Unlock()
		}()
		if !ok {
			status = http.StatusNotFound
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(f.body)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			status = http.StatusNotModified
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		w.Write(f.body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) count(status int) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.statuses[status]
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// shiftJIS returns the fixture name, kept as UTF-8, encoded as Shift_JIS.
func shiftJIS(t *testing.T, name string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes(readFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// count returns how many articles GET /api/articles finds with query q.
func (s *server) count(t *testing.T, q string) int {
	t.Helper()
	resp, body := s.do(t, "GET", "/api/articles?limit=500&"+q, "", "")
	var list struct {
		Articles []json.RawMessage `json:"articles"`
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/articles?%s: %d %s", q, resp.StatusCode, body)
	}
	return len(list.Articles)
}

func TestSourcesEndToEnd(t *testing.T) {
	feeds := newFeedServer(t, map[string]served{
		"/state/rss": {readFixture(t, "rss2.xml"), "application/rss+xml"},
		"/cisa/atom": {readFixture(t, "atom.xml"), "application/atom+xml"},
		"/meti/rss":  {shiftJIS(t, "sjis-meti.xml"), "application/rss+xml"}, // no charset: the prolog says it
	})
	s := startServer(t, "--allow-private-sources", "--poll=false")
	code, out, stderr := s.herald(t, "token", "create", "newsroom")
	if code != 0 {
		t.Fatalf("token create: %s", stderr)
	}
	token := strings.TrimSpace(out)

	// The SSRF guard is on unless asked otherwise.
	code, _, stderr = s.herald(t, "source", "add", feeds.URL+"/state/rss")
	if code != 1 || !strings.Contains(stderr, "refusing to connect to 127.0.0.1 (loopback)") {
		t.Fatalf("adding a loopback source without --allow-private-sources: exit %d %q, want 1 and a refusal", code, stderr)
	}
	code, out, stderr = s.herald(t, "source", "add", feeds.URL+"/state/rss", "--allow-private-sources",
		"--name", "State Department", "--tag", "Cyber Diplomacy", "--tag", "external", "--categories", "--create-tags")
	if code != 0 || !strings.Contains(out, "source 1: State Department") || !strings.Contains(out, "cyber-diplomacy, external") {
		t.Fatalf("source add: exit %d %q %q", code, out, stderr)
	}
	if code, _, stderr := s.herald(t, "source", "add", feeds.URL+"/cisa/atom", "--allow-private-sources", "--tag", "external", "--every", "2h"); code != 0 {
		t.Fatalf("source add: %s", stderr)
	}
	if code, _, stderr := s.herald(t, "source", "add", feeds.URL+"/meti/rss", "--allow-private-sources", "--name", "METI", "--tag", "japan", "--create-tags"); code != 0 {
		t.Fatalf("source add: %s", stderr)
	}
	if code, _, stderr := s.herald(t, "source", "add", feeds.URL+"/cisa/atom", "--allow-private-sources"); code != 1 || !strings.Contains(stderr, "conflict") {
		t.Errorf("adding a URL twice: exit %d %q, want 1 and a conflict", code, stderr)
	}

	// The guard also holds when connecting: a fetch without the flag fails.
	code, out, stderr = s.herald(t, "fetch")
	if code != 1 || !strings.Contains(out, "3 sources: 0 fetched, 0 not modified, 3 failed") || !strings.Contains(stderr, "refusing to connect") {
		t.Fatalf("fetch without --allow-private-sources: exit %d %q %q, want 1 and 3 refused", code, out, stderr)
	}

	code, out, stderr = s.herald(t, "fetch", "--allow-private-sources")
	if code != 0 || !strings.Contains(out, "3 sources: 3 fetched, 0 not modified, 0 failed;") || strings.Contains(out, " 0 new items") {
		t.Fatalf("fetch: exit %d %q %q, want 3 fetched with new items", code, out, stderr)
	}
	external := s.count(t, "origin=external")
	if external < 8 {
		t.Fatalf("external articles: got %d, want the fixtures' items", external)
	}

	// An own article beside them, for the origin filter.
	own := `{"title":"Our analysis of the cyber dialogue","content":"<p>Our view.</p>","authors":["Ana Reporter"],"published":"2024-01-10T09:00:00Z","tags":["external"]}`
	if resp, body := s.do(t, "PUT", "/api/articles/analysis-1", token, own); resp.StatusCode != 201 {
		t.Fatalf("PUT own article: %d %s", resp.StatusCode, body)
	}
	if got := s.count(t, ""); got != external+1 {
		t.Errorf("all articles: got %d, want %d", got, external+1)
	}
	if got := s.count(t, "origin=own"); got != 1 {
		t.Errorf("own articles: got %d, want 1", got)
	}

	// Aggregated items appear in tag feeds with their provenance, in every
	// format, valid.
	resp, body := s.do(t, "GET", "/tags/external/feed.rss?limit=500", "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("tag feed: %d", resp.StatusCode)
	}
	var rss struct {
		Items []struct {
			Title  string `xml:"title"`
			Source *struct {
				URL  string `xml:"url,attr"`
				Name string `xml:",chardata"`
			} `xml:"source"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(body, &rss); err != nil {
		t.Fatal(err)
	}
	withSource := map[string]int{}
	for _, it := range rss.Items {
		if it.Source != nil {
			withSource[it.Source.URL]++
		} else if it.Title != "Our analysis of the cyber dialogue" {
			t.Errorf("RSS item %q has no <source>", it.Title)
		}
	}
	if withSource[feeds.URL+"/state/rss"] == 0 || withSource[feeds.URL+"/cisa/atom"] == 0 {
		t.Errorf("RSS <source url> by feed: got %v, want both sources' feed URLs", withSource)
	}
	t.Run("external.rss/feedparser", func(t *testing.T) { conformance.FeedParser(t, body, external) })

	_, body = s.do(t, "GET", "/tags/external/feed.atom?origin=external&limit=500", "", "")
	var atom struct {
		Entries []struct {
			Title  string `xml:"title"`
			Source *struct {
				ID      string `xml:"id"`
				Title   string `xml:"title"`
				Updated string `xml:"updated"`
			} `xml:"source"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &atom); err != nil {
		t.Fatal(err)
	}
	cisa := 0
	for _, e := range atom.Entries {
		switch {
		case e.Source == nil:
			t.Errorf("Atom entry %q has no <source>", e.Title)
		case e.Source.ID == "tag:example.gov,2024:advisories":
			cisa++
			if e.Source.Title != "Cybersecurity Advisories" || e.Source.Updated == "" {
				t.Errorf("Atom <source> of %q: got %+v, want the feed's title and updated", e.Title, e.Source)
			}
		}
	}
	if len(atom.Entries) != external-1 || cisa == 0 { // the METI item is not tagged external
		t.Errorf("external Atom entries: got %d (%d from the Atom feed), want %d", len(atom.Entries), cisa, external-1)
	}
	t.Run("external.atom/jing", func(t *testing.T) { conformance.Atom(t, body) })
	t.Run("external.atom/feedparser", func(t *testing.T) { conformance.FeedParser(t, body, external-1) })
	_, body = s.do(t, "GET", "/tags/external/feed.json?origin=own", "", "")
	t.Run("external-own.json/ajv", func(t *testing.T) { conformance.JSONFeed(t, body) })
	if !bytes.Contains(body, []byte("Our analysis")) || bytes.Contains(body, []byte(`"_herald"`)) {
		t.Errorf("?origin=own: got %s, want only the own article", body)
	}
	_, body = s.do(t, "GET", "/feed.json?origin=external&limit=500", "", "")
	t.Run("site-external.json/ajv", func(t *testing.T) { conformance.JSONFeed(t, body) })
	if n := bytes.Count(body, []byte(`"_herald"`)); n != external || bytes.Contains(body, []byte("Our analysis")) {
		t.Errorf("?origin=external JSON: %d items with provenance, want %d and no own article", n, external)
	}

	// Shift_JIS arrives intact.
	_, body = s.do(t, "GET", "/tags/japan/feed.atom", "", "")
	if !bytes.Contains(body, []byte("「サイバーセキュリティ経営ガイドライン」を改訂しました")) {
		t.Errorf("the Shift_JIS item is not in its tag's feed intact:\n%s", body)
	}
	t.Run("japan.atom/jing", func(t *testing.T) { conformance.Atom(t, body) })

	// A second fetch: 304s, nothing changes.
	notModified := feeds.count(http.StatusNotModified)
	_, before := s.do(t, "GET", "/feed.atom?limit=500", "", "")
	code, out, stderr = s.herald(t, "fetch", "--allow-private-sources")
	if code != 0 || !strings.Contains(out, "3 sources: 0 fetched, 3 not modified, 0 failed; 0 new items, 0 updated") {
		t.Errorf("re-fetch: exit %d %q %q, want 3 not modified and no changes", code, out, stderr)
	}
	if got := feeds.count(http.StatusNotModified) - notModified; got != 3 {
		t.Errorf("the feed server answered %d times 304, want 3", got)
	}
	if _, after := s.do(t, "GET", "/feed.atom?limit=500", "", ""); !bytes.Equal(before, after) {
		t.Error("the site feed changed after a fetch of unchanged sources")
	}

	// What show reports.
	code, out, _ = s.herald(t, "source", "show", "1")
	for _, want := range []string{
		"source 1: State Department", "url:                " + feeds.URL + "/state/rss",
		"http status:        304", "consecutive errors: 0", "last error:         -",
		"item categories:    become tags", "every:              30m0s",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("source show: want %q in:\n%s", want, out)
		}
	}
	for _, re := range []string{`items stored: +[1-9]`, `last attempt: +20\d\d-`, `last success: +20\d\d-`, `next fetch: +20\d\d-`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("source show: want %s in:\n%s", re, out)
		}
	}
	if code, _, _ := s.herald(t, "source", "show", "99"); code != 1 {
		t.Errorf("show of an unknown source: exit %d, want 1", code)
	}

	// The API tells the same.
	resp, body = s.do(t, "GET", "/api/sources/1", token, "")
	var api struct {
		LastStatus  int    `json:"last_status"`
		Items       int    `json:"items"`
		NextFetch   string `json:"next_fetch"`
		LastAttempt string `json:"last_attempt"`
	}
	if err := json.Unmarshal(body, &api); err != nil || resp.StatusCode != 200 || api.LastStatus != 304 || api.Items == 0 || api.NextFetch == "" || api.LastAttempt == "" {
		t.Errorf("GET /api/sources/1: %d %s", resp.StatusCode, body)
	}

	// Disable, list, remove.
	if code, out, _ := s.herald(t, "source", "disable", "2"); code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("disable: exit %d %q", code, out)
	}
	code, out, _ = s.herald(t, "source", "list")
	if code != 0 || !regexp.MustCompile(`(?m)^2 +disabled`).MatchString(out) || !regexp.MustCompile(`(?m)^1 +ok 304`).MatchString(out) {
		t.Errorf("source list:\n%s", out)
	}
	if code, out, _ := s.herald(t, "fetch", "--allow-private-sources"); code != 0 || !strings.HasPrefix(out, "2 sources:") {
		t.Errorf("fetch with one source disabled: exit %d %q, want 2 sources", code, out)
	}
	if code, out, _ := s.herald(t, "fetch", "--allow-private-sources", "--source", "2"); code != 0 || !strings.HasPrefix(out, "1 sources: 0 fetched, 1 not modified") {
		t.Errorf("fetch --source 2: exit %d %q, want the disabled source fetched", code, out)
	}
	if code, out, _ := s.herald(t, "source", "enable", "2"); code != 0 || !strings.Contains(out, "enabled") {
		t.Errorf("enable: exit %d %q", code, out)
	}
	code, out, _ = s.herald(t, "source", "remove", "3")
	if code != 0 || !strings.Contains(out, "its 1 articles stay published") {
		t.Errorf("remove: exit %d %q", code, out)
	}
	if _, body := s.do(t, "GET", "/tags/japan/feed.atom", "", ""); !bytes.Contains(body, []byte("サイバーセキュリティ経営ガイドライン")) {
		t.Error("a removed source's article left its feed")
	}
	if code, _, _ := s.herald(t, "source", "show", "3"); code != 1 {
		t.Errorf("show of a removed source: exit %d, want 1", code)
	}
}

func TestSourceOPML(t *testing.T) {
	dir := t.TempDir()
	opml := `<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="2.0"><head><title>Agencies</title></head><body>
  <outline text="Japan">
    <outline text="Ministry of Economy, Trade and Industry" type="rss" xmlUrl="https://www.meti.go.jp/feed.rdf"/>
    <outline text="Cabinet" type="rss" xmlUrl="https://www.kantei.go.jp/index-jnews.rdf" category="/Government/Executive"/>
  </outline>
  <outline text="Caf` + "\xe9" + ` Press" title="State Department" type="rss" xmlUrl="https://www.state.gov/feed/" category="/Cyber Diplomacy,/US"/>
  <outline text="No feed here" htmlUrl="https://example.gov/"/>
  <outline text="Bad" type="rss" xmlUrl="ftp://example.gov/feed"/>
</body></opml>`
	writeFile(t, dir, "agencies.opml", opml)
	db := filepath.Join(dir, "herald.db")
	herald := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(t.Context(), append(args[:1:1], append([]string{"--db", db}, args[1:]...)...), noEnv, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, stderr := herald("source", "import", filepath.Join(dir, "agencies.opml"), "--tag", "external", "--create-tags")
	if code != 1 || !strings.Contains(out, "4 outlines: 3 sources added, 0 already present, 1 failed") || !strings.Contains(stderr, "ftp://example.gov/feed") {
		t.Fatalf("import: exit %d %q %q, want 3 added and the ftp one failed", code, out, stderr)
	}
	code, out, _ = herald("source", "import", filepath.Join(dir, "agencies.opml"))
	if code != 1 || !strings.Contains(out, "3 already present") {
		t.Errorf("import again: exit %d %q, want 3 already present", code, out)
	}
	code, exported, stderr := herald("source", "export")
	if code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	for _, want := range []string{
		`<outline text="Ministry of Economy, Trade and Industry" title="Ministry of Economy, Trade and Industry" type="rss" xmlUrl="https://www.meti.go.jp/feed.rdf" category="/japan,/external"></outline>`,
		`<outline text="Cabinet" title="Cabinet" type="rss" xmlUrl="https://www.kantei.go.jp/index-jnews.rdf" category="/japan,/government,/executive,/external"></outline>`,
		`<outline text="State Department" title="State Department" type="rss" xmlUrl="https://www.state.gov/feed/" category="/cyber-diplomacy,/us,/external"></outline>`,
	} {
		if !strings.Contains(exported, want) {
			t.Errorf("export lacks %s:\n%s", want, exported)
		}
	}

	// What export writes, import reads back the same.
	writeFile(t, dir, "exported.opml", exported)
	db = filepath.Join(dir, "other.db")
	if code, out, stderr := herald("source", "import", filepath.Join(dir, "exported.opml")); code != 0 || !strings.Contains(out, "3 sources added") {
		t.Fatalf("import of the export: exit %d %q %q", code, out, stderr)
	}
	_, again, _ := herald("source", "export")
	trim := regexp.MustCompile(`<dateCreated>.*</dateCreated>`)
	if trim.ReplaceAllString(again, "") != trim.ReplaceAllString(exported, "") {
		t.Errorf("round trip differs:\n%s\nwant\n%s", again, exported)
	}

	// A hostile file is refused whole, saying where.
	writeFile(t, dir, "laughs.opml", "<?xml version=\"1.0\"?>\n<!DOCTYPE opml [<!ENTITY a \"aaaaaaaa\">]>\n<opml><body><outline text=\"&a;\" xmlUrl=\"https://example.org/\"/></body></opml>")
	code, out, stderr = herald("source", "import", filepath.Join(dir, "laughs.opml"))
	if code != 1 || out != "" || !strings.Contains(stderr, "laughs.opml: opml: line 2, column 41: <!DOCTYPE> not allowed") {
		t.Errorf("import of a DTD: exit %d %q %q, want 1 and the position", code, out, stderr)
	}
}

// The poller of herald serve is stopped with it: a fetch in flight is
// cancelled, nothing of it is recorded, and serve exits cleanly.
func TestServeStopsPoller(t *testing.T) {
	started := make(chan struct{}, 1)
	cancelled := make(chan struct{}, 1)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
		cancelled <- struct{}{}
	}))
	defer hang.Close()
	s := startServer(t, "--allow-private-sources", "--poll-interval", "20ms")
	if code, _, stderr := s.herald(t, "source", "add", hang.URL+"/feed", "--allow-private-sources"); code != 0 {
		t.Fatal(stderr)
	}
	select {
	case <-started:
	case <-time.After(time.Minute):
		t.Fatal("serve's poller did not fetch the new source")
	}
	s.stop()
	code := <-s.done
	s.done <- code // for startServer's cleanup, which checks it
	select {
	case <-cancelled:
	case <-time.After(time.Minute):
		t.Fatal("the fetch in flight was not cancelled")
	}
	_, out, _ := s.herald(t, "source", "show", "1")
	if !strings.Contains(out, "last attempt:       -") || !strings.Contains(out, "consecutive errors: 0") {
		t.Errorf("a fetch cancelled by shutdown was recorded:\n%s", out)
	}
}

// corpusDir returns the folder named by HERALD_CORPUS, which CI sets
// relative to the repository root; go test runs in the package folder.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HERALD_CORPUS")
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HERALD_CORPUS is not set; CI must point it at the shared feed corpus")
		}
		t.Skip("HERALD_CORPUS is not set")
	}
	if _, err := os.Stat(dir); err != nil && !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	return dir
}

// TestCorpusRepublished serves every file of the shared corpus and adds
// each as a source, a few hundred at a time (by OPML import), fetches them
// with herald fetch (the real poller, into the real store), and checks that
// each is stored or rejected with its error recorded, and that the feeds
// republishing them still validate.
func TestCorpusRepublished(t *testing.T) {
	dir := corpusDir(t)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatalf("read corpus %s: %v", dir, err)
	}
	if len(files) < 100 {
		t.Fatalf("found %d files in %s, want the whole corpus", len(files), dir)
	}
	types := map[string]string{".json": "application/json", ".html": "text/html", ".xml": "application/xml",
		".rss": "application/rss+xml", ".atom": "application/atom+xml", ".rdf": "application/rdf+xml"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/")
		if _, found := slices.BinarySearch(files, rel); !found {
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
			ct = "text/plain"
		}
		w.Header().Set("Content-Type", ct) // no charset: the file decides
		w.Write(b)
	}))
	defer srv.Close()
	slices.Sort(files)

	s := startServer(t, "--allow-private-sources", "--poll=false")
	_, secret, _ := s.herald(t, "token", "create", "corpus")
	token := strings.TrimSpace(secret)
	own := `{"title":"Our own article","content":"<p>Ours.</p>","authors":["Ana Reporter"],"published":"2020-01-01T00:00:00Z"}`
	if resp, body := s.do(t, "PUT", "/api/articles/own-1", token, own); resp.StatusCode != 201 {
		t.Fatalf("PUT own article: %d %s", resp.StatusCode, body)
	}

	const chunk = 400
	opmlDir := t.TempDir()
	for start := 0; start < len(files); start += chunk {
		part := files[start:min(start+chunk, len(files))]
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>corpus</title></head><body>`)
		for _, f := range part {
			u := srv.URL + "/" + (&url.URL{Path: f}).EscapedPath()
			fmt.Fprintf(&b, `<outline text="%s" type="rss" xmlUrl="%s" category="/corpus"/>`, xmlEscape(f), xmlEscape(u))
		}
		b.WriteString("</body></opml>")
		name := filepath.Join(opmlDir, fmt.Sprintf("part%d.opml", start))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := s.herald(t, "source", "import", name, "--allow-private-sources")
		if code != 0 || !strings.Contains(out, fmt.Sprintf("%d sources added", len(part))) {
			t.Fatalf("import: exit %d %q %q", code, out, stderr)
		}
		// Only the new sources are due; those fetched before are not.
		code, out, _ = s.herald(t, "fetch", "--due", "--allow-private-sources", "--fetch-timeout", "20s")
		if code > 1 || !strings.HasPrefix(out, fmt.Sprintf("%d sources:", len(part))) {
			t.Fatalf("fetch: exit %d %q, want %d sources", code, out, len(part))
		}
		t.Logf("files %d to %d: %s", start+1, start+len(part), strings.TrimSpace(out))
		validateRepublished(t, s, fmt.Sprintf("files-%d-to-%d", start+1, start+len(part)))
	}

	// Every source was fetched, and either stored what it gave or has its
	// error recorded.
	resp, body := s.do(t, "GET", "/api/sources", token, "")
	var list struct {
		Sources []struct {
			ID                int64  `json:"id"`
			URL               string `json:"url"`
			LastAttempt       string `json:"last_attempt"`
			LastSuccess       string `json:"last_success"`
			ConsecutiveErrors int    `json:"consecutive_errors"`
			LastError         string `json:"last_error"`
			Items             int    `json:"items"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/sources: %d %v", resp.StatusCode, err)
	}
	if len(list.Sources) != len(files) {
		t.Fatalf("sources: got %d, want one per file, %d", len(list.Sources), len(files))
	}
	var stored, empty, rejected, items int
	for _, src := range list.Sources {
		items += src.Items
		switch {
		case src.LastAttempt == "":
			t.Errorf("%s: never fetched", src.URL)
		case src.LastError != "":
			rejected++
			if src.ConsecutiveErrors != 1 || src.LastSuccess != "" {
				t.Errorf("%s: error %q recorded with %d errors and last success %q, want 1 and none", src.URL, src.LastError, src.ConsecutiveErrors, src.LastSuccess)
			}
			if strings.Contains(src.LastError, "panic") {
				t.Errorf("%s: %s", src.URL, src.LastError)
			}
		case src.LastSuccess == "" || src.ConsecutiveErrors != 0:
			t.Errorf("%s: neither stored nor rejected: %+v", src.URL, src)
		case src.Items > 0:
			stored++
		default:
			empty++
		}
	}
	// An item that several corpus files carry (the same GUID or link) is
	// one article credited to each of them: the sources' counts add up to
	// at least the articles, and exactly the articles they list.
	distinct := map[string]bool{}
	for _, src := range list.Sources {
		if src.Items == 0 {
			continue
		}
		resp, body := s.do(t, "GET", fmt.Sprintf("/api/articles?limit=500&source=%d", src.ID), token, "")
		var arts struct {
			Articles []struct {
				ID string `json:"id"`
			} `json:"articles"`
		}
		if err := json.Unmarshal(body, &arts); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /api/articles?source=%d: %d %v", src.ID, resp.StatusCode, err)
		}
		if len(arts.Articles) != min(src.Items, 500) {
			t.Errorf("%s: lists %d articles, counts %d", src.URL, len(arts.Articles), src.Items)
		}
		for _, a := range arts.Articles {
			distinct[a.ID] = true
		}
	}
	if got := s.count(t, "origin=external"); got != min(len(distinct), 500) || len(distinct) > items {
		t.Errorf("external articles: got %d, want the %d the sources list (whose counts add up to %d)", got, len(distinct), items)
	}
	t.Logf("corpus %s: %d files: %d stored items, %d had none, %d rejected with an error; %d articles, %d credits", dir, len(files), stored, empty, rejected, len(distinct), items)
	if stored < 100 || rejected == 0 {
		t.Errorf("got %d sources with items and %d rejected; the corpus has both in numbers", stored, rejected)
	}
}

// validateRepublished runs the validators over the site feed, all and
// external only, in each format, each in a subtest named after the part of
// the corpus (files 1 to 400), the feed and the validator.
func validateRepublished(t *testing.T, s *server, part string) {
	t.Helper()
	for _, q := range []string{"", "origin=external"} {
		n := s.count(t, q)
		for _, ext := range []string{"atom", "rss", "json"} {
			resp, body := s.do(t, "GET", "/feed."+ext+"?limit=500&"+q, "", "")
			if resp.StatusCode != 200 {
				t.Fatalf("/feed.%s?%s: %d", ext, q, resp.StatusCode)
			}
			name := part + "/feed." + ext
			if q != "" {
				name += "-external"
			}
			switch ext {
			case "atom":
				t.Run(name+"/jing", func(t *testing.T) { conformance.Atom(t, body) })
				t.Run(name+"/feedparser", func(t *testing.T) { conformance.FeedParser(t, body, n) })
			case "rss":
				t.Run(name+"/feedparser", func(t *testing.T) { conformance.FeedParser(t, body, n) })
			case "json":
				t.Run(name+"/ajv", func(t *testing.T) { conformance.JSONFeed(t, body) })
			}
		}
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // quotes included
	return b.String()
}

func TestFetchFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "herald.db")
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"HERALD_FETCH_WORKERS": "many"}, nil, `HERALD_FETCH_WORKERS="many" is not a whole number`},
		{map[string]string{"HERALD_FETCH_TIMEOUT": "10"}, nil, `HERALD_FETCH_TIMEOUT="10" is not a duration`},
		{nil, []string{"--fetch-workers", "0"}, "--fetch-workers must be at least 1"},
		{nil, []string{"--contact-url", "ops@example.org"}, "must be an absolute http, https or mailto URL"},
		{nil, []string{"--source", "x"}, `--source "x" is not a source ID`},
		{nil, []string{"--source", "1", "--due"}, "do not go together"},
	} {
		var out, errOut bytes.Buffer
		getenv := func(k string) string { return tt.env[k] }
		code := run(t.Context(), append([]string{"fetch", "--db", db}, tt.args...), getenv, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("fetch %v with %v: exit %d %q, want 2 and %q", tt.args, tt.env, code, errOut.String(), tt.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"fetch", "--db", db, "--contact-url", "mailto:ops@example.org"}, noEnv, &out, &errOut); code != 0 ||
		out.String() != "0 sources: 0 fetched, 0 not modified, 0 failed; 0 new items, 0 updated\n" {
		t.Errorf("fetch without sources: exit %d %q %q", code, out.String(), errOut.String())
	}
}
