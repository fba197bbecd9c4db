package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/feed/metrics"
)

// HTTP caching. One type, answer, holds the cache semantics of everything
// herald lets a cache keep: feeds, archive documents and search feeds (kept
// in memory too, by feedCache), API lists and pages. It decides
//
//   - the ETag: strong, a hash of the bytes (etagOf), the gzip encoding's
//     with "-gz" added;
//   - conditional requests: one If-None-Match parser (matches), then
//     If-Modified-Since when there is no If-None-Match;
//   - the Cache-Control, by policy (below); an error is never stored;
//   - the feed cache's key (view.cacheKey).

// A policy says who may keep an answer and for how long. Server.cacheControl
// holds the header value of each, prepared once.
type policy uint8

const (
	// noStore: kept by no cache. Every error, 4xx as well as 5xx (a
	// missing tag may exist in a minute; a 403 or a 429 holds for one
	// request), API writes and single objects, and anything with a secret.
	noStore policy = iota
	// revalidate ("no-cache"): kept, but asked about again every time with
	// its ETag: API lists, which change with every write.
	revalidate
	// publicFeed: any cache, for Config.FeedMaxAge.
	publicFeed
	// privateFeed: the reader's own cache only, for Config.FeedMaxAge: a
	// subscriber's feeds, which no shared cache may hand to someone else.
	privateFeed
	// publicArchive, privateArchive: a closed archive page, which never
	// changes: a month.
	publicArchive
	privateArchive
	// publicPage: HTML pages, a minute.
	publicPage
	// publicList: the OPML list of feeds, five minutes.
	publicList
	// moved: a permanent redirect (a renamed tag, an article's old slug),
	// an hour.
	moved
	// unstated: no Cache-Control, so that no cache keeps it: a temporary
	// redirect (to the current archive document).
	unstated
	numPolicies
)

// archiveMaxAge is the Cache-Control max-age of closed archive pages.
const archiveMaxAge = 30 * 24 * time.Hour

// cacheControls returns the Cache-Control value of each policy.
func cacheControls(feedMaxAge time.Duration) [numPolicies][]string {
	age := func(d time.Duration) string { return strconv.Itoa(int(d.Seconds())) }
	return [numPolicies][]string{
		noStore:        {"no-store"},
		revalidate:     {"no-cache"},
		publicFeed:     {"public, max-age=" + age(feedMaxAge)},
		privateFeed:    {"private, max-age=" + age(feedMaxAge)},
		publicArchive:  {"public, max-age=" + age(archiveMaxAge)},
		privateArchive: {"private, max-age=" + age(archiveMaxAge)},
		publicPage:     {"public, max-age=60"},
		publicList:     {"public, max-age=300"},
		moved:          {"public, max-age=3600"},
		unstated:       nil,
	}
}

// An answer is a response that herald may give again: its status, bytes
// and validators, and the header fields of each way of giving it, made
// once by prepare so that answering a poll costs no formatting.
type answer struct {
	status      int // 200; a redirect or a 404 kept by the feed cache
	policy      policy
	contentType string
	location    string // of a redirect
	body        []byte
	gzip        bool      // offer a gzip encoding (feeds)
	lastMod     time.Time // zero: no Last-Modified
	link        []string  // the Link header of a 200 and its 304s
	vary        string    // what else than the URL selects this answer
	header      []field   // more fields of a 200 and its 304s (a page's security policy)

	version int64          // the store's content version it was built at (feedCache)
	route   *metrics.Route // records it when ServeHTTP answers it before routing (feedCache)

	// Made by prepare.
	etag              string // strong, quoted; of the identity encoding
	gz                []byte // the gzip encoding, when gzip is set
	identity, gzipped encoding
	other             []field // the header of a non-200
}

// An encoding is one representation of an answer and the header fields of
// its 200 and of its 304.
type encoding struct {
	body       []byte
	ok, notMod []field
	etag       string
}

// A field is one header field, its name in canonical form, to be assigned
// straight into a header map.
type field struct {
	key   string
	value []string
}

// etagOf is the ETag of body: strong, the first 18 bytes of its SHA-256 in
// unpadded base64url, quoted. Readers hold ETags made this way: another
// recipe would make every one of them fetch every feed again.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// gzipETag is the ETag of the gzip encoding of the answer whose ETag is etag.
func gzipETag(etag string) string { return etag[:len(etag)-1] + `-gz"` }

