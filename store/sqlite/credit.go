package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"herald/feed"
	"herald/store/internal/micros"
	"herald/store/internal/poll"
)

// Credits returns the sources credited with the article with the given ID
// (see feed.Credit): the source of its provenance first, then the others in
// the order they first carried it. Sources removed since are not among them.
// An own article, or one whose sources are all removed, has none.
//
// Errors: feed.ErrNotFound when there is no such article.
func (db *DB) Credits(ctx context.Context, articleID string) ([]feed.Credit, error) {
	var seq int64
	var sourceID sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT seq, source_id FROM articles WHERE id = ?`, articleID).Scan(&seq, &sourceID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("credits of article %s: %w", articleID, feed.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("credits of article %s: %w", articleID, err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT c.source_id, s.name, s.url, c.guid, c.link, c.first_seen
		FROM article_sources c JOIN sources s ON s.id = c.source_id
		WHERE c.article_seq = ? ORDER BY c.source_id IS NOT ? , c.first_seen, c.source_id`, seq, sourceID)
	if err != nil {
		return nil, fmt.Errorf("credits of article %s: %w", articleID, err)
	}
	defer rows.Close()
	var out []feed.Credit
	for rows.Next() {
		var c feed.Credit
		var first int64
		if err := rows.Scan(&c.SourceID, &c.SourceName, &c.FeedURL, &c.GUID, &c.Link, &first); err != nil {
			return nil, fmt.Errorf("credits of article %s: %w", articleID, err)
		}
		c.FirstSeen = micros.Time(first)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("credits of article %s: %w", articleID, err)
	}
	return out, nil
}

// placePoll claims the keys of arts, the articles of a poll of source
// sourceID, and returns for each the ID of the article it is (see
// poll.Target): its own, or that of a stored article another source
// carried first.
func placePoll(ctx context.Context, tx *sql.Tx, sourceID int64, arts []feed.Article) ([]string, error) {
	keys, ids := poll.ClaimOrder(arts)
	for i, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_keys (key, article_id) VALUES (?, ?)
			ON CONFLICT (key) DO NOTHING`, k, ids[i]); err != nil {
			return nil, fmt.Errorf("claim %s: %w", k, err)
		}
	}
	claims := make(map[string]poll.Claim, len(keys))
	for _, k := range keys {
		var c poll.Claim
		err := tx.QueryRowContext(ctx, `SELECT k.article_id,
				EXISTS (SELECT 1 FROM articles a WHERE a.id = k.article_id),
				EXISTS (SELECT 1 FROM articles a JOIN article_sources c ON c.article_seq = a.seq
					WHERE a.id = k.article_id AND c.source_id = ?)
			FROM article_keys k WHERE k.key = ?`, sourceID, k).Scan(&c.ArticleID, &c.Exists, &c.Credited)
		if err != nil {
			return nil, fmt.Errorf("claim %s: %w", k, err)
		}
		claims[k] = c
	}
	targets := make([]string, len(arts))
	for i := range arts {
		var exists bool
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?)`, arts[i].ID).Scan(&exists)
		if err != nil {
			return nil, err
		}
		targets[i] = poll.Target(&arts[i], exists, claims)
	}
	return targets, nil
}

// credit records that source sourceID carried a as the article with ID
// target, and gives target the claims of a's keys that no stored article
// holds. It reports whether the credit is new.
func credit(ctx context.Context, tx *sql.Tx, sourceID int64, target string, a *feed.Article, now int64) (bool, error) {
	for _, k := range poll.Keys(a) {
		_, err := tx.ExecContext(ctx, `UPDATE article_keys SET article_id = ?
			WHERE key = ? AND article_id != ? AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = article_keys.article_id)`,
			target, k, target)
		if err != nil {
			return false, fmt.Errorf("claim %s: %w", k, err)
		}
	}
	var seq int64
	var known bool
	err := tx.QueryRowContext(ctx, `SELECT a.seq, EXISTS (SELECT 1 FROM article_sources c WHERE c.article_seq = a.seq AND c.source_id = ?)
		FROM articles a WHERE a.id = ?`, sourceID, target).Scan(&seq, &known)
	if err != nil {
		return false, fmt.Errorf("credit %s: %w", target, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO article_sources (article_seq, source_id, guid, link, first_seen)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (article_seq, source_id) DO UPDATE SET guid = excluded.guid, link = excluded.link
		WHERE guid != excluded.guid OR link != excluded.link`,
		seq, sourceID, a.Provenance.OriginalID, a.Provenance.Link, now)
	if err != nil {
		return false, fmt.Errorf("credit %s: %w", target, err)
	}
	return !known, nil
}

// PurgeSource removes the source with the given ID, as DeleteSource does,
// and deletes the articles credited to it alone, each leaving a tombstone
// and a "deleted" entry in the change log as DeleteArticle does. Articles
// credited to another source too stay, and lose only its credit; so do
// articles of the source stored before credits were kept, whose only
// credit it is (they are deleted). It returns how many articles it deleted.
//
// Errors: feed.ErrNotFound when there is no such source.
func (db *DB) PurgeSource(ctx context.Context, id int64) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT a.id FROM article_sources c JOIN articles a ON a.seq = c.article_seq
			WHERE c.source_id = ? AND NOT EXISTS (SELECT 1 FROM article_sources o
				WHERE o.article_seq = c.article_seq AND o.source_id != c.source_id)
			ORDER BY a.id`, id)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var aid string
			if err := rows.Scan(&aid); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, aid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := db.now()
		for _, aid := range ids {
			if err := deleteArticle(ctx, tx, aid, now); err != nil {
				return fmt.Errorf("article %s: %w", aid, err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return feed.ErrNotFound
		}
		n = len(ids)
		if n > 0 {
			return bump(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge source %d: %w", id, err)
	}
	return n, nil
}

// fillArticleKeys claims the keys of the external articles stored before
// keys were kept (the Go step of the migration that made article_keys),
// the oldest article first: of duplicates stored before, the first holds
// the key.
func fillArticleKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, provenance FROM articles
		WHERE origin = 'external' AND provenance IS NOT NULL ORDER BY seq`)
	if err != nil {
		return err
	}
	type item struct{ id, prov string }
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.prov); err != nil {
			rows.Close()
			return err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, it := range items {
		a := feed.Article{ID: it.id}
		if err := json.Unmarshal([]byte(it.prov), &a.Provenance); err != nil {
			return fmt.Errorf("article %s: provenance: %w", it.id, err)
		}
		for _, k := range poll.Keys(&a) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO article_keys (key, article_id) VALUES (?, ?)
				ON CONFLICT (key) DO NOTHING`, k, it.id); err != nil {
				return fmt.Errorf("article %s: claim %s: %w", it.id, k, err)
			}
		}
	}
	return nil
}
