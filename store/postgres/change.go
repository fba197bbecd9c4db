package postgres

// The change log, the polling order and article numbers.
//
// # Why the numbers are handed out at the end
//
// Readers walk three orders by number and remember where they stopped:
// Changes by changes.id, ArticlePage in OrderChanged by articles.rev (the id
// of the article's last change), archives by articles.seq. A walk never
// goes back, so a number must never become visible after a greater one has:
// a reader that saw the greater would skip it for good. On SQLite writes are
// serialized, and numbers are handed out in commit order for free. Here
// writers run at once, in several processes, and a number taken from a
// sequence by one transaction may be committed after a greater one taken by
// another.
//
// So a writer does its work first, with new articles under provisional
// (negative, invisible) seqs and its change log entries kept in memory; then,
// as its last statements, finish takes changeLogLock (a transaction-level
// advisory lock), gives new articles their seqs (one more than the greatest,
// as SQLite's rowid does), takes a block of change ids from the counters
// table, writes the entries and moves the articles' revs. The lock is
// released when the transaction ends, after PostgreSQL has made it visible:
// the next writer to take it sees this one's numbers and hands out greater
// ones, and no reader can see the next one's without this one's. The lock is
// held only for those few statements, not for the work of the transaction.
//
// A writer must hold every row lock it needs before it takes changeLogLock,
// or it could wait, holding it, on a writer waiting for it: finish adds up
// the tag counts before, and logTagged locks the articles it will move.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
)

// A changeEntry is an entry of the change log that a write will add.
type changeEntry struct {
	seq       int64 // the article's seq, provisional for a new one; 0 for a deletion
	articleID string
	guid      string
	change    feed.Change
	version   int64  // 0 (NULL) for a deletion
	hash      []byte // nil (NULL) for a deletion
}

// log adds an entry to the write's change log.
func (w *articleWriter) log(e changeEntry) {
	w.entries = append(w.entries, e)
	if e.seq != 0 {
		w.logged[e.seq] = true
	}
}

// logChange logs that the article at seq was updated by this write, unless
// the write logged it already: one write logs one entry per article (a
// second change in the same write, new tags after new content say, is part
// of the first), keeping "created" for an article the write created.
func (w *articleWriter) logChange(ctx context.Context, seq int64, c feed.Change) error {
	if w.logged[seq] {
		return nil
	}
	e := changeEntry{seq: seq, change: c}
	err := w.tx.QueryRow(ctx, `SELECT id, guid, version, content_hash FROM articles WHERE seq = $1`, seq).
		Scan(&e.articleID, &e.guid, &e.version, &e.hash)
	if err != nil {
		return err
	}
	w.log(e)
	return nil
}

// logTagged logs an update for every article carrying the tag, in storing
// order, and locks them: finish moves each to the end of the polling order.
func (w *articleWriter) logTagged(ctx context.Context, tagID int64) error {
	rows, err := w.tx.Query(ctx, `SELECT a.seq, a.id, a.guid, a.version, a.content_hash
		FROM article_tags t JOIN articles a ON a.seq = t.article_seq
		WHERE t.tag_id = $1 ORDER BY a.seq FOR UPDATE OF a`, tagID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e := changeEntry{change: feed.Updated}
		if err := rows.Scan(&e.seq, &e.articleID, &e.guid, &e.version, &e.hash); err != nil {
			return err
		}
		w.log(e)
	}
	return rows.Err()
}

// finish ends the write: it adds up the tag counts, gives new articles
// their seqs, writes the change log and the articles' revs (see the top of
// this file), and bumps the content version when bumpVersion is set. It is
// the last thing the transaction does before it commits.
func (w *articleWriter) finish(ctx context.Context, bumpVersion bool) error {
	if err := w.addTagCounts(ctx); err != nil {
		return err
	}
	if len(w.created) > 0 || len(w.entries) > 0 {
		if _, err := w.tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", changeLogLock); err != nil {
			return fmt.Errorf("lock the change log: %w", err)
		}
		// A statement after the lock: it sees what the previous holder
		// committed.
		place, err := w.placeCreated(ctx)
		if err != nil {
			return err
		}
		log, err := w.planLog(ctx, place)
		if err != nil {
			return err
		}
		if err := w.insertPending(ctx, place, log.revs); err != nil {
			return err
		}
		if err := w.indexCreated(ctx, place); err != nil {
			return err
		}
		if err := w.writeLog(ctx, log); err != nil {
			return err
		}
	}
	if bumpVersion {
		return bump(ctx, w.tx)
	}
	return nil
}