// prepare computes the ETag (unless the caller already knows it and the
// gzip body, from an earlier build of the same bytes) and the header fields.
// cc holds the Cache-Control of each policy.
func (a *answer) prepare(cc *[numPolicies][]string) {
	p := a.policy
	if a.status >= 400 {
		p = noStore // an error is never stored, whatever built it asked
	}
	cacheControl := cc[p]
	if a.status != http.StatusOK {
		if cacheControl != nil {
			a.other = append(a.other, field{"Cache-Control", cacheControl})
		}
		a.other = append(a.other, a.header...)
		return
	}
	if a.etag == "" {
		a.etag = etagOf(a.body)
	}
	if a.gzip && a.gz == nil {
		a.gz = gzipBytes(a.body)
	}
	var common []field
	if cacheControl != nil {
		common = append(common, field{"Cache-Control", cacheControl})
	}
	if !a.lastMod.IsZero() {
		common = append(common, field{"Last-Modified", []string{a.lastMod.UTC().Format(http.TimeFormat)}})
	}
	if a.vary != "" {
		common = append(common, field{"Vary", []string{a.vary}})
	}
	if a.link != nil {
		common = append(common, field{"Link", a.link})
	}
	common = append(common, a.header...)
	ctype := field{"Content-Type", []string{a.contentType}}
	encode := func(body []byte, etag, contentEncoding string) encoding {
		e := encoding{body: body, etag: etag}
		e.notMod = append(e.notMod, common...)
		e.notMod = append(e.notMod, field{"Etag", []string{etag}})
		e.ok = append(e.ok, e.notMod...)
		e.ok = append(e.ok, ctype, field{"Content-Length", []string{strconv.Itoa(len(body))}})
		if contentEncoding != "" {
			e.ok = append(e.ok, field{"Content-Encoding", []string{contentEncoding}})
		}
		return e
	}
	a.identity = encode(a.body, a.etag, "")
	if a.gzip {
		a.gzipped = encode(a.gz, gzipETag(a.etag), "gzip")
	}
}

// serve gives the answer to r, honouring If-None-Match, If-Modified-Since,
// Accept-Encoding and HEAD, and returns the status it answered and the
// bytes of body it wrote.
func (a *answer) serve(w http.ResponseWriter, r *http.Request) (status, n int) {
	h := w.Header()
	if a.status != http.StatusOK {
		for _, f := range a.other {
			h[f.key] = f.value
		}
		if a.location != "" {
			http.Redirect(w, r, a.location, a.status)
			return a.status, 0
		}
		h["Content-Type"] = []string{a.contentType}
		h["Content-Length"] = []string{strconv.Itoa(len(a.body))}
		w.WriteHeader(a.status)
		if r.Method != http.MethodHead {
			w.Write(a.body)
			n = len(a.body)
		}
		return a.status, n
	}
	e := &a.identity
	if ae, ok := r.Header["Accept-Encoding"]; ok && a.gzip && acceptsGzip(ae) {
		e = &a.gzipped
	}
	if a.notModified(r) {
		for _, f := range e.notMod {
			h[f.key] = f.value
		}
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	for _, f := range e.ok {
		h[f.key] = f.value
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return http.StatusOK, 0
	}
	w.Write(e.body)
	return http.StatusOK, len(e.body)
}

// notModified applies If-None-Match, or when it is absent If-Modified-Since
// (RFC 9110, section 13.2.2).
func (a *answer) notModified(r *http.Request) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && inm[0] != "" {
		for _, v := range inm {
			if a.matches(v) {
				return true
			}
		}
		return false
	}
	if ims := r.Header["If-Modified-Since"]; len(ims) > 0 && !a.lastMod.IsZero() {
		t, err := http.ParseTime(ims[0])
		return err == nil && !a.lastMod.After(t)
	}
	return false
}

