package websub

import (
	"net/url"
	"strconv"
	"time"

	"herald/feed"
)

// A Mode is what a request to the hub asks for: its hub.mode.
type Mode string

const (
	Subscribe   Mode = "subscribe"
	Unsubscribe Mode = "unsubscribe"
	// Publish is a publisher's ping saying that topics changed
	// (PubSubHubbub 0.4). WebSub leaves publishing to the hub's own means;
	// herald's hub notices changes itself, so a ping only makes it look now.
	Publish Mode = "publish"
)

// maxPublishTopics bounds the topics of one publish ping.
const maxPublishTopics = 100

// A Request is one request to the hub (W3C WebSub, section 5.1).
type Request struct {
	Mode Mode
	// Topic and Callback name the subscription (subscribe, unsubscribe).
	Topic    string
	Callback string
	// Lease is the lease asked for (hub.lease_seconds); zero asks for the
	// hub's default. The lease granted is within feed.MinLease and
	// feed.MaxLease.
	Lease time.Duration
	// Secret, when set, signs every delivery (hub.secret).
	Secret string
	// Topics are the topics a publish ping names (hub.url or hub.topic).
	Topics []string
}

// ParseRequest reads a request from the form of a POST to the hub. Its
// errors are *feed.ValidationError naming the hub.* parameters at fault. It
// does not check that the topics are feeds of this site, nor that the
// callback may be reached: Hub.Request does the latter.
func ParseRequest(form url.Values) (Request, error) {
	r := Request{Mode: Mode(form.Get("hub.mode"))}
	v := &feed.ValidationError{}
	switch r.Mode {
	case Subscribe, Unsubscribe:
		r.Topic, r.Callback, r.Secret = form.Get("hub.topic"), form.Get("hub.callback"), form.Get("hub.secret")
		if s := form.Get("hub.lease_seconds"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				v.Add("hub.lease_seconds", "must be a positive whole number of seconds")
			} else {
				// Bounded before it becomes a Duration, which would overflow.
				r.Lease = time.Duration(min(n, int64(feed.MaxLease/time.Second)+1)) * time.Second
			}
		}
	case Publish:
		r.Topics = append(form["hub.url"], form["hub.topic"]...)
		if len(r.Topics) == 0 {
			v.Add("hub.url", "is required")
		}
		if len(r.Topics) > maxPublishTopics {
			v.Add("hub.url", "names more than %d topics", maxPublishTopics)
		}
	case "":
		v.Add("hub.mode", "is required")
	default:
		v.Add("hub.mode", "must be subscribe, unsubscribe or publish")
	}
	if v.Err() != nil {
		return r, v
	}
	return r, r.validate()
}

// validate checks r's fields; it returns nil or a *feed.ValidationError.
func (r *Request) validate() error {
	switch r.Mode {
	case Subscribe, Unsubscribe:
		s := r.subscription(time.Time{})
		return s.Validate()
	case Publish:
		v := &feed.ValidationError{}
		for _, t := range r.Topics {
			u, err := url.Parse(t)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.Add("hub.url", "%q is not an absolute http or https URL", t)
			}
		}
		return v.Err()
	default:
		return feed.Invalid("hub.mode", "must be subscribe, unsubscribe or publish")
	}
}

// subscription is the subscription r asks for, verified at now.
func (r *Request) subscription(now time.Time) feed.Subscription {
	lease := GrantLease(r.Lease)
	return feed.Subscription{Topic: r.Topic, Callback: r.Callback, Secret: r.Secret, Lease: lease, Expires: now.Add(lease)}
}

// GrantLease returns the lease granted to a subscriber that asked for
// asked: feed.DefaultLease for none, else asked within feed.MinLease and
// feed.MaxLease, in whole seconds.
func GrantLease(asked time.Duration) time.Duration {
	if asked <= 0 {
		return feed.DefaultLease
	}
	return min(max(asked, feed.MinLease), feed.MaxLease).Truncate(time.Second)
}