// addTagCounts adds to each tag's count what this write changed, locking the
// tags' rows in the order of their ids.
func (w *articleWriter) addTagCounts(ctx context.Context) error {
	var ids, deltas []int64
	for id, n := range w.tagDelta {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	for _, id := range ids {
		deltas = append(deltas, w.tagDelta[id])
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM tags WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	b.Queue(`UPDATE tags SET articles = articles + d.n FROM unnest($1::bigint[], $2::bigint[]) AS d(id, n)
		WHERE tags.id = d.id`, ids, deltas)
	if err := w.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("tag counts: %w", err)
	}
	clear(w.tagDelta)
	return nil
}

// placeCreated gives the articles this write created their seqs, in the
// order it created them, after the greatest stored, and returns the seq of
// each by its provisional one. The caller holds changeLogLock.
func (w *articleWriter) placeCreated(ctx context.Context) (map[int64]int64, error) {
	place := map[int64]int64{}
	if len(w.created) == 0 {
		return place, nil
	}
	// seq > 0: this write's own articles are there under provisional seqs.
	var last int64
	if err := w.tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles WHERE seq > 0`).Scan(&last); err != nil {
		return nil, err
	}
	// Those that write kept in memory (see batch.go) are inserted at
	// their places; the others move there.
	var provisional, seqs []int64
	for i, p := range w.created {
		seq := last + int64(i) + 1
		place[p] = seq
		if w.kept(p) == nil {
			provisional, seqs = append(provisional, p), append(seqs, seq)
		}
	}
	if len(seqs) == 0 {
		return place, nil
	}
	_, err := w.tx.Exec(ctx, `UPDATE articles SET seq = u.seq FROM unnest($1::bigint[], $2::bigint[]) AS u(provisional, seq)
		WHERE articles.seq = u.provisional`, provisional, seqs)
	if err != nil {
		return nil, fmt.Errorf("number new articles: %w", err)
	}
	return place, nil
}

// A logPlan is the write's change log entries with the ids taken for
// them, and each article's rev: the id of its last entry, by seq.
type logPlan struct {
	ids               []int64
	articleIDs, guids []string
	kinds             []string
	versions          []*int64
	hashes            [][]byte
	revs              map[int64]int64
	revSeqs           []int64 // the seqs of revs, of articles in the database, in order
}

// planLog takes ids for the write's change log entries and works out the
// revs they give the articles, at the places that finish gave the new
// ones. The caller holds changeLogLock.
func (w *articleWriter) planLog(ctx context.Context, place map[int64]int64) (*logPlan, error) {
	n := len(w.entries)
	l := &logPlan{revs: map[int64]int64{}}
	if n == 0 {
		return l, nil
	}
	last, err := nextID(ctx, w.tx, "changes", int64(n))
	if err != nil {
		return nil, fmt.Errorf("change log ids: %w", err)
	}
	l.ids = make([]int64, n)
	l.articleIDs, l.guids = make([]string, n), make([]string, n)
	l.kinds = make([]string, n)
	l.versions = make([]*int64, n)
	l.hashes = make([][]byte, n)
	for i, e := range w.entries {
		l.ids[i] = last - int64(n) + int64(i) + 1
		l.articleIDs[i], l.guids[i], l.kinds[i], l.hashes[i] = e.articleID, e.guid, string(e.change), e.hash
		if e.change != feed.Deleted {
			l.versions[i] = &e.version
		}
		if e.seq != 0 {
			seq := e.seq
			if p, ok := place[seq]; ok {
				seq = p
			}
			if _, ok := l.revs[seq]; !ok && w.kept(e.seq) == nil {
				l.revSeqs = append(l.revSeqs, seq)
			}
			l.revs[seq] = l.ids[i]
		}
	}
	return l, nil
}

// writeLog writes the change log entries of l, and gives each article
// logged that is in the database its rev (those that write kept in memory
// were inserted with theirs). The caller holds changeLogLock.
func (w *articleWriter) writeLog(ctx context.Context, l *logPlan) error {
	if len(l.ids) == 0 {
		return nil
	}
	revIDs := make([]int64, len(l.revSeqs))
	for i, seq := range l.revSeqs {
		revIDs[i] = l.revs[seq]
	}
	at := micros.Of(w.now)
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO changes (id, article_id, guid, change, at, version, content_hash)
		SELECT u.id, u.article_id, u.guid, u.change, $7, u.version, u.content_hash
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])
			AS u(id, article_id, guid, change, version, content_hash)`,
		l.ids, l.articleIDs, l.guids, l.kinds, l.versions, l.hashes, at)
	if len(l.revSeqs) > 0 {
		b.Queue(`UPDATE articles SET rev = u.rev, changed = $3 FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, rev)
			WHERE articles.seq = u.seq`, l.revSeqs, revIDs, at)
	}
	if err := w.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	return nil
}

