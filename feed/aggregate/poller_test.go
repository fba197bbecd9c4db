package aggregate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/store"
	"herald/store/storetest"
)

// A feedFile is what feedServer answers for one path.
type feedFile struct {
	body        []byte
	contentType string
	etag        bool // send an ETag and answer If-None-Match with 304
	status      int  // answer with this status and no feed, when set
}

// feedServer serves files by path and counts requests per path.
type feedServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]feedFile
	hits  map[string]int
}

func newFeedServer(t testing.TB, files map[string]feedFile) *feedServer {
	t.Helper()
	fs := &feedServer{files: files, hits: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	f, ok := fs.files[r.URL.Path]
	fs.hits[r.URL.Path]++
	fs.mu.Unlock()
	switch {
	case !ok:
		http.NotFound(w, r)
		return
	case f.status != 0:
		w.WriteHeader(f.status)
		return
	}
	if f.etag {
		sum := sha256.Sum256(f.body)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if f.contentType != "" {
		w.Header().Set("Content-Type", f.contentType)
	}
	w.Write(f.body)
}

func (fs *feedServer) hitCount(path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.hits[path]
}

// openStore opens a herald database in a temporary folder, with one tag
// rule: "hospitals" gives the tag health.
func openStore(t testing.TB, now func() time.Time) store.DB {
	t.Helper()
	db := storetest.Open(t, store.Options{
		Authority: "news.example.org",
		SeedTags:  []feed.Tag{{Slug: "health", Name: "Health", Rule: "hospitals"}},
		Now:       now,
	})
	return db
}

func addSource(t testing.TB, db store.DB, url string, tags ...string) *feed.Source {
	t.Helper()
	s, err := db.CreateSource(context.Background(), feed.Source{URL: url, Name: "Source " + url[strings.LastIndexByte(url, '/')+1:],
		Tags: tags, Enabled: true, UseCategories: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPollerRunOnce(t *testing.T) {
	ctx := context.Background()
	now := fetchedAt
	clock := func() time.Time { return now }
	srv := newFeedServer(t, map[string]feedFile{
		// rss2.xml has undated and future-dated items and no ETag here: a
		// re-fetch parses it again, at another time, and must change nothing.
		"/rss":       {body: fixture(t, "rss2.xml"), contentType: "application/rss+xml"},
		"/atom":      {body: fixture(t, "atom.xml"), contentType: "application/atom+xml", etag: true},
		"/sjis":      {body: fixture(t, "sjis-meti.xml"), contentType: "application/xml", etag: true},
		"/json":      {body: fixture(t, "jsonfeed.json"), contentType: "application/feed+json", etag: true},
		"/xss":       {body: fixture(t, "xss.xml"), contentType: "application/rss+xml", etag: true},
		"/malformed": {body: fixture(t, "malformed.xml"), contentType: "application/rss+xml"},
		"/gone":      {status: http.StatusGone},
	})
	db := openStore(t, clock)
	srcs := map[string]*feed.Source{}
	for _, path := range []string{"/rss", "/atom", "/sjis", "/json", "/xss", "/malformed", "/gone"} {
		srcs[path] = addSource(t, db, srv.URL+path, "external")
	}
	f := newFetcher(t, Options{Now: clock})
	var progress []int
	var stored atomic.Int32
	p := NewPoller(db, f, PollerOptions{Now: clock, Workers: 3, Progress: func(done, total int) {
		progress = append(progress, done, total)
	}, Stored: func() { stored.Add(1) }})

	sum, err := p.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sources != 7 || sum.Fetched != 5 || sum.NotModified != 0 || sum.Failed != 2 || sum.New == 0 || sum.Updated != 0 {
		t.Errorf("first pass: got %+v, want 7 sources: 5 fetched, 2 failed, only new items", sum)
	}
	if n := stored.Load(); n != 5 {
		t.Errorf("Stored called %d times, want once for each of the 5 sources with new items", n)
	}
	if !slices.Equal(progress, []int{1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7, 7, 7}) {
		t.Errorf("progress: got %v, want 1 to 7 of 7", progress)
	}
	var failed []int64
	for _, e := range sum.Errors {
		failed = append(failed, e.ID)
	}
	slices.Sort(failed)
	if want := []int64{srcs["/malformed"].ID, srcs["/gone"].ID}; !slices.Equal(failed, want) {
		t.Errorf("failed sources: got %v, want %v (%v)", failed, want, sum.Errors)
	}

	// What the sources say now.
	items := 0
	for path, s := range srcs {
		got, err := db.Source(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		items += got.Items
		if !got.LastAttempt.Equal(now) || (got.NextFetch.IsZero() != (path == "/gone")) {
			t.Errorf("%s: attempt or next fetch not recorded: %+v", path, got)
		}
		switch path {
		case "/malformed":
			if got.ConsecutiveErrors != 1 || !strings.Contains(got.LastError, "XML syntax error") || got.LastStatus != 200 || got.Items != 0 {
				t.Errorf("malformed: got %+v, want its parse error recorded", got)
			}
		case "/gone":
			if got.Enabled || got.LastStatus != 410 {
				t.Errorf("gone: got %+v, want disabled after a 410", got)
			}
		default:
			if got.LastError != "" || got.LastStatus != 200 || got.Items == 0 || !got.LastSuccess.Equal(now) {
				t.Errorf("%s: got %+v, want a success with items", path, got)
			}
		}
	}
	if items != sum.New {
		t.Errorf("items stored: got %d, want the %d new ones", items, sum.New)
	}

	// Tags: the source's, the items' categories, and the rules'.
	arts, err := db.Articles(ctx, feed.ArticleFilter{Tags: []string{"health"}, Limit: feed.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || !strings.Contains(arts[0].Title, "Hospitals") || !arts[0].HasTag("external") || !arts[0].HasTag("ransomware") {
		t.Fatalf("rule-tagged articles: got %d, want the ransomware statement with source and category tags", len(arts))
	}
	for _, tg := range arts[0].Tags {
		if tg.Slug == "health" && (tg.Rule != "hospitals" || !slices.Equal(tg.Matched, []string{"hospitals"})) {
			t.Errorf("rule tag: got %+v, want rule hospitals matching hospitals", tg)
		}
	}
	ja, err := db.Articles(ctx, feed.ArticleFilter{Origin: feed.OriginExternal, Limit: feed.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range ja {
		if a.Title == "「サイバーセキュリティ経営ガイドライン」を改訂しました" && a.Provenance.SourceID == srcs["/sjis"].ID {
			found = true
		}
		if strings.Contains(a.Content, "<script") || strings.Contains(a.Content, "onerror") {
			t.Errorf("%s: unsafe content stored: %s", a.ID, a.Content)
		}
	}
	if !found {
		t.Error("the Shift_JIS item did not arrive intact")
	}

	// A second pass an hour later: 304s, and a re-parsed feed that changes
	// nothing.
	v1, _ := db.Version(ctx)
	now = now.Add(time.Hour)
	sum, err = p.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sources != 6 || sum.Fetched != 1 || sum.NotModified != 4 || sum.Failed != 1 || sum.New != 0 || sum.Updated != 0 {
		t.Errorf("second pass: got %+v, want 6 sources (the gone one is disabled): 1 fetched, 4 not modified, 1 failed, no changes", sum)
	}
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Errorf("content version moved on a pass without changes: %d -> %d", v1, v2)
	}
	if n := stored.Load(); n != 5 {
		t.Errorf("Stored called on a pass without changes: %d calls in all, want 5", n)
	}
	if n := srv.hitCount("/gone"); n != 1 {
		t.Errorf("the gone source was fetched %d times, want 1", n)
	}
	if got, _ := db.Source(ctx, srcs["/malformed"].ID); got.ConsecutiveErrors != 2 {
		t.Errorf("malformed, twice: got %d consecutive errors, want 2", got.ConsecutiveErrors)
	}

	// One source by id, disabled or not.
	sum, err = p.RunOnce(ctx, srcs["/gone"].ID, srcs["/atom"].ID, srcs["/atom"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sources != 2 || sum.NotModified != 1 || sum.Failed != 1 {
		t.Errorf("by id: got %+v, want the two asked for", sum)
	}
	if _, err := p.RunOnce(ctx, 999); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}
}

// A host that hangs must hold at most PerHost workers; the other hosts'
// sources are polled meanwhile.
func TestPollerSlowHostDoesNotStarveOthers(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	var slowNow, slowMax, fastHits atomic.Int32
	fastDone := make(chan struct{})
	slowFull := make(chan struct{}) // closed when PerHost slow requests hang at once
	var slowFullOnce sync.Once
	body := fixture(t, "atom.xml")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/slow/") {
			n := slowNow.Add(1)
			if n == 2 {
				slowFullOnce.Do(func() { close(slowFull) })
			}
			for {
				m := slowMax.Load()
				if n <= m || slowMax.CompareAndSwap(m, n) {
					break
				}
			}
			<-release
			slowNow.Add(-1)
		} else if fastHits.Add(1) == 6 {
			close(fastDone)
		}
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(body)
	}))
	defer srv.Close()
	defer close(release) // before srv.Close, on a failure
	db := openStore(t, nil)
	// Slow sources first, so that a poller taking sources in order would
	// give them every worker.
	for i := range 6 {
		addSource(t, db, fmt.Sprintf("%s/slow/%d", srv.URL, i))
	}
	fast := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for i := range 6 {
		addSource(t, db, fmt.Sprintf("%s/fast/%d", fast, i))
	}
	p := NewPoller(db, newFetcher(t, Options{}), PollerOptions{Workers: 4, PerHost: 2})
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := p.RunOnce(ctx)
		done <- result{sum, err}
	}()
	select {
	case <-fastDone:
	case <-time.After(time.Minute):
		t.Fatalf("the other host's sources were not polled while one host hung (%d of 6)", fastHits.Load())
	}
	select {
	case <-slowFull:
	case <-time.After(time.Minute):
		t.Fatalf("the slow host never had PerHost requests at once (%d)", slowNow.Load())
	}
	release <- struct{}{} // unblock one slow request, then all of them
	for range 5 {
		select {
		case release <- struct{}{}:
		case r := <-done:
			t.Fatalf("the pass ended with slow requests hanging: %+v", r)
		}
	}
	r := <-done
	if r.err != nil || r.sum.Fetched != 12 {
		t.Errorf("pass: got %+v, %v; want 12 fetched", r.sum, r.err)
	}
	if m := slowMax.Load(); m != 2 {
		t.Errorf("most concurrent requests to the slow host: got %d, want PerHost 2", m)
	}
}

// Cancelling a pass cancels its fetches, records nothing for them, and
// returns only when the workers have ended.
func TestPollerCancel(t *testing.T) {
	started := make(chan struct{}, 10)
	cancelled := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
		cancelled <- struct{}{}
	}))
	defer srv.Close()
	db := openStore(t, nil)
	var ids []int64
	for i := range 5 {
		ids = append(ids, addSource(t, db, fmt.Sprintf("%s/hang/%d", srv.URL, i)).ID)
	}
	p := NewPoller(db, newFetcher(t, Options{}), PollerOptions{Workers: 2, PerHost: 2})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var sum Summary
	go func() {
		var err error
		sum, err = p.RunOnce(ctx)
		done <- err
	}()
	<-started
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunOnce: got %v, want context.Canceled", err)
	}
	if sum.Sources != 0 || sum.Failed != 0 {
		t.Errorf("summary: got %+v, want nothing counted", sum)
	}
	<-cancelled
	<-cancelled
	for _, id := range ids {
		s, err := db.Source(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !s.LastAttempt.IsZero() || s.ConsecutiveErrors != 0 || s.LastError != "" {
			t.Errorf("source %d: a cancelled poll was recorded: %+v", id, s)
		}
	}
	if len(started) != 0 {
		t.Errorf("%d more fetches started after the cancel", len(started))
	}
}

// Run polls at once, then each source when it is due: after its interval,
// or after a backoff when it failed.
func TestPollerRun(t *testing.T) {
	srv := newFeedServer(t, map[string]feedFile{
		"/ok":  {body: fixture(t, "atom.xml"), contentType: "application/atom+xml", etag: true},
		"/bad": {status: http.StatusInternalServerError},
	})
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		db := openStore(t, nil) // on the bubble's clock, as is everything below
		ok := addSource(t, db, srv.URL+"/ok")
		bad := addSource(t, db, srv.URL+"/bad")
		f := NewFetcher(Options{Guard: guard.Policy{AllowPrivate: true}})
		defer f.Close()
		p := NewPoller(db, f, PollerOptions{Policy: Policy{Rand: func() float64 { return 0 }}})
		start := time.Now()
		done := make(chan struct{})
		go func() {
			p.Run(ctx)
			close(done)
		}()

		hits := func() (int, int) { return srv.hitCount("/ok"), srv.hitCount("/bad") }
		// at waits until d after start, and for the pass due then to end.
		at := func(d time.Duration) {
			time.Sleep(time.Until(start.Add(d))) // the bubble's fake clock: instant
			synctest.Wait()
		}
		synctest.Wait()
		if o, b := hits(); o != 1 || b != 1 {
			t.Fatalf("at start: got %d, %d fetches, want 1, 1", o, b)
		}
		// ok is due every 30 minutes; bad after 30 minutes, then 60, then 120.
		want := []struct {
			at     time.Duration
			ok, ba int
		}{
			{29 * time.Minute, 1, 1},
			{30*time.Minute + 30*time.Second, 2, 2},
			{60*time.Minute + 30*time.Second, 3, 2},
			{90*time.Minute + 30*time.Second, 4, 3},
			{209 * time.Minute, 7, 3},
			{211 * time.Minute, 8, 4},
		}
		for _, w := range want {
			at(w.at)
			if o, b := hits(); o != w.ok || b != w.ba {
				t.Errorf("at %v: got %d, %d fetches, want %d, %d", w.at, o, b, w.ok, w.ba)
			}
		}
		s, err := db.Source(ctx, bad.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.ConsecutiveErrors != 4 || s.LastStatus != 500 || !s.NextFetch.Equal(s.LastAttempt.Add(8*30*time.Minute)) {
			t.Errorf("failing source: got %+v, want 4 errors and a backoff of 4h", s)
		}
		if s, _ := db.Source(ctx, ok.ID); s.ConsecutiveErrors != 0 || s.Items == 0 {
			t.Errorf("working source: got %+v", s)
		}
		cancel()
		<-done
	})
}

// Run logs each failing source with its URL and error, but not the values
// of the URL's query, which can be keys, nor those of a URL it was
// redirected to.
func TestPollerRunRedactsLogs(t *testing.T) {
	// Redirects without end, so that the error names where they led.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved?sig=redirectsecret", http.StatusFound)
	}))
	defer srv.Close()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		db := openStore(t, nil)
		addSource(t, db, srv.URL+"/feed?api_key=apisecret&format=rss")
		f := NewFetcher(Options{Guard: guard.Policy{AllowPrivate: true}})
		defer f.Close()
		var logged strings.Builder
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logged.Write(b)
		}), nil))
		p := NewPoller(db, f, PollerOptions{Logger: log})
		done := make(chan struct{})
		go func() {
			p.Run(ctx)
			close(done)
		}()
		synctest.Wait()
		cancel()
		<-done
		mu.Lock()
		out := logged.String()
		mu.Unlock()
		if !strings.Contains(out, "poll source") || !strings.Contains(out, "/feed?api_key=REDACTED&format=REDACTED") ||
			!strings.Contains(out, "/moved?sig=REDACTED") {
			t.Errorf("log does not name the failing source and its redirect, redacted:\n%s", out)
		}
		if strings.Contains(out, "secret") {
			t.Errorf("log shows a secret of a URL:\n%s", out)
		}
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// BenchmarkPollerPass measures the poller against one local server whose
// sources each serve a ~60 KB feed (benchFeed: about 50 items): a first
// pass that stores every item, then a pass of 304s. It reports each pass's
// wall time and the CPU time the process used in it (the test server's
// included; less distorted than wall time by a busy machine), the peak Go
// heap during the passes, and the process's peak resident memory (Linux),
// which includes the test server and SQLite's page cache. All sources share
// one host, so PerHost is set to Workers. It runs on each engine
// (engine=sqlite, engine=postgres; PostgreSQL's server is not in the
// process's CPU time or memory).
//
//	go test ./feed/aggregate -run '^$' -bench PollerPass -benchtime 1x
func BenchmarkPollerPass(b *testing.B) {
	body := benchFeed(60 << 10)
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	storetest.BenchEngines(b, func(b *testing.B, e storetest.Engine) { benchPollerPass(b, e.Opener, srv.URL) })
}

