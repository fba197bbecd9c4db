package aggregate

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/guard"
)

func TestFetchHeaders(t *testing.T) {
	var got http.Header
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Write(fixture(t, "rss2.xml"))
	})
	tests := []struct {
		opts   Options
		wantUA string
	}{
		{Options{Version: "1.4.0", ContactURL: "https://herald.example/about"}, "herald/1.4.0 (+https://herald.example/about)"},
		{Options{Version: "1.4.0"}, "herald/1.4.0"},
	}
	for _, tt := range tests {
		f := newFetcher(t, tt.opts)
		if _, err := f.Fetch(t.Context(), testSource(srv.URL)); err != nil {
			t.Fatal(err)
		}
		if ua := got.Get("User-Agent"); ua != tt.wantUA || f.UserAgent() != tt.wantUA {
			t.Errorf("User-Agent = %q, want %q", ua, tt.wantUA)
		}
		accept := got.Get("Accept")
		for _, typ := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"} {
			if !strings.Contains(accept, typ) {
				t.Errorf("Accept = %q, lacks %s", accept, typ)
			}
		}
		if ae := got.Get("Accept-Encoding"); ae != "gzip" {
			t.Errorf("Accept-Encoding = %q, want gzip", ae)
		}
		if got.Get("If-None-Match") != "" || got.Get("If-Modified-Since") != "" {
			t.Errorf("conditional headers sent without stored validators: %v", got)
		}
	}
}

func TestFetchNotModified(t *testing.T) {
	const etag, lastMod = `"v1"`, "Tue, 09 Jan 2024 15:00:00 GMT"
	tests := []struct {
		name               string
		sendETag, sendLast bool
	}{
		{"etag and last-modified", true, true},
		{"etag only", true, false},
		{"last-modified only", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests []http.Header
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				requests = append(requests, r.Header.Clone())
				if (tt.sendETag && r.Header.Get("If-None-Match") == etag) ||
					(tt.sendLast && r.Header.Get("If-Modified-Since") == lastMod) {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				if tt.sendETag {
					w.Header().Set("ETag", etag)
				}
				if tt.sendLast {
					w.Header().Set("Last-Modified", lastMod)
				}
				w.Write(fixture(t, "atom.xml"))
			})
			f := newFetcher(t, Options{})
			src := testSource(srv.URL)

			o := f.Poll(t.Context(), src)
			if o.Err != nil || o.Result == nil || len(o.Result.Articles) == 0 {
				t.Fatalf("first poll: %+v", o)
			}
			src = Update(src, fetchedAt, o, Policy{})
			wantETag, wantLast := "", ""
			if tt.sendETag {
				wantETag = etag
			}
			if tt.sendLast {
				wantLast = lastMod
			}
			if src.ETag != wantETag || src.LastModified != wantLast {
				t.Fatalf("stored validators %q, %q; want %q, %q", src.ETag, src.LastModified, wantETag, wantLast)
			}

			later := fetchedAt.Add(time.Hour)
			o = f.Poll(t.Context(), src)
			if o.Err != nil || o.Response == nil || !o.Response.NotModified || o.Result != nil {
				t.Fatalf("second poll: err %v, response %+v, result %v; want a bare 304", o.Err, o.Response, o.Result)
			}
			if h := requests[1]; h.Get("If-None-Match") != wantETag || h.Get("If-Modified-Since") != wantLast {
				t.Errorf("sent If-None-Match %q, If-Modified-Since %q; want %q, %q",
					h.Get("If-None-Match"), h.Get("If-Modified-Since"), wantETag, wantLast)
			}
			src = Update(src, later, o, Policy{})
			if src.ETag != wantETag || src.LastModified != wantLast || !src.LastSuccess.Equal(later) ||
				src.LastStatus != http.StatusNotModified || !src.NextFetch.Equal(later.Add(30*time.Minute)) {
				t.Errorf("after 304: %+v", src)
			}
		})
	}
}

func TestFetchRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, "120", 2 * time.Minute},
		{"503 http date", http.StatusServiceUnavailable, fetchedAt.Add(90 * time.Minute).Format(http.TimeFormat), 90 * time.Minute},
		{"429 date in the past", http.StatusTooManyRequests, fetchedAt.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"429 garbage", http.StatusTooManyRequests, "soon", 0},
		{"503 absent", http.StatusServiceUnavailable, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
			})
			src := testSource(srv.URL + "/feed")
			resp, err := newFetcher(t, Options{}).Fetch(t.Context(), src)
			var se *StatusError
			if !errors.As(err, &se) || se.Code != tt.status {
				t.Fatalf("err = %v, want a *StatusError %d", err, tt.status)
			}
			if want := "fetch " + src.URL + ": " + strconv.Itoa(tt.status) + " " + http.StatusText(tt.status); err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
			if resp == nil || resp.RetryAfter != tt.want {
				t.Fatalf("response %+v, want RetryAfter %v", resp, tt.want)
			}
			next := NextFetch(fetchedAt, src, Outcome{Response: resp, Err: err}, Policy{Rand: func() float64 { return 0 }})
			wantNext := tt.want
			if wantNext == 0 {
				wantNext = 30 * time.Minute // no usable Retry-After: first backoff step
			}
			if got := next.Sub(fetchedAt); got != wantNext {
				t.Errorf("next fetch in %v, want %v", got, wantNext)
			}
		})
	}
}

func TestFetchServerErrorBackoff(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Write(fixture(t, "rss2.xml"))
	})
	f := newFetcher(t, Options{})
	p := Policy{Rand: func() float64 { return 0 }}
	src := testSource(srv.URL)
	now := fetchedAt
	want := []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		o := f.Poll(t.Context(), src)
		var se *StatusError
		if !errors.As(o.Err, &se) || se.Code != 500 {
			t.Fatalf("poll %d: err = %v, want 500", i, o.Err)
		}
		src = Update(src, now, o, p)
		if got := src.NextFetch.Sub(now); got != w {
			t.Errorf("after failure %d: next fetch in %v, want %v", i+1, got, w)
		}
		if src.ConsecutiveErrors != i+1 || src.LastStatus != 500 || src.LastError != "fetch "+srv.URL+": 500 Internal Server Error" {
			t.Errorf("after failure %d: errors %d, status %d, error %q", i+1, src.ConsecutiveErrors, src.LastStatus, src.LastError)
		}
		now = src.NextFetch
	}

	fail.Store(false)
	o := f.Poll(t.Context(), src)
	src = Update(src, now, o, p)
	if o.Err != nil || src.ConsecutiveErrors != 0 || src.LastError != "" || src.NextFetch.Sub(now) != 90*time.Minute {
		t.Errorf("after success: err %v, errors %d, last error %q, next in %v; want reset and the feed's 90m ttl",
			o.Err, src.ConsecutiveErrors, src.LastError, src.NextFetch.Sub(now))
	}
}

