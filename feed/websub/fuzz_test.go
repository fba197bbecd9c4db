package websub

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"herald/feed"
)

// FuzzParseRequest reads arbitrary form bodies POSTed to the hub. What it
// refuses it refuses with a *feed.ValidationError naming hub.* parameters;
// what it takes is a request the hub can act on (a subscription that
// validates, with a lease within the bounds; at most maxPublishTopics
// absolute http(s) topics), and written back as a form it reads the same.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"hub.mode=subscribe&hub.topic=https%3A%2F%2Fnews.example.org%2Ftags%2Fcyber-diplomacy%2Ffeed.atom&hub.callback=https%3A%2F%2Fpartner.example.com%2Fpush%3Fx%3D1&hub.secret=LONG-RANDOM-STRING&hub.lease_seconds=864000",
		"hub.mode=unsubscribe&hub.topic=https://news.example.org/feed.rss&hub.callback=http://127.0.0.1:9/cb",
		"hub.mode=subscribe&hub.topic=https://news.example.org/feed.json&hub.callback=https://a.example/cb&hub.lease_seconds=99999999999999999999",
		"hub.mode=subscribe&hub.topic=https://news.example.org/feed.json&hub.callback=https://user:pw@a.example/cb#frag&hub.lease_seconds=-1",
		"hub.mode=publish&hub.url=https://news.example.org/feed.atom&hub.url=https://news.example.org/tags/a%2Bb/feed.rss",
		"hub.mode=publish&hub.topic=javascript:alert(1)",
		"hub.mode=publish", "hub.mode=Subscribe", "hub.mode=", "", "hub.topic=x;hub.mode=subscribe",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // refused before the hub sees it (a 400 from the form parser)
		}
		r, err := ParseRequest(form)
		if err != nil {
			var v *feed.ValidationError
			if !errors.As(err, &v) || !errors.Is(err, feed.ErrInvalid) || len(v.Fields) == 0 {
				t.Fatalf("ParseRequest(%q): error %T %v, want a *feed.ValidationError", body, err, err)
			}
			for _, fe := range v.Fields {
				if !strings.HasPrefix(fe.Field, "hub.") || fe.Problem == "" {
					t.Fatalf("ParseRequest(%q): problem %q with field %q, want a hub.* parameter and a problem", body, fe.Problem, fe.Field)
				}
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("ParseRequest(%q): error %q is not UTF-8", body, err)
			}
			return
		}
		switch r.Mode {
		case Subscribe, Unsubscribe:
			if r.Topic != form.Get("hub.topic") || r.Callback != form.Get("hub.callback") || r.Secret != form.Get("hub.secret") {
				t.Fatalf("ParseRequest(%q) = %+v: not the parameters sent", body, r)
			}
			s := r.subscription(now)
			if err := s.Validate(); err != nil {
				t.Fatalf("ParseRequest(%q) took a request whose subscription is invalid: %v", body, err)
			}
			if s.Lease < feed.MinLease || s.Lease > feed.MaxLease || s.Lease%time.Second != 0 || !s.Expires.Equal(now.Add(s.Lease)) {
				t.Fatalf("ParseRequest(%q): granted lease %v expiring %v", body, s.Lease, s.Expires)
			}
		case Publish:
			if len(r.Topics) == 0 || len(r.Topics) > maxPublishTopics {
				t.Fatalf("ParseRequest(%q): %d topics", body, len(r.Topics))
			}
			for _, topic := range r.Topics {
				u, err := url.Parse(topic)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					t.Fatalf("ParseRequest(%q) took topic %q", body, topic)
				}
			}
		default:
			t.Fatalf("ParseRequest(%q) took mode %q", body, r.Mode)
		}
		again, err := ParseRequest(requestForm(r))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("ParseRequest(%q) = %+v; written back as a form it reads %+v, %v", body, r, again, err)
		}
	})
}

// requestForm is the form a client sends to ask for r.
func requestForm(r Request) url.Values {
	form := url.Values{"hub.mode": {string(r.Mode)}}
	if r.Mode == Publish {
		form["hub.url"] = r.Topics
		return form
	}
	form.Set("hub.topic", r.Topic)
	form.Set("hub.callback", r.Callback)
	if r.Secret != "" {
		form.Set("hub.secret", r.Secret)
	}
	if r.Lease > 0 {
		form.Set("hub.lease_seconds", strconv.FormatInt(int64(r.Lease/time.Second), 10))
	}
	return form
}