// benchPollerPass is BenchmarkPollerPass on the engine that open opens,
// with the feeds of the server at url.
func benchPollerPass(b *testing.B, open storetest.Opener, url string) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("sources=%d", n), func(b *testing.B) {
			var first, second, firstCPU, secondCPU time.Duration
			var peakHeap, peakRSS uint64
			for b.Loop() {
				b.StopTimer()
				db := open.Open(b, open.Create(b), store.Options{Authority: "news.example.org",
					SeedTags: []feed.Tag{{Slug: "health", Name: "Health", Rule: "hospitals"}}})
				for i := range n {
					addSource(b, db, fmt.Sprintf("%s/feed/%d", url, i), "external")
				}
				f := NewFetcher(Options{Guard: guard.Policy{AllowPrivate: true}})
				p := NewPoller(db, f, PollerOptions{Workers: DefaultWorkers, PerHost: DefaultWorkers})
				runtime.GC()
				resetPeakRSS()
				stop := sampleHeap(&peakHeap)
				b.StartTimer()

				start, cpu := time.Now(), cpuTime()
				s1, err := p.RunOnce(b.Context())
				first += time.Since(start)
				firstCPU += cpuTime() - cpu
				if err != nil || s1.Fetched != n || s1.New == 0 {
					b.Fatalf("first pass: %+v, %v", s1, err)
				}
				start, cpu = time.Now(), cpuTime()
				s2, err := p.RunOnce(b.Context())
				second += time.Since(start)
				secondCPU += cpuTime() - cpu
				if err != nil || s2.NotModified != n {
					b.Fatalf("second pass: %+v, %v", s2, err)
				}

				b.StopTimer()
				stop()
				peakRSS = max(peakRSS, readPeakRSS())
				f.Close()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(first.Seconds()/float64(b.N), "first-pass-s")
			b.ReportMetric(second.Seconds()/float64(b.N), "304-pass-s")
			b.ReportMetric(firstCPU.Seconds()/float64(b.N), "first-pass-cpu-s")
			b.ReportMetric(secondCPU.Seconds()/float64(b.N), "304-pass-cpu-s")
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			if peakRSS > 0 {
				b.ReportMetric(float64(peakRSS)/(1<<20), "peak-rss-MB")
			}
		})
	}
}

