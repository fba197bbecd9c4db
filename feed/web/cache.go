package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxCachedFeeds bounds the feed cache; past it the cache starts afresh
// (keys include ?limit=, so a crawler could otherwise grow it without end).
const maxCachedFeeds = 10_000

// A cachedFeed is one rendered response, kept until the content changes.
type cachedFeed struct {
	version     int64
	status      int    // 200, or a redirect or not-found answer
	location    string // for redirects
	contentType string
	body, gz    []byte // identity and gzip encodings of the same bytes
	etag        string // strong, quoted; the gzip variant adds "-gz"
	lastMod     time.Time
	closed      bool     // a closed archive page: cacheable for long
	link        []string // the Link header of a 200 and its 304s, if any

	// Header values of a 200, prepared once by prepare.
	ctype, lastModText []string
	identity, gzipped  encoding
}

// encoding is one representation of a cached feed and its header values.
type encoding struct {
	body     []byte
	etag     []string
	length   []string
	encoding []string // Content-Encoding; nil for identity
}

// prepare fills in the header values of a 200 from its body, gzip body,
// ETag and Last-Modified.
func (e *cachedFeed) prepare() {
	e.ctype = []string{e.contentType}
	if !e.lastMod.IsZero() {
		e.lastModText = []string{e.lastMod.Format(http.TimeFormat)}
	}
	e.identity = encoding{body: e.body, etag: []string{e.etag}, length: []string{strconv.Itoa(len(e.body))}}
	e.gzipped = encoding{body: e.gz, etag: []string{e.etag[:len(e.etag)-1] + `-gz"`},
		length: []string{strconv.Itoa(len(e.gz))}, encoding: []string{"gzip"}}
}

// feedCache keeps rendered feeds in memory and drops them when the store's
// content version moves. It reads the version at most once per staleAfter,
// unless a write in this process asked it to look again.
type feedCache struct {
	store interface {
		Version(context.Context) (int64, error)
	}
	now        func() time.Time
	staleAfter time.Duration

	version atomic.Int64
	checked atomic.Int64 // unix nanoseconds of the last version read; 0 forces a read
	checkMu sync.Mutex   // one version read at a time

	mu      sync.RWMutex
	entries map[string]*cachedFeed
}

func newFeedCache(st interface {
	Version(context.Context) (int64, error)
}, now func() time.Time, staleAfter time.Duration) *feedCache {
	return &feedCache{store: st, now: now, staleAfter: staleAfter, entries: map[string]*cachedFeed{}}
}

func (c *feedCache) invalidate() { c.checked.Store(0) }

// currentVersion returns the store's content version, re-reading it when the
// last read is older than staleAfter or was invalidated.
func (c *feedCache) currentVersion(ctx context.Context) (int64, error) {
	now := c.now().UnixNano()
	if last := c.checked.Load(); last != 0 && now-last < int64(c.staleAfter) {
		return c.version.Load(), nil
	}
	c.checkMu.Lock()
	defer c.checkMu.Unlock()
	if last := c.checked.Load(); last != 0 && now-last < int64(c.staleAfter) {
		return c.version.Load(), nil // another request just read it
	}
	v, err := c.store.Version(ctx)
	if err != nil {
		return 0, err
	}
	c.version.Store(v)
	c.checked.Store(max(now, 1))
	return v, nil
}

// get returns the cached entry for key, rendering it with build when there
// is none for the current version. A re-render that gives the same bytes
// keeps the same validators, so feeds untouched by a change keep their ETag.
func (c *feedCache) get(ctx context.Context, key string, build func() (*cachedFeed, error)) (*cachedFeed, error) {
	v, err := c.currentVersion(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.RLock()
	prev := c.entries[key]
	c.mu.RUnlock()
	if prev != nil && prev.version == v {
		return prev, nil
	}
	e, err := build()
	if err != nil {
		return nil, err
	}
	e.version = v
	if e.status == 200 {
		sum := sha256.Sum256(e.body)
		e.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
		if prev != nil && prev.etag == e.etag {
			e.gz, e.lastMod = prev.gz, prev.lastMod
		} else {
			e.gz = gzipBytes(e.body)
			// Last-Modified comes from the items; when the bytes changed
			// without a newer item (a deletion, a retag), it must still move
			// forward, or If-Modified-Since would wrongly answer 304.
			if prev != nil && prev.status == 200 && !e.lastMod.After(prev.lastMod) {
				e.lastMod = c.now().UTC().Truncate(time.Second)
			}
		}
	}
	if e.status == 200 {
		e.prepare()
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedFeeds {
		c.entries = map[string]*cachedFeed{}
	}
	c.entries[key] = e
	c.mu.Unlock()
	return e, nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
