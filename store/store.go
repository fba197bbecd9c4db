// Package store says what herald needs of a database, the contract every
// engine meets, and opens the engine that --db names: an SQLite file (package
// store/sqlite, the default) or a PostgreSQL database (store/postgres).
//
// The engine-neutral parts (validation, tag rules, the query language) stay
// above this seam, in package feed and its children, and the rules the
// engines share in the packages of store/internal (listings and their
// cursors, what an article write changes, polls, claims, copies); an engine
// holds only its SQL, its scanning and its quirks. Package storetest holds
// the behaviour every engine must show, run against each of them.
package store

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/rule"
	"herald/feed/stats"
	"herald/store/internal/dump"
	"herald/store/postgres"
	"herald/store/sqlite"
)

// DB is what every store engine does. Consumers declare the smaller
// interfaces they need (web.Store, aggregate.Store, websub.Store); DB is the
// union they are all cut from, and Open returns it because the engine is
// chosen at run time.
//
// Every method is safe for concurrent use, and each write is one
// transaction: it is stored whole or not at all.
type DB interface {
	// The database itself.
	// Site returns the identity the database was created with.
	Site() feed.Site
	// Close closes the database.
	Close() error
	// Version returns a number that grows with every committed change to
	// articles or tags, made by this process or any other.
	Version(ctx context.Context) (int64, error)
	// Backup writes a consistent copy of the database to path, which must not
	// exist. Readers go on meanwhile; this process's writers wait for the copy.
	Backup(ctx context.Context, path string) error

	// Articles.
	// Article returns the article with the given ID, with its tags.
	// It returns feed.ErrNotFound when there is none.
	Article(ctx context.Context, id string) (*feed.Article, error)
	// Articles returns the articles f selects, newest published first unless
	// f.Order says otherwise, with their tags: the first page of ArticlePage,
	// whose errors it returns. Unknown tag slugs select nothing; callers that
	// must tell a missing tag from an empty one ask Tag first.
	Articles(ctx context.Context, f feed.ArticleFilter) ([]feed.Article, error)
	// UpsertArticles creates or updates each article by its ID, in one
	// transaction, and reports what happened to each. It fills in what the store
	// decides: GUID and Slug for a new article, Updated (kept when the content is
	// unchanged, else the given Updated if later, else now), and the tags as
	// stored. Tags that do not exist yet are created; renamed tags' old slugs
	// resolve to the new ones. An invalid article fails the whole call with a
	// *feed.ValidationError naming its index and ID; callers that want the rest
	// to go on validate first.
	UpsertArticles(ctx context.Context, arts []feed.Article) ([]feed.Change, error)
	// UpsertArticle is UpsertArticles for one article.
	UpsertArticle(ctx context.Context, a *feed.Article) (feed.Change, error)
	// CreateArticle stores a new article, filling in what UpsertArticle does
	// (GUID, Slug, Updated, the tags as stored), in one transaction: of
	// concurrent creations of one ID, exactly one succeeds.
	// Errors: feed.ErrConflict when an article with a's ID exists; a
	// *feed.ValidationError for bad fields.
	CreateArticle(ctx context.Context, a *feed.Article) error
	// DeleteArticle removes the article with the given ID and its version
	// history, leaving a tombstone (see Tombstones) and a "deleted" entry in the
	// change log.
	// It returns feed.ErrNotFound when there is none.
	DeleteArticle(ctx context.Context, id string) error

	// Embargoes. An article written with an EmbargoUntil after the store's
	// clock is held back: no other method of DB sees it (Article answers
	// feed.ErrNotFound; no listing, search, count, archive, tag count,
	// change log entry, retag or version knows it) until it is lifted. Each
	// write of it replaces it; a write with no embargo, or one that has
	// passed, publishes it at once, as does LiftEmbargoes when its time
	// comes: it is then written as a new article, numbered (archive page,
	// change log) at that time, with the GUID it was given when held, and
	// published then unless it states another time. DeleteArticle removes
	// it without a tombstone. Writing an EmbargoUntil still to come for an
	// article that is public is a *feed.ValidationError (field
	// "embargo_until"); CreateArticle of a held ID is feed.ErrConflict.
	//
	// LiftEmbargoes publishes every held article whose embargo has come and
	// returns their IDs; of concurrent lifters in any processes, each
	// article is lifted by one.
	LiftEmbargoes(ctx context.Context) ([]string, error)
	// NextEmbargo returns the earliest embargo time of a held article, and
	// false when there is none.
	NextEmbargo(ctx context.Context) (time.Time, bool, error)
	// EmbargoedArticles returns every held article, the earliest embargo
	// first, with its GUID, slug, EmbargoUntil and tags as written.
	EmbargoedArticles(ctx context.Context) ([]feed.Article, error)
	// EmbargoedArticle returns the held article with the given ID, or
	// feed.ErrNotFound.
	EmbargoedArticle(ctx context.Context, id string) (*feed.Article, error)

	// Listing, searching and polling.
	// ArticlePage returns one page of the articles f selects, in f's order,
	// with their tags and the cursor of the next page.
	//
	// Paging with cursors never skips or repeats an article while others are
	// written, within these limits. In OrderChanged (the order for polling)
	// every write of an article gives it a new place at the end, so a walk
	// returns every article that exists when it reaches the end, in the version
	// it had when returned, and returns an article again only if it changed
	// after it was returned; deleted articles drop out (see Changes). In
	// OrderPublished, articles published later than the page being read are not
	// part of the rest of the walk (start again, or poll OrderChanged, for
	// them), and an edit that moves an article's published time may make the
	// walk miss it or see it twice. OrderRank pages are consistent while the
	// index does not change; any write moves scores a little, so a walk over a
	// changing archive should search in OrderChanged. A query that matches more
	// than 10,000 articles is ranked among the 10,000 most recently stored of
	// them, and lists only those in OrderRank (the other orders list every
	// match).
	//
	// Errors: a *feed.ValidationError for a query that does not parse (field
	// "q"), a cursor from another listing (field "cursor") or a bad order.
	ArticlePage(ctx context.Context, f feed.ArticleFilter) (*feed.ArticlePage, error)

	// Archives (RFC 5005).
	// ArchivePages returns, in ascending order, the numbers of the archive pages
	// holding at least one article that carries every tag in tags (all
	// articles when tags is empty) with the given origin ("" for any), and the
	// number of the open page: the one new articles go to. Pages before it are
	// closed.
	ArchivePages(ctx context.Context, tags []string, origin feed.Origin) (pages []int, open int, err error)
	// ArchivePage returns the articles of archive page n that carry every tag
	// in tags and have the given origin, newest stored first, with their tags.
	ArchivePage(ctx context.Context, tags []string, origin feed.Origin, n int) ([]feed.Article, error)
	// CountArticles returns how many articles f's tags and origin select
	// (its limit and offset aside), for the last link of a paged feed.
	CountArticles(ctx context.Context, f feed.ArticleFilter) (int, error)

	// The change log, tombstones and versions.
	// Changes returns a page of the change log: creates, updates (of content,
	// slug or tags) and deletes of articles, in the order they were committed,
	// after the position cursor names ("" for the beginning). limit is capped
	// like a listing's. A tag's rename or deletion changes how its articles
	// look: it logs an update of each article that carries the tag (a new
	// name alone logs nothing).
	//
	// Errors: a *feed.ValidationError (field "cursor") for a cursor that
	// Changes did not give out; feed.ErrGone for one whose next entries were
	// pruned (see PruneChanges): the walk starts again without a cursor.
	Changes(ctx context.Context, cursor string, limit int) (*feed.ChangePage, error)
	// Tombstones returns the tombstones f selects, the latest deleted first.
	// Tags match by the tags' current slugs.
	Tombstones(ctx context.Context, f feed.TombstoneFilter) ([]feed.Tombstone, error)
	// ArticleVersions returns up to limit versions of the content of the
	// article with the given ID, the current one first. Each edit of the
	// content (title, summary, body, authors, dates, URL, language, origin or
	// provenance) keeps the version it replaced; slug and tags are not
	// versioned, and the versions' articles carry no tags.
	//
	// Errors: feed.ErrNotFound when there is no such article.
	ArticleVersions(ctx context.Context, id string, limit int) ([]feed.ArticleVersion, error)

	// Corrections (see feed.Correction). An edit whose Article carries a
	// Correction note records it in the same transaction, naming the
	// versions before and after; a note on a write that changes no content
	// (a new article, an identical one, only tags or slug) fails with
	// feed.ErrNothingCorrected's *feed.ValidationError. Reads fill in each
	// article's Corrections, the latest first; deleting the article removes
	// them.
	// Corrections returns the corrections f selects, the latest first.
	Corrections(ctx context.Context, f feed.CorrectionFilter) ([]feed.Correction, error)
	// CorrectionDiff returns the correction with the given id and the
	// content of its two versions. It returns feed.ErrNotFound when there
	// is none.
	CorrectionDiff(ctx context.Context, id int64) (*feed.CorrectionDiff, error)

	// Retention: herald serve prunes the change log, tombstones and earlier
	// versions in the background. Each method removes the oldest first, at
	// most limit records (limit <= 0: all that qualify) in one transaction,
	// and returns how many it removed: callers repeat while it removes
	// limit, so that no writer waits long.
	//
	// PruneChanges removes entries of the change log made before before:
	// the log's oldest entries, up to the first made at or after before,
	// and never the newest, so that the log stays whole after its oldest
	// entry and Changes can tell a cursor whose next entries are gone.
	// Articles keep their place in OrderChanged (its cursors hold revs, which
	// stay on the articles), so ArticlePage's walks skip nothing for it.
	PruneChanges(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneTombstones removes the tombstones of articles deleted before
	// before; Atom feeds show those of the last 30 days.
	PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error)
	// PruneVersions removes the earlier versions of articles' content that
	// were replaced before before, except each article's keep newest earlier
	// versions. At least one is always kept: it holds when the current
	// version was saved; so is every version a correction names.
	PruneVersions(ctx context.Context, before time.Time, keep, limit int) (int, error)

	// Tags and their rules.
	// Tags returns every tag, by slug, with the number of articles carrying it.
	Tags(ctx context.Context) ([]feed.Tag, error)
	// Tag returns the tag with the given slug, or the tag that had that slug
	// before a rename (then the returned Slug differs from the one asked for).
	// It returns feed.ErrNotFound when there is neither.
	Tag(ctx context.Context, slug string) (*feed.Tag, error)
	// CreateTag creates a tag. It returns a *feed.ValidationError for bad fields
	// and feed.ErrConflict when the slug is taken, also as a renamed tag's old
	// slug.
	CreateTag(ctx context.Context, t feed.Tag) error
	// UpdateTag changes the tag with the given slug (or old slug) and returns it
	// as stored. A new slug is a rename: the old slug keeps resolving to the tag,
	// so that its feed URLs can redirect. Changing a rule does not retag stored
	// articles; RetagArticles does. It returns feed.ErrNotFound,
	// feed.ErrConflict (new slug taken) or a *feed.ValidationError.
	UpdateTag(ctx context.Context, slug string, u feed.TagUpdate) (*feed.Tag, error)
	// DeleteTag removes a tag, its old slugs, and its place on every article.
	// It returns feed.ErrNotFound when there is no such tag.
	DeleteTag(ctx context.Context, slug string) error
	// RetagArticles passes every stored article (with its ID, title,
	// summary, content, published time and tags; its other fields empty) to
	// retag, which rewrites its Tags, and stores the tags that changed, all
	// in one transaction. Content and Updated are left alone. It returns
	// what changed: per tag, the articles that gained and lost it, and those
	// left with no tag.
	RetagArticles(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error)
	// PreviewRetag is RetagArticles without the writing: it passes every
	// article, read in one snapshot, to retag and returns what RetagArticles
	// would change, holding up no writer.
	PreviewRetag(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error)
	// TagNames maps every tag's slug to its name; cheaper than Tags, which
	// counts articles.
	TagNames(ctx context.Context) (map[string]string, error)
	// TagAliases returns the slugs the tag that slug names (by its slug or
	// an old one) had before it was renamed, sorted: those whose URLs
	// redirect to it. It returns feed.ErrNotFound when there is no such tag.
	TagAliases(ctx context.Context, slug string) ([]string, error)

	// API tokens.
	// CreateToken stores a new API token under name with the hash of its secret
	// (see feed.NewTokenSecret). It returns feed.ErrConflict when the name is
	// taken and a *feed.ValidationError for a bad name.
	CreateToken(ctx context.Context, name string, hash []byte) (*feed.Token, error)
	// Tokens lists every token, revoked ones included, oldest first.
	Tokens(ctx context.Context) ([]feed.Token, error)
	// RevokeToken revokes the token with the given name; it stops working at
	// once. It returns feed.ErrNotFound when no live token has that name.
	RevokeToken(ctx context.Context, name string) error
	// Authenticate returns the live token whose secret hashes to hash and notes
	// that it was used. It returns feed.ErrUnauthorized for an unknown or
	// revoked token.
	Authenticate(ctx context.Context, hash []byte) (*feed.Token, error)

	// Sources: external feeds and their poll state.
	// CreateSource stores a new source and returns it as stored: with its ID,
	// Created, and its tags without repeats. The poll status fields of s are
	// ignored; a new source is due at once. Enabled is stored as given.
	//
	// Errors: a *feed.ValidationError for bad fields; feed.ErrConflict when
	// another source has the same URL.
	CreateSource(ctx context.Context, s feed.Source) (*feed.Source, error)
	// Source returns the source with the given ID, with its Items count.
	// It returns feed.ErrNotFound when there is none.
	Source(ctx context.Context, id int64) (*feed.Source, error)
	// Sources returns every source, by ID, with its Items count.
	Sources(ctx context.Context) ([]feed.Source, error)
	// DueSources returns up to limit enabled sources whose next fetch is at or
	// before now, the longest overdue first; limit <= 0 means all of them. Their
	// Items are not counted (left 0): the poller has no use for them.
	DueSources(ctx context.Context, now time.Time, limit int) ([]feed.Source, error)
	// UpdateSource changes the fields of the source with the given ID that a
	// person sets: update is called, inside the transaction, with the source as
	// stored, and what it leaves in URL, Name, Tags, Every, Enabled and
	// UseCategories is stored; its changes to other fields are ignored. An error
	// from update is returned as it is and changes nothing.
	//
	// A new URL starts afresh: its cache validators, pending redirect and error
	// count are cleared and it is due at once, as is a source being enabled.
	//
	// Errors: feed.ErrNotFound; a *feed.ValidationError for bad fields;
	// feed.ErrConflict when another source has the new URL.
	UpdateSource(ctx context.Context, id int64, update func(*feed.Source) error) (*feed.Source, error)
	// SetSourceEnabled enables or disables the source with the given ID and
	// returns it as stored. A source being enabled is due at once.
	// It returns feed.ErrNotFound when there is none.
	SetSourceEnabled(ctx context.Context, id int64, enabled bool) (*feed.Source, error)
	// DeleteSource removes the source with the given ID and its credits. Its
	// articles stay published, with their provenance (which names the source
	// and its feed), but are no longer linked to it: they count towards no
	// source's Items. An item of theirs that a source carries later (the same
	// feed added again, say) is credited to the stored article, which no
	// source updates any more.
	// It returns feed.ErrNotFound when there is no such source.
	DeleteSource(ctx context.Context, id int64) error
	// PurgeSource is DeleteSource that also deletes the articles credited to
	// the source alone, each leaving a tombstone and a "deleted" entry in the
	// change log as DeleteArticle does, in the same transaction. Articles
	// credited to another source too stay, and lose only its credit. It
	// returns how many articles it deleted, or feed.ErrNotFound.
	PurgeSource(ctx context.Context, id int64) (int, error)
	// Credits returns the sources credited with the external article with
	// the given ID (see feed.Credit): the source of its provenance first,
	// then the others in the order they first carried it; removed sources
	// are not among them. One item reached through several sources is one
	// article: RecordPoll matches an item to a stored article by its
	// original GUID (when it is an absolute IRI) and by its normalized
	// original link (see store/internal/poll), and credits the source that
	// carried it; only the source that carried it first (its provenance)
	// updates it. It returns feed.ErrNotFound when there is no such article.
	Credits(ctx context.Context, articleID string) ([]feed.Credit, error)
	// RecordPoll stores what one poll of a source came to, in one transaction:
	// the source's poll state as s has it (as aggregate.Update leaves it) and the
	// articles the poll gave, upserted by ID (which the aggregate package derives
	// from the source and the item's GUID). Either all of it is stored or none.
	// An item that another source carried first is not stored again: it credits
	// s (see Credits), and is reported unchanged.
	// It reports what happened to each article; unchanged articles change
	// nothing, not even the content version.
	//
	// polledURL is the URL that was fetched. Of s, only the poll state is
	// written: validators, times, status, error, next fetch and pending
	// redirect; its URL when the redirect rule moved it (unless another source
	// has that URL: then it stays); and Enabled only when false (a 410). The
	// fields a person sets may have been changed while the poll ran, and stay.
	//
	// An article whose date the feed did not give (Provenance.Published and
	// Updated zero), or gave in the future, is dated by its fetch; once stored,
	// it keeps its first date, so that such a feed does not look changed at
	// every fetch.
	//
	// Errors: feed.ErrNotFound when the source was removed during the poll;
	// feed.ErrConflict when its URL was changed during the poll (the poll is
	// then of a feed it no longer follows, and nothing is stored); a
	// *feed.ValidationError naming the first invalid article, or one that is not
	// an external article of s.
	RecordPoll(ctx context.Context, polledURL string, s feed.Source, arts []feed.Article) ([]feed.Change, error)

	// Subscribers: private feed tokens and their usage.
	// CreateSubscriber stores a subscriber with the hash of its token (see
	// feed.NewTokenSecret). It returns a *feed.ValidationError for bad fields
	// and feed.ErrConflict when the name is taken.
	CreateSubscriber(ctx context.Context, s *feed.Subscriber, hash []byte) error
	// Subscribers lists every subscriber, revoked ones included, by name.
	Subscribers(ctx context.Context) ([]feed.Subscriber, error)
	// Subscriber returns the subscriber with the given name, or
	// feed.ErrNotFound.
	Subscriber(ctx context.Context, name string) (*feed.Subscriber, error)
	// SubscriberByToken returns the subscriber whose token hashes to hash,
	// revoked or not (the caller tells a revoked token from an unknown one), or
	// feed.ErrNotFound.
	SubscriberByToken(ctx context.Context, hash []byte) (*feed.Subscriber, error)
	// RotateSubscriber replaces a live subscriber's token hash: the old token
	// stops working at once. It returns feed.ErrNotFound when there is no live
	// subscriber of that name.
	RotateSubscriber(ctx context.Context, name string, hash []byte) error
	// RevokeSubscriber revokes a subscriber's token; requests with it answer
	// 403 from then on. It returns feed.ErrNotFound when there is no live
	// subscriber of that name.
	RevokeSubscriber(ctx context.Context, name string) error
	// AddUsage adds counts gathered in memory to the stored usage of each
	// subscriber, keyed by id, in one transaction. Unknown ids are skipped.
	AddUsage(ctx context.Context, usage map[int64]feed.Usage) error

	// WebSub subscriptions and their delivery logs.
	// UpsertSubscription stores a verified WebSub subscription, or renews the one
	// with the same topic and callback: its secret, lease and expiry are
	// replaced; its delivery state (DeliveredETag, Failures, NextAttempt), log
	// and Created are kept. A new one takes s's delivery state. It returns the
	// subscription as stored. Nothing here moves the content version.
	//
	// Errors: a *feed.ValidationError for bad fields.
	UpsertSubscription(ctx context.Context, s feed.Subscription) (*feed.Subscription, error)
	// DeleteSubscription removes the subscription of callback to topic, and its
	// log. It returns feed.ErrNotFound when there is none.
	DeleteSubscription(ctx context.Context, topic, callback string) error
	// Subscriptions returns every subscription, expired ones included, by ID.
	Subscriptions(ctx context.Context) ([]feed.Subscription, error)
	// ActiveSubscriptions returns the subscriptions whose lease runs at now, by
	// topic and then ID.
	ActiveSubscriptions(ctx context.Context, now time.Time) ([]feed.Subscription, error)
	// PruneSubscriptions removes the subscriptions whose lease ran out at or
	// before now, with their logs, and returns how many it removed.
	PruneSubscriptions(ctx context.Context, now time.Time) (int, error)
	// RecordDelivery stores, in one transaction, what one content delivery to
	// s came to: s's delivery state as s has it (DeliveredETag, Failures,
	// NextAttempt; its other fields are ignored) and d in its log, which keeps
	// the last feed.DeliveryLogSize entries. It returns feed.ErrNotFound when the
	// subscription is gone (unsubscribed meanwhile, say).
	RecordDelivery(ctx context.Context, s *feed.Subscription, d feed.Delivery) error
	// LogDelivery adds d to the log of subscription d.SubscriptionID (which keeps
	// the last feed.DeliveryLogSize entries) and changes nothing else. It returns
	// feed.ErrNotFound when the subscription is gone.
	LogDelivery(ctx context.Context, d feed.Delivery) error
	// Deliveries returns up to limit entries of the log of the subscription with
	// the given ID, newest first; limit <= 0 means the whole log. A subscription
	// that does not exist has an empty log.
	Deliveries(ctx context.Context, subscriptionID int64, limit int) ([]feed.Delivery, error)

	// Many instances on one database (issue 9). Work that instances share is
	// claimed in the database with a lease: a claim is held by owner (an
	// instance's id, a random string made at its start, such as
	// hostname-pid-random) until a time, and a claim whose time has come is
	// free again, so that the work of an instance that died is taken over
	// when its lease runs out. Times are the caller's clock (now), so that
	// instances judge leases alike whatever the database server's clock
	// says. On SQLite, whose one writer serializes them, every method is
	// the same, for one herald and its commands.

	// ClaimDueSources claims, for owner until now+lease, up to limit (<= 0:
	// no bound) enabled sources whose next fetch is at or before now and
	// that no live claim holds (a claim whose until is after now), the
	// longest overdue first, and returns them as DueSources would. At most
	// perHost sources of one host are claimed at once across all owners,
	// claims already held counting (perHost <= 0: no bound); a host held by
	// HoldHost until after now is skipped. A source's host is its URL's
	// host, port included, in ASCII lower case ("example.org:8080"), as
	// strings.ToLower(u.Host) of url.Parse gives it for ASCII hosts.
	//
	// Safe for concurrent callers in any number of processes: no source is
	// returned to two callers for one due time (PostgreSQL: FOR UPDATE SKIP
	// LOCKED, and claimers that bound hosts take turns under an advisory
	// lock so that the bound holds exactly; SQLite: its single writer).
	// Callers that share a database should pass the same perHost.
	//
	// Errors: a *feed.ValidationError for an empty owner or a lease that is
	// not positive.
	ClaimDueSources(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, perHost int) ([]feed.Source, error)
	// RecordPoll (above) also ends any claim on the source, whoever holds
	// it; so does UpdateSource when it gives the source a new URL (the
	// claimed fetch was of the old one, whose RecordPoll is refused).
	//
	// ReleaseSources ends every claim owner holds, so that other instances
	// may take the sources at once.
	ReleaseSources(ctx context.Context, owner string) error
	// HoldHost records that host (as ClaimDueSources names hosts; it is
	// ASCII lower-cased) asked not to be fetched before until (a 429 or 503
	// with Retry-After), for every instance; a later hold replaces an
	// earlier one only if it ends later. Holds that ended are dropped by
	// ClaimDueSources. It returns a *feed.ValidationError for an empty host.
	HoldHost(ctx context.Context, host string, until time.Time) error

	// WebSub: the verification queue.
	// EnqueueHubRequest stores r (its ID and Created are set; Created by the
	// store's clock) to be verified once, by one instance. A waiting request
	// for the same topic and callback is replaced (the latest request wins,
	// as before): it goes, and r gets a new ID. When max requests already
	// wait (max > 0; the one replaced not counting) it returns
	// feed.ErrBusy, and stores nothing.
	//
	// Errors: feed.ErrBusy; a *feed.ValidationError for bad fields (see
	// feed.HubRequest.Validate).
	EnqueueHubRequest(ctx context.Context, r *feed.HubRequest, max int) error
	// ClaimHubRequests claims, for owner until now+lease, up to limit (<= 0:
	// no bound) waiting requests no live claim holds, oldest first. It
	// returns a *feed.ValidationError for an empty owner or a lease that is
	// not positive.
	ClaimHubRequests(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]feed.HubRequest, error)
	// FinishHubRequest removes request id (verified, refused, or failed:
	// verifications are not retried). It returns feed.ErrNotFound when it
	// is gone (replaced by a newer request meanwhile: the newer one stays).
	FinishHubRequest(ctx context.Context, id int64) error
	// PendingHubRequests counts the requests waiting, claimed or not (the
	// queue-depth metric).
	PendingHubRequests(ctx context.Context) (int, error)

	// WebSub: deliveries, claimed per subscription.
	// ClaimDelivery claims subscription id, for owner until now+lease, for a
	// delivery of content whose ETag is etag. It returns true only when no
	// live claim holds the subscription, its lease runs at now, its
	// DeliveredETag differs from etag and its NextAttempt has come (zero or
	// at or before now); false otherwise, also when there is no such
	// subscription. So one instance, once, delivers each version (retries
	// included: a failure's RecordDelivery sets NextAttempt). It returns a
	// *feed.ValidationError for an empty owner or a lease that is not
	// positive.
	ClaimDelivery(ctx context.Context, id int64, etag, owner string, now time.Time, lease time.Duration) (bool, error)
	// RecordDelivery (above) also ends the claim on the subscription.
	//
	// ReleaseHub ends every claim owner holds on requests and subscriptions.
	ReleaseHub(ctx context.Context, owner string) error

	// Subscriber rate limits across instances.
	// AddRateUse adds n (>= 0; 0 reads) requests of subscriber id to the
	// minute that starts at window (UTC, truncated to the minute) and
	// returns that minute's total across all instances. An unknown id is
	// counted all the same. Rows of minutes more than an hour before window
	// may be dropped by any call. It returns a *feed.ValidationError for a
	// negative n.
	AddRateUse(ctx context.Context, subscriberID int64, window time.Time, n int) (int, error)

	// Leader leases, for periodic work done by one instance (pruning,
	// external hub pings).
	// AcquireLease takes or renews the lease called name for owner until
	// now+ttl; true when owner holds it (it was free, expired, or already
	// owner's), false when another owner holds it. It returns a
	// *feed.ValidationError for an empty name or owner or a ttl that is not
	// positive.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease called name up if owner holds it, so that
	// another instance may take it at once; otherwise it does nothing.
	ReleaseLease(ctx context.Context, name, owner string) error

	// Readership statistics (package feed/stats), per day (UTC), feed and
	// partner. AddStats adds a batch counted in memory, in one transaction:
	// polls, 304s and bytes as increments, so that instances adding at
	// once add up; the pollers' sketches merged; each aggregator's report
	// kept unless a later one of the same day, feed and partner is. Stats
	// returns the counts and reports f selects, by feed, partner and day.
	// PruneStats removes those of days before before's day, the oldest
	// first, at most limit rows of counts and as many of reports (limit <= 0:
	// all), and returns how many it removed.
	//
	// Errors: a *feed.ValidationError for a day that is not YYYY-MM-DD or a
	// count or report without a feed.
	AddStats(ctx context.Context, b *stats.Batch) error
	Stats(ctx context.Context, f stats.Filter) (*stats.Batch, error)
	PruneStats(ctx context.Context, before time.Time, limit int) (int, error)

	// Copying the whole database to another engine.
	Copier
}