func TestFetchTimeout(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // until the client gives up
		}},
		{"stalled body", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel>`))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.handler)
			src := testSource(srv.URL + "/slow")
			_, err := newFetcher(t, Options{Timeout: 50 * time.Millisecond}).Fetch(t.Context(), src)
			want := "fetch " + src.URL + ": no complete response within 50ms"
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("err = %v, want it to start %q", err, want)
			}
		})
	}
}

func TestFetchTooLarge(t *testing.T) {
	over := bytes.Repeat([]byte("a"), DefaultMaxBodySize+1)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(over)
	zw.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"content-length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(over)))
			w.Write(over)
		}},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush() // no Content-Length: chunked
			for b := over; len(b) > 0; b = b[min(len(b), 64<<10):] {
				if _, err := w.Write(b[:min(len(b), 64<<10)]); err != nil {
					return
				}
			}
		}},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Accept-Encoding") != "gzip" {
				t.Errorf("Accept-Encoding = %q", r.Header.Get("Accept-Encoding"))
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz.Bytes()) // small on the wire, over the cap inflated
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.handler)
			src := testSource(srv.URL + "/big")
			_, err := newFetcher(t, Options{}).Fetch(t.Context(), src)
			if want := "fetch " + src.URL + ": body exceeds 10 MB"; err == nil || err.Error() != want {
				t.Errorf("err = %v, want %s", err, want)
			}
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("err does not match ErrTooLarge")
			}
		})
	}

	t.Run("gzip under the cap", func(t *testing.T) {
		var small bytes.Buffer
		zw := gzip.NewWriter(&small)
		zw.Write(fixture(t, "rss2.xml"))
		zw.Close()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(small.Bytes())
		})
		o := newFetcher(t, Options{}).Poll(t.Context(), testSource(srv.URL))
		if o.Err != nil || len(o.Result.Articles) != 5 {
			t.Fatalf("err %v, result %+v", o.Err, o.Result)
		}
	})
}

func TestFetchRedirects(t *testing.T) {
	var srvURL string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/older", http.StatusMovedPermanently)
		case "/older":
			http.Redirect(w, r, srvURL+"/feed", http.StatusPermanentRedirect)
		case "/temp":
			http.Redirect(w, r, "/old", http.StatusFound)
		case "/moved-to-missing":
			http.Redirect(w, r, "/missing", http.StatusMovedPermanently)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
		case "/feed":
			w.Write(fixture(t, "rss2.xml"))
		default:
			http.NotFound(w, r)
		}
	})
	srvURL = srv.URL
	f := newFetcher(t, Options{})

	tests := []struct {
		path                  string
		redirected, permanent bool
	}{
		{"/old", true, true},
		{"/temp", true, false},
		{"/feed", false, false},
	}
	for _, tt := range tests {
		resp, err := f.Fetch(t.Context(), testSource(srv.URL+tt.path))
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if resp.FinalURL != srv.URL+"/feed" || resp.Redirected != tt.redirected || resp.PermanentRedirect != tt.permanent {
			t.Errorf("%s: final %q, redirected %v, permanent %v; want %s/feed, %v, %v",
				tt.path, resp.FinalURL, resp.Redirected, resp.PermanentRedirect, srv.URL, tt.redirected, tt.permanent)
		}
	}

	src := testSource(srv.URL + "/loop")
	_, err := f.Fetch(t.Context(), src)
	if want := "fetch " + src.URL + ": redirected to " + src.URL + ": stopped after 5 redirects"; err == nil || err.Error() != want {
		t.Errorf("loop: err = %v, want %s", err, want)
	}

	t.Run("seen consistently", func(t *testing.T) {
		src := testSource(srv.URL + "/old")
		for i := 1; i <= 3; i++ {
			o := f.Poll(t.Context(), src)
			src = Update(src, fetchedAt, o, Policy{})
			if i < 3 && (src.URL != srv.URL+"/old" || src.PendingURL != srv.URL+"/feed" || src.PendingCount != i) {
				t.Errorf("poll %d: url %q, pending %q × %d", i, src.URL, src.PendingURL, src.PendingCount)
			}
		}
		if src.URL != srv.URL+"/feed" || src.PendingURL != "" || src.PendingCount != 0 {
			t.Errorf("after 3 polls: url %q, pending %q × %d; want the new URL", src.URL, src.PendingURL, src.PendingCount)
		}
	})

	t.Run("permanent redirect to an error", func(t *testing.T) {
		src := testSource(srv.URL + "/moved-to-missing")
		for range 3 {
			src = Update(src, fetchedAt, f.Poll(t.Context(), src), Policy{})
		}
		if src.URL != srv.URL+"/moved-to-missing" || src.PendingURL != "" {
			t.Errorf("url %q, pending %q; a redirect to a 404 must not move the source", src.URL, src.PendingURL)
		}
	})
}

func TestFetchGone(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGone)
	})
	src := testSource(srv.URL)
	o := newFetcher(t, Options{}).Poll(t.Context(), src)
	if o.Response == nil || !o.Response.Gone() || o.Err == nil {
		t.Fatalf("outcome %+v, want a 410 response and an error", o)
	}
	src = Update(src, fetchedAt, o, Policy{})
	if src.Enabled || !src.NextFetch.IsZero() || src.LastStatus != http.StatusGone {
		t.Errorf("after 410: enabled %v, next %v, status %d; want disabled, unscheduled, 410", src.Enabled, src.NextFetch, src.LastStatus)
	}
}

func TestFetchCacheControl(t *testing.T) {
	tests := []struct {
		header, age string
		want        time.Duration
	}{
		{"max-age=3600", "", time.Hour},
		{"public, max-age=7200, must-revalidate", "", 2 * time.Hour},
		{"max-age=3600", "600", 50 * time.Minute},
		{"no-cache, max-age=3600", "", 0},
		{"max-age=junk", "", 0},
		{"", "", 0},
	}
	for _, tt := range tests {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", tt.header)
			if tt.age != "" {
				w.Header().Set("Age", tt.age)
			}
			w.Write(fixture(t, "atom.xml"))
		})
		resp, err := newFetcher(t, Options{}).Fetch(t.Context(), testSource(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		if resp.MaxAge != tt.want {
			t.Errorf("Cache-Control %q, Age %q: max-age %v, want %v", tt.header, tt.age, resp.MaxAge, tt.want)
		}
	}
}

func TestFetchBadURL(t *testing.T) {
	_, err := newFetcher(t, Options{}).Fetch(t.Context(), feed.Source{URL: "ftp://example.com/feed"})
	if err == nil || !strings.HasPrefix(err.Error(), "fetch ftp://example.com/feed: ") {
		t.Errorf("err = %v, want a fetch error", err)
	}
}

// A 200 whose body is not a feed is a failure, and its validators are not
// kept: a 304 must never stand in for a copy that was never read.
func TestPollUnparseableKeepsOldValidators(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"broken"`)
		io.WriteString(w, "<html><body>maintenance</body></html>")
	})
	src := testSource(srv.URL)
	src.ETag = `"good"`
	o := newFetcher(t, Options{}).Poll(t.Context(), src)
	if !errors.Is(o.Err, ErrNotFeed) {
		t.Fatalf("err = %v, want ErrNotFeed", o.Err)
	}
	src = Update(src, fetchedAt, o, Policy{})
	if src.ETag != `"good"` || src.ConsecutiveErrors != 1 {
		t.Errorf("etag %q, errors %d; want the old etag kept and one error", src.ETag, src.ConsecutiveErrors)
	}
}

