package sqlite

// Copying a whole database to and from another engine: see package
// store/internal/dump for the records, and store.Copier for the contract.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"

	"herald/feed"
	"herald/store/internal/dump"
	"herald/store/internal/micros"
)

// Export returns every record of the database, read in one snapshot (a
// read transaction: writers go on meanwhile), in the order of dump.Kinds,
// each kind by its key. The first is the *dump.Site, with the counts of the
// rest. An error ends the sequence.
func (db *DB) Export(ctx context.Context) iter.Seq2[dump.Record, error] {
	return dump.Stream(func(emit func(dump.Record) error) error { return db.export(ctx, emit) })
}

func (db *DB) export(ctx context.Context, emit func(dump.Record) error) error {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	site := &dump.Site{}
	err = tx.QueryRowContext(ctx, `SELECT s.authority, s.created, v.version,
			COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sources'), 0),
			COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0),
			COALESCE((SELECT MAX(id) FROM tokens), 0),
			COALESCE((SELECT MAX(id) FROM subscribers), 0)
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
	scan  func(row rowScanner) (dump.Record, error)
}

func exportRows(ctx context.Context, tx *sql.Tx, k exportKind, emit func(dump.Record) error) error {
	rows, err := tx.QueryContext(ctx, k.query)
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
		func(row rowScanner) (dump.Record, error) {
			var t dump.Tag
			err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.Description, &t.Rule, &t.Articles, &t.Created, &t.Updated)
			return &t, err
		}},
	{dump.KindTagAliases, `SELECT slug, tag_id FROM tag_aliases ORDER BY slug`,
		func(row rowScanner) (dump.Record, error) {
			var a dump.TagAlias
			err := row.Scan(&a.Slug, &a.TagID)
			return &a, err
		}},
	{dump.KindSources, `SELECT id, url, name, tags, every, enabled, use_categories, etag, last_modified,
			last_attempt, last_success, last_status, consecutive_errors, last_error, next_fetch, pending_url,
			pending_count, hint, created
		FROM sources ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var (
				s    dump.Source
				tags string
			)
			err := row.Scan(&s.ID, &s.URL, &s.Name, &tags, &s.Every, &s.Enabled, &s.UseCategories, &s.ETag,
				&s.LastModified, &s.LastAttempt, &s.LastSuccess, &s.LastStatus, &s.Errors, &s.LastError,
				&s.NextFetch, &s.PendingURL, &s.PendingCount, &s.Hint, &s.Created)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(tags), &s.Tags); err != nil {
				return nil, fmt.Errorf("source %d: tags: %w", s.ID, err)
			}
			return &s, nil
		}},
	{dump.KindArticles, `SELECT seq, id, guid, slug, title, summary, content, authors, published, updated, created,
			url, language, origin, provenance, content_hash, COALESCE(source_id, 0), rev, changed, version
		FROM articles ORDER BY seq`,
		func(row rowScanner) (dump.Record, error) {
			var (
				a       dump.Article
				authors string
				prov    sql.NullString
			)
			err := row.Scan(&a.Seq, &a.ID, &a.GUID, &a.Slug, &a.Title, &a.Summary, &a.Content, &authors,
				&a.Published, &a.Updated, &a.Created, &a.URL, &a.Language, &a.Origin, &prov, &a.ContentHash,
				&a.SourceID, &a.Rev, &a.Changed, &a.Version)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(authors), &a.Authors); err != nil {
				return nil, fmt.Errorf("article %s: authors: %w", a.ID, err)
			}
			if prov.Valid {
				a.Provenance = &prov.String
			}
			return &a, nil
		}},
	{dump.KindArticleTags, `SELECT tag_id, article_seq, published, rule, matched FROM article_tags
		ORDER BY article_seq, tag_id`,
		func(row rowScanner) (dump.Record, error) {
			var (
				t             dump.ArticleTag
				rule, matched sql.NullString
			)
			if err := row.Scan(&t.TagID, &t.ArticleSeq, &t.Published, &rule, &matched); err != nil {
				return nil, err
			}
			t.Rule = rule.String
			if matched.Valid {
				if err := json.Unmarshal([]byte(matched.String), &t.Matched); err != nil {
					return nil, fmt.Errorf("article %d tag %d: matched: %w", t.ArticleSeq, t.TagID, err)
				}
			}
			return &t, nil
		}},
	{dump.KindArticleKeys, `SELECT key, article_id FROM article_keys ORDER BY key`,
		func(row rowScanner) (dump.Record, error) {
			var k dump.ArticleKey
			err := row.Scan(&k.Key, &k.ArticleID)
			return &k, err
		}},
	{dump.KindCredits, `SELECT article_seq, source_id, guid, link, first_seen FROM article_sources
		ORDER BY article_seq, source_id`,
		func(row rowScanner) (dump.Record, error) {
			var c dump.Credit
			err := row.Scan(&c.ArticleSeq, &c.SourceID, &c.GUID, &c.Link, &c.FirstSeen)
			return &c, err
		}},
	{dump.KindVersions, `SELECT id, article_seq, version, title, summary, content, authors, published, updated,
			url, language, origin, provenance, content_hash, saved, replaced
		FROM article_versions ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var (
				v       dump.Version
				authors string
				prov    sql.NullString
			)
			err := row.Scan(&v.ID, &v.ArticleSeq, &v.Version, &v.Title, &v.Summary, &v.Content, &authors,
				&v.Published, &v.Updated, &v.URL, &v.Language, &v.Origin, &prov, &v.ContentHash, &v.Saved, &v.Replaced)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(authors), &v.Authors); err != nil {
				return nil, fmt.Errorf("version %d: authors: %w", v.ID, err)
			}
			if prov.Valid {
				v.Provenance = &prov.String
			}
			return &v, nil
		}},
	{dump.KindCorrections, `SELECT id, article_seq, version_before, version_after, note, at
		FROM corrections ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var c dump.Correction
			err := row.Scan(&c.ID, &c.ArticleSeq, &c.Before, &c.After, &c.Note, &c.At)
			return &c, err
		}},
	{dump.KindChanges, `SELECT id, article_id, guid, change, at, COALESCE(version, 0), content_hash
		FROM changes ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var c dump.Change
			err := row.Scan(&c.ID, &c.ArticleID, &c.GUID, &c.Change, &c.At, &c.Version, &c.ContentHash)
			return &c, err
		}},
	{dump.KindTombstones, `SELECT guid, article_id, origin, tags, deleted FROM tombstones ORDER BY guid`,
		func(row rowScanner) (dump.Record, error) {
			var (
				t    dump.Tombstone
				tags string
			)
			if err := row.Scan(&t.GUID, &t.ArticleID, &t.Origin, &tags, &t.Deleted); err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(tags), &t.Tags); err != nil {
				return nil, fmt.Errorf("tombstone %s: tags: %w", t.GUID, err)
			}
			return &t, nil
		}},
	{dump.KindTokens, `SELECT id, name, hash, created, COALESCE(last_used, 0), COALESCE(revoked, 0)
		FROM tokens ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var t dump.Token
			err := row.Scan(&t.ID, &t.Name, &t.Hash, &t.Created, &t.LastUsed, &t.Revoked)
			return &t, err
		}},
	{dump.KindSubscribers, `SELECT id, name, hash, plan, tags, rate, attribution, created, COALESCE(revoked, 0),
			polls, not_modified, COALESCE(last_seen, 0), user_agents, early_access
		FROM subscribers ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var (
				s            dump.Subscriber
				tags, agents string
			)
			err := row.Scan(&s.ID, &s.Name, &s.Hash, &s.Plan, &tags, &s.Rate, &s.Attribution, &s.Created, &s.Revoked,
				&s.Polls, &s.NotModified, &s.LastSeen, &agents, &s.EarlyAccess)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(tags), &s.Tags); err != nil {
				return nil, fmt.Errorf("subscriber %s: tags: %w", s.Name, err)
			}
			if err := json.Unmarshal([]byte(agents), &s.UserAgents); err != nil {
				return nil, fmt.Errorf("subscriber %s: user agents: %w", s.Name, err)
			}
			return &s, nil
		}},
	{dump.KindSubscriptions, `SELECT id, topic, callback, secret, lease, expires, created, delivered_etag,
			failures, next_attempt
		FROM subscriptions ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var s dump.Subscription
			err := row.Scan(&s.ID, &s.Topic, &s.Callback, &s.Secret, &s.Lease, &s.Expires, &s.Created,
				&s.DeliveredETag, &s.Failures, &s.NextAttempt)
			return &s, err
		}},
	{dump.KindDeliveries, `SELECT id, subscription_id, time, kind, attempt, status, duration, error
		FROM deliveries ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var d dump.Delivery
			err := row.Scan(&d.ID, &d.SubscriptionID, &d.Time, &d.Type, &d.Attempt, &d.Status, &d.Duration, &d.Error)
			return &d, err
		}},
	{dump.KindEmbargoes, `SELECT id, guid, embargo_until, article, created FROM embargoes ORDER BY id`,
		func(row rowScanner) (dump.Record, error) {
			var e dump.Embargo
			err := row.Scan(&e.ID, &e.GUID, &e.EmbargoUntil, &e.Article, &e.Created)
			return &e, err
		}},
	{dump.KindStatsPolls, `SELECT day, feed, partner, polls, not_modified, bytes, pollers, unreported
		FROM stats_polls ORDER BY day, feed, partner`,
		func(row rowScanner) (dump.Record, error) {
			var c dump.StatsPolls
			err := row.Scan(&c.Day, &c.Feed, &c.Partner, &c.Polls, &c.NotModified, &c.Bytes, &c.Pollers, &c.Unreported)
			return &c, err
		}},
	{dump.KindStatsReports, `SELECT day, feed, partner, aggregator, subscribers, reported_at
		FROM stats_reports ORDER BY day, feed, partner, aggregator`,
		func(row rowScanner) (dump.Record, error) {
			var r dump.StatsReport
			err := row.Scan(&r.Day, &r.Feed, &r.Partner, &r.Aggregator, &r.Subscribers, &r.At)
			return &r, err
		}},
}

// Counts returns how many records of each kind (dump.Kinds) the database
// holds, the site counting 1.
func (db *DB) Counts(ctx context.Context) (map[string]int64, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("count records: %w", err)
	}
	defer tx.Rollback()
	return countRecords(ctx, tx)
}

func countRecords(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	return dump.Count(func(query string, dest ...any) error { return tx.QueryRowContext(ctx, query).Scan(dest...) })
}

// Import stores records, as an Export of this engine or another gives them,
// into this database, which must hold nothing but its site (feed.ErrConflict
// otherwise: open a new file without seed tags to import into). It keeps
// every id, seq, rev and time, so that feeds, archive pages, cursors and
// GUIDs are those of the source, takes the source's site identity and
// content version, numbers later sources and change log entries after the
// source's, recounts the tags' articles and builds the search index.
//
// It runs in one transaction and checks what it stored against the counts
// of the site record (which must come first): on any error nothing is
// stored. Afterwards this handle's Site is the imported one; nothing else
// may use the handle meanwhile.
func (db *DB) Import(ctx context.Context, records iter.Seq2[dump.Record, error]) error {
	var site *dump.Site
	err := db.tx(ctx, func(tx *sql.Tx) error {
		im := &importer{tx: tx, stmts: map[string]*sql.Stmt{}}
		defer im.close()
		var err error
		site, err = dump.Import(records, func() (map[string]int64, error) { return countRecords(ctx, tx) },
			func(r dump.Record) error { return im.write(ctx, r) },
			func(site *dump.Site) error { return finishImport(ctx, tx, site) })
		return err
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	db.site = feed.Site{Authority: site.Authority, Created: micros.Time(site.Created)}
	return nil
}

// An importer writes records with one prepared statement per kind.
type importer struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (im *importer) close() {
	for _, s := range im.stmts {
		s.Close()
	}
}

// importInserts are the statements that store each kind of record after the site.
var importInserts = map[string]string{
	dump.KindStatsPolls: `INSERT INTO stats_polls (day, feed, partner, polls, not_modified, bytes, pollers, unreported)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindStatsReports: `INSERT INTO stats_reports (day, feed, partner, aggregator, subscribers, reported_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
	dump.KindTags: `INSERT INTO tags (id, slug, name, description, rule, articles, created, updated)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
	dump.KindTagAliases: `INSERT INTO tag_aliases (slug, tag_id) VALUES (?, ?)`,
	dump.KindSources: `INSERT INTO sources (id, url, name, tags, every, enabled, use_categories, etag, last_modified,
			last_attempt, last_success, last_status, consecutive_errors, last_error, next_fetch, pending_url,
			pending_count, hint, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindArticles: `INSERT INTO articles (seq, id, guid, slug, title, summary, content, authors, published,
			updated, created, url, language, origin, provenance, content_hash, source_id, rev, changed, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindArticleTags: `INSERT INTO article_tags (tag_id, article_seq, published, rule, matched)
		VALUES (?, ?, ?, ?, ?)`,
	dump.KindArticleKeys: `INSERT INTO article_keys (key, article_id) VALUES (?, ?)`,
	dump.KindCredits: `INSERT INTO article_sources (article_seq, source_id, guid, link, first_seen)
		VALUES (?, ?, ?, ?, ?)`,
	dump.KindVersions: `INSERT INTO article_versions (id, article_seq, version, title, summary, content, authors,
			published, updated, url, language, origin, provenance, content_hash, saved, replaced)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindCorrections: `INSERT INTO corrections (id, article_seq, version_before, version_after, note, at)
		VALUES (?, ?, ?, ?, ?, ?)`,
	dump.KindChanges: `INSERT INTO changes (id, article_id, guid, change, at, version, content_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
	dump.KindTombstones: `INSERT INTO tombstones (guid, article_id, origin, tags, deleted) VALUES (?, ?, ?, ?, ?)`,
	dump.KindTokens:     `INSERT INTO tokens (id, name, hash, created, last_used, revoked) VALUES (?, ?, ?, ?, ?, ?)`,
	dump.KindSubscribers: `INSERT INTO subscribers (id, name, hash, plan, tags, rate, attribution, created, revoked,
			polls, not_modified, last_seen, user_agents, early_access)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindSubscriptions: `INSERT INTO subscriptions (id, topic, callback, secret, lease, expires, created,
			delivered_etag, failures, next_attempt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindDeliveries: `INSERT INTO deliveries (id, subscription_id, time, kind, attempt, status, duration, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	dump.KindEmbargoes: `INSERT INTO embargoes (id, guid, embargo_until, article, created) VALUES (?, ?, ?, ?, ?)`,
}

func (im *importer) write(ctx context.Context, r dump.Record) error {
	var args []any
	switch r := r.(type) {
	case *dump.Tag:
		args = []any{r.ID, r.Slug, r.Name, r.Description, r.Rule, r.Created, r.Updated}
	case *dump.TagAlias:
		args = []any{r.Slug, r.TagID}
	case *dump.Source:
		args = []any{r.ID, r.URL, r.Name, tagsJSON(r.Tags), r.Every, r.Enabled, r.UseCategories, r.ETag,
			r.LastModified, r.LastAttempt, r.LastSuccess, r.LastStatus, r.Errors, r.LastError, r.NextFetch,
			r.PendingURL, r.PendingCount, r.Hint, r.Created}
	case *dump.Article:
		args = []any{r.Seq, r.ID, r.GUID, r.Slug, r.Title, r.Summary, r.Content, tagsJSON(r.Authors),
			r.Published, r.Updated, r.Created, r.URL, r.Language, r.Origin, copyNullString(r.Provenance), r.ContentHash,
			sql.NullInt64{Int64: r.SourceID, Valid: r.SourceID != 0}, r.Rev, r.Changed, r.Version}
	case *dump.ArticleTag:
		args = []any{r.TagID, r.ArticleSeq, r.Published, sql.NullString{String: r.Rule, Valid: r.Rule != ""},
			matchedJSON(feed.ArticleTag{Rule: r.Rule, Matched: r.Matched})}
	case *dump.ArticleKey:
		args = []any{r.Key, r.ArticleID}
	case *dump.Credit:
		args = []any{r.ArticleSeq, r.SourceID, r.GUID, r.Link, r.FirstSeen}
	case *dump.Version:
		args = []any{r.ID, r.ArticleSeq, r.Version, r.Title, r.Summary, r.Content, tagsJSON(r.Authors),
			r.Published, r.Updated, r.URL, r.Language, r.Origin, copyNullString(r.Provenance), r.ContentHash,
			r.Saved, r.Replaced}
	case *dump.Correction:
		args = []any{r.ID, r.ArticleSeq, r.Before, r.After, r.Note, r.At}
	case *dump.Change:
		args = []any{r.ID, r.ArticleID, r.GUID, r.Change, r.At,
			sql.NullInt64{Int64: r.Version, Valid: r.Version != 0}, r.ContentHash}
	case *dump.Tombstone:
		args = []any{r.GUID, r.ArticleID, r.Origin, int64sJSON(nonNil(r.Tags)), r.Deleted}
	case *dump.Token:
		args = []any{r.ID, r.Name, r.Hash, r.Created, copyNullInt(r.LastUsed), copyNullInt(r.Revoked)}
	case *dump.Subscriber:
		agents := r.UserAgents
		if agents == nil {
			agents = map[string]int64{}
		}
		b, err := json.Marshal(agents)
		if err != nil {
			return err
		}
		args = []any{r.ID, r.Name, r.Hash, r.Plan, tagsJSON(r.Tags), r.Rate, r.Attribution, r.Created,
			copyNullInt(r.Revoked), r.Polls, r.NotModified, copyNullInt(r.LastSeen), string(b), r.EarlyAccess}
	case *dump.Subscription:
		args = []any{r.ID, r.Topic, r.Callback, r.Secret, r.Lease, r.Expires, r.Created, r.DeliveredETag,
			r.Failures, r.NextAttempt}
	case *dump.Delivery:
		args = []any{r.ID, r.SubscriptionID, r.Time, r.Type, r.Attempt, r.Status, r.Duration, r.Error}
	case *dump.Embargo:
		args = []any{r.ID, r.GUID, r.EmbargoUntil, r.Article, r.Created}
	case *dump.StatsPolls:
		args = []any{r.Day, r.Feed, r.Partner, r.Polls, r.NotModified, r.Bytes, nonNilBytes(r.Pollers), nonNilBytes(r.Unreported)}
	case *dump.StatsReport:
		args = []any{r.Day, r.Feed, r.Partner, r.Aggregator, r.Subscribers, r.At}
	default:
		return fmt.Errorf("a record of kind %s out of place", r.Kind())
	}
	stmt, ok := im.stmts[r.Kind()]
	if !ok {
		var err error
		if stmt, err = im.tx.PrepareContext(ctx, importInserts[r.Kind()]); err != nil {
			return err
		}
		im.stmts[r.Kind()] = stmt
	}
	_, err := stmt.ExecContext(ctx, args...)
	return err
}

// finishImport ends an import with what is not rows of their own: the
// site's identity and content version, the counters of ids never to be
// given again, the tags' counts and the search index.
func finishImport(ctx context.Context, tx *sql.Tx, site *dump.Site) error {
	if _, err := tx.ExecContext(ctx, `UPDATE site SET authority = ?, created = ? WHERE id = 1`,
		site.Authority, site.Created); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE content_version SET version = ? WHERE id = 1`, site.Version); err != nil {
		return fmt.Errorf("content version: %w", err)
	}
	// Inserting rows moved these to the greatest id stored; the source may
	// have given greater ones (a removed source).
	for _, c := range []struct {
		table string
		last  int64
	}{{"sources", site.LastSourceID}, {"changes", site.LastChangeID}} {
		_, err := tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq)
			SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)`, c.table, c.table)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?`, c.last, c.table)
		}
		if err != nil {
			return fmt.Errorf("last id of %s: %w", c.table, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tags SET articles = (SELECT COUNT(*) FROM article_tags WHERE tag_id = tags.id)`); err != nil {
		return fmt.Errorf("tag counts: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO article_search (rowid, title, summary, body)
		SELECT seq, herald_search_text(title), herald_search_text(summary), herald_search_html(content) FROM articles`)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

func copyNullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

// nullInt stores 0 (never) as NULL.
func copyNullInt(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n != 0} }

// nonNilBytes stores nil as an empty value, not NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