// keepVersion copies the stored content of the article at seq into its
// history, before an edit replaces it.
func (w *articleWriter) keepVersion(ctx context.Context, seq int64) error {
	_, err := w.tx.Exec(ctx, `INSERT INTO article_versions (article_seq, version, title, summary, content,
			authors, published, updated, url, language, origin, provenance, content_hash, saved, replaced)
		SELECT seq, version, title, summary, content, authors, published, updated, url, language, origin,
			provenance, content_hash,
			COALESCE((SELECT MAX(v.replaced) FROM article_versions v WHERE v.article_seq = a.seq), a.created), $1
		FROM articles a WHERE seq = $2`, micros.Of(w.now), seq)
	return err
}

// delete removes the article with the given ID, leaving a tombstone and a
// "deleted" entry in the change log.
func (w *articleWriter) delete(ctx context.Context, id string) error {
	var (
		seq          int64
		guid, origin string
	)
	err := w.tx.QueryRow(ctx, `SELECT seq, guid, origin FROM articles WHERE id = $1 FOR UPDATE`, id).Scan(&seq, &guid, &origin)
	if errors.Is(err, pgx.ErrNoRows) {
		return feed.ErrNotFound
	}
	if err != nil {
		return err
	}
	rows, err := w.tx.Query(ctx, `DELETE FROM article_tags WHERE article_seq = $1 RETURNING tag_id`, seq)
	if err != nil {
		return err
	}
	tags, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	slices.Sort(tags)
	for _, t := range tags {
		w.tagDelta[t]--
	}
	at := micros.Of(w.now)
	_, err = w.tx.Exec(ctx, `INSERT INTO tombstones (guid, article_id, origin, tags, deleted)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (guid) DO UPDATE SET article_id = excluded.article_id, origin = excluded.origin,
			tags = excluded.tags, deleted = excluded.deleted`, guid, id, origin, nonNil(tags), at)
	if err != nil {
		return err
	}
	w.log(changeEntry{articleID: id, guid: guid, change: feed.Deleted})
	// Its versions go with it (ON DELETE CASCADE).
	_, err = w.tx.Exec(ctx, `DELETE FROM articles WHERE seq = $1`, seq)
	return err
}