func TestGuardRefusesLoopbackSource(t *testing.T) {
	var hits atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(fixture(t, "rss2.xml"))
	})
	f := NewFetcher(Options{}) // the default guard
	t.Cleanup(f.Close)
	u, _ := url.Parse(srv.URL)

	tests := []struct {
		url   string
		addrs []string // what the host name may resolve to
	}{
		{srv.URL + "/feed", []string{"127.0.0.1"}},
		{"http://localhost:" + u.Port() + "/feed", []string{"127.0.0.1", "::1"}},
		{"http://localhost.:" + u.Port() + "/feed", []string{"127.0.0.1", "::1"}},
		{"http://2130706433:" + u.Port() + "/feed", []string{"127.0.0.1"}},
		{"http://0x7f.1:" + u.Port() + "/feed", []string{"127.0.0.1"}},
	}
	for _, tt := range tests {
		_, err := f.Fetch(t.Context(), testSource(tt.url))
		var be *guard.BlockedError
		if !errors.As(err, &be) || be.Class != "loopback" || !slices.Contains(tt.addrs, be.Addr) {
			t.Fatalf("%s: err = %v, want a loopback *BlockedError for one of %q", tt.url, err, tt.addrs)
		}
		want := "fetch " + tt.url + ": refusing to connect to " + be.Addr + " (loopback)"
		if err.Error() != want {
			t.Errorf("err = %q\nwant %q", err, want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server saw %d requests, want none", n)
	}

	allowed := NewFetcher(Options{Guard: guard.Policy{AllowPrivate: true}})
	t.Cleanup(allowed.Close)
	for _, tt := range tests {
		if _, err := allowed.Fetch(t.Context(), testSource(tt.url)); err != nil {
			t.Errorf("%s with AllowPrivate: %v", tt.url, err)
		}
	}
	if n := hits.Load(); n != int32(len(tests)) {
		t.Errorf("with AllowPrivate the server saw %d requests, want %d", n, len(tests))
	}
}

// An allowed host that redirects to a refused one: the guard runs at
// connect time, so the redirect target is checked too. The "allowed host" is
// a loopback server exempted by address and port; the target is another
// loopback server, which the guard must refuse.
func TestGuardRefusesRedirectTarget(t *testing.T) {
	var targetHits atomic.Int32
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		w.Write(fixture(t, "rss2.xml"))
	})
	front := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal-feed", http.StatusMovedPermanently)
	})
	frontAddr := netip.MustParseAddrPort(front.Listener.Addr().String())
	targetAddr := netip.MustParseAddrPort(target.Listener.Addr().String())

	f := NewFetcher(Options{Guard: guard.Policy{Allow: []netip.AddrPort{frontAddr}}})
	t.Cleanup(f.Close)
	src := testSource(front.URL + "/feed")
	_, err := f.Fetch(t.Context(), src)
	var be *guard.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BlockedError", err)
	}
	want := "fetch " + src.URL + ": redirected to " + target.URL + "/internal-feed: refusing to connect to " +
		targetAddr.Addr().String() + " (loopback)"
	if err.Error() != want {
		t.Errorf("err = %q\nwant %q", err, want)
	}
	if n := targetHits.Load(); n != 0 {
		t.Errorf("the redirect target saw %d requests, want none", n)
	}

	// The same chain passes when the target is exempt too, so the refusal
	// above is the guard's doing and not a broken setup.
	both := NewFetcher(Options{Guard: guard.Policy{Allow: []netip.AddrPort{frontAddr, targetAddr}}})
	t.Cleanup(both.Close)
	resp, err := both.Fetch(t.Context(), src)
	if err != nil || resp.FinalURL != target.URL+"/internal-feed" || targetHits.Load() != 1 {
		t.Errorf("with both exempt: err %v, response %+v, target hits %d", err, resp, targetHits.Load())
	}
}
