package feed

import "time"

// A HubRequest is a subscribe or unsubscribe request waiting for its
// verification of intent. The hub queues it in the store, so that one
// instance of herald, whichever takes it, verifies it once.
type HubRequest struct {
	ID       int64
	Mode     string // "subscribe" or "unsubscribe"
	Topic    string
	Callback string
	Secret   string // never shown
	// Lease is the lease granted (subscribe), kept to the second as
	// hub.lease_seconds says it.
	Lease   time.Duration
	Created time.Time
}

// Validate checks r's fields. Problems are reported under the names of the
// WebSub request parameters, as Subscription.Validate does. It returns nil or
// a *ValidationError.
func (r *HubRequest) Validate() error {
	v := &ValidationError{}
	if r.Mode != "subscribe" && r.Mode != "unsubscribe" {
		v.Add("hub.mode", "must be subscribe or unsubscribe")
	}
	if msg := checkHTTPURL(r.Topic); msg != "" {
		v.Add("hub.topic", "%s", msg)
	}
	if msg := checkHTTPURL(r.Callback); msg != "" {
		v.Add("hub.callback", "%s", msg)
	}
	if len(r.Secret) > MaxSecretLen {
		v.Add("hub.secret", "must be less than 200 bytes")
	}
	if r.Lease < 0 || r.Lease > MaxLease {
		v.Add("hub.lease_seconds", "must be between 0 and %d", int(MaxLease.Seconds()))
	}
	return v.Err()
}
