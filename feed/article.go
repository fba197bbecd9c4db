package feed

import (
	"crypto/sha256"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Origin says where an article comes from.
type Origin string

const (
	// OriginOwn marks the newsroom's own articles.
	OriginOwn Origin = "own"
	// OriginExternal marks items aggregated from another publisher's feed.
	OriginExternal Origin = "external"
)

// Limits on article fields; longer input is rejected, not truncated.
const (
	MaxIDLen      = 100
	MaxTitleLen   = 1000
	MaxSummaryLen = 10_000
	MaxContentLen = 2 << 20
	MaxAuthors    = 50
	MaxTags       = 100
)

// An Article is one item herald publishes.
type Article struct {
	// ID is the newsroom's own identifier: letters, digits, '.', '_', '~'
	// and '-', starting with a letter or digit. It never changes.
	ID string `json:"id"`
	// GUID is the globally unique id published in feeds (a tag: URI). The
	// store sets it when the article is first created and never changes it.
	GUID string `json:"guid,omitempty"`
	// Slug is the readable part of the article's permalink.
	Slug    string   `json:"slug,omitempty"`
	Title   string   `json:"title"`
	Summary string   `json:"summary,omitempty"` // plain text
	Content string   `json:"content,omitempty"` // sanitized HTML
	Authors []string `json:"authors,omitempty"`
	// Published is when the article first appeared.
	Published time.Time `json:"published"`
	// Updated is when its content last changed; the store keeps it.
	Updated time.Time `json:"updated"`
	// EmbargoUntil, when set and later than the store's clock, holds the
	// article back from every public feed, page, search, list and count
	// until then, when the store publishes it (LiftEmbargoes); only the
	// token feeds of subscribers with early access carry it before. Zero
	// for an article that is public. Published may be zero with it: the
	// article is then published at the time it is lifted.
	EmbargoUntil time.Time `json:"embargo_until,omitzero"`
	// URL is the canonical address; empty means herald's own permalink.
	URL      string       `json:"url,omitempty"`
	Language string       `json:"language,omitempty"` // BCP 47, e.g. "en" or "ja"
	Tags     []ArticleTag `json:"tags,omitempty"`
	Origin   Origin       `json:"origin"`
	// Provenance is set for external articles only.
	Provenance *Provenance `json:"provenance,omitempty"`
	// Correction is a public note to write with this edit (see
	// Correction); writes read it, reads leave it empty. It is no part of
	// the article's JSON: a note belongs to one write, and an article
	// encoded for later (an embargoed one) must not carry it to the next.
	Correction string `json:"-"`
	// Corrections are the article's corrections as stored, the latest
	// first; stores fill them in on reads.
	Corrections []Correction `json:"corrections,omitempty"`
}

// An ArticleTag is one tag on an article and why it is there.
type ArticleTag struct {
	Slug string `json:"slug"`
	// Rule is the query of the tag rule that put the tag on the article;
	// empty for a tag given by hand.
	Rule string `json:"rule,omitempty"`
	// Matched lists the words and phrases of the article that satisfied Rule.
	Matched []string `json:"matched,omitempty"`
}

// Provenance records where an external article came from, so that herald can
// credit it and never claim it as its own.
type Provenance struct {
	SourceID    int64     `json:"source_id"`
	SourceName  string    `json:"source_name"`
	FeedURL     string    `json:"feed_url"`              // the feed herald fetched
	FeedID      string    `json:"feed_id,omitempty"`     // the feed's own id (Atom id), if any
	FeedTitle   string    `json:"feed_title,omitempty"`  // the feed's title
	FeedUpdated time.Time `json:"feed_updated,omitzero"` // the feed's updated time
	Link        string    `json:"link,omitempty"`        // the item's original link
	OriginalID  string    `json:"original_id"`           // the item's GUID or id
	Published   time.Time `json:"published,omitzero"`    // as the source said
	Updated     time.Time `json:"updated,omitzero"`      // as the source said
}

// TagSlugs returns the slugs of a's tags in order.
func (a *Article) TagSlugs() []string {
	s := make([]string, len(a.Tags))
	for i, t := range a.Tags {
		s[i] = t.Slug
	}
	return s
}

// HasTag reports whether a carries the tag slug.
func (a *Article) HasTag(slug string) bool {
	return slices.ContainsFunc(a.Tags, func(t ArticleTag) bool { return t.Slug == slug })
}

// HandTags returns the tags that were given by hand, not by a rule.
func (a *Article) HandTags() []ArticleTag {
	var out []ArticleTag
	for _, t := range a.Tags {
		if t.Rule == "" {
			out = append(out, t)
		}
	}
	return out
}

var (
	idPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// ValidID reports whether id may name an article.
func ValidID(id string) bool {
	return len(id) <= MaxIDLen && idPattern.MatchString(id)
}

// ValidSlug reports whether s is a tag slug: lower-case ASCII letters and
// digits in groups joined by single hyphens. Article slugs may hold letters
// of any script: see ValidArticleSlug.
func ValidSlug(s string) bool {
	return len(s) <= 100 && slugPattern.MatchString(s)
}

// Limits on article slugs, in bytes: ArticleSlug makes them about
// articleSlugLen long; one given by the newsroom may have MaxArticleSlugLen.
const (
	MaxArticleSlugLen = 200
	articleSlugLen    = 80
)

// ArticleSlug makes the readable part of an article's permalink from its
// title: its letters and digits, of any script, lower-cased, in groups
// joined by single hyphens. "Grid operators drill for a cyberattack" gives
// "grid-operators-drill-for-a-cyberattack" and "政府、重要インフラの演習を拡大"
// gives "政府-重要インフラの演習を拡大". Apostrophes join ("Japan's" gives
// "japans"), combining marks stay with their letters, and full-width Latin
// letters and digits ("ＮＩＳＣ") become ASCII ones. The result ends at the
// first character that starts past byte 80; a title with no letter or digit
// gives "article". For an ASCII title it is what Slugify gives, so the
// permalinks of articles stored before Unicode slugs were made the same way.
//
// Such slugs are IRIs, not URIs: every URL built with one must
// percent-encode it (url.URL does, given the slug in Path), as WordPress
// does with its Unicode slugs.
func ArticleSlug(title string) string {
	var b strings.Builder
	dash, letter := false, false // a hyphen is due; the last rune kept was a letter or mark
	for _, r := range title {
		switch {
		case r == '\'' || r == '\u2019':
			continue // apostrophes join
		case 0xFF10 <= r && r <= 0xFF19, 0xFF21 <= r && r <= 0xFF3A, 0xFF41 <= r && r <= 0xFF5A:
			r -= 0xFEE0 // full-width to ASCII
		}
		mark := unicode.IsMark(r) && letter && !dash
		if !mark && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			dash = true
			continue
		}
		if b.Len() >= articleSlugLen {
			break
		}
		r = unicode.ToLower(r)
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash, letter = false, !unicode.IsDigit(r)
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "article"
	}
	return b.String()
}

// ValidArticleSlug reports whether s may be an article's slug: at most
// MaxArticleSlugLen bytes of letters (of any script, none upper-case),
// digits and combining marks, in groups joined by single hyphens.
func ValidArticleSlug(s string) bool {
	if s == "" || len(s) > MaxArticleSlugLen || !utf8.ValidString(s) {
		return false
	}
	start := true // at the start of a group
	for _, r := range s {
		switch {
		case r == '-':
			if start {
				return false
			}
			start = true
			continue
		case unicode.IsLetter(r):
			if unicode.ToLower(r) != r {
				return false
			}
		case unicode.IsDigit(r):
		case unicode.IsMark(r) && !start:
		default:
			return false
		}
		start = false
	}
	return !start
}

// Validate checks a and returns a *ValidationError naming every bad field.
func (a *Article) Validate() error {
	v := &ValidationError{}
	switch {
	case a.ID == "":
		v.Add("id", "is required")
	case !ValidID(a.ID):
		v.Add("id", "must be 1 to %d letters, digits, '.', '_', '~' or '-', starting with a letter or digit", MaxIDLen)
	}
	if a.Slug != "" && !ValidArticleSlug(a.Slug) {
		v.Add("slug", "must be lower-case letters and digits (of any script) joined by single hyphens, at most %d bytes", MaxArticleSlugLen)
	}
	checkText(v, "title", a.Title, MaxTitleLen)
	if strings.TrimSpace(a.Title) == "" {
		v.Add("title", "is required")
	}
	checkText(v, "summary", a.Summary, MaxSummaryLen)
	checkText(v, "content", a.Content, MaxContentLen)
	checkText(v, "correction", a.Correction, MaxCorrectionLen)
	if strings.TrimSpace(a.Content) == "" && strings.TrimSpace(a.Summary) == "" {
		v.Add("content", "is required when there is no summary")
	}
	if len(a.Authors) > MaxAuthors {
		v.Add("authors", "has more than %d names", MaxAuthors)
	}
	for i, name := range a.Authors {
		if strings.TrimSpace(name) == "" {
			v.Add("authors", "name %d is empty", i+1)
		}
		checkText(v, "authors", name, 200)
	}
	// Without a published time, an embargoed article is published when
	// its embargo is lifted.
	if a.Published.IsZero() && a.EmbargoUntil.IsZero() {
		v.Add("published", "is required")
	} else if y := a.Published.Year(); !a.Published.IsZero() && (y < 1900 || y > 9999) {
		v.Add("published", "year %d is out of range", y)
	}
	if y := a.EmbargoUntil.Year(); !a.EmbargoUntil.IsZero() && (y < 1900 || y > 9999) {
		v.Add("embargo_until", "year %d is out of range", y)
	}
	if a.URL != "" {
		if u, err := url.Parse(a.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("url", "must be an absolute http or https URL")
		}
	}
	if a.Language != "" && !ValidLanguage(a.Language) {
		v.Add("language", "must be a language tag such as \"en\" or \"ja-JP\"")
	}
	if len(a.Tags) > MaxTags {
		v.Add("tags", "has more than %d tags", MaxTags)
	}
	for _, t := range a.Tags {
		if !ValidSlug(t.Slug) {
			v.Add("tags", "%q is not a tag slug (lower-case letters and digits joined by hyphens)", t.Slug)
		}
	}
	switch a.Origin {
	case OriginOwn, "":
	case OriginExternal:
		if a.Provenance == nil {
			v.Add("provenance", "is required for external articles")
		}
	default:
		v.Add("origin", "must be %q or %q", OriginOwn, OriginExternal)
	}
	return v.Err()
}

// ContentHash digests the fields whose change makes a new version of a's
// content (see ArticleVersion), and so an "updated" article: title,
// summary, content, authors, published time, URL, language, origin and
// provenance, less the time the source feed was last updated, which moves
// with every fetch. Tags, slug and Updated are not part of it: a new tag is
// not a new version of the text. Stores keep it with each version and the
// change log shows it (in hex), so it must not change for what is stored.
func (a *Article) ContentHash() []byte {
	var prov *Provenance
	if a.Provenance != nil {
		p := *a.Provenance
		p.FeedUpdated = time.Time{}
		prov = &p
	}
	h := sha256.New()
	json.NewEncoder(h).Encode([]any{a.Title, a.Summary, a.Content, a.Authors, a.Published.UTC().UnixMicro(),
		a.URL, a.Language, a.Origin, prov}) // cannot fail for these types
	return h.Sum(nil)
}

func checkText(v *ValidationError, field, s string, max int) {
	if len(s) > max {
		v.Add(field, "is longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		v.Add(field, "is not valid UTF-8")
	}
}

// DefaultLimit and MaxLimit bound how many articles one listing returns.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// An ArticleFilter selects articles, newest published first unless Order
// says otherwise.
type ArticleFilter struct {
	Tags   []string // carrying every one of these tag slugs
	Origin Origin   // only this origin; "" for any
	Limit  int      // at most this many; 0 means DefaultLimit
	Offset int      // skip this many first (paged feeds)

	// Source keeps the articles credited to the source with this ID (see
	// Credit) only; 0 for any.
	Source int64
	// Since keeps the articles created or changed (edited, retagged) at or
	// after this time, by the store's clock, only; zero for any.
	Since time.Time
	// Query is a search query (words, "phrases", AND, OR, NOT, parentheses,
	// prefix*); "" for none. A query that does not parse is a
	// *ValidationError for the field "q".
	Query string
	// Order sorts the listing; "" means OrderRank with a Query and
	// OrderPublished without.
	Order ArticleOrder
	// Cursor continues a listing after the page that returned it as its
	// NextCursor; "" starts at the beginning. Offset must then be 0.
	Cursor string
}

// An ArticleOrder says how a listing is sorted.
type ArticleOrder string

const (
	// OrderPublished lists the newest published first; of two published
	// at the same time, the one stored later comes first.
	OrderPublished ArticleOrder = "published"
	// OrderChanged lists articles in the order of their last change
	// (creation, edit or retag), oldest first, so that new and changed
	// articles come last: the order for polling.
	OrderChanged ArticleOrder = "changed"
	// OrderRank lists the best matches of the Query first.
	OrderRank ArticleOrder = "rank"
)

// An ArticlePage is one page of a listing.
type ArticlePage struct {
	Articles []Article
	// NextCursor continues the listing after this page. It is set on the
	// last page too (unless the page is empty and no cursor was given),
	// so that a poller can come back later for what arrived since.
	NextCursor string
	// More says whether the listing went on past this page when it was read.
	More bool
}

// A Change says what a write did to an article.
type Change string

const (
	Created   Change = "created"
	Updated   Change = "updated"
	Unchanged Change = "unchanged"
	// Deleted: the article was removed; a Tombstone remains.
	Deleted Change = "deleted"
)

// An ArticleChange is one entry of the change log: a create, an update
// (of the content, the slug or the tags) or a delete, in commit order.
type ArticleChange struct {
	// Seq is the entry's place in the log: it grows with every change and
	// is never reused.
	Seq       int64     `json:"seq"`
	Change    Change    `json:"change"`
	ArticleID string    `json:"article_id"`
	GUID      string    `json:"guid"`
	At        time.Time `json:"at"`
	// Version is the number of the article's content version after the
	// change (see ArticleVersion); 0 for a deletion.
	Version     int    `json:"version,omitempty"`
	ContentHash string `json:"content_hash,omitempty"` // hex SHA-256; "" for a deletion
}

// A ChangePage is one page of the change log.
type ChangePage struct {
	Changes []ArticleChange
	// NextCursor continues after this page; see ArticlePage.
	NextCursor string
	More       bool
}

// A Tombstone is what a deleted article leaves: enough for readers that
// saw it to drop it (Atom's at:deleted-entry, RFC 6721).
type Tombstone struct {
	ArticleID string    `json:"article_id"`
	GUID      string    `json:"guid"`
	Deleted   time.Time `json:"deleted"`
	Origin    Origin    `json:"origin"`
	// Tags are the slugs of the tags it carried that still exist.
	Tags []string `json:"tags,omitempty"`
}

// A TombstoneFilter selects tombstones, the latest deleted first.
type TombstoneFilter struct {
	Tags   []string  // the article carried every one of these tag slugs
	Origin Origin    // "" for any
	Since  time.Time // deleted at or after this time
	Limit  int       // 0 means DefaultLimit
}

// An ArticleVersion is one version of an article's content. Every edit of
// the content keeps the version it replaces; slug and tags are not
// versioned.
type ArticleVersion struct {
	Version     int       `json:"version"` // 1 for the first
	Current     bool      `json:"current"`
	ContentHash string    `json:"content_hash"`      // hex SHA-256 of the versioned fields
	Saved       time.Time `json:"saved"`             // when the store took it
	Replaced    time.Time `json:"replaced,omitzero"` // when the next version took its place
	Article     Article   `json:"article"`           // the content then, without tags
}