// matches applies one If-None-Match value, a list of entity tags or "*",
// with the weak comparison RFC 9110 (section 13.1.2) prescribes for it. The
// ETag of either encoding matches: both name the same content.
func (a *answer) matches(inm string) bool {
	if inm == a.etag {
		return true // the usual poll: our ETag, alone
	}
	for tag := range strings.SplitSeq(inm, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == a.etag || (a.gzip && tag == a.gzipped.etag) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding values allow gzip.
func acceptsGzip(values []string) bool {
	for _, ae := range values {
		for part := range strings.SplitSeq(ae, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
		}
	}
	return false
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// serveAnswer prepares and gives an answer built for one request (an API
// list, a page), and returns the status it answered. An HTML page gets the
// pages' security header fields.
func (s *Server) serveAnswer(w http.ResponseWriter, r *http.Request, a *answer) int {
	if a.contentType == htmlType {
		a.header = s.pageHeader
	}
	a.prepare(&s.cacheControl)
	status, _ := a.serve(w, r)
	return status
}

// maxCachedFeeds bounds the feed cache; past it the cache starts afresh
// (keys include ?limit=, so a crawler could otherwise grow it without end).
const maxCachedFeeds = 10_000

// feedCache keeps the answers of feeds in memory and drops them when the
// store's content version moves. It reads the version at most once per
// staleAfter, unless a write in this process, or word of one in another
// (Server.Changed), asked it to look again.
type feedCache struct {
	store interface {
		Version(context.Context) (int64, error)
	}
	now          func() time.Time
	staleAfter   time.Duration
	cacheControl *[numPolicies][]string
	// notified is set while every committed change is pushed to the server
	// (Server.Listening): staleAfter is then only a safety net, and at
	// least NotifiedStaleAfter.
	notified atomic.Bool

	// stats counts hits, misses and 304s: into Config.Metrics when it is
	// set, else into counters nobody reads. metrics times renders and
	// routeOf gives each kept answer its route's recorder; both are nil
	// without Config.Metrics.
	stats   *metrics.FeedCache
	metrics *metrics.Metrics
	routeOf func(key string) *metrics.Route

	version atomic.Int64
	checked atomic.Int64 // unix nanoseconds of the last version read; 0 forces a read
	checkMu sync.Mutex   // one version read at a time

	mu      sync.RWMutex
	entries map[string]*answer
}

func newFeedCache(st interface {
	Version(context.Context) (int64, error)
}, now func() time.Time, staleAfter time.Duration, cc *[numPolicies][]string) *feedCache {
	return &feedCache{store: st, now: now, staleAfter: staleAfter, cacheControl: cc, entries: map[string]*answer{},
		stats: new(metrics.FeedCache)}
}

func (c *feedCache) invalidate() { c.checked.Store(0) }

// currentVersion returns the store's content version, re-reading it when the
// last read, as of now, is older than staleAfter or was invalidated.
func (c *feedCache) currentVersion(ctx context.Context, now time.Time) (int64, error) {
	ns := now.UnixNano()
	stale := int64(c.staleAfter)
	if c.notified.Load() {
		stale = max(stale, int64(NotifiedStaleAfter))
	}
	if last := c.checked.Load(); last != 0 && ns-last < stale {
		return c.version.Load(), nil
	}
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	if last := c.checked.Load(); last != 0 && ns-last < stale {
		return c.version.Load(), nil // another request just read it
	}
	v, err := c.store.Version(ctx)
	if err != nil {
		return 0, err
	}
	c.version.Store(v)
	c.checked.Store(max(ns, 1))
	return v, nil
}

// fresh returns the answer kept for key if it is a 200 of the current
// version, as of now, and nil otherwise.
func (c *feedCache) fresh(ctx context.Context, key string, now time.Time) *answer {
	v, err := c.currentVersion(ctx, now)
	if err != nil {
		return nil // the caller's slow path meets the error and answers it
	}
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil || e.version != v || e.status != http.StatusOK {
		return nil
	}
	c.stats.Hits.Add(1)
	return e
}

// serve gives a kept answer to r, and returns what answer.serve does. It
// counts the 304s.
func (c *feedCache) serve(w http.ResponseWriter, r *http.Request, a *answer) (status, n int) {
	status, n = a.serve(w, r)
	if status == http.StatusNotModified {
		c.stats.NotModified.Add(1)
	}
	return status, n
}

// get returns the answer kept for key, building it with build when there is
// none for the current version. A rebuild that gives the same bytes keeps
// the same validators, so feeds untouched by a change keep their ETag.
func (c *feedCache) get(ctx context.Context, key string, build func() (*answer, error)) (*answer, error) {
	v, err := c.currentVersion(ctx, c.now())
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	prev := c.entries[key]
	c.mu.RUnlock()
	if prev != nil && prev.version == v {
		c.stats.Hits.Add(1)
		return prev, nil
	}
	c.stats.Misses.Add(1)
	start := c.now()
	e, err := build()
	if err != nil {
		return nil, err
	}
	c.metrics.Render(c.now().Sub(start))
	e.version = v
	if c.routeOf != nil {
		e.route = c.routeOf(key)
	}
	if e.status == http.StatusOK {
		e.etag = etagOf(e.body)
		if prev != nil && prev.status == http.StatusOK && prev.etag == e.etag {
			e.gz, e.lastMod = prev.gz, prev.lastMod
		} else if prev != nil && prev.status == http.StatusOK && !e.lastMod.After(prev.lastMod) {
			// Last-Modified comes from the items; when the bytes changed
			// without a newer item (a deletion, a retag), it must still move
			// forward, or If-Modified-Since would wrongly answer 304.
			e.lastMod = c.now().UTC().Truncate(time.Second)
		}
	}
	e.prepare(c.cacheControl)
	c.mu.Lock()
	if len(c.entries) >= maxCachedFeeds {
		c.entries = map[string]*answer{}
	}
	c.entries[key] = e
	c.mu.Unlock()
	return e, nil
}

// cacheKey is the feed cache's key for the feed at path (as requested:
// under /s/{token}/ for a subscriber) with the canonical query q ("" or
// "?..."). For the public view, which is the same for every request, it is
// the path and query themselves, so that ServeHTTP can find a public feed
// by its request path without routing it; a subscriber's view puts its
// flags first, which no path starts with.
func (v view) cacheKey(path, q string) string {
	if v.prefix == "" {
		return path + q
	}
	// Called on every subscriber's feed request: no fmt.
	flags := [3]byte{0, '-', '-'}
	if v.summary {
		flags[1] = 's'
	}
	if v.attribution {
		flags[2] = 'a'
	}
	return string(flags[:]) + path + q
}
