package feed

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Limits and defaults for sources.
const (
	// DefaultSourceEvery is the poll interval of a source that sets none.
	DefaultSourceEvery = 30 * time.Minute
	// MinSourceEvery and MaxSourceEvery bound a source's poll interval.
	MinSourceEvery = time.Minute
	MaxSourceEvery = 24 * time.Hour
	// MaxSourceURLLen bounds a source's URL.
	MaxSourceURLLen = 2048
	// MaxSourceNameLen bounds a source's name.
	MaxSourceNameLen = 200
)

// A Source is an external feed that herald polls and republishes under its
// own tags, keeping each item's Provenance.
type Source struct {
	ID   int64  `json:"id"`
	URL  string `json:"url"`
	Name string `json:"name"`
	// Tags are the tag slugs every item of the source gets.
	Tags []string `json:"tags,omitempty"`
	// Every is the poll interval; zero means DefaultSourceEvery.
	Every   time.Duration `json:"every"`
	Enabled bool          `json:"enabled"`
	// UseCategories also tags each item with its own categories, slugified.
	UseCategories bool `json:"use_categories"`

	// HTTP cache validators from the last successful fetch, sent back as
	// If-None-Match and If-Modified-Since.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`

	// Status of the polls so far.
	LastAttempt       time.Time `json:"last_attempt,omitzero"`
	LastSuccess       time.Time `json:"last_success,omitzero"`
	LastStatus        int       `json:"last_status,omitempty"` // HTTP status; 0 when there was no response
	ConsecutiveErrors int       `json:"consecutive_errors"`
	LastError         string    `json:"last_error,omitempty"`
	NextFetch         time.Time `json:"next_fetch,omitzero"`
	Items             int       `json:"items"` // how many of its articles are stored
	Created           time.Time `json:"created,omitzero"`

	// PendingURL is the target of a permanent redirect (301 or 308) that
	// has not yet replaced URL; PendingCount is how many polls in a row have
	// been redirected there. One redirect is not trusted: a misconfigured
	// server can send a 301 for an hour, and the old URL would be lost.
	PendingURL   string `json:"pending_url,omitempty"`
	PendingCount int    `json:"pending_count,omitempty"`

	// Hint is how long the feed itself asked to be left alone (RSS <ttl>
	// or Cache-Control max-age) at its last full fetch; a 304 has no body
	// to say it again, so it is kept here.
	Hint time.Duration `json:"hint,omitempty"`
}

// Interval returns how often s is polled: Every, or DefaultSourceEvery when
// Every is zero.
func (s *Source) Interval() time.Duration {
	if s.Every == 0 {
		return DefaultSourceEvery
	}
	return s.Every
}

// Validate checks the fields of s that a person sets (URL, name, tags,
// interval). It returns nil or a *ValidationError naming every bad field.
func (s *Source) Validate() error {
	v := &ValidationError{}
	if msg := checkSourceURL(s.URL); msg != "" {
		v.Add("url", "%s", msg)
	}
	if strings.TrimSpace(s.Name) == "" {
		v.Add("name", "is required")
	}
	checkText(v, "name", s.Name, MaxSourceNameLen)
	if s.Every != 0 && (s.Every < MinSourceEvery || s.Every > MaxSourceEvery) {
		v.Add("every", "must be between %v and %v", MinSourceEvery, MaxSourceEvery)
	}
	if len(s.Tags) > MaxTags {
		v.Add("tags", "has more than %d tags", MaxTags)
	}
	for _, t := range s.Tags {
		if !ValidSlug(t) {
			v.Add("tags", "%q is not a tag slug (lower-case letters and digits joined by hyphens)", t)
		}
	}
	return v.Err()
}

// Settings returns the fields of s that a person sets (URL, Name, Tags,
// Every, Enabled, UseCategories) as a store keeps them: the tags without
// repeats, in their first order, and Every to the second. Its other fields
// are zero: a new source has no poll state, and is due at once.
func (s *Source) Settings() Source {
	var tags []string
	for _, t := range s.Tags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return Source{URL: s.URL, Name: s.Name, Tags: tags, Every: s.Every.Truncate(time.Second), Enabled: s.Enabled,
		UseCategories: s.UseCategories}
}

// Edit returns s as a person's edit leaves it: edit is called with a copy
// of s, and what it leaves in the fields a person sets is kept, as
// Settings keeps them; its changes to the other fields are dropped. A new
// URL starts afresh: its cache validators, pending redirect and error count
// are cleared and it is due at once (NextFetch zero), as is a source being
// enabled. s is not changed.
//
// Errors: edit's, as it returns it; a *ValidationError for bad fields.
func (s *Source) Edit(edit func(*Source) error) (*Source, error) {
	edited := *s
	edited.Tags = slices.Clone(s.Tags)
	if err := edit(&edited); err != nil {
		return nil, err
	}
	if err := edited.Validate(); err != nil {
		return nil, err
	}
	set := edited.Settings()
	out := *s
	out.URL, out.Name, out.Tags, out.Every, out.Enabled, out.UseCategories =
		set.URL, set.Name, set.Tags, set.Every, set.Enabled, set.UseCategories
	if out.URL != s.URL {
		out.ETag, out.LastModified, out.PendingURL, out.PendingCount = "", "", "", 0
		out.ConsecutiveErrors, out.NextFetch = 0, time.Time{}
	}
	if out.Enabled && !s.Enabled {
		out.NextFetch = time.Time{}
	}
	return &out, nil
}

// checkSourceURL returns what is wrong with raw as a feed address, or "".
func checkSourceURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxSourceURLLen {
		return "is longer than 2048 bytes"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "must be an absolute http or https URL"
	}
	if u.User != nil {
		// Credentials in a URL end up in logs, pages and the API.
		return "must not contain a user name or password"
	}
	return ""
}

// A Credit is one source that carried an external article. One item reached
// through several sources (a mirror, a URL that redirects to a feed already
// followed, two feeds of one agency) is one article, credited to each. The
// first source is the article's Provenance, and only its later edits update
// the article; the others add credit.
type Credit struct {
	SourceID   int64     `json:"source_id"`
	SourceName string    `json:"source_name"`
	FeedURL    string    `json:"feed_url"`       // the source's feed
	GUID       string    `json:"guid"`           // the item's GUID at that source
	Link       string    `json:"link,omitempty"` // the item's link at that source
	FirstSeen  time.Time `json:"first_seen"`     // when that source first carried it
}
