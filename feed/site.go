package feed

import "time"

// Site is the identity a herald database was created with: the tag: URI
// authority (a domain) and the date it took it. Every GUID and feed id herald
// publishes is built on it, so they survive a later change of domain.
type Site struct {
	Authority string
	Created   time.Time
}

// TagURI returns the tag: URI (RFC 4151) for the given specific part, such
// as "feed:all".
func (s Site) TagURI(specific string) string {
	return "tag:" + s.Authority + "," + s.Created.UTC().Format("2006-01-02") + ":" + specific
}
