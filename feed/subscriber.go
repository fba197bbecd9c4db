package feed

import (
	"strings"
	"time"
)

// A Plan says what a subscriber's feeds carry.
type Plan string

const (
	// PlanFull feeds carry each article's full text.
	PlanFull Plan = "full"
	// PlanSummary feeds carry summaries only.
	PlanSummary Plan = "summary"
)

// A Subscriber is a reader or partner site with a private feed token: a
// secret in the feed URL (/s/{token}/...) that works in every feed reader.
// Only a hash of the token is stored.
type Subscriber struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Plan Plan   `json:"plan"`
	// Tags limits the token to these tags' feeds; empty allows every feed.
	Tags []string `json:"tags,omitempty"`
	// RatePerMinute caps the token's requests; 0 means no cap.
	RatePerMinute int `json:"rate_per_minute,omitempty"`
	// Attribution adds a line crediting the outlet, with a link to the
	// article's page, to each of the outlet's own items.
	Attribution bool `json:"attribution,omitempty"`
	// EarlyAccess lets the token's feeds carry embargoed articles before
	// their embargo is lifted, marked with its time.
	EarlyAccess bool      `json:"early_access,omitempty"`
	Created     time.Time `json:"created"`
	Revoked     time.Time `json:"revoked,omitzero"`
	Usage       Usage     `json:"usage"`
}

// Usage counts what a subscriber's token was used for.
type Usage struct {
	Polls       int64            `json:"polls"`        // feed requests
	NotModified int64            `json:"not_modified"` // of which answered 304
	LastSeen    time.Time        `json:"last_seen,omitzero"`
	UserAgents  map[string]int64 `json:"user_agents,omitempty"` // requests per User-Agent, the busiest few
}

// MaxUserAgents bounds how many user agents a Usage remembers.
const MaxUserAgents = 20

// Allows reports whether the subscriber may read the feed of the given tags
// (none: the whole site).
func (s *Subscriber) Allows(tags []string) bool {
	if len(s.Tags) == 0 {
		return true
	}
	if len(tags) == 0 {
		return false
	}
	for _, t := range tags {
		ok := false
		for _, a := range s.Tags {
			ok = ok || a == t
		}
		if !ok {
			return false
		}
	}
	return true
}

// Validate checks the fields a person sets.
func (s *Subscriber) Validate() error {
	v := &ValidationError{}
	if strings.TrimSpace(s.Name) == "" || len(s.Name) > 100 {
		v.Add("name", "must be 1 to 100 bytes")
	}
	if s.Plan != PlanFull && s.Plan != PlanSummary {
		v.Add("plan", "must be %q or %q", PlanFull, PlanSummary)
	}
	for _, t := range s.Tags {
		if !ValidSlug(t) {
			v.Add("tags", "%q is not a tag slug", t)
		}
	}
	if s.RatePerMinute < 0 || s.RatePerMinute > 100_000 {
		v.Add("rate_per_minute", "must be from 0 (no cap) to 100000")
	}
	return v.Err()
}

// NewFeedToken returns a new subscriber token and the hash that is stored in
// its place. Feed tokens are longer-lived than API tokens and sit in URLs, so
// they have a prefix of their own ("hrs_") and only URL-safe characters.
func NewFeedToken() (secret string, hash []byte) {
	api, _ := NewTokenSecret()
	secret = "hrs_" + strings.ToLower(strings.TrimPrefix(api, "hrd_"))
	return secret, HashToken(secret)
}
