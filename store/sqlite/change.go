package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
)

// The article writer calls the methods below inside the transaction of each
// write, so that the search index, the change log, the version history and
// the tombstones never disagree with the articles.

// logChange records in the change log that the article at seq was created
// or updated by this write, and gives the article its new place in the
// polling order (rev). One write logs one entry per article: a second
// change in the same transaction (new tags after new content, say) updates
// the entry, keeping "created" for an article the write created.
func (w *articleWriter) logChange(ctx context.Context, seq int64, c feed.Change) error {
	if _, ok := w.logged[seq]; ok {
		// The entry was made with the article's final version and hash:
		// a write stores an article's content once, before its tags.
		return nil
	}
	now := micros.Of(w.now)
	res, err := w.exec(ctx, `INSERT INTO changes (article_id, guid, change, at, version, content_hash)
		SELECT id, guid, ?, ?, version, content_hash FROM articles WHERE seq = ?`, string(c), now, seq)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	w.noteLogged(seq, id)
	_, err = w.exec(ctx, `UPDATE articles SET rev = ?, changed = ? WHERE seq = ?`, id, now, seq)
	return err
}

// insertChange adds an entry to the change log for the article with the
// given id and guid, as it will be once written, and returns the entry's id:
// the article's rev. The caller writes the article and calls noteLogged.
func (w *articleWriter) insertChange(ctx context.Context, id, guid string, c feed.Change, version int64, hash []byte) (int64, error) {
	res, err := w.exec(ctx, `INSERT INTO changes (article_id, guid, change, at, version, content_hash) VALUES (?, ?, ?, ?, ?, ?)`,
		id, guid, string(c), micros.Of(w.now), version, hash)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// noteLogged remembers that this write logged change id for the article at
// seq, so that a further change in the same write updates that entry.
func (w *articleWriter) noteLogged(seq, id int64) {
	if w.logged == nil {
		w.logged = map[int64]int64{}
	}
	w.logged[seq] = id
}

// index puts the article at seq into the search index, replacing what the
// index had for it.
func (w *articleWriter) index(ctx context.Context, seq int64, replace bool) error {
	if replace {
		if _, err := w.exec(ctx, `DELETE FROM article_search WHERE rowid = ?`, seq); err != nil {
			return err
		}
	}
	_, err := w.exec(ctx, `INSERT INTO article_search (rowid, title, summary, body)
		SELECT seq, herald_search_text(title), herald_search_text(summary), herald_search_html(content)
		FROM articles WHERE seq = ?`, seq)
	return err
}

// keepVersion copies the stored content of the article at seq into its
// history, before an edit replaces it.
func (w *articleWriter) keepVersion(ctx context.Context, seq int64) error {
	_, err := w.exec(ctx, `INSERT INTO article_versions (article_seq, version, title, summary, content,
			authors, published, updated, url, language, origin, provenance, content_hash, saved, replaced)
		SELECT seq, version, title, summary, content, authors, published, updated, url, language, origin,
			provenance, content_hash,
			COALESCE((SELECT MAX(v.replaced) FROM article_versions v WHERE v.article_seq = a.seq), a.created), ?
		FROM articles a WHERE seq = ?`, micros.Of(w.now), seq)
	return err
}

// deleteArticle removes the article with the given ID, leaving a tombstone
// and a "deleted" entry in the change log.
func deleteArticle(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	var (
		seq          int64
		guid, origin string
	)
	err := tx.QueryRowContext(ctx, `SELECT seq, guid, origin FROM articles WHERE id = ?`, id).Scan(&seq, &guid, &origin)
	if errors.Is(err, sql.ErrNoRows) {
		return feed.ErrNotFound
	}
	if err != nil {
		return err
	}
	at := micros.Of(now)
	_, err = tx.ExecContext(ctx, `INSERT INTO tombstones (guid, article_id, origin, tags, deleted)
		VALUES (?, ?, ?, (SELECT json_group_array(tag_id) FROM article_tags WHERE article_seq = ?), ?)
		ON CONFLICT (guid) DO UPDATE SET article_id = excluded.article_id, origin = excluded.origin,
			tags = excluded.tags, deleted = excluded.deleted`, guid, id, origin, seq, at)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO changes (article_id, guid, change, at) VALUES (?, ?, 'deleted', ?)`, id, guid, at)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM article_search WHERE rowid = ?`, seq); err != nil {
		return err
	}
	// Its tags and versions go with it (ON DELETE CASCADE).
	_, err = tx.ExecContext(ctx, `DELETE FROM articles WHERE seq = ?`, seq)
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
	rows, err := db.read.QueryContext(ctx, `SELECT id, change, article_id, guid, at, COALESCE(version, 0), content_hash
		FROM changes WHERE id > ? ORDER BY id LIMIT ?`, c.After, c.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var entries []feed.ArticleChange
	for rows.Next() {
		var (
			e    feed.ArticleChange
			at   int64
			hash []byte
		)
		if err := rows.Scan(&e.Seq, &e.Change, &e.ArticleID, &e.GUID, &at, &e.Version, &hash); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		e.At, e.ContentHash = micros.Time(at), hex.EncodeToString(hash)
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
	var (
		where = []string{"t.deleted >= ?"}
		args  = []any{micros.Of(f.Since)}
	)
	for _, slug := range f.Tags {
		where = append(where, "EXISTS (SELECT 1 FROM json_each(t.tags) j WHERE j.value = (SELECT id FROM tags WHERE slug = ?))")
		args = append(args, slug)
	}
	if f.Origin != "" {
		where = append(where, "t.origin = ?")
		args = append(args, string(f.Origin))
	}
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, `SELECT t.guid, t.article_id, t.origin, t.deleted,
		(SELECT json_group_array(g.slug) FROM json_each(t.tags) j JOIN tags g ON g.id = j.value)
		FROM tombstones t WHERE `+strings.Join(where, " AND ")+` ORDER BY t.deleted DESC, t.guid LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	defer rows.Close()
	var out []feed.Tombstone
	for rows.Next() {
		var (
			t       feed.Tombstone
			deleted int64
			tags    string
		)
		if err := rows.Scan(&t.GUID, &t.ArticleID, &t.Origin, &deleted, &tags); err != nil {
			return nil, fmt.Errorf("tombstones: %w", err)
		}
		t.Deleted = micros.Time(deleted)
		if err := json.Unmarshal([]byte(tags), &t.Tags); err != nil {
			return nil, fmt.Errorf("tombstone %s: tags: %w", t.GUID, err)
		}
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
	tx, err := db.read.BeginTx(ctx, nil) // one snapshot for the article and its history
	if err != nil {
		return nil, fmt.Errorf("versions of article %s: %w", id, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT version, content_hash,
			COALESCE((SELECT MAX(v.replaced) FROM article_versions v WHERE v.article_seq = a.seq), a.created), 0,
			id, guid, slug, title, summary, content, authors, published, updated, url, language, origin, provenance
		FROM articles a WHERE id = ?
		UNION ALL
		SELECT v.version, v.content_hash, v.saved, v.replaced,
			a.id, a.guid, a.slug, v.title, v.summary, v.content, v.authors, v.published, v.updated, v.url,
			v.language, v.origin, v.provenance
		FROM article_versions v JOIN articles a ON a.seq = v.article_seq WHERE a.id = ?
		ORDER BY 1 DESC LIMIT ?`, id, id, limit)
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
			authors, origin                 string
			prov                            sql.NullString
		)
		err := rows.Scan(&v.Version, &hash, &saved, &replaced, &a.ID, &a.GUID, &a.Slug, &a.Title, &a.Summary,
			&a.Content, &authors, &published, &upd, &a.URL, &a.Language, &origin, &prov)
		if err != nil {
			return nil, fmt.Errorf("versions of article %s: %w", id, err)
		}
		v.Current = len(out) == 0
		v.ContentHash, v.Saved, v.Replaced = hex.EncodeToString(hash), micros.Time(saved), micros.Time(replaced)
		a.Published, a.Updated, a.Origin = micros.Time(published), micros.Time(upd), feed.Origin(origin)
		if err := json.Unmarshal([]byte(authors), &a.Authors); err != nil {
			return nil, fmt.Errorf("article %s version %d: authors: %w", id, v.Version, err)
		}
		if prov.Valid {
			a.Provenance = new(feed.Provenance)
			if err := json.Unmarshal([]byte(prov.String), a.Provenance); err != nil {
				return nil, fmt.Errorf("article %s version %d: provenance: %w", id, v.Version, err)
			}
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
