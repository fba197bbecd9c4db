package aggregate

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

func TestNextFetch(t *testing.T) {
	now := fetchedAt
	fixed := func(r float64) func() float64 { return func() float64 { return r } }
	noJitter := Policy{Rand: fixed(0)}
	failed := errors.New("boom")
	ok := func(r *Response, res *Result) Outcome { return Outcome{Response: r, Result: res} }
	status := func(code int, retry time.Duration) Outcome {
		return Outcome{Response: &Response{Status: code, RetryAfter: retry}, Err: &StatusError{Code: code}}
	}
	src := func(every time.Duration, errs int) feed.Source {
		return feed.Source{Every: every, ConsecutiveErrors: errs}
	}
	tests := []struct {
		name string
		src  feed.Source
		o    Outcome
		p    Policy
		want time.Duration // from now; -1 for the zero time
	}{
		{"success, default interval", src(0, 0), ok(&Response{Status: 200}, &Result{}), noJitter, 30 * time.Minute},
		{"success, own interval", src(2*time.Hour, 0), ok(&Response{Status: 200}, &Result{}), noJitter, 2 * time.Hour},
		{"success, ttl longer", src(0, 0), ok(&Response{Status: 200}, &Result{TTL: 90 * time.Minute}), noJitter, 90 * time.Minute},
		{"success, ttl shorter", src(time.Hour, 0), ok(&Response{Status: 200}, &Result{TTL: 10 * time.Minute}), noJitter, time.Hour},
		{"success, max-age longer", src(0, 0), ok(&Response{Status: 200, MaxAge: 2 * time.Hour}, &Result{TTL: time.Hour}), noJitter, 2 * time.Hour},
		{"success, max-age capped", src(0, 0), ok(&Response{Status: 200, MaxAge: 48 * time.Hour}, &Result{}), noJitter, 24 * time.Hour},
		{"success, ttl capped by policy", src(0, 0), ok(&Response{Status: 200}, &Result{TTL: 10 * time.Hour}), Policy{MaxHint: 6 * time.Hour}, 6 * time.Hour},
		{"success resets backoff", src(0, 7), ok(&Response{Status: 200}, &Result{}), noJitter, 30 * time.Minute},
		{"304 like success", src(0, 0), ok(&Response{Status: 304, NotModified: true, MaxAge: time.Hour}, nil), noJitter, time.Hour},
		{"304 keeps the last ttl", feed.Source{Hint: 90 * time.Minute}, ok(&Response{Status: 304, NotModified: true}, nil), noJitter, 90 * time.Minute},
		{"304 with a longer max-age", feed.Source{Hint: 40 * time.Minute}, ok(&Response{Status: 304, NotModified: true, MaxAge: time.Hour}, nil), noJitter, time.Hour},
		{"200 ignores the old hint", feed.Source{Hint: 90 * time.Minute}, ok(&Response{Status: 200}, &Result{}), noJitter, 30 * time.Minute},
		{"interval below the floor", src(10*time.Second, 0), ok(&Response{Status: 200}, &Result{}), noJitter, time.Minute},
		{"429 retry-after", src(0, 0), status(429, 2*time.Minute), noJitter, 2 * time.Minute},
		{"503 retry-after", src(0, 3), status(503, 5*time.Hour), noJitter, 5 * time.Hour},
		{"429 retry-after below the floor", src(0, 0), status(429, 5*time.Second), noJitter, time.Minute},
		{"429 retry-after capped", src(0, 0), status(429, 72*time.Hour), noJitter, 24 * time.Hour},
		{"429 without retry-after backs off", src(0, 1), status(429, 0), noJitter, time.Hour},
		{"retry-after on a 500 is ignored", src(0, 0), status(500, 5*time.Hour), noJitter, 30 * time.Minute},
		{"first failure", src(0, 0), status(500, 0), noJitter, 30 * time.Minute},
		{"second failure", src(0, 1), status(500, 0), noJitter, time.Hour},
		{"fourth failure", src(0, 3), status(404, 0), noJitter, 4 * time.Hour},
		{"network failure", src(0, 2), Outcome{Err: failed}, noJitter, 2 * time.Hour},
		{"parse failure", src(time.Hour, 1), Outcome{Response: &Response{Status: 200}, Err: failed}, noJitter, 2 * time.Hour},
		{"backoff capped", src(0, 10), Outcome{Err: failed}, noJitter, 24 * time.Hour},
		{"backoff capped, huge count", src(0, 1_000_000), Outcome{Err: failed}, noJitter, 24 * time.Hour},
		{"backoff cap from policy", src(0, 10), Outcome{Err: failed}, Policy{Rand: fixed(0), MaxBackoff: 6 * time.Hour}, 6 * time.Hour},
		{"long interval over the cap", src(24*time.Hour, 2), Outcome{Err: failed}, noJitter, 24 * time.Hour},
		{"jitter takes off a fraction", src(0, 1), Outcome{Err: failed}, Policy{Rand: fixed(0.5)}, 54 * time.Minute},
		{"jitter at the cap", src(0, 20), Outcome{Err: failed}, Policy{Rand: fixed(0.5), Jitter: 0.5}, 18 * time.Hour},
		{"jitter never below the floor", src(time.Minute, 0), Outcome{Err: failed}, Policy{Rand: fixed(0.999), Jitter: 1}, time.Minute},
		{"410 unschedules", src(0, 0), status(410, 0), noJitter, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextFetch(now, tt.src, tt.o, tt.p)
			if tt.want < 0 {
				if !got.IsZero() {
					t.Errorf("got %v, want the zero time", got)
				}
				return
			}
			if d := got.Sub(now); d != tt.want {
				t.Errorf("next fetch in %v, want %v", d, tt.want)
			}
		})
	}
}