// sampleHeap records in *peak the largest Go heap (live and not yet
// collected objects) seen every few milliseconds until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// resetPeakRSS resets the kernel's record of the process's peak resident
// memory (Linux; elsewhere it does nothing).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// readPeakRSS returns the process's peak resident memory in bytes, from
// VmHWM in /proc/self/status, or 0 where there is none.
func readPeakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkPollerBigFeeds is one pass over 8 sources that each serve a
// 10 MB feed (benchFeed: about 6,000 items, of which the first 1,000 are
// kept) from a loopback server, 8 workers at once, and reports the peak Go
// heap of the pass (sampled every 5 ms; nothing is asserted on it) and the
// process's peak resident memory (Linux). Sub-benchmarks set the parse
// budget: none (as before there was one), 64 MB, and the default (16 MB).
// With a budget, the 8 fetched bodies (80 MB) still wait in memory for
// their turn to be parsed.
//
//	go test ./feed/aggregate -run '^$' -bench PollerBigFeeds -benchtime 3x
func BenchmarkPollerBigFeeds(b *testing.B) {
	const sources = 8
	body := benchFeed(10<<20 - 4<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	for _, bc := range []struct {
		name   string
		budget int64
	}{
		{"budget=none", -1}, // as before there was a budget
		{"budget=64MB", 64 << 20},
		{"budget=default", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var peakHeap, peakRSS uint64
			for b.Loop() {
				b.StopTimer()
				db := openStore(b, nil)
				for i := range sources {
					addSource(b, db, fmt.Sprintf("%s/feed/%d", srv.URL, i), "external")
				}
				f := NewFetcher(Options{Guard: guard.Policy{AllowPrivate: true}})
				p := NewPoller(db, f, PollerOptions{Workers: sources, PerHost: sources, ParseBudget: bc.budget})
				runtime.GC()
				resetPeakRSS()
				stop := sampleHeap(&peakHeap)
				b.StartTimer()

				sum, err := p.RunOnce(b.Context())
				if err != nil || sum.Fetched != sources {
					b.Fatalf("pass: %+v, %v", sum, err)
				}

				b.StopTimer()
				stop()
				peakRSS = max(peakRSS, readPeakRSS())
				f.Close()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
			if peakRSS > 0 {
				b.ReportMetric(float64(peakRSS)/(1<<20), "peak-rss-MB")
			}
		})
	}
}
