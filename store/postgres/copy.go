package postgres

// Copying a whole database to and from another engine: see package
// store/internal/dump for the records, and store.Copier for the contract.

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"herald/store/internal/dump"
	"herald/store/internal/micros"
)

// Export returns every record of the database, read in one snapshot (a
// repeatable-read transaction: writers go on meanwhile), in the order of
// dump.Kinds, each kind by its key. The first is the *dump.Site, with the
// counts of the rest. An error ends the sequence.
func (db *DB) Export(ctx context.Context) iter.Seq2[dump.Record, error] {
	return dump.Stream(func(emit func(dump.Record) error) error {
		return db.readTx(ctx, func(tx pgx.Tx) error { return exportAll(ctx, tx, emit) })
	})
}

func exportAll(ctx context.Context, tx pgx.Tx, emit func(dump.Record) error) error {
	site := &dump.Site{}
	err := tx.QueryRow(ctx, `SELECT s.authority, s.created, v.version,
			(SELECT value FROM counters WHERE name = 'sources'),
			(SELECT value FROM counters WHERE name = 'changes'),
			(SELECT value FROM counters WHERE name = 'tokens'),
			(SELECT value FROM counters WHERE name = 'subscribers')
		FROM site s, content_version v WHERE s.id = 1 AND v.id = 1`).
		Scan(&site.Authority, &site.Created, &site.Version,
			&site.LastSourceID, &site.LastChangeID, &site.LastTokenID, &site.LastSubscriberID)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if site.Counts, err = countRecords(ctx, tx); err != nil {
		return err
	}
	if err := emit(site); err != nil {
		return err
	}
	for _, k := range exportKinds {
		if err := exportRows(ctx, tx, k, emit); err != nil {
			return fmt.Errorf("%s: %w", k.kind, err)
		}
	}
	return nil
}

// An export reads one kind of record: query selects its rows, scan makes a
// record of each.
type exportKind struct {
	kind  string
	query string
	scan  func(row pgx.Row) (dump.Record, error)
}

