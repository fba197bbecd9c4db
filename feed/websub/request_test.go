package websub

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

func TestParseRequest(t *testing.T) {
	const topic, cb = "https://news.example.org/feed.atom", "https://sub.example.com/cb?x=1"
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want Request
		bad  string // the field named in the error; "" for none
	}{
		{"subscribe", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.lease_seconds", "3600", "hub.secret", "s"),
			Request{Mode: Subscribe, Topic: topic, Callback: cb, Lease: time.Hour, Secret: "s"}, ""},
		{"unsubscribe", form("hub.mode", "unsubscribe", "hub.topic", topic, "hub.callback", cb),
			Request{Mode: Unsubscribe, Topic: topic, Callback: cb}, ""},
		{"huge lease", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.lease_seconds", "99999999999999999999"),
			Request{}, "hub.lease_seconds"},
		{"lease past max", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.lease_seconds", "9999999999"),
			Request{Mode: Subscribe, Topic: topic, Callback: cb, Lease: feed.MaxLease + time.Second}, ""},
		{"publish", form("hub.mode", "publish", "hub.url", topic, "hub.url", topic+"?x"),
			Request{Mode: Publish, Topics: []string{topic, topic + "?x"}}, ""},
		{"no mode", form("hub.topic", topic, "hub.callback", cb), Request{}, "hub.mode"},
		{"bad mode", form("hub.mode", "subscribed", "hub.topic", topic, "hub.callback", cb), Request{}, "hub.mode"},
		{"no topic", form("hub.mode", "subscribe", "hub.callback", cb), Request{}, "hub.topic"},
		{"no callback", form("hub.mode", "subscribe", "hub.topic", topic), Request{}, "hub.callback"},
		{"ftp callback", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", "ftp://sub.example.com/"), Request{}, "hub.callback"},
		{"relative callback", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", "/cb"), Request{}, "hub.callback"},
		{"callback with password", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", "https://u:p@sub.example.com/"), Request{}, "hub.callback"},
		{"long secret", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.secret", strings.Repeat("s", 200)), Request{}, "hub.secret"},
		{"zero lease", form("hub.mode", "subscribe", "hub.topic", topic, "hub.callback", cb, "hub.lease_seconds", "0"), Request{}, "hub.lease_seconds"},
		{"publish nothing", form("hub.mode", "publish"), Request{}, "hub.url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequest(tc.form)
			if tc.bad != "" {
				var ve *feed.ValidationError
				if !errors.As(err, &ve) || ve.Fields[0].Field != tc.bad {
					t.Fatalf("got error %v, want a *feed.ValidationError about %s", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Mode != tc.want.Mode || got.Topic != tc.want.Topic || got.Callback != tc.want.Callback ||
				got.Lease != tc.want.Lease || got.Secret != tc.want.Secret || strings.Join(got.Topics, " ") != strings.Join(tc.want.Topics, " ") {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGrantLease(t *testing.T) {
	for asked, want := range map[time.Duration]time.Duration{
		0:                                  feed.DefaultLease,
		time.Second:                        feed.MinLease,
		2*time.Hour + 500*time.Millisecond: 2 * time.Hour,
		feed.MaxLease + time.Hour:          feed.MaxLease,
	} {
		if got := GrantLease(asked); got != want {
			t.Errorf("GrantLease(%v) = %v, want %v", asked, got, want)
		}
	}
}
