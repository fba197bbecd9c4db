package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"herald/store"
	"herald/store/storetest"
)

// TestETagRecipe pins the ETag recipe: readers hold ETags made by it, and
// another recipe would make each of them fetch every feed once more.
func TestETagRecipe(t *testing.T) {
	if got, want := etagOf([]byte("hello")), `"LPJNul-wow4m6DsqxbninhsW"`; got != want {
		t.Errorf("etagOf(hello): got %s, want %s", got, want)
	}
	if got, want := gzipETag(`"LPJNul-wow4m6DsqxbninhsW"`), `"LPJNul-wow4m6DsqxbninhsW-gz"`; got != want {
		t.Errorf("gzipETag: got %s, want %s", got, want)
	}
}

// TestConditionalRequests applies If-None-Match and If-Modified-Since to
// an answer with both encodings.
func TestConditionalRequests(t *testing.T) {
	cc := cacheControls(time.Minute)
	lastMod := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	a := &answer{status: http.StatusOK, policy: publicFeed, contentType: "application/atom+xml; charset=utf-8",
		body: []byte(strings.Repeat("<entry/>", 100)), gzip: true, vary: "Accept-Encoding", lastMod: lastMod,
		link: []string{`<https://example.org/feed.atom>; rel="self"`}}
	a.prepare(&cc)
	etag, gz := a.etag, gzipETag(a.etag)
	if etag != etagOf(a.body) {
		t.Fatalf("prepare made ETag %s, want %s", etag, etagOf(a.body))
	}
	date := func(t time.Time) string { return t.Format(http.TimeFormat) }
	for _, tt := range []struct {
		inm  []string // If-None-Match lines
		ims  string
		want int
	}{
		{nil, "", 200},
		{[]string{etag}, "", 304},
		{[]string{gz}, "", 304}, // the other encoding names the same content
		{[]string{"W/" + etag}, "", 304},
		{[]string{`"old", ` + etag}, "", 304},
		{[]string{` "old" ,W/` + etag + ` `}, "", 304},
		{[]string{`"old"`, etag}, "", 304}, // two lines
		{[]string{"*"}, "", 304},
		{[]string{`"old"`}, "", 200},
		{[]string{strings.Trim(etag, `"`)}, "", 200}, // unquoted: another tag
		{[]string{`"old"`}, date(lastMod), 200},      // If-None-Match wins
		{nil, date(lastMod), 304},
		{nil, date(lastMod.Add(time.Hour)), 304},
		{nil, date(lastMod.Add(-time.Second)), 200},
		{nil, "yesterday", 200},
	} {
		for _, gzipped := range []bool{false, true} {
			r := httptest.NewRequest("GET", "/feed.atom", nil)
			r.Header["If-None-Match"] = tt.inm
			if tt.ims != "" {
				r.Header.Set("If-Modified-Since", tt.ims)
			}
			wantETag := etag
			if gzipped {
				r.Header.Set("Accept-Encoding", "gzip, deflate")
				wantETag = gz
			}
			w := httptest.NewRecorder()
			status, n := a.serve(w, r)
			if n != w.Body.Len() {
				t.Errorf("serve said it wrote %d bytes; it wrote %d", n, w.Body.Len())
			}
			h := w.Header()
			if status != tt.want || w.Code != tt.want {
				t.Errorf("If-None-Match %q, If-Modified-Since %q, gzip %t: got %d (said %d), want %d", tt.inm, tt.ims, gzipped, w.Code, status, tt.want)
				continue
			}
			if h.Get("ETag") != wantETag || h.Get("Cache-Control") != "public, max-age=60" || h.Get("Vary") != "Accept-Encoding" ||
				h.Get("Last-Modified") != date(lastMod) || h.Get("Link") != a.link[0] {
				t.Errorf("If-None-Match %q, gzip %t: headers %v", tt.inm, gzipped, h)
			}
			if got := h.Get("Content-Encoding") == "gzip"; status == 200 && got != gzipped {
				t.Errorf("gzip %t: Content-Encoding %q", gzipped, h.Get("Content-Encoding"))
			}
			if status == 304 && (h.Get("Content-Length") != "" || h.Get("Content-Encoding") != "" || w.Body.Len() != 0) {
				t.Errorf("304 with a body or its headers: %v, %d bytes", h, w.Body.Len())
			}
		}
	}
}

