package web

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
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
	// statsFeed is the feed path ServeHTTP counts it under when it answers
	// it before routing ("" for none; see statsFeed).
	statsFeed string
	size      int64         // what the feed cache counts for it (feedCache)
	variant   bool          // kept within the variants' share (feedCache, see isVariant)
	used      atomic.Uint64 // the feed cache's clock when it was last given (feedCache)

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
	return clip(buf.Bytes())
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

// DefaultCacheSize is the feed cache's budget when Config.CacheSize is 0:
// 64 MiB, which a small VM can spare.
const DefaultCacheSize = 64 << 20

// GCPercent is the collector's target that "herald serve" sets unless GOGC
// is set (see cmd/herald/serve.go), and that the benchmarks of a server
// measure under.
const GCPercent = 400

// variantShare is the part of the feed cache's budget that variants (a
// search feed, a page past the first, a feed with its own ?limit=) may hold
// together: one over variantShare. Each query is a key of its own and most
// are asked for once, so they must not crowd out the feeds readers poll.
const variantShare = 4

// What the feed cache counts for an answer besides its key and bytes (its
// struct and prepared header fields), and for what is left of an answer of
// an earlier version (a validator).
const (
	answerOverhead = 1024
	validatorSize  = 160
)

// feedCache keeps the answers of feeds in memory, within a budget of bytes,
// and drops their bytes as soon as it sees the store's content version move.
// It reads the version at most once per staleAfter, unless a write in this
// process, or word of one in another (Server.Changed), asked it to look
// again.
//
// Of an answer of an earlier version it keeps only the validators (a
// validator): a rebuild that gives the same bytes keeps the same ETag and
// Last-Modified, and one that gives other bytes a later Last-Modified. Of a
// feed that is not a variant it keeps the gzip encoding too, a fraction of
// the bytes, since compressing costs more than rendering and a change
// leaves the bytes of many feeds as they were.
//
// Past the budget it drops the answers and validators given least recently;
// variants are kept within a share of it (see variantShare).
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
	// maxBytes is the budget: what entries and validators may hold.
	maxBytes int64

	// stats counts hits, misses and 304s: into Config.Metrics when it is
	// set, else into counters nobody reads. metrics times renders and
	// routeOf gives each kept answer its route's recorder; both are nil
	// without Config.Metrics.
	stats   *metrics.FeedCache
	metrics *metrics.Metrics
	routeOf func(key string) *metrics.Route
	// statsOf gives each kept answer the feed it counts under in the
	// readership statistics; nil without Config.Stats.
	statsOf func(key string) string

	version atomic.Int64
	checked atomic.Int64 // unix nanoseconds of the last version read; 0 forces a read
	checkMu sync.Mutex   // one version read at a time
	// clock ticks at every answer kept; an answer given is stamped with it
	// (answer.used), which orders them for eviction.
	clock atomic.Uint64

	mu sync.RWMutex
	// entries holds the answers of version swept; validators what is left
	// of earlier ones. bytes is what both hold, variantBytes the variants'
	// part of it.
	entries             map[string]*answer
	validators          map[string]validator
	bytes, variantBytes int64
	swept               int64
}

// A validator is what the feed cache keeps of a 200 of an earlier version:
// enough for a rebuild to keep its validators, and the gzip encoding of a
// feed that is not a variant, when its bytes have not changed.
type validator struct {
	etag    string
	lastMod time.Time
	gz      []byte
	used    uint64 // the answer's
	size    int64
	variant bool
}

func newFeedCache(st interface {
	Version(context.Context) (int64, error)
}, now func() time.Time, staleAfter time.Duration, cc *[numPolicies][]string, maxBytes int64) *feedCache {
	return &feedCache{store: st, now: now, staleAfter: staleAfter, cacheControl: cc, maxBytes: maxBytes,
		entries: map[string]*answer{}, validators: map[string]validator{}, stats: new(metrics.FeedCache)}
}

func (c *feedCache) invalidate() { c.checked.Store(0) }

// currentVersion returns the store's content version, re-reading it when the
// last read, as of now, is older than staleAfter or was invalidated. When
// the version moved, the answers of the earlier one are dropped (sweep).
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
	c.sweep(v)
	return v, nil
}