// A Notifier pushes word of committed changes to published content made by
// any process. It is optional, not part of DB: store/postgres has it
// (LISTEN/NOTIFY); on SQLite, callers check Version.
type Notifier interface {
	// Listen calls changed after each committed change to articles or tags
	// (in any process) until ctx ends; it holds one connection (LISTEN),
	// reconnects with backoff when it is lost, calls changed once after
	// each (re)connect (changes may have been missed meanwhile), and
	// reports its state through up (true: listening; false: not, so callers
	// fall back to checking Version). It returns when ctx ends.
	Listen(ctx context.Context, changed func(), up func(bool)) error
}

// A Copier moves a whole database between engines, record by record
// (herald copy; herald backup on PostgreSQL, which writes an SQLite file).
// An import keeps every id, article number, change log id, time and hash,
// so that the destination serves the same bytes as the source: the same
// feeds, archive pages, cursors, GUIDs and ETags.
type Copier interface {
	// Export returns every record of the database, read in one snapshot
	// while writers go on, in the order of Kinds: first the *SiteRecord,
	// which counts the rest, then each kind by its key. It streams: a large
	// database is never held in memory. An error ends the sequence.
	Export(ctx context.Context) iter.Seq2[Record, error]
	// Import stores records, as an Export of any engine gives them, into this
	// database, in one transaction: on any error, or when what it stored does
	// not match the site record's counts, nothing is stored. The database
	// must be empty, holding nothing but the site row that opening it made:
	// open it with no SeedTags. It takes the source's site identity (this
	// handle's Site included) and content version, sets its id counters past
	// those the source gave, recounts the tags' articles and builds its
	// search index. Nothing else may use the database meanwhile.
	//
	// Errors: feed.ErrConflict when the database is not empty; the error of
	// the sequence, as it is, when it yields one.
	Import(ctx context.Context, records iter.Seq2[Record, error]) error
	// Counts returns how many records of each kind (Kinds) the database
	// holds, the site counting 1.
	Counts(ctx context.Context) (map[string]int64, error)
}