// TestErrorsAreNotStored checks that whatever policy the builder of an
// error answer asked for, it is kept by no cache.
func TestErrorsAreNotStored(t *testing.T) {
	cc := cacheControls(time.Minute)
	for _, p := range []policy{publicFeed, privateFeed, publicArchive, publicPage, publicList, moved, revalidate} {
		for _, status := range []int{400, 404, 422, 500, 503} {
			a := &answer{status: status, policy: p, contentType: "text/plain; charset=utf-8", body: []byte("no\n")}
			a.prepare(&cc)
			w := httptest.NewRecorder()
			a.serve(w, httptest.NewRequest("GET", "/x", nil))
			if w.Code != status || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
				t.Errorf("policy %d, status %d: got %d %v", p, status, w.Code, w.Header())
			}
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"gzip": true, "GZIP": true, "deflate, gzip;q=0.5": true, "*": true, "br;q=1, *;q=0.1": true,
		"": false, "deflate": false, "gzip;q=0": false, "gzip; q=0.000": false, "identity": false,
	} {
		if got := acceptsGzip([]string{ae}); got != want {
			t.Errorf("acceptsGzip(%q): got %t, want %t", ae, got, want)
		}
	}
}

// versionStore is a store whose content version the test sets.
type versionStore struct{ v int64 }

func (s *versionStore) Version(context.Context) (int64, error) { return s.v, nil }

// testCache returns a feed cache of maxBytes over a store at version 1,
// which reads the version at every request.
func testCache(maxBytes int64) (*feedCache, *versionStore) {
	st := &versionStore{v: 1}
	cc := cacheControls(time.Minute)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	return newFeedCache(st, func() time.Time { return now }, -1, &cc, maxBytes), st
}

// feedOf builds a feed answer of n bytes that says what.
func feedOf(what string, n int) func() (*answer, error) {
	return func() (*answer, error) {
		body := []byte(what + strings.Repeat("x", max(0, n-len(what))))
		return &answer{status: http.StatusOK, policy: publicFeed, contentType: "application/atom+xml; charset=utf-8",
			body: body, gzip: true, vary: "Accept-Encoding", lastMod: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}, nil
	}
}

// checkAccounts checks that the cache's counts of bytes are what it holds,
// and within its budget and the variants' share.
func checkAccounts(t *testing.T, c *feedCache) {
	t.Helper()
	var total, variants int64
	for key, e := range c.entries {
		if want := int64(len(key)+cap(e.body)+cap(e.gz)) + answerOverhead; e.size != want {
			t.Fatalf("%s: counted %d bytes, holds %d", key, e.size, want)
		}
		total += e.size
		if e.variant {
			variants += e.size
		}
	}
	for _, v := range c.validators {
		total += v.size
		if v.variant {
			variants += v.size
		}
	}
	if total != c.bytes || variants != c.variantBytes {
		t.Fatalf("counted %d bytes (%d of variants), holds %d (%d)", c.bytes, c.variantBytes, total, variants)
	}
	if got := c.stats.Bytes.Load(); got != total {
		t.Fatalf("herald_feed_cache_bytes would say %d, holds %d", got, total)
	}
	if c.bytes > c.maxBytes || c.variantBytes > c.maxBytes/variantShare {
		t.Fatalf("holds %d bytes, %d of them variants; the budget is %d", c.bytes, c.variantBytes, c.maxBytes)
	}
}