func TestNextFetchDefaultJitterIsBounded(t *testing.T) {
	s := feed.Source{ConsecutiveErrors: 2}
	for range 100 {
		d := NextFetch(fetchedAt, s, Outcome{Err: errors.New("x")}, Policy{}).Sub(fetchedAt)
		if d > 2*time.Hour || d < time.Duration(float64(2*time.Hour)*(1-DefaultJitter)) {
			t.Fatalf("next fetch in %v, want within [%v, 2h]", d, time.Duration(float64(2*time.Hour)*(1-DefaultJitter)))
		}
	}
}

func TestUpdate(t *testing.T) {
	now := fetchedAt
	p := Policy{Rand: func() float64 { return 0 }}
	base := feed.Source{
		ID: 1, URL: "https://old.example/feed", Name: "Old", Enabled: true,
		ETag: `"e1"`, LastModified: "Mon, 08 Jan 2024 00:00:00 GMT",
		ConsecutiveErrors: 2, LastError: "earlier",
	}
	redirected := func(final string, permanent bool) *Response {
		return &Response{Status: 200, URL: base.URL, FinalURL: final, Redirected: true, PermanentRedirect: permanent}
	}

	t.Run("200", func(t *testing.T) {
		s := Update(base, now, Outcome{Response: &Response{Status: 200, ETag: `"e2"`}, Result: &Result{}}, p)
		if s.ETag != `"e2"` || s.LastModified != "" || s.ConsecutiveErrors != 0 || s.LastError != "" ||
			!s.LastSuccess.Equal(now) || !s.LastAttempt.Equal(now) || s.LastStatus != 200 || !s.NextFetch.Equal(now.Add(30*time.Minute)) {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("304 keeps validators it does not repeat", func(t *testing.T) {
		s := Update(base, now, Outcome{Response: &Response{Status: 304, NotModified: true, ETag: `"e1b"`}}, p)
		if s.ETag != `"e1b"` || s.LastModified != base.LastModified || s.ConsecutiveErrors != 0 || !s.LastSuccess.Equal(now) {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("ttl outlives a 304", func(t *testing.T) {
		s := Update(base, now, Outcome{Response: &Response{Status: 200}, Result: &Result{TTL: 90 * time.Minute}}, p)
		if s.Hint != 90*time.Minute || !s.NextFetch.Equal(now.Add(90*time.Minute)) {
			t.Fatalf("after a 200 with a ttl: hint %v, next %v", s.Hint, s.NextFetch.Sub(now))
		}
		later := now.Add(90 * time.Minute)
		s = Update(s, later, Outcome{Response: &Response{Status: 304, NotModified: true}}, p)
		if s.Hint != 90*time.Minute || !s.NextFetch.Equal(later.Add(90*time.Minute)) {
			t.Errorf("after a 304: hint %v, next in %v; want the ttl kept", s.Hint, s.NextFetch.Sub(later))
		}
	})
	t.Run("failure", func(t *testing.T) {
		long := errors.New(strings.Repeat("x", 5000))
		s := Update(base, now, Outcome{Err: long}, p)
		if s.ConsecutiveErrors != 3 || len(s.LastError) > maxLastError || s.ETag != base.ETag || s.LastStatus != 0 ||
			!s.LastSuccess.IsZero() || !s.NextFetch.Equal(now.Add(2*time.Hour)) || !s.Enabled {
			t.Errorf("got errors %d, last error %d bytes, etag %q, status %d, next %v",
				s.ConsecutiveErrors, len(s.LastError), s.ETag, s.LastStatus, s.NextFetch)
		}
	})
	t.Run("410 disables", func(t *testing.T) {
		s := Update(base, now, Outcome{Response: &Response{Status: http.StatusGone}, Err: &StatusError{Code: 410}}, p)
		if s.Enabled || !s.NextFetch.IsZero() || s.LastError != "410 Gone" {
			t.Errorf("got enabled %v, next %v, error %q", s.Enabled, s.NextFetch, s.LastError)
		}
	})
	t.Run("redirect rule", func(t *testing.T) {
		const newURL = "https://new.example/feed"
		steps := []struct {
			o           Outcome
			url         string
			pendingURL  string
			pendingSeen int
		}{
			{Outcome{Response: redirected(newURL, true)}, base.URL, newURL, 1},
			{Outcome{Response: redirected(newURL, true)}, base.URL, newURL, 2},
			// A failure in between neither counts nor resets.
			{Outcome{Err: errors.New("timeout")}, base.URL, newURL, 2},
			// A plain answer from the old URL resets.
			{Outcome{Response: &Response{Status: 200, FinalURL: base.URL}}, base.URL, "", 0},
			{Outcome{Response: redirected(newURL, true)}, base.URL, newURL, 1},
			// Another target starts over.
			{Outcome{Response: redirected("https://other.example/feed", true)}, base.URL, "https://other.example/feed", 1},
			// A temporary hop in the chain resets.
			{Outcome{Response: redirected(newURL, false)}, base.URL, "", 0},
			{Outcome{Response: redirected(newURL, true)}, base.URL, newURL, 1},
			{Outcome{Response: redirected(newURL, true)}, base.URL, newURL, 2},
			{Outcome{Response: redirected(newURL, true)}, newURL, "", 0},
			// Now at home at the new URL.
			{Outcome{Response: &Response{Status: 200, FinalURL: newURL}}, newURL, "", 0},
		}
		s := base
		for i, st := range steps {
			s = Update(s, now, st.o, p)
			if s.URL != st.url || s.PendingURL != st.pendingURL || s.PendingCount != st.pendingSeen {
				t.Fatalf("step %d: url %q, pending %q × %d; want %q, %q × %d",
					i, s.URL, s.PendingURL, s.PendingCount, st.url, st.pendingURL, st.pendingSeen)
			}
		}
	})
	t.Run("confirmations from policy", func(t *testing.T) {
		s := Update(base, now, Outcome{Response: redirected("https://new.example/feed", true)}, Policy{RedirectConfirmations: 1})
		if s.URL != "https://new.example/feed" {
			t.Errorf("url %q, want it moved after one redirect", s.URL)
		}
	})
}

// feed.Source's validation is tested here because this package is its
// first user (and the only one whose tests this change may add).
func TestSourceValidate(t *testing.T) {
	good := feed.Source{URL: "https://www.example.gov/feed.xml", Name: "Example", Tags: []string{"cyber"}, Every: time.Hour}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid source: %v", err)
	}
	if got := (&feed.Source{}).Interval(); got != feed.DefaultSourceEvery {
		t.Errorf("default interval %v, want %v", got, feed.DefaultSourceEvery)
	}
	tests := []struct {
		name  string
		edit  func(*feed.Source)
		field string
	}{
		{"no url", func(s *feed.Source) { s.URL = "" }, "url"},
		{"relative url", func(s *feed.Source) { s.URL = "/feed.xml" }, "url"},
		{"ftp url", func(s *feed.Source) { s.URL = "ftp://example.gov/feed" }, "url"},
		{"no host", func(s *feed.Source) { s.URL = "https:///feed" }, "url"},
		{"credentials", func(s *feed.Source) { s.URL = "https://user:pw@example.gov/feed" }, "url"},
		{"long url", func(s *feed.Source) { s.URL = "https://example.gov/" + strings.Repeat("a", 2100) }, "url"},
		{"no name", func(s *feed.Source) { s.Name = "  " }, "name"},
		{"long name", func(s *feed.Source) { s.Name = strings.Repeat("n", 201) }, "name"},
		{"short interval", func(s *feed.Source) { s.Every = 30 * time.Second }, "every"},
		{"long interval", func(s *feed.Source) { s.Every = 48 * time.Hour }, "every"},
		{"bad tag", func(s *feed.Source) { s.Tags = []string{"Not A Slug"} }, "tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			tt.edit(&s)
			err := s.Validate()
			var ve *feed.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, feed.ErrInvalid) {
				t.Fatalf("err = %v, want a *feed.ValidationError", err)
			}
			if len(ve.Fields) != 1 || ve.Fields[0].Field != tt.field {
				t.Errorf("fields = %v, want one problem with %q", ve.Fields, tt.field)
			}
		})
	}
}