// sweep drops the answers of versions other than v, keeping the validators
// of their 200s.
func (c *feedCache) sweep(v int64) {
	c.mu.RLock()
	done := c.swept == v
	c.mu.RUnlock()
	if done {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.swept = v
	for key, e := range c.entries {
		if e.version != v {
			c.drop(key, e)
			c.remember(key, e)
		}
	}
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
	c.touch(e)
	c.stats.Hits.Add(1)
	return e
}

// touch stamps e as given now, for eviction (a store only when the clock
// has moved since, so that answering a hot feed writes no shared memory).
func (c *feedCache) touch(e *answer) {
	if t := c.clock.Load(); e.used.Load() != t {
		e.used.Store(t)
	}
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
	old, hadOld := c.validators[key]
	c.mu.RUnlock()
	if prev != nil && prev.version == v {
		c.touch(prev)
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
	if c.statsOf != nil {
		e.statsFeed = c.statsOf(key)
	}
	if e.status == http.StatusOK {
		e.body = clip(e.body)
		e.etag = etagOf(e.body)
		if prev != nil && prev.status == http.StatusOK {
			old, hadOld = validator{etag: prev.etag, lastMod: prev.lastMod, gz: prev.gz}, true
		}
		if hadOld && old.etag == e.etag {
			e.gz, e.lastMod = old.gz, old.lastMod
		} else if hadOld && !e.lastMod.After(old.lastMod) {
			// Last-Modified comes from the items; when the bytes changed
			// without a newer item (a deletion, a retag), it must still move
			// forward, or If-Modified-Since would wrongly answer 304.
			e.lastMod = c.now().UTC().Truncate(time.Second)
		}
	}
	e.prepare(c.cacheControl)
	c.keep(key, e)
	return e, nil
}

// keep puts e under key, in place of what was kept there, and evicts what
// the budget calls for. An answer of a version already swept away leaves
// its validators only; one larger than its budget, nothing more.
func (c *feedCache) keep(key string, e *answer) {
	e.variant = isVariant(key)
	e.size = int64(len(key)) + int64(cap(e.body)) + int64(cap(e.gz)) + answerOverhead
	c.mu.Lock()
	defer c.mu.Unlock()
	e.used.Store(c.clock.Add(1))
	if prev := c.entries[key]; prev != nil {
		c.drop(key, prev)
	}
	if old, ok := c.validators[key]; ok {
		c.forget(key, old)
	}
	budget := c.maxBytes
	if e.variant {
		budget /= variantShare
	}
	if e.version != c.swept || e.size > budget {
		c.remember(key, e)
	} else {
		c.entries[key] = e
		c.count(e.variant, e.size)
	}
	c.evict()
}

// drop removes the answer e kept under key; c.mu is held.
func (c *feedCache) drop(key string, e *answer) {
	delete(c.entries, key)
	c.count(e.variant, -e.size)
}

// remember keeps the validators of e under key if it is a 200, with its
// gzip encoding unless it is a variant; c.mu is held.
func (c *feedCache) remember(key string, e *answer) {
	if e.status != http.StatusOK {
		return
	}
	v := validator{etag: e.etag, lastMod: e.lastMod, used: e.used.Load(), size: int64(len(key)) + validatorSize, variant: e.variant}
	if !e.variant {
		v.gz = e.gz
		v.size += int64(cap(e.gz))
	}
	c.validators[key] = v
	c.count(v.variant, v.size)
}

// forget removes the validator v kept under key; c.mu is held.
func (c *feedCache) forget(key string, v validator) {
	delete(c.validators, key)
	c.count(v.variant, -v.size)
}

func (c *feedCache) count(variant bool, n int64) {
	c.bytes += n
	if variant {
		c.variantBytes += n
	}
	c.stats.Bytes.Store(c.bytes)
}

// evict brings the variants within their share and everything within the
// budget, each time down to seven eighths of it so that the work of sorting
// is paid once for many answers kept; c.mu is held.
func (c *feedCache) evict() {
	if share := c.maxBytes / variantShare; c.variantBytes > share {
		c.evictTo(true, share/8*7)
	}
	if c.bytes > c.maxBytes {
		c.evictTo(false, c.maxBytes/8*7)
	}
}

// evictTo drops the answers and validators given least recently (of the
// variants only, if variants) until what they hold is at most target.
func (c *feedCache) evictTo(variants bool, target int64) {
	type candidate struct {
		key  string
		used uint64
		live bool
	}
	var cands []candidate
	for key, e := range c.entries {
		if !variants || e.variant {
			cands = append(cands, candidate{key, e.used.Load(), true})
		}
	}
	for key, v := range c.validators {
		if !variants || v.variant {
			cands = append(cands, candidate{key, v.used, false})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int { return cmp.Compare(a.used, b.used) })
	held := &c.bytes
	if variants {
		held = &c.variantBytes
	}
	for _, k := range cands {
		if *held <= target {
			return
		}
		if k.live {
			c.drop(k.key, c.entries[k.key])
		} else {
			c.forget(k.key, c.validators[k.key])
		}
		c.stats.Evictions.Add(1)
	}
}

// isVariant reports whether the feed cache's key is of a variant: a search
// feed, a page past the first or a feed with its own ?limit= (see
// variantShare).
func isVariant(key string) bool {
	path, q, _ := strings.Cut(key, "?")
	return strings.Contains(path, "/search/") || strings.Contains(q, "page=") || strings.Contains(q, "limit=")
}

// clip returns b, or a copy of it without the spare capacity a
// bytes.Buffer left when that is more than a sixteenth of it: the cache
// keeps what it holds for long.
func clip(b []byte) []byte {
	if cap(b)-len(b) <= len(b)/16 {
		return b
	}
	return bytes.Clone(b)
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
	flags := [4]byte{0, '-', '-', '-'}
	if v.summary {
		flags[1] = 's'
	}
	if v.attribution {
		flags[2] = 'a'
	}
	if v.early {
		flags[3] = 'e'
	}
	return string(flags[:]) + path + q
}