// TestCacheByteBound keeps many distinct feeds in a small cache: it never
// holds more bytes than its budget, keeps the newest, and drops the ones
// given least recently first.
func TestCacheByteBound(t *testing.T) {
	const budget = 1 << 20
	c, _ := testCache(budget)
	ctx := context.Background()
	if _, err := c.get(ctx, "/feed.atom", feedOf("site", 40_000)); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		key := fmt.Sprintf("/tags/t%d/feed.atom", i)
		if _, err := c.get(ctx, key, feedOf(key, 5_000+i%7*3_000)); err != nil {
			t.Fatal(err)
		}
		if c.entries[key] == nil {
			t.Fatalf("%s: the newest answer is not kept", key)
		}
		if i%10 == 0 && c.fresh(ctx, "/feed.atom", c.now()) == nil { // a hot feed
			t.Fatalf("after %d feeds: the feed polled all along was dropped", i)
		}
		checkAccounts(t, c)
	}
	if c.entries["/tags/t0/feed.atom"] != nil {
		t.Error("the feed given least recently is still kept")
	}
	if n := len(c.entries); n < 50 {
		t.Errorf("keeps %d answers in %d bytes, want the budget used", n, budget)
	}
	// Every answer not kept was evicted: 2,001 given, besides the validators.
	if n := c.stats.Evictions.Load(); n < uint64(2001-len(c.entries)) {
		t.Errorf("counted %d evictions, want at least %d", n, 2001-len(c.entries))
	}
	// An answer larger than the budget is given, not kept.
	e, err := c.get(ctx, "/tags/huge/feed.atom", feedOf("huge", 2*budget))
	if err != nil || e.status != http.StatusOK || len(e.body) != 2*budget {
		t.Fatalf("huge feed: %v", err)
	}
	if c.entries["/tags/huge/feed.atom"] != nil {
		t.Error("an answer over the budget is kept")
	}
	checkAccounts(t, c)
}

// TestCacheDropsStaleVersions checks that when the content version moves,
// the answers of the earlier one are dropped at once, leaving only their
// validators, which a rebuild of the same bytes keeps.
func TestCacheDropsStaleVersions(t *testing.T) {
	c, st := testCache(DefaultCacheSize)
	ctx := context.Background()
	first := map[string]*answer{}
	for i := range 20 {
		key := fmt.Sprintf("/tags/t%d/feed.atom", i)
		e, err := c.get(ctx, key, feedOf(key, 50_000))
		if err != nil {
			t.Fatal(err)
		}
		first[key] = e
	}
	held := c.bytes
	st.v = 2
	if c.fresh(ctx, "/tags/t0/feed.atom", c.now()) != nil {
		t.Fatal("an answer of version 1 was given at version 2")
	}
	if len(c.entries) != 0 || len(c.validators) != 20 || c.bytes >= held/100 {
		t.Fatalf("at version 2: %d answers and %d validators in %d bytes (%d before), want validators only",
			len(c.entries), len(c.validators), c.bytes, held)
	}
	checkAccounts(t, c)
	// Rebuilt with the same bytes: same validators. With other bytes and
	// no newer item: a later Last-Modified, or If-Modified-Since would
	// wrongly answer 304.
	same, err := c.get(ctx, "/tags/t0/feed.atom", feedOf("/tags/t0/feed.atom", 50_000))
	if err != nil {
		t.Fatal(err)
	}
	if was := first["/tags/t0/feed.atom"]; same.etag != was.etag || !same.lastMod.Equal(was.lastMod) || same == was {
		t.Errorf("rebuilt with the same bytes: ETag %s and Last-Modified %v, want %s and %v", same.etag, same.lastMod, was.etag, was.lastMod)
	}
	changed, err := c.get(ctx, "/tags/t1/feed.atom", feedOf("changed", 50_000))
	if err != nil {
		t.Fatal(err)
	}
	if was := first["/tags/t1/feed.atom"]; changed.etag == was.etag || !changed.lastMod.After(was.lastMod) {
		t.Errorf("rebuilt with other bytes: ETag %s and Last-Modified %v, want another ETag and a Last-Modified after %v",
			changed.etag, changed.lastMod, was.lastMod)
	}
	if len(c.entries) != 2 || len(c.validators) != 18 {
		t.Errorf("%d answers and %d validators, want 2 and 18", len(c.entries), len(c.validators))
	}
	checkAccounts(t, c)
	// A build that began at version 2 and ends after version 3 was seen
	// is given, but only its validators are kept.
	late, err := c.get(ctx, "/tags/t2/feed.atom", func() (*answer, error) {
		st.v = 3
		c.invalidate()
		c.fresh(ctx, "/feed.atom", c.now())
		return feedOf("late", 1_000)()
	})
	if err != nil || late.version != 2 {
		t.Fatalf("late build: %v, version %d", err, late.version)
	}
	if c.entries["/tags/t2/feed.atom"] != nil || len(c.entries) != 0 {
		t.Errorf("at version 3, %d answers kept, want none", len(c.entries))
	}
	checkAccounts(t, c)
}

