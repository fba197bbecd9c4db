package feed

import (
	"net/url"
	"time"
)

// Limits of WebSub subscriptions (W3C WebSub, section 5.1).
const (
	// DefaultLease is the lease granted to a subscriber that asks for none.
	DefaultLease = 10 * 24 * time.Hour
	// MinLease and MaxLease bound the lease granted; a request for less or
	// more is granted the bound (the hub decides the lease, and says which
	// it chose when it verifies intent).
	MinLease = time.Hour
	MaxLease = 30 * 24 * time.Hour
	// MaxSecretLen bounds hub.secret: the spec says less than 200 bytes.
	MaxSecretLen = 199
	// MaxCallbackLen bounds hub.callback and hub.topic.
	MaxCallbackLen = 2048
	// DeliveryLogSize is how many deliveries the log keeps per
	// subscription; older ones are dropped as new ones come.
	DeliveryLogSize = 20
)

// A Subscription is a WebSub subscriber's lease on a topic: until Expires,
// each new version of the feed at Topic is sent to Callback.
type Subscription struct {
	ID int64 `json:"id"`
	// Topic is the self URL of one of herald's feeds.
	Topic string `json:"topic"`
	// Callback is the subscriber's URL that content is POSTed to.
	Callback string `json:"callback"`
	// Secret, when set, is the key of the HMAC that signs each delivery
	// (X-Hub-Signature). It is stored as given: signing needs it.
	Secret  string        `json:"-"`
	Lease   time.Duration `json:"lease"`
	Expires time.Time     `json:"expires"`
	Created time.Time     `json:"created"`

	// Delivery state, kept by the hub.

	// DeliveredETag is the ETag of the topic's content last delivered, or
	// current when the subscription was verified: content with another ETag
	// is news to the subscriber.
	DeliveredETag string `json:"delivered_etag,omitempty"`
	// Failures counts the failed attempts in a row at delivering news;
	// NextAttempt is when the next one may go (zero: at once).
	Failures    int       `json:"failures,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
}

// Active reports whether s's lease runs at now.
func (s *Subscription) Active(now time.Time) bool { return now.Before(s.Expires) }

// Validate checks the fields a subscriber sets. Problems are reported under
// the names of the WebSub request parameters (hub.topic, hub.callback, ...),
// which is what the subscriber sent. It returns nil or a *ValidationError.
func (s *Subscription) Validate() error {
	v := &ValidationError{}
	if msg := checkHTTPURL(s.Topic); msg != "" {
		v.Add("hub.topic", "%s", msg)
	}
	if msg := checkHTTPURL(s.Callback); msg != "" {
		v.Add("hub.callback", "%s", msg)
	}
	if len(s.Secret) > MaxSecretLen {
		v.Add("hub.secret", "must be less than 200 bytes")
	}
	if s.Lease < MinLease || s.Lease > MaxLease {
		v.Add("hub.lease_seconds", "must be between %d and %d", int(MinLease.Seconds()), int(MaxLease.Seconds()))
	}
	return v.Err()
}

// checkHTTPURL returns what is wrong with raw as a topic or callback, or "".
func checkHTTPURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxCallbackLen {
		return "is longer than 2048 bytes"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "must be an absolute http or https URL"
	}
	if u.User != nil {
		// Credentials in a URL end up in logs and in "herald hub list".
		return "must not contain a user name or password"
	}
	if u.Fragment != "" {
		return "must not have a fragment"
	}
	return ""
}

// A DeliveryKind says what a Delivery was.
type DeliveryKind string

const (
	// Verify is a verification of intent: a GET with a challenge.
	Verify DeliveryKind = "verify"
	// Content is a content distribution: the topic's feed, POSTed.
	Content DeliveryKind = "content"
)

// A Delivery is one request the hub made to a subscriber, as its log keeps it.
type Delivery struct {
	SubscriptionID int64        `json:"subscription_id"`
	Time           time.Time    `json:"time"`
	Kind           DeliveryKind `json:"kind"`
	// Attempt numbers the tries at the same news: 1 is the first.
	Attempt int `json:"attempt"`
	// Status is the HTTP status of the answer; 0 when there was none.
	Status   int           `json:"status,omitempty"`
	Duration time.Duration `json:"duration"`
	// Error says what went wrong; empty when the delivery succeeded.
	Error string `json:"error,omitempty"`
}