// The records of a Copier. They are the stored columns, not package feed's
// vocabulary: times are microseconds since the Unix epoch, UTC, 0 standing
// for never (NULL). See package store/internal/dump, where the engines,
// which cannot import this package, find them.
type (
	Record             = dump.Record
	SiteRecord         = dump.Site
	TagRecord          = dump.Tag
	TagAliasRecord     = dump.TagAlias
	SourceRecord       = dump.Source
	ArticleRecord      = dump.Article
	ArticleTagRecord   = dump.ArticleTag
	ArticleKeyRecord   = dump.ArticleKey
	CreditRecord       = dump.Credit
	VersionRecord      = dump.Version
	CorrectionRecord   = dump.Correction
	ChangeRecord       = dump.Change
	TombstoneRecord    = dump.Tombstone
	TokenRecord        = dump.Token
	SubscriberRecord   = dump.Subscriber
	SubscriptionRecord = dump.Subscription
	DeliveryRecord     = dump.Delivery
	EmbargoRecord      = dump.Embargo
	StatsPollsRecord   = dump.StatsPolls
	StatsReportRecord  = dump.StatsReport
)

// Kinds lists the kinds of record (Record.Kind) in the order Export gives
// them: "site", "tags", "tag aliases", "sources", "articles", "article tags",
// "article keys", "credits", "versions", "corrections", "changes", "tombstones", "tokens", "subscribers",
// "subscriptions", "deliveries", "embargoes", "stats polls", "stats reports".
func Kinds() []string { return slices.Clone(dump.Kinds) }