// TestCacheSearchFlood asks for many distinct search feeds, and pages and
// limits of a feed, between polls of the hot feeds: the hot feeds stay
// cached, and the variants keep within their share.
func TestCacheSearchFlood(t *testing.T) {
	const budget = 4 << 20
	c, _ := testCache(budget)
	ctx := context.Background()
	hot := []string{"/feed.atom", "/feed.rss", "/tags/cyber-diplomacy/feed.atom", "/feed.json?origin=external"}
	for _, key := range hot {
		if _, err := c.get(ctx, key, feedOf(key, 400_000)); err != nil {
			t.Fatal(err)
		}
	}
	builds := 0
	for i := range 3000 {
		key := fmt.Sprintf("/search/feed.atom?q=word%d", i)
		switch i % 3 {
		case 1:
			key = fmt.Sprintf("/feed.atom?page=%d", i)
		case 2:
			key = fmt.Sprintf("\x00sa/s/token/search/feed.rss?limit=%d&q=x", i)
		}
		if _, err := c.get(ctx, key, feedOf(key, 30_000)); err != nil {
			t.Fatal(err)
		}
		if !c.entries[key].variant {
			t.Fatalf("%s is not taken for a variant", key)
		}
		if i%500 == 0 {
			for _, key := range hot[:2] { // polled now and then only
				c.get(ctx, key, func() (*answer, error) { builds++; return feedOf(key, 400_000)() })
			}
		}
		checkAccounts(t, c)
	}
	for _, key := range hot {
		if c.entries[key] == nil {
			t.Errorf("%s was dropped by the flood of variants", key)
		}
	}
	if builds != 0 {
		t.Errorf("the hot feeds were built %d times again during the flood", builds)
	}
	if c.variantBytes < budget/variantShare/2 {
		t.Errorf("variants hold %d bytes, want them kept within %d", c.variantBytes, budget/variantShare)
	}
}

// TestCacheSizeConfig checks that Config.CacheSize bounds the server's
// feed cache: a flood of search feeds keeps within a quarter of it and
// leaves the site feed cached.
func TestCacheSizeConfig(t *testing.T) {
	db := storetest.Open(t, store.Options{Authority: "news.example.org"})
	s := New(db, Config{CacheSize: 256 << 10, StaleAfter: time.Hour})
	if s.cache.maxBytes != 256<<10 || New(db, Config{}).cache.maxBytes != DefaultCacheSize {
		t.Fatalf("budgets %d and %d, want %d and the default", s.cache.maxBytes, New(db, Config{}).cache.maxBytes, 256<<10)
	}
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body.Bytes())
		}
		return w
	}
	site := get("/feed.atom").Body.Bytes()
	for i := range 300 {
		get(fmt.Sprintf("/search/feed.atom?q=w%d", i))
	}
	if e := s.cache.entries["/feed.atom"]; e == nil || !bytes.Equal(e.body, site) {
		t.Error("the site feed was dropped by a flood of searches")
	}
	if s.cache.variantBytes > s.cache.maxBytes/variantShare || s.cache.bytes > s.cache.maxBytes {
		t.Errorf("holds %d bytes, %d of them variants, over the budget of %d", s.cache.bytes, s.cache.variantBytes, s.cache.maxBytes)
	}
}

// BenchmarkFeedCacheChurn keeps answers of distinct keys, a third of them
// variants, in a cache that holds a few hundred: the cost of keeping and
// evicting, without rendering.
func BenchmarkFeedCacheChurn(b *testing.B) {
	c, _ := testCache(8 << 20)
	ctx := context.Background()
	built, _ := feedOf("x", 20_000)()
	built.gzip = false
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = fmt.Sprintf("/tags/t%d/feed.atom", i)
		if i%3 == 0 {
			keys[i] = fmt.Sprintf("/search/feed.atom?q=w%d", i)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.get(ctx, keys[i%len(keys)], func() (*answer, error) {
			return &answer{status: http.StatusOK, policy: publicFeed, contentType: built.contentType, body: built.body}, nil
		})
		i++
	}
}

// BenchmarkFeedCacheHit gives a kept feed, as ServeHTTP's fast path does.
func BenchmarkFeedCacheHit(b *testing.B) {
	c, _ := testCache(DefaultCacheSize)
	c.staleAfter = time.Hour
	ctx := context.Background()
	if _, err := c.get(ctx, "/feed.atom", feedOf("site", 20_000)); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if c.fresh(ctx, "/feed.atom", c.now()) == nil {
				b.Fatal("not kept")
			}
		}
	})
}
