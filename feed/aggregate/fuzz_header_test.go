package aggregate

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

// FuzzMaxAge reads arbitrary Cache-Control and Age fields, as a publisher's
// server sends them. The hint is never negative and in whole seconds, none
// when a no-cache or no-store directive is there, never longer for an older
// response; and the next poll it leads to is within the policy's bounds.
func FuzzMaxAge(f *testing.F) {
	for _, tc := range [][2]string{
		{"max-age=3600", ""}, {"public, max-age=300", "60"}, {"max-age=\"600\", must-revalidate", "700"},
		{"no-cache, max-age=60", ""}, {"private, NO-STORE", ""}, {"max-age=-5", ""}, {"max-age=86400000", "-1"},
		{"s-maxage=10, max-age=20, max-age=30", "x"}, {"max-age=9223372036", ""}, {"", ""},
	} {
		f.Add(tc[0], tc[1])
	}
	src := testSource("https://feeds.example.gov/feed")
	f.Fuzz(func(t *testing.T, cacheControl, age string) {
		h := http.Header{"Cache-Control": {cacheControl}, "Age": {age}}
		d := maxAge(h)
		if d < 0 || d%time.Second != 0 {
			t.Fatalf("maxAge(Cache-Control %q, Age %q) = %v, want whole seconds, not negative", cacheControl, age, d)
		}
		for dir := range strings.SplitSeq(cacheControl, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(dir), "=")
			if (strings.EqualFold(name, "no-cache") || strings.EqualFold(name, "no-store")) && d != 0 {
				t.Fatalf("maxAge(Cache-Control %q) = %v despite %s", cacheControl, d, name)
			}
		}
		if fresh := maxAge(http.Header{"Cache-Control": {cacheControl}}); d > fresh {
			t.Fatalf("maxAge(Cache-Control %q) = %v, but %v with Age %q", cacheControl, fresh, d, age)
		}
		checkNext(t, src, Outcome{Response: &Response{Status: http.StatusOK, MaxAge: d}})
		checkNext(t, src, Outcome{Response: &Response{Status: http.StatusNotModified, NotModified: true, MaxAge: d}})
	})
}

// FuzzRetryAfter reads arbitrary Retry-After fields of a 429 or 503: a
// number of seconds or an HTTP date. The wait is never negative, at most a
// year when given in seconds; one of a year or less is in whole seconds and
// reads back the same written either way; and it leads to a next poll
// within the policy's bounds.
func FuzzRetryAfter(f *testing.F) {
	for _, v := range []string{
		"120", " 3600 ", "0", "-30", "99999999999999999999", "1e3", "Wed, 10 Jan 2024 18:30:00 GMT",
		"Wednesday, 10-Jan-24 18:30:00 GMT", "Wed Jan 10 18:30:00 2024", "Mon, 01 Jan 2024 00:00:00 GMT",
		"Fri, 31 Dec 9999 23:59:59 GMT", "soon", "",
	} {
		f.Add(v)
	}
	src := testSource("https://feeds.example.gov/feed")
	f.Fuzz(func(t *testing.T, v string) {
		d := retryAfter(v, fetchedAt)
		if d < 0 || (d <= 365*24*time.Hour && d%time.Second != 0) {
			t.Fatalf("retryAfter(%q) = %v, want whole seconds, not negative", v, d)
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && d > 365*24*time.Hour {
			t.Fatalf("retryAfter(%q) = %v, over a year", v, d)
		}
		if d > 0 && d <= 365*24*time.Hour {
			secs := strconv.FormatInt(int64(d/time.Second), 10)
			date := fetchedAt.Add(d).Format(http.TimeFormat)
			if got := retryAfter(secs, fetchedAt); got != d {
				t.Fatalf("retryAfter(%q) = %v, but retryAfter(%q) = %v", v, d, secs, got)
			}
			if got := retryAfter(date, fetchedAt); got != d {
				t.Fatalf("retryAfter(%q) = %v, but retryAfter(%q) = %v", v, d, date, got)
			}
		}
		for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			r := &Response{Status: status, RetryAfter: d}
			checkNext(t, src, Outcome{Response: r, Err: &StatusError{Code: status}})
		}
	})
}

// checkNext checks that the next poll after o is no sooner than the
// policy's shortest wait and no later than its longest.
func checkNext(t *testing.T, src feed.Source, o Outcome) {
	t.Helper()
	p := Policy{Rand: func() float64 { return 0.5 }}.withDefaults()
	next := NextFetch(fetchedAt, src, o, p)
	longest := max(src.Interval(), p.MaxHint, p.MaxRetryAfter, p.MaxBackoff)
	if wait := next.Sub(fetchedAt); wait < p.MinInterval || wait > longest {
		t.Fatalf("after status %d, max-age %v, Retry-After %v: next poll in %v, want %v to %v",
			o.Response.Status, o.Response.MaxAge, o.Response.RetryAfter, wait, p.MinInterval, longest)
	}
}
