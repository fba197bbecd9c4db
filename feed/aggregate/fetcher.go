package aggregate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/guard"
)

// Defaults for Options fields left zero.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBodySize    = 10 << 20
	DefaultMaxRedirects   = 5
)

// acceptHeader lists the feed types herald reads, best first.
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"

// Options configure a Fetcher. The zero value is usable and safe: it refuses
// private addresses.
type Options struct {
	// Version and ContactURL make the User-Agent,
	// "herald/<Version> (+<ContactURL>)". Version defaults to "dev"; the
	// contact part is left out when ContactURL is empty.
	Version    string
	ContactURL string
	// ConnectTimeout bounds establishing a connection (default 10s);
	// Timeout bounds the whole fetch, redirects and body included (30s).
	ConnectTimeout time.Duration
	Timeout        time.Duration
	// MaxBodySize caps the body after decompression (default 10 MB).
	MaxBodySize int64
	// MaxRedirects caps how many redirects one fetch follows (default 5).
	MaxRedirects int
	// Guard decides which addresses may be connected to, at every
	// connection. The zero value allows public addresses only.
	Guard guard.Policy
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// A Fetcher performs the HTTP side of polling a source: conditional GET,
// redirects, size and time limits, the address guard, and reading what the
// response says about when to come back (Cache-Control, Retry-After). It is
// the one place that knows these rules. A Fetcher is safe for concurrent use.
type Fetcher struct {
	transport    *http.Transport
	userAgent    string
	timeout      time.Duration
	maxBody      int64
	maxRedirects int
	now          func() time.Time
}

// NewFetcher returns a Fetcher configured by o. Call Close when done with it.
func NewFetcher(o Options) *Fetcher {
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ua := "herald/" + o.Version
	if o.ContactURL != "" {
		ua += " (+" + o.ContactURL + ")"
	}
	return &Fetcher{
		transport:    o.Guard.Transport(o.ConnectTimeout, 2),
		userAgent:    ua,
		timeout:      o.Timeout,
		maxBody:      o.MaxBodySize,
		maxRedirects: o.MaxRedirects,
		now:          o.Now,
	}
}

// Close closes idle connections.
func (f *Fetcher) Close() { f.transport.CloseIdleConnections() }

// UserAgent returns the User-Agent header f sends.
func (f *Fetcher) UserAgent() string { return f.userAgent }

// A Response is what one fetch learned from the server.
type Response struct {
	URL      string // the URL asked for
	FinalURL string // the URL that answered, after redirects
	// Redirected is set when at least one redirect was followed, and
	// PermanentRedirect when every one of them was a 301 or 308.
	Redirected        bool
	PermanentRedirect bool
	Status            int
	// NotModified is set for a 304: the feed is unchanged and Body is empty.
	NotModified bool
	// ETag and LastModified are the validators the server sent, to be sent
	// back next time.
	ETag         string
	LastModified string
	ContentType  string
	// MaxAge is Cache-Control max-age less Age; zero when absent.
	MaxAge time.Duration
	// RetryAfter is how long a 429 or 503 asked us to wait; zero when absent.
	RetryAfter time.Duration
	Body       []byte
	At         time.Time // when the response headers arrived
}

// Gone reports whether the server said the feed is gone for good (410).
func (r *Response) Gone() bool { return r.Status == http.StatusGone }

// A StatusError is an HTTP status that is neither success nor 304.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
}

// ErrTooLarge is matched (errors.Is) by the error for a body over the cap.
var ErrTooLarge = errors.New("body too large")

type tooLargeError struct{ max int64 }

func (e tooLargeError) Error() string   { return "body exceeds " + formatSize(e.max) }
func (e tooLargeError) Is(t error) bool { return t == ErrTooLarge }

func formatSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Fetch GETs src.URL, conditionally when src holds validators. Errors read
// "fetch <url>: ...". The *Response is non-nil whenever the server answered,
// even when err is not: a 429 or 410 comes back as a *StatusError together
// with the Response that says when to retry. A 304 is not an error.
//
// Errors: *StatusError for a status other than 2xx or 304, *guard.BlockedError
// when the guard refused an address, ErrTooLarge, context errors, and network
// errors.
func (f *Fetcher) Fetch(ctx context.Context, src feed.Source) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", src.URL, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", acceptHeader)
	// Accept-Encoding is left to the Transport, which then decompresses
	// gzip itself; the size cap below applies to what it hands us.
	if src.ETag != "" {
		req.Header.Set("If-None-Match", src.ETag)
	}
	if src.LastModified != "" {
		req.Header.Set("If-Modified-Since", src.LastModified)
	}

	hops := redirects{max: f.maxRedirects, permanent: true}
	client := &http.Client{Transport: f.transport, CheckRedirect: hops.check}
	resp, err := client.Do(req)
	if err != nil {
		return nil, f.wrap(ctx, src.URL, hops.last, err)
	}
	defer resp.Body.Close()

	r := &Response{
		URL:               src.URL,
		FinalURL:          resp.Request.URL.String(),
		Redirected:        hops.n > 0,
		PermanentRedirect: hops.n > 0 && hops.permanent,
		Status:            resp.StatusCode,
		ETag:              resp.Header.Get("ETag"),
		LastModified:      resp.Header.Get("Last-Modified"),
		ContentType:       resp.Header.Get("Content-Type"),
		At:                f.now(),
	}
	r.MaxAge = maxAge(resp.Header)

	switch {
	case resp.StatusCode == http.StatusNotModified:
		r.NotModified = true
		return r, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), r.At)
		}
		// Drain a little so the connection can be reused.
		io.CopyN(io.Discard, resp.Body, 4<<10)
		return r, fmt.Errorf("fetch %s: %w", src.URL, &StatusError{Code: resp.StatusCode})
	}

	if resp.ContentLength > f.maxBody {
		return r, fmt.Errorf("fetch %s: %w", src.URL, tooLargeError{f.maxBody})
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return r, f.wrap(ctx, src.URL, hops.last, err)
	}
	if n > f.maxBody {
		return r, fmt.Errorf("fetch %s: %w", src.URL, tooLargeError{f.maxBody})
	}
	r.Body = buf.Bytes()
	return r, nil
}

// wrap turns a client error into "fetch <url>: <what happened>", without the
// "Get \"<url>\":" prefix of a *url.Error, and naming the redirect target
// (last) when the trouble came after a redirect.
func (f *Fetcher) wrap(ctx context.Context, rawURL, last string, err error) error {
	where := ""
	if last != "" {
		where = "redirected to " + last + ": "
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("fetch %s: %sno complete response within %v: %w", rawURL, where, f.timeout, err)
	}
	var blocked *guard.BlockedError
	if errors.As(err, &blocked) {
		// The dialer's "dial tcp 127.0.0.1:8080:" prefix says nothing more.
		return fmt.Errorf("fetch %s: %s%w", rawURL, where, blocked)
	}
	return fmt.Errorf("fetch %s: %s%w", rawURL, where, err)
}

// redirects follows and records one fetch's redirect chain.
type redirects struct {
	max       int
	n         int
	permanent bool
	last      string // the last URL redirected to
}

func (h *redirects) check(req *http.Request, via []*http.Request) error {
	h.last = req.URL.String()
	if len(via) > h.max {
		return redirectError{h.max}
	}
	h.n++
	if resp := req.Response; resp == nil ||
		(resp.StatusCode != http.StatusMovedPermanently && resp.StatusCode != http.StatusPermanentRedirect) {
		h.permanent = false
	}
	return nil
}

// redirectError stops a fetch that is redirected more than max times.
type redirectError struct{ max int }

func (e redirectError) Error() string { return fmt.Sprintf("stopped after %d redirects", e.max) }

// maxAge reads Cache-Control max-age, less the Age the response has already
// spent in caches.
func maxAge(h http.Header) time.Duration {
	var secs int64 = -1
	for _, v := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 {
					secs = n
				}
			}
		}
	}
	if secs < 0 {
		return 0
	}
	if age, err := strconv.ParseInt(h.Get("Age"), 10, 64); err == nil && age > 0 {
		secs -= age
	}
	// A year is far past any poll interval, and bounds secs well inside
	// what a Duration holds.
	return time.Duration(min(max(secs, 0), maxAgeCap)) * time.Second
}

// maxAgeCap bounds the max-age read from a feed's Cache-Control, in seconds.
const maxAgeCap = 365 * 24 * 60 * 60

// retryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// relative to now. Unparseable or past values give zero.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Clamp before converting so an absurd value cannot overflow.
		return time.Duration(min(max(n, 0), maxAgeCap)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), maxAgeCap*time.Second)
	}
	return 0
}