// Options configure a store when it is opened.
type Options struct {
	// Authority names the publisher in the tag: URIs of GUIDs and feed ids,
	// e.g. "news.example.org". It is recorded when the database is created
	// and kept from then on (see DB.Site), so a later change of domain
	// changes no id that readers have seen.
	Authority string
	// SeedTags are created when the database is created, and never again,
	// so that a newsroom that deletes one does not see it return.
	SeedTags []feed.Tag
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Open opens the store that dsn names, creating it if need be, and brings
// its schema up to date. dsn is the path of an SQLite file, or the URL of a
// PostgreSQL database (postgres://user:password@host:port/database, or
// postgresql://...), which must exist; several herald instances may share
// it. Its parameters pool_max_conns and statement_timeout (in milliseconds)
// size the instance's connection pool and bound each statement. The
// password appears in no error.
func Open(ctx context.Context, dsn string, opt Options) (DB, error) {
	if dsn == "" {
		return nil, fmt.Errorf("open store: %w", feed.Invalid("db", "is required"))
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn, postgres.Options{Authority: opt.Authority, SeedTags: opt.SeedTags, Now: opt.Now})
	}
	return sqlite.Open(ctx, dsn, sqlite.Options(opt))
}

var (
	_ DB       = (*sqlite.DB)(nil)
	_ DB       = (*postgres.DB)(nil)
	_ Notifier = (*postgres.DB)(nil)
)