// Changes returns a page of the change log: creates, updates (of content,
// slug or tags) and deletes of articles, in the order they were committed,
// after the position cursor names ("" for the beginning). limit is capped
// like a listing's. A tag's rename or deletion changes how its articles
// look, and logs an update of each.
//
// Errors: a *feed.ValidationError (field "cursor") for a cursor that
// Changes did not give out; feed.ErrGone for one whose next entries were
// pruned (see PruneChanges).
func (db *DB) Changes(ctx context.Context, cursor string, limit int) (*feed.ChangePage, error) {
	c, err := listing.NewChanges(cursor, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	rows, err := db.pool.Query(ctx, `SELECT id, change, article_id, guid, at, COALESCE(version, 0), content_hash
		FROM changes WHERE id > $1 ORDER BY id LIMIT $2`, c.After, c.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var entries []feed.ArticleChange
	for rows.Next() {
		var (
			e    feed.ArticleChange
			at   int64
			kind string
			hash []byte
		)
		if err := rows.Scan(&e.Seq, &kind, &e.ArticleID, &e.GUID, &at, &e.Version, &hash); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		e.Change, e.At, e.ContentHash = feed.Change(kind), micros.Time(at), hex.EncodeToString(hash)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	page, err := c.Page(entries, func() (int64, bool, error) { return db.oldestChange(ctx) })
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return page, nil
}

// Tombstones returns the tombstones f selects, the latest deleted first.
// Tags match by the tags' current slugs.
func (db *DB) Tombstones(ctx context.Context, f feed.TombstoneFilter) ([]feed.Tombstone, error) {
	limit := listing.Limit(f.Limit)
	var args args
	where := []string{"t.deleted >= " + args.add(micros.Of(f.Since))}
	for _, slug := range f.Tags {
		where = append(where, "(SELECT id FROM tags WHERE slug = "+args.add(slug)+") = ANY (t.tags)")
	}
	if f.Origin != "" {
		where = append(where, "t.origin = "+args.add(string(f.Origin)))
	}
	rows, err := db.pool.Query(ctx, `SELECT t.guid, t.article_id, t.origin, t.deleted,
		ARRAY(SELECT g.slug FROM unnest(t.tags) WITH ORDINALITY AS j(id, n) JOIN tags g ON g.id = j.id ORDER BY j.n)
		FROM tombstones t WHERE `+strings.Join(where, " AND ")+` ORDER BY t.deleted DESC, t.guid LIMIT `+args.add(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	defer rows.Close()
	var out []feed.Tombstone
	for rows.Next() {
		var (
			t       feed.Tombstone
			origin  string
			deleted int64
		)
		if err := rows.Scan(&t.GUID, &t.ArticleID, &origin, &deleted, &t.Tags); err != nil {
			return nil, fmt.Errorf("tombstones: %w", err)
		}
		t.Origin, t.Deleted, t.Tags = feed.Origin(origin), micros.Time(deleted), nonNil(t.Tags)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	return out, nil
}

// ArticleVersions returns up to limit versions of the content of the
// article with the given ID, the current one first. Each edit of the
// content (title, summary, body, authors, dates, URL, language, origin or
// provenance) keeps the version it replaced; slug and tags are not
// versioned, and the versions' articles carry no tags.
//
// Errors: feed.ErrNotFound when there is no such article.
func (db *DB) ArticleVersions(ctx context.Context, id string, limit int) ([]feed.ArticleVersion, error) {
	limit = listing.Limit(limit)
	rows, err := db.pool.Query(ctx, `SELECT version, content_hash,
			COALESCE((SELECT MAX(v.replaced) FROM article_versions v WHERE v.article_seq = a.seq), a.created), 0::bigint,
			id, guid, slug, title, summary, content, authors, published, updated, url, language, origin, provenance
		FROM articles a WHERE id = $1
		UNION ALL
		SELECT v.version, v.content_hash, v.saved, v.replaced,
			a.id, a.guid, a.slug, v.title, v.summary, v.content, v.authors, v.published, v.updated, v.url,
			v.language, v.origin, v.provenance
		FROM article_versions v JOIN articles a ON a.seq = v.article_seq WHERE a.id = $1
		ORDER BY 1 DESC LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("versions of article %s: %w", id, err)
	}
	defer rows.Close()
	var out []feed.ArticleVersion
	for rows.Next() {
		var (
			v                               feed.ArticleVersion
			a                               = &v.Article
			hash                            []byte
			saved, replaced, published, upd int64
			origin                          string
			prov                            *string
		)
		err := rows.Scan(&v.Version, &hash, &saved, &replaced, &a.ID, &a.GUID, &a.Slug, &a.Title, &a.Summary,
			&a.Content, &a.Authors, &published, &upd, &a.URL, &a.Language, &origin, &prov)
		if err != nil {
			return nil, fmt.Errorf("versions of article %s: %w", id, err)
		}
		v.Current = len(out) == 0
		v.ContentHash, v.Saved, v.Replaced = hex.EncodeToString(hash), micros.Time(saved), micros.Time(replaced)
		a.Authors = nonNil(a.Authors)
		a.Published, a.Updated, a.Origin = micros.Time(published), micros.Time(upd), feed.Origin(origin)
		if a.Provenance, err = decodeProvenance(prov); err != nil {
			return nil, fmt.Errorf("article %s version %d: %w", id, v.Version, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("versions of article %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("article %s: %w", id, feed.ErrNotFound)
	}
	return out, nil
}

// args collects the arguments of a query built piece by piece.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}