func exportRows(ctx context.Context, tx pgx.Tx, k exportKind, emit func(dump.Record) error) error {
	rows, err := tx.Query(ctx, k.query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := k.scan(rows)
		if err != nil {
			return err
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exportKinds are the kinds after the site, in order.
var exportKinds = []exportKind{
	{dump.KindTags, `SELECT id, slug, name, description, rule, articles, created, updated FROM tags ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var t dump.Tag
			err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.Description, &t.Rule, &t.Articles, &t.Created, &t.Updated)
			return &t, err
		}},
	{dump.KindTagAliases, `SELECT slug, tag_id FROM tag_aliases ORDER BY slug`,
		func(row pgx.Row) (dump.Record, error) {
			var a dump.TagAlias
			err := row.Scan(&a.Slug, &a.TagID)
			return &a, err
		}},
	{dump.KindSources, `SELECT id, url, name, tags, every, enabled, use_categories, etag, last_modified,
			last_attempt, last_success, last_status, consecutive_errors, last_error, next_fetch, pending_url,
			pending_count, hint, created
		FROM sources ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var s dump.Source
			err := row.Scan(&s.ID, &s.URL, &s.Name, &s.Tags, &s.Every, &s.Enabled, &s.UseCategories, &s.ETag,
				&s.LastModified, &s.LastAttempt, &s.LastSuccess, &s.LastStatus, &s.Errors, &s.LastError,
				&s.NextFetch, &s.PendingURL, &s.PendingCount, &s.Hint, &s.Created)
			return &s, err
		}},
	{dump.KindArticles, `SELECT seq, id, guid, slug, title, summary, content, authors, published, updated, created,
			url, language, origin, provenance, content_hash, COALESCE(source_id, 0), rev, changed, version
		FROM articles ORDER BY seq`,
		func(row pgx.Row) (dump.Record, error) {
			var a dump.Article
			err := row.Scan(&a.Seq, &a.ID, &a.GUID, &a.Slug, &a.Title, &a.Summary, &a.Content, &a.Authors,
				&a.Published, &a.Updated, &a.Created, &a.URL, &a.Language, &a.Origin, &a.Provenance, &a.ContentHash,
				&a.SourceID, &a.Rev, &a.Changed, &a.Version)
			return &a, err
		}},
	{dump.KindArticleTags, `SELECT tag_id, article_seq, published, COALESCE(rule, ''), matched FROM article_tags
		ORDER BY article_seq, tag_id`,
		func(row pgx.Row) (dump.Record, error) {
			var t dump.ArticleTag
			err := row.Scan(&t.TagID, &t.ArticleSeq, &t.Published, &t.Rule, &t.Matched)
			return &t, err
		}},
	{dump.KindArticleKeys, `SELECT key, article_id FROM article_keys ORDER BY key`,
		func(row pgx.Row) (dump.Record, error) {
			var k dump.ArticleKey
			err := row.Scan(&k.Key, &k.ArticleID)
			return &k, err
		}},
	{dump.KindCredits, `SELECT article_seq, source_id, guid, link, first_seen FROM article_sources
		ORDER BY article_seq, source_id`,
		func(row pgx.Row) (dump.Record, error) {
			var c dump.Credit
			err := row.Scan(&c.ArticleSeq, &c.SourceID, &c.GUID, &c.Link, &c.FirstSeen)
			return &c, err
		}},
	{dump.KindVersions, `SELECT id, article_seq, version, title, summary, content, authors, published, updated,
			url, language, origin, provenance, content_hash, saved, replaced
		FROM article_versions ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var v dump.Version
			err := row.Scan(&v.ID, &v.ArticleSeq, &v.Version, &v.Title, &v.Summary, &v.Content, &v.Authors,
				&v.Published, &v.Updated, &v.URL, &v.Language, &v.Origin, &v.Provenance, &v.ContentHash,
				&v.Saved, &v.Replaced)
			return &v, err
		}},
	{dump.KindCorrections, `SELECT id, article_seq, version_before, version_after, note, at
		FROM corrections ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var c dump.Correction
			err := row.Scan(&c.ID, &c.ArticleSeq, &c.Before, &c.After, &c.Note, &c.At)
			return &c, err
		}},
	{dump.KindChanges, `SELECT id, article_id, guid, change, at, COALESCE(version, 0), content_hash
		FROM changes ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var c dump.Change
			err := row.Scan(&c.ID, &c.ArticleID, &c.GUID, &c.Change, &c.At, &c.Version, &c.ContentHash)
			return &c, err
		}},
	{dump.KindTombstones, `SELECT guid, article_id, origin, tags, deleted FROM tombstones ORDER BY guid`,
		func(row pgx.Row) (dump.Record, error) {
			var t dump.Tombstone
			err := row.Scan(&t.GUID, &t.ArticleID, &t.Origin, &t.Tags, &t.Deleted)
			return &t, err
		}},
	{dump.KindTokens, `SELECT id, name, hash, created, COALESCE(last_used, 0), COALESCE(revoked, 0)
		FROM tokens ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var t dump.Token
			err := row.Scan(&t.ID, &t.Name, &t.Hash, &t.Created, &t.LastUsed, &t.Revoked)
			return &t, err
		}},
	{dump.KindSubscribers, `SELECT id, name, hash, plan, tags, rate, attribution, created, COALESCE(revoked, 0),
			polls, not_modified, COALESCE(last_seen, 0), user_agents, early_access
		FROM subscribers ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var (
				s      dump.Subscriber
				agents []byte
			)
			err := row.Scan(&s.ID, &s.Name, &s.Hash, &s.Plan, &s.Tags, &s.Rate, &s.Attribution, &s.Created, &s.Revoked,
				&s.Polls, &s.NotModified, &s.LastSeen, &agents, &s.EarlyAccess)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(agents, &s.UserAgents); err != nil {
				return nil, fmt.Errorf("subscriber %s: user agents: %w", s.Name, err)
			}
			return &s, nil
		}},
	{dump.KindSubscriptions, `SELECT id, topic, callback, secret, lease, expires, created, delivered_etag,
			failures, next_attempt
		FROM subscriptions ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var s dump.Subscription
			err := row.Scan(&s.ID, &s.Topic, &s.Callback, &s.Secret, &s.Lease, &s.Expires, &s.Created,
				&s.DeliveredETag, &s.Failures, &s.NextAttempt)
			return &s, err
		}},
	{dump.KindDeliveries, `SELECT id, subscription_id, time, kind, attempt, status, duration, error
		FROM deliveries ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var d dump.Delivery
			err := row.Scan(&d.ID, &d.SubscriptionID, &d.Time, &d.Type, &d.Attempt, &d.Status, &d.Duration, &d.Error)
			return &d, err
		}},
	{dump.KindEmbargoes, `SELECT id, guid, embargo_until, article, created FROM embargoes ORDER BY id`,
		func(row pgx.Row) (dump.Record, error) {
			var e dump.Embargo
			err := row.Scan(&e.ID, &e.GUID, &e.EmbargoUntil, &e.Article, &e.Created)
			return &e, err
		}},
	{dump.KindStatsPolls, `SELECT day, feed, partner, polls, not_modified, bytes, pollers, unreported
		FROM stats_polls ORDER BY day, feed, partner`,
		func(row pgx.Row) (dump.Record, error) {
			var c dump.StatsPolls
			err := row.Scan(&c.Day, &c.Feed, &c.Partner, &c.Polls, &c.NotModified, &c.Bytes, &c.Pollers, &c.Unreported)
			return &c, err
		}},
	{dump.KindStatsReports, `SELECT day, feed, partner, aggregator, subscribers, reported_at
		FROM stats_reports ORDER BY day, feed, partner, aggregator`,
		func(row pgx.Row) (dump.Record, error) {
			var r dump.StatsReport
			err := row.Scan(&r.Day, &r.Feed, &r.Partner, &r.Aggregator, &r.Subscribers, &r.At)
			return &r, err
		}},
}

// Counts returns how many records of each kind (dump.Kinds) the database
// holds, the site counting 1, in one snapshot.
func (db *DB) Counts(ctx context.Context) (map[string]int64, error) {
	var out map[string]int64
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = countRecords(ctx, tx)
		return err
	})
	return out, err
}

func countRecords(ctx context.Context, q queryer) (map[string]int64, error) {
	return dump.Count(func(query string, dest ...any) error { return q.QueryRow(ctx, query).Scan(dest...) })
}

// Import stores records, as an Export of this engine or another gives them,
// into this database, which must hold nothing but its site (feed.ErrConflict
// otherwise: open a new database without seed tags to import into). It
// keeps every id, seq, rev and time, so that feeds, archive pages, cursors
// and GUIDs are those of the source, takes the source's site identity and
// content version, sets the counters and sequences past the ids it stored
// (and past those the source gave and removed), recounts the tags' articles
// and builds the search index as it goes.
//
// It runs in one transaction, writing with COPY a batch at a time, and
// checks what it stored against the counts of the site record (which must
// come first): on any error nothing is stored. Afterwards this handle's Site
// is the imported one; nothing else may use the handle meanwhile, and other
// instances should not use the database until it returns.
func (db *DB) Import(ctx context.Context, records iter.Seq2[dump.Record, error]) error {
	var site *dump.Site
	// Not db.tx: records cannot be read twice, so a transaction aborted to
	// break a deadlock is not run again (there is no other writer to meet
	// in a new database).
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Writers of articles (another instance) wait until the import ends.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", changeLogLock); err != nil {
			return fmt.Errorf("lock the change log: %w", err)
		}
		im := &importer{tx: tx}
		var err error
		site, err = dump.Import(records, func() (map[string]int64, error) { return countRecords(ctx, tx) },
			func(r dump.Record) error { return im.add(ctx, r) },
			func(site *dump.Site) error {
				if err := im.flush(ctx); err != nil {
					return fmt.Errorf("%s: %w", im.kind, err)
				}
				return finishImport(ctx, tx, site)
			})
		return err
	})
	if err != nil {
		return fmt.Errorf("import: %w", textError(err))
	}
	db.site.Authority, db.site.Created = site.Authority, micros.Time(site.Created)
	// Fresh statistics, so that the first queries after a large import are
	// planned for the rows it brought.
	if _, err := db.pool.Exec(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("import: analyze: %w", err)
	}
	return nil
}

// importBatch is how many rows an import sends in one COPY.
const importBatch = 500

// An importer gathers records of one kind and writes them with COPY.
type importer struct {
	tx   pgx.Tx
	kind string
	rows [][]any
	// The articles among rows, for the search index.
	articles []*dump.Article
}

// columns lists, for each kind after the site, the columns that its values
// (importer.add) fill, in order.
var copyColumns = map[string][]string{
	dump.KindStatsPolls:   {"day", "feed", "partner", "polls", "not_modified", "bytes", "pollers", "unreported"},
	dump.KindStatsReports: {"day", "feed", "partner", "aggregator", "subscribers", "reported_at"},

	dump.KindTags:       {"id", "slug", "name", "description", "rule", "articles", "created", "updated"},
	dump.KindTagAliases: {"slug", "tag_id"},
	dump.KindSources: {"id", "url", "name", "tags", "every", "enabled", "use_categories", "etag", "last_modified",
		"last_attempt", "last_success", "last_status", "consecutive_errors", "last_error", "next_fetch",
		"pending_url", "pending_count", "hint", "created"},
	dump.KindArticles: {"seq", "id", "guid", "slug", "title", "summary", "content", "authors", "published",
		"updated", "created", "url", "language", "origin", "provenance", "content_hash", "source_id", "rev",
		"changed", "version"},
	dump.KindArticleTags: {"tag_id", "article_seq", "published", "rule", "matched"},
	dump.KindArticleKeys: {"key", "article_id"},
	dump.KindCredits:     {"article_seq", "source_id", "guid", "link", "first_seen"},
	dump.KindVersions: {"id", "article_seq", "version", "title", "summary", "content", "authors", "published",
		"updated", "url", "language", "origin", "provenance", "content_hash", "saved", "replaced"},
	dump.KindCorrections: {"id", "article_seq", "version_before", "version_after", "note", "at"},
	dump.KindChanges:     {"id", "article_id", "guid", "change", "at", "version", "content_hash"},
	dump.KindTombstones:  {"guid", "article_id", "origin", "tags", "deleted"},
	dump.KindTokens:      {"id", "name", "hash", "created", "last_used", "revoked"},
	dump.KindSubscribers: {"id", "name", "hash", "plan", "tags", "rate", "attribution", "created", "revoked",
		"polls", "not_modified", "last_seen", "user_agents", "early_access"},
	dump.KindSubscriptions: {"id", "topic", "callback", "secret", "lease", "expires", "created", "delivered_etag",
		"failures", "next_attempt"},
	dump.KindDeliveries: {"id", "subscription_id", "time", "kind", "attempt", "status", "duration", "error"},
	dump.KindEmbargoes:  {"id", "guid", "embargo_until", "article", "created"},
}

// add queues r, writing the queued batch first when r is of another kind or
// the batch is full.
func (im *importer) add(ctx context.Context, r dump.Record) error {
	var v []any
	switch r := r.(type) {
	case *dump.Tag:
		v = []any{r.ID, r.Slug, r.Name, r.Description, r.Rule, int64(0), r.Created, r.Updated}
	case *dump.TagAlias:
		v = []any{r.Slug, r.TagID}
	case *dump.Source:
		v = []any{r.ID, r.URL, r.Name, nonNil(r.Tags), r.Every, r.Enabled, r.UseCategories, r.ETag,
			r.LastModified, r.LastAttempt, r.LastSuccess, r.LastStatus, r.Errors, r.LastError, r.NextFetch,
			r.PendingURL, r.PendingCount, r.Hint, r.Created}
	case *dump.Article:
		v = []any{r.Seq, r.ID, r.GUID, r.Slug, r.Title, r.Summary, r.Content, nonNil(r.Authors), r.Published,
			r.Updated, r.Created, r.URL, r.Language, r.Origin, copyNullString(r.Provenance), r.ContentHash,
			copyNullInt(r.SourceID), r.Rev, r.Changed, r.Version}
	case *dump.ArticleTag:
		var rule, matched any // NULL for a hand tag
		if r.Rule != "" {
			rule, matched = r.Rule, nonNil(r.Matched)
		}
		v = []any{r.TagID, r.ArticleSeq, r.Published, rule, matched}
	case *dump.ArticleKey:
		v = []any{r.Key, r.ArticleID}
	case *dump.Credit:
		v = []any{r.ArticleSeq, r.SourceID, r.GUID, r.Link, r.FirstSeen}
	case *dump.Version:
		v = []any{r.ID, r.ArticleSeq, r.Version, r.Title, r.Summary, r.Content, nonNil(r.Authors), r.Published,
			r.Updated, r.URL, r.Language, r.Origin, copyNullString(r.Provenance), r.ContentHash, r.Saved, r.Replaced}
	case *dump.Correction:
		v = []any{r.ID, r.ArticleSeq, r.Before, r.After, r.Note, r.At}
	case *dump.Change:
		var hash any
		if r.ContentHash != nil {
			hash = r.ContentHash
		}
		v = []any{r.ID, r.ArticleID, r.GUID, r.Change, r.At, copyNullInt(r.Version), hash}
	case *dump.Tombstone:
		v = []any{r.GUID, r.ArticleID, r.Origin, nonNil(r.Tags), r.Deleted}
	case *dump.Token:
		v = []any{r.ID, r.Name, r.Hash, r.Created, copyNullInt(r.LastUsed), copyNullInt(r.Revoked)}
	case *dump.Subscriber:
		agents := r.UserAgents
		if agents == nil {
			agents = map[string]int64{}
		}
		b, err := json.Marshal(agents)
		if err != nil {
			return err
		}
		v = []any{r.ID, r.Name, r.Hash, r.Plan, nonNil(r.Tags), r.Rate, r.Attribution, r.Created,
			copyNullInt(r.Revoked), r.Polls, r.NotModified, copyNullInt(r.LastSeen), string(b), r.EarlyAccess}
	case *dump.Subscription:
		v = []any{r.ID, r.Topic, r.Callback, r.Secret, r.Lease, r.Expires, r.Created, r.DeliveredETag,
			r.Failures, r.NextAttempt}
	case *dump.Delivery:
		v = []any{r.ID, r.SubscriptionID, r.Time, r.Type, r.Attempt, r.Status, r.Duration, r.Error}
	case *dump.Embargo:
		v = []any{r.ID, r.GUID, r.EmbargoUntil, r.Article, r.Created}
	case *dump.StatsPolls:
		v = []any{r.Day, r.Feed, r.Partner, r.Polls, r.NotModified, r.Bytes, nonNilBytes(r.Pollers), nonNilBytes(r.Unreported)}
	case *dump.StatsReport:
		v = []any{r.Day, r.Feed, r.Partner, r.Aggregator, r.Subscribers, r.At}
	default:
		return fmt.Errorf("a record of kind %s out of place", r.Kind())
	}
	if r.Kind() != im.kind || len(im.rows) == importBatch {
		if err := im.flush(ctx); err != nil {
			return err
		}
		im.kind = r.Kind()
	}
	im.rows = append(im.rows, v)
	if a, ok := r.(*dump.Article); ok {
		im.articles = append(im.articles, a)
	}
	return nil
}

// flush writes the queued batch, and the search index's rows of its
// articles (made in Go, as the article writer makes them: see search.go).
func (im *importer) flush(ctx context.Context) error {
	if len(im.rows) == 0 {
		return nil
	}
	_, err := im.tx.CopyFrom(ctx, pgx.Identifier{dump.Tables[im.kind]}, copyColumns[im.kind], pgx.CopyFromRows(im.rows))
	im.rows = im.rows[:0]
	if err != nil || len(im.articles) == 0 {
		return err
	}
	// Making a document takes most of an import's time: the batch's are
	// made on every CPU.
	seqs, docs := make([]int64, len(im.articles)), make([]pgtype.TSVector, len(im.articles))
	var wg sync.WaitGroup
	for w, n := 0, runtime.GOMAXPROCS(0); w < n; w++ {
		wg.Go(func() {
			stems := stemCache{}
			for i := w; i < len(im.articles); i += n {
				a := im.articles[i]
				seqs[i], docs[i] = a.Seq, vector(a.Title, a.Summary, a.Content, stems)
			}
		})
	}
	wg.Wait()
	clear(im.articles)
	im.articles = im.articles[:0]
	_, err = im.tx.Exec(ctx, `INSERT INTO article_search (seq, document)
		SELECT u.seq, u.document FROM unnest($1::bigint[], $2::tsvector[]) AS u(seq, document)`, seqs, docs)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// finishImport ends an import with what is not rows of their own: the
// site's identity and content version, the counters and sequences of ids,
// and the tags' counts.
func finishImport(ctx context.Context, tx pgx.Tx, site *dump.Site) error {
	b := &pgx.Batch{}
	b.Queue(`UPDATE site SET authority = $1, created = $2 WHERE id = 1`, site.Authority, site.Created)
	b.Queue(`UPDATE content_version SET version = $1 WHERE id = 1`, site.Version)
	b.Queue(`SELECT pg_notify($1, $2::bigint::text)`, changedChannel, site.Version)
	for _, c := range []struct {
		name string
		last int64
	}{{"sources", site.LastSourceID}, {"changes", site.LastChangeID}, {"tokens", site.LastTokenID},
		{"subscribers", site.LastSubscriberID}} {
		// The table is the counter's name.
		b.Queue(`UPDATE counters SET value = GREATEST($2::bigint, (SELECT COALESCE(MAX(id), 0) FROM `+
			pgx.Identifier{c.name}.Sanitize()+`)) WHERE name = $1`, c.name, c.last)
	}
	// The identity columns go on after the greatest id stored.
	for _, table := range []string{"tags", "article_versions", "corrections", "deliveries"} {
		t := pgx.Identifier{table}.Sanitize()
		b.Queue(`SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE((SELECT MAX(id) FROM `+t+`), 0) + 1, false)`, table)
	}
	b.Queue(`UPDATE tags SET articles = (SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = tags.id)`)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	return nil
}

func copyNullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// nullInt stores 0 (never, none) as NULL.
func copyNullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// nonNilBytes stores nil as an empty value, not NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
