// Package dump holds the records of a whole herald database in the form
// every store engine exports and imports them, so that a database moves
// between engines (herald copy, and herald backup on PostgreSQL) row for
// row: its ids, article numbers, change log ids and times unchanged.
//
// The records are the stored columns themselves, not package feed's
// vocabulary: they carry what a reader of feed never sees (seqs, revs,
// content hashes, token hashes, counters) and must survive the trip for the
// copy to serve the same bytes. Times are microseconds since the Unix
// epoch, UTC, as both engines store them (package micros); 0 is never, and
// stands for NULL where a column may be NULL. Package store gives these types names of its
// own; its engines cannot import package store, which imports them.
package dump

import (
	"errors"
	"fmt"
	"iter"
	"strings"

	"herald/feed"
)

// The kinds of record, in the order an export gives them: each kind refers
// only to kinds before it (an article to its source, an article's tag to its
// article and tag, a delivery to its subscription).
const (
	KindSite          = "site"
	KindTags          = "tags"
	KindTagAliases    = "tag aliases"
	KindSources       = "sources"
	KindArticles      = "articles"
	KindArticleTags   = "article tags"
	KindArticleKeys   = "article keys"
	KindCredits       = "credits"
	KindVersions      = "versions"
	KindCorrections   = "corrections"
	KindChanges       = "changes"
	KindTombstones    = "tombstones"
	KindTokens        = "tokens"
	KindSubscribers   = "subscribers"
	KindSubscriptions = "subscriptions"
	KindDeliveries    = "deliveries"
	KindEmbargoes     = "embargoes"
	KindStatsPolls    = "stats polls"
	KindStatsReports  = "stats reports"
)

// Kinds lists the kinds of record in export order.
var Kinds = []string{KindSite, KindTags, KindTagAliases, KindSources, KindArticles, KindArticleTags, KindArticleKeys,
	KindCredits, KindVersions, KindCorrections, KindChanges, KindTombstones, KindTokens, KindSubscribers, KindSubscriptions, KindDeliveries,
	KindEmbargoes, KindStatsPolls, KindStatsReports}

// Tables names the table that holds each kind of record, in the schema of
// every engine.
var Tables = map[string]string{
	KindSite: "site", KindTags: "tags", KindTagAliases: "tag_aliases", KindSources: "sources",
	KindArticles: "articles", KindArticleTags: "article_tags",
	KindArticleKeys: "article_keys", KindCredits: "article_sources", KindVersions: "article_versions",
	KindCorrections: "corrections", KindChanges: "changes", KindTombstones: "tombstones", KindTokens: "tokens",
	KindSubscribers: "subscribers", KindSubscriptions: "subscriptions", KindDeliveries: "deliveries",
	KindEmbargoes:  "embargoes",
	KindStatsPolls: "stats_polls", KindStatsReports: "stats_reports",
}

// A Record is one stored row: a *Site, *Tag, *TagAlias, *Source, *Article,
// *ArticleTag, *ArticleKey, *Credit, *Version, *Correction, *Change, *Tombstone, *Token, *Subscriber,
// *Subscription, *Delivery, *Embargo, *StatsPolls or *StatsReport.
type Record interface {
	// Kind returns the record's kind, one of Kinds.
	Kind() string
}

// Site is the database itself: who it is, how far its numbers have gone,
// and how many records of each kind the export holds. An export gives it
// first, read in the same snapshot as the records that follow.
type Site struct {
	// Authority and Created are the identity in the tag: URIs of GUIDs and
	// feed ids (feed.Site).
	Authority string
	Created   int64
	// Version is the content version (store.DB.Version).
	Version int64
	// The last ids given out of sources, change log entries, tokens and
	// subscribers. An id is never given twice: a removed source's articles
	// keep its id in theirs, and cursors hold change ids. An engine that
	// numbers one of them by the greatest stored id (SQLite's tokens and
	// subscribers) gives that.
	LastSourceID, LastChangeID, LastTokenID, LastSubscriberID int64
	// Counts is how many records of each kind (Kinds) the export holds, the
	// site itself counting 1. An import checks what it stored against it.
	Counts map[string]int64
}

// Tag is a tag with its rule. Articles is the number of articles carrying
// it; an import recounts it from the article tags it stored.
type Tag struct {
	ID                      int64
	Slug, Name, Description string
	Rule                    string // "" for none
	Articles                int64
	Created, Updated        int64
}

// TagAlias is a slug a tag had before a rename.
type TagAlias struct {
	Slug  string
	TagID int64
}

