package poll

import (
	"net/url"
	"slices"
	"strings"

	"herald/feed"
)

// One item reached through several sources (a feed and its mirror, a URL
// that redirects to a feed already followed, two feeds of one agency
// carrying one press release) is one article. Each external article claims
// keys that name the item whatever source carried it: its original GUID
// when that is an absolute IRI, and its normalized original link. Engines
// keep the claims in a table whose primary key is the key, written with
// "insert, or do nothing if taken", so that of concurrent polls of two
// sources carrying a new item exactly one creates it and the other credits
// it.
//
// A GUID that is not an absolute IRI ("12345", "item-7") is unique only in
// its own feed, so it names nothing across sources; an item without a GUID
// (its OriginalID is then its link, or a digest "sha256:...") is matched by
// its link alone.

// Prefixes of the two kinds of key.
const (
	guidPrefix = "guid:"
	linkPrefix = "link:"
)

// trackingParams are query parameters that only tell the publisher where a
// reader came from; two links that differ in them open the same page.
var trackingParams = []string{"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi",
	"igshid", "yclid", "ref_src"}

// LinkKey returns link, an item's original link, in the form in which two
// spellings of one page are equal, or "" when it is no http(s) URL or names
// no page of its own (a site's home page, which many feeds give every item).
// It is feed.NormalizeURL's normal form (case of scheme and host, default
// port, dot segments, escapes), and then: http and https alike, a leading
// "www." dropped, the fragment dropped, a trailing slash of the path
// dropped, tracking parameters (utm_*, fbclid, gclid and the like) dropped
// and the other query parameters sorted. Their values are kept: they may
// select the content (?id=123).
func LinkKey(link string) string {
	n := feed.NormalizeURL(nil, link)
	if n == "" {
		return ""
	}
	u, err := url.Parse(n)
	if err != nil {
		return ""
	}
	host := strings.TrimPrefix(u.Host, "www.")
	path := strings.TrimRight(u.EscapedPath(), "/")
	var params []string
	if u.RawQuery != "" {
		for p := range strings.SplitSeq(u.RawQuery, "&") {
			name, _, _ := strings.Cut(p, "=")
			name = strings.ToLower(name)
			if p == "" || strings.HasPrefix(name, "utm_") || slices.Contains(trackingParams, name) {
				continue
			}
			params = append(params, p)
		}
		slices.Sort(params)
	}
	if path == "" && len(params) == 0 {
		return "" // the home page
	}
	k := host + path
	if len(params) > 0 {
		k += "?" + strings.Join(params, "&")
	}
	return k
}

// GUIDKey returns the key of an item's original GUID, or "" when it is no
// absolute IRI (see above) or a digest herald made for an item without one.
func GUIDKey(guid string) string {
	if strings.HasPrefix(guid, "sha256:") {
		return ""
	}
	return feed.NormalizeIRI(guid)
}

// Keys returns the keys a, an external article, claims: its GUID's, then
// its link's, each when it has one.
func Keys(a *feed.Article) []string {
	if a.Provenance == nil {
		return nil
	}
	var keys []string
	if k := GUIDKey(a.Provenance.OriginalID); k != "" {
		keys = append(keys, guidPrefix+k)
	}
	if k := LinkKey(a.Provenance.Link); k != "" {
		keys = append(keys, linkPrefix+k)
	}
	return keys
}

// A Claim is what the claims table says of one key.
type Claim struct {
	// ArticleID is the article holding the key.
	ArticleID string
	// Exists is set when that article is stored; a claim of an article
	// that was deleted, or of one only being created by this poll, is not.
	Exists bool
	// Credited is set when that article is already credited to the source
	// being polled.
	Credited bool
}

// Target returns the ID of the article that a, an item of the source being
// polled, is: a's own ID when it is stored already (so that duplicates
// stored before the claims existed keep being updated by their own source),
// or else the stored article that claims a's GUID, or else the stored
// article that claims a's link unless it is credited to the same source (two
// items of one feed with one link and different GUIDs are two items), or
// else a's own ID: a new article. claims maps keys to their claims; exists
// tells whether a's own ID is stored.
func Target(a *feed.Article, exists bool, claims map[string]Claim) string {
	if exists {
		return a.ID
	}
	for _, k := range Keys(a) {
		c, ok := claims[k]
		if !ok || !c.Exists || c.ArticleID == a.ID {
			continue
		}
		if strings.HasPrefix(k, linkPrefix) && c.Credited {
			continue
		}
		return c.ArticleID
	}
	return a.ID
}

// ClaimOrder returns the keys that arts claim, each with the first article
// claiming it, sorted by key: engines insert the claims in this order, so
// that two polls claiming the same keys wait for each other instead of
// deadlocking.
func ClaimOrder(arts []feed.Article) (keys, ids []string) {
	first := map[string]string{}
	for i := range arts {
		for _, k := range Keys(&arts[i]) {
			if _, ok := first[k]; !ok {
				first[k] = arts[i].ID
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	ids = make([]string, len(keys))
	for i, k := range keys {
		ids[i] = first[k]
	}
	return keys, ids
}
