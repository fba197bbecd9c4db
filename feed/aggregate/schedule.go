package aggregate

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"herald/feed"
)

// An Outcome is what one poll of a source came to: the input of NextFetch
// and Update.
type Outcome struct {
	// Response is nil when no response came back (refused, timed out, ...).
	Response *Response
	// Result is set when a body was fetched and parsed.
	Result *Result
	// Err is nil for a successful poll, 304 included.
	Err error
}

// Poll is one fetch of src and, unless the server answered 304, one parse.
// A poller calls Poll, stores Result.Articles if any, and then stores the
// source returned by Update.
func (f *Fetcher) Poll(ctx context.Context, src feed.Source) Outcome {
	resp, err := f.Fetch(ctx, src)
	o := Outcome{Response: resp, Err: err}
	if err != nil || resp.NotModified {
		return o
	}
	o.Result, o.Err = Parse(resp.Body, resp.ContentType, resp.FinalURL, resp.At, src)
	resp.Body = nil // parsed; let it go
	return o
}

// Defaults for Policy fields left zero.
const (
	DefaultMaxHint               = 24 * time.Hour
	DefaultMaxBackoff            = 24 * time.Hour
	DefaultMaxRetryAfter         = 24 * time.Hour
	DefaultJitter                = 0.2
	DefaultRedirectConfirmations = 3
)

// A Policy holds the knobs of scheduling. Each zero field means its default.
type Policy struct {
	// MinInterval is the shortest wait before any poll (feed.MinSourceEvery).
	MinInterval time.Duration
	// MaxHint caps how far a feed's <ttl> or Cache-Control max-age may push
	// the next poll beyond the source's interval (24h).
	MaxHint time.Duration
	// MaxBackoff caps the wait after failures (24h).
	MaxBackoff time.Duration
	// MaxRetryAfter caps how long a Retry-After is honoured (24h).
	MaxRetryAfter time.Duration
	// Jitter is the fraction of a backoff delay taken off at random (0.2),
	// so that sources that failed together do not retry together.
	Jitter float64
	// Rand returns a number in [0, 1) for the jitter; math/rand/v2's
	// Float64 when nil. Tests fix it.
	Rand func() float64
	// RedirectConfirmations is how many polls in a row must be permanently
	// redirected to the same URL before it replaces the source's URL (3).
	RedirectConfirmations int
}

func (p Policy) withDefaults() Policy {
	if p.MinInterval <= 0 {
		p.MinInterval = feed.MinSourceEvery
	}
	if p.MaxHint <= 0 {
		p.MaxHint = DefaultMaxHint
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if p.Jitter <= 0 || p.Jitter > 1 {
		p.Jitter = DefaultJitter
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	if p.RedirectConfirmations <= 0 {
		p.RedirectConfirmations = DefaultRedirectConfirmations
	}
	return p
}

// NextFetch returns when to poll s again after outcome o at now. s is the
// source as it was before the poll. The rules:
//
//   - success or 304: now + the source's interval, or the feed's <ttl> or
//     Cache-Control max-age if longer (those capped at MaxHint; after a 304,
//     which has no body, the <ttl> of the last full fetch, s.Hint);
//   - 429 or 503 with Retry-After: now + Retry-After, at least MinInterval
//     and at most MaxRetryAfter;
//   - 410 Gone: the zero time; the source is to be disabled;
//   - any other failure: now + interval × 2^(errors-1), errors counting
//     this one, less up to Jitter of it at random, at most MaxBackoff.
func NextFetch(now time.Time, s feed.Source, o Outcome, p Policy) time.Time {
	p = p.withDefaults()
	interval := max(s.Interval(), p.MinInterval)
	r := o.Response
	switch {
	case r != nil && r.Gone():
		return time.Time{}
	case o.Err == nil:
		var hint time.Duration
		if r != nil {
			hint = r.MaxAge
		}
		if o.Result != nil {
			hint = max(hint, o.Result.TTL)
		} else if r != nil && r.NotModified {
			hint = max(hint, s.Hint)
		}
		return now.Add(max(interval, min(hint, p.MaxHint)))
	case r != nil && r.RetryAfter > 0 &&
		(r.Status == http.StatusTooManyRequests || r.Status == http.StatusServiceUnavailable):
		return now.Add(min(max(r.RetryAfter, p.MinInterval), p.MaxRetryAfter))
	default:
		return now.Add(backoff(interval, s.ConsecutiveErrors+1, p))
	}
}

// backoff is the wait after the nth failure in a row.
func backoff(interval time.Duration, n int, p Policy) time.Duration {
	d := interval
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	d -= time.Duration(float64(d) * p.Jitter * p.Rand())
	return max(d, p.MinInterval)
}

// maxLastError bounds the error text kept on a source.
const maxLastError = 1000

// Update returns s as it stands after outcome o at now: status fields,
// cache validators, error count, NextFetch, Enabled (a 410 disables), and the
// permanent-redirect rule (after RedirectConfirmations successful polls in a
// row redirected permanently to one URL, that URL replaces s.URL). It does
// not touch Items, which only the store knows.
func Update(s feed.Source, now time.Time, o Outcome, p Policy) feed.Source {
	p = p.withDefaults()
	s.NextFetch = NextFetch(now, s, o, p)
	s.LastAttempt = now
	r := o.Response
	s.LastStatus = 0
	if r != nil {
		s.LastStatus = r.Status
	}

	if o.Err != nil {
		s.ConsecutiveErrors++
		s.LastError = truncateText(o.Err.Error(), maxLastError, maxLastError)
		if r != nil && r.Gone() {
			s.Enabled = false
		}
		// Validators are kept: they describe the last good copy, and a
		// failed parse must not be answered with 304 forever.
		return s
	}

	s.LastSuccess = now
	s.ConsecutiveErrors = 0
	s.LastError = ""
	if r == nil {
		return s
	}
	if r.NotModified {
		// A 304 may refresh the validators; it need not repeat them.
		if r.ETag != "" {
			s.ETag = r.ETag
		}
		if r.LastModified != "" {
			s.LastModified = r.LastModified
		}
	} else {
		s.ETag, s.LastModified = r.ETag, r.LastModified
		s.Hint = r.MaxAge
		if o.Result != nil {
			s.Hint = max(s.Hint, o.Result.TTL)
		}
	}

	if !r.PermanentRedirect || r.FinalURL == s.URL {
		s.PendingURL, s.PendingCount = "", 0
		return s
	}
	if s.PendingURL == r.FinalURL {
		s.PendingCount++
	} else {
		s.PendingURL, s.PendingCount = r.FinalURL, 1
	}
	if s.PendingCount >= p.RedirectConfirmations {
		s.URL = r.FinalURL
		s.PendingURL, s.PendingCount = "", 0
	}
	return s
}