// Source is an external feed that herald polls, with its poll state.
type Source struct {
	ID            int64
	URL, Name     string
	Tags          []string
	Every         int64 // poll interval in seconds; 0 is the default
	Enabled       bool
	UseCategories bool
	ETag          string
	LastModified  string
	LastAttempt   int64
	LastSuccess   int64
	LastStatus    int64
	Errors        int64 // consecutive errors
	LastError     string
	NextFetch     int64
	PendingURL    string
	PendingCount  int64
	Hint          int64 // seconds the feed asked for at its last full fetch
	Created       int64
}

// Article is an article's current version, with the numbers that place it:
// Seq (its archive page, its place in published order), Rev (the id of its
// last change, its place in the polling order) and Version.
type Article struct {
	Seq                     int64
	ID, GUID, Slug          string
	Title, Summary, Content string
	Authors                 []string
	Published, Updated      int64
	Created                 int64
	URL, Language           string
	Origin                  string
	Provenance              *string // JSON as stored; nil for none
	ContentHash             []byte
	SourceID                int64 // 0 for none
	Rev, Changed, Version   int64
}

// ArticleTag is a tag on an article: by hand (Rule "", Matched nil) or by a
// rule and the words it matched.
type ArticleTag struct {
	TagID, ArticleSeq int64
	Published         int64 // the article's, copied for tag feeds
	Rule              string
	Matched           []string
}

// ArticleKey is a key that names an external item whatever source carried
// it, and the article that claims it (see store/internal/poll).
type ArticleKey struct {
	Key, ArticleID string
}

// Credit records that a source carried an article: the item's GUID and
// link at that source, and when it first did.
type Credit struct {
	ArticleSeq, SourceID int64
	GUID, Link           string
	FirstSeen            int64
}

// Version is an earlier version of an article's content.
type Version struct {
	ID, ArticleSeq, Version int64
	Title, Summary, Content string
	Authors                 []string
	Published, Updated      int64
	URL, Language, Origin   string
	Provenance              *string
	ContentHash             []byte
	Saved, Replaced         int64
}

// Correction is a public note on an edit of an article: the versions
// before and after it, and when it was made.
type Correction struct {
	ID, ArticleSeq int64
	Before, After  int64 // version numbers
	Note           string
	At             int64
}

// Change is an entry of the change log. A deletion has no Version (0) and
// no ContentHash (nil).
type Change struct {
	ID              int64
	ArticleID, GUID string
	Change          string // created, updated or deleted
	At              int64
	Version         int64
	ContentHash     []byte
}

// Tombstone is what a deleted article left.
type Tombstone struct {
	GUID, ArticleID, Origin string
	Tags                    []int64 // ids of the tags it carried
	Deleted                 int64
}

// Token is an API token: the hash of its secret, never the secret.
type Token struct {
	ID                int64
	Name              string
	Hash              []byte
	Created           int64
	LastUsed, Revoked int64
}

// Subscriber is a subscriber's feed token (its hash), plan and usage.
type Subscriber struct {
	ID          int64
	Name        string
	Hash        []byte
	Plan        string
	Tags        []string
	Rate        int64 // requests per minute; 0: no cap
	Attribution bool
	EarlyAccess bool // its token feeds carry embargoed articles
	Created     int64
	Revoked     int64
	Polls       int64
	NotModified int64
	LastSeen    int64
	UserAgents  map[string]int64
}

// Subscription is a WebSub subscription with its secret and delivery state.
type Subscription struct {
	ID                      int64
	Topic, Callback, Secret string
	Lease                   int64 // seconds granted
	Expires, Created        int64
	DeliveredETag           string
	Failures                int64
	NextAttempt             int64
}

// Embargo is an article held back until EmbargoUntil: the article as
// written (feed.Article, JSON) and the GUID it keeps when lifted.
type Embargo struct {
	ID, GUID     string
	EmbargoUntil int64
	Article      string
	Created      int64
}

// Delivery is an entry of a subscription's delivery log.
type Delivery struct {
	ID, SubscriptionID int64
	Time               int64
	Type               string // verify or content
	Attempt, Status    int64
	Duration           int64 // microseconds
	Error              string
}

// StatsPolls is a day's readership counts of one feed and partner ("" for
// the public), with its pollers' sketches in stored form (feed/stats).
type StatsPolls struct {
	Day, Feed, Partner        string
	Polls, NotModified, Bytes int64
	Pollers, Unreported       []byte
}

// StatsReport is the latest subscriber count an aggregator reported for a
// feed and partner on a day.
type StatsReport struct {
	Day, Feed, Partner, Aggregator string
	Subscribers                    int64
	At                             int64
}

func (*Site) Kind() string         { return KindSite }
func (*Tag) Kind() string          { return KindTags }
func (*TagAlias) Kind() string     { return KindTagAliases }
func (*Source) Kind() string       { return KindSources }
func (*Article) Kind() string      { return KindArticles }
func (*ArticleTag) Kind() string   { return KindArticleTags }
func (*ArticleKey) Kind() string   { return KindArticleKeys }
func (*Credit) Kind() string       { return KindCredits }
func (*Version) Kind() string      { return KindVersions }
func (*Change) Kind() string       { return KindChanges }
func (*Correction) Kind() string   { return KindCorrections }
func (*Tombstone) Kind() string    { return KindTombstones }
func (*Token) Kind() string        { return KindTokens }
func (*Subscriber) Kind() string   { return KindSubscribers }
func (*Subscription) Kind() string { return KindSubscriptions }
func (*Embargo) Kind() string      { return KindEmbargoes }
func (*Delivery) Kind() string     { return KindDeliveries }
func (*StatsPolls) Kind() string   { return KindStatsPolls }
func (*StatsReport) Kind() string  { return KindStatsReports }

// NotEmpty returns nil when counts (an engine's counts of its stored
// records) show nothing but the site, and otherwise the error of an import
// refused for it, which matches feed.ErrConflict.
func NotEmpty(counts map[string]int64) error {
	var held []string
	for _, k := range Kinds {
		if n := counts[k]; k != KindSite && n > 0 {
			held = append(held, fmt.Sprintf("%d %s", n, k))
		}
	}
	if len(held) == 0 {
		return nil
	}
	return fmt.Errorf("the database is not empty (it holds %s): import into a new one: %w",
		strings.Join(held, ", "), feed.ErrConflict)
}

// CheckCounts compares what an import stored (got, the engine's counts) with
// what the export's site record announced, and returns an error naming
// every kind that differs. An import that started with no site record
// (want nil) has nothing to check.
func CheckCounts(want, got map[string]int64) error {
	if want == nil {
		return nil
	}
	var diff []string
	for _, k := range Kinds {
		if want[k] != got[k] {
			diff = append(diff, fmt.Sprintf("%s: %d stored, %d exported", k, got[k], want[k]))
		}
	}
	if len(diff) > 0 {
		return fmt.Errorf("the records stored are not those exported (%s)", strings.Join(diff, "; "))
	}
	return nil
}

// Count returns how many records of each kind (Kinds) a database holds, the
// site counting 1: queryRow runs query, of one row, and scans it into dest.
func Count(queryRow func(query string, dest ...any) error) (map[string]int64, error) {
	sel := make([]string, len(Kinds))
	n := make([]int64, len(Kinds))
	dest := make([]any, len(Kinds))
	for i, k := range Kinds {
		sel[i] = "(SELECT COUNT(*) FROM " + Tables[k] + ")"
		dest[i] = &n[i]
	}
	if err := queryRow("SELECT "+strings.Join(sel, ", "), dest...); err != nil {
		return nil, fmt.Errorf("count records: %w", err)
	}
	out := make(map[string]int64, len(n))
	for i, k := range Kinds {
		out[k] = n[i]
	}
	return out, nil
}

// errStopped ends an export whose consumer stopped asking for records.
var errStopped = errors.New("stop")

// Stream returns the records that export emits, as an export's sequence:
// export stops when emit returns an error (the consumer stopped), and an
// error of export's own ends the sequence.
func Stream(export func(emit func(Record) error) error) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		err := export(func(r Record) error {
			if !yield(r, nil) {
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) {
			yield(nil, fmt.Errorf("export: %w", err))
		}
	}
}

// Import stores records, as an export gives them, into an empty database,
// in the steps every engine takes, inside the transaction of its import:
// count's counts must show nothing but the site (NotEmpty); the records
// must begin with the site; write stores each record after it; finish ends
// the import with the site; and count's counts must then be those the site
// announced (CheckCounts). It returns the site.
//
// Errors: feed.ErrConflict when the database is not empty; the error of the
// sequence, as it is; those of count, write (in the context of the record's
// kind) and finish.
func Import(records iter.Seq2[Record, error], count func() (map[string]int64, error), write func(Record) error,
	finish func(*Site) error) (*Site, error) {
	have, err := count()
	if err != nil {
		return nil, err
	}
	if err := NotEmpty(have); err != nil {
		return nil, err
	}
	var site *Site
	for r, err := range records {
		if err != nil {
			return nil, err
		}
		if site == nil {
			s, ok := r.(*Site)
			if !ok {
				return nil, fmt.Errorf("the records begin with %s, not the site", r.Kind())
			}
			site = s
			continue
		}
		if err := write(r); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Kind(), err)
		}
	}
	if site == nil {
		return nil, errors.New("no records, not even the site")
	}
	if err := finish(site); err != nil {
		return nil, err
	}
	got, err := count()
	if err != nil {
		return nil, err
	}
	if err := CheckCounts(site.Counts, got); err != nil {
		return nil, err
	}
	return site, nil
}
