package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	var out []feed.Credit
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var seq int64
		var sourceID *int64
		err := tx.QueryRow(ctx, `SELECT seq, source_id FROM articles WHERE id = $1`, articleID).Scan(&seq, &sourceID)
		if errors.Is(err, pgx.ErrNoRows) {
			return feed.ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT c.source_id, s.name, s.url, c.guid, c.link, c.first_seen
			FROM article_sources c JOIN sources s ON s.id = c.source_id
			WHERE c.article_seq = $1 ORDER BY c.source_id IS DISTINCT FROM $2, c.first_seen, c.source_id`, seq, sourceID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c feed.Credit
			var first int64
			if err := rows.Scan(&c.SourceID, &c.SourceName, &c.FeedURL, &c.GUID, &c.Link, &first); err != nil {
				return err
			}
			c.FirstSeen = micros.Time(first)
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("credits of article %s: %w", articleID, err)
	}
	return out, nil
}

// placePoll claims the keys of arts, the articles of a poll of source
// sourceID, and returns for each the ID of the article it is (see
// poll.Target): its own, or that of a stored article another source
// carried first.
//
// The claims are inserted in the order of their keys, each waiting for a
// concurrent transaction that inserted the same key to end: then the claim
// is that transaction's if it committed, and the statements after the
// insert (READ COMMITTED) see its article.
func placePoll(ctx context.Context, tx pgx.Tx, sourceID int64, arts []feed.Article) ([]string, error) {
	keys, ids := poll.ClaimOrder(arts)
	claims := make(map[string]poll.Claim, len(keys))
	if len(keys) > 0 {
		_, err := tx.Exec(ctx, `INSERT INTO article_keys (key, article_id)
			SELECT k, id FROM unnest($1::text[], $2::text[]) AS t (k, id) ORDER BY k
			ON CONFLICT (key) DO NOTHING`, keys, ids)
		if err != nil {
			return nil, fmt.Errorf("claim keys: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT k.key, k.article_id,
				EXISTS (SELECT 1 FROM articles a WHERE a.id = k.article_id),
				EXISTS (SELECT 1 FROM articles a JOIN article_sources c ON c.article_seq = a.seq
					WHERE a.id = k.article_id AND c.source_id = $1)
			FROM article_keys k WHERE k.key = ANY($2)`, sourceID, keys)
		if err != nil {
			return nil, fmt.Errorf("read claims: %w", err)
		}
		for rows.Next() {
			var k string
			var c poll.Claim
			if err := rows.Scan(&k, &c.ArticleID, &c.Exists, &c.Credited); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read claims: %w", err)
			}
			claims[k] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read claims: %w", err)
		}
	}
	all := make([]string, len(arts))
	for i := range arts {
		all[i] = arts[i].ID
	}
	stored, err := collectStrings(tx.Query(ctx, `SELECT id FROM articles WHERE id = ANY($1)`, all))
	if err != nil {
		return nil, err
	}
	exists := make(map[string]bool, len(stored))
	for _, id := range stored {
		exists[id] = true
	}
	targets := make([]string, len(arts))
	for i := range arts {
		targets[i] = poll.Target(&arts[i], exists[arts[i].ID], claims)
	}
	return targets, nil
}

func collectStrings(rows pgx.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// credit records that source sourceID carried each article of arts as
// the article whose ID targets holds at its index, and gives that article
// the claims of the item's keys that no stored article holds. It reports
// whether any credit is new. It is one statement, whatever the number of
// items: one round trip and one plan for a poll. As if the items were
// credited in turn, a key goes to the first item that claims it, and of
// two items crediting one article the last gives its GUID and link.
func credit(ctx context.Context, tx pgx.Tx, sourceID int64, targets []string, arts []feed.Article, now int64) (bool, error) {
	if len(arts) == 0 {
		return false, nil
	}
	guids, links := make([]string, len(arts)), make([]string, len(arts))
	var (
		keyItems []int64 // the item (from 1) of each key
		keys     []string
	)
	for i := range arts {
		a := &arts[i]
		guids[i], links[i] = a.Provenance.OriginalID, a.Provenance.Link
		for _, k := range poll.Keys(a) {
			keyItems, keys = append(keyItems, int64(i+1)), append(keys, k)
		}
	}
	var credited bool
	err := tx.QueryRow(ctx, `WITH items AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(target, guid, link, n)
		), keyed AS (
			SELECT DISTINCT ON (k.key) k.key, i.target
			FROM unnest($4::bigint[], $5::text[]) AS k(item, key) JOIN items i ON i.n = k.item
			ORDER BY k.key, i.n
		), claimed AS (
			UPDATE article_keys k SET article_id = c.target FROM keyed c
			WHERE k.key = c.key AND k.article_id != c.target
				AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = k.article_id)
		), credits AS (
			SELECT DISTINCT ON (i.target) i.target, i.guid, i.link FROM items i ORDER BY i.target, i.n DESC
		), inserted AS (
			INSERT INTO article_sources (article_seq, source_id, guid, link, first_seen)
			SELECT a.seq, $6, c.guid, c.link, $7 FROM credits c JOIN articles a ON a.id = c.target
			ON CONFLICT (article_seq, source_id) DO UPDATE SET guid = excluded.guid, link = excluded.link
			RETURNING xmax = 0 AS new
		)
		SELECT COALESCE(bool_or(new), false) FROM inserted`,
		targets, guids, links, keyItems, keys, sourceID, now).Scan(&credited)
	if err != nil {
		return false, fmt.Errorf("credit: %w", err)
	}
	return credited, nil
}

// PurgeSource removes the source with the given ID, as DeleteSource does,
// and deletes the articles credited to it alone, each leaving a tombstone
// and a "deleted" entry in the change log as DeleteArticle does. Articles
// credited to another source too stay, and lose only its credit. It
// returns how many articles it deleted.
//
// Errors: feed.ErrNotFound when there is no such source.
func (db *DB) PurgeSource(ctx context.Context, id int64) (int, error) {
	var n int
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// Locked first: a poll of the source meanwhile waits, then finds it
		// removed.
		var found bool
		err := tx.QueryRow(ctx, `SELECT true FROM sources WHERE id = $1 FOR UPDATE`, id).Scan(&found)
		if errors.Is(err, pgx.ErrNoRows) {
			return feed.ErrNotFound
		}
		if err != nil {
			return err
		}
		ids, err := collectStrings(tx.Query(ctx, `SELECT a.id FROM article_sources c JOIN articles a ON a.seq = c.article_seq
			WHERE c.source_id = $1 AND NOT EXISTS (SELECT 1 FROM article_sources o
				WHERE o.article_seq = c.article_seq AND o.source_id != c.source_id)
			ORDER BY a.id`, id))
		if err != nil {
			return err
		}
		w := db.newWriter(tx)
		for _, aid := range ids {
			if err := w.delete(ctx, aid); err != nil {
				return fmt.Errorf("article %s: %w", aid, err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sources WHERE id = $1`, id); err != nil {
			return err
		}
		n = len(ids)
		return w.finish(ctx, n > 0)
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
func fillArticleKeys(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT id, provenance::text FROM articles
		WHERE origin = 'external' AND provenance IS NOT NULL ORDER BY seq`)
	if err != nil {
		return err
	}
	type item struct{ id, prov string }
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
		var it item
		err := r.Scan(&it.id, &it.prov)
		return it, err
	})
	if err != nil {
		return err
	}
	var keys, ids []string
	seen := map[string]bool{}
	for _, it := range items {
		a := feed.Article{ID: it.id}
		if err := json.Unmarshal([]byte(it.prov), &a.Provenance); err != nil {
			return fmt.Errorf("article %s: provenance: %w", it.id, err)
		}
		for _, k := range poll.Keys(&a) {
			if !seen[k] {
				seen[k] = true
				keys, ids = append(keys, k), append(ids, it.id)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO article_keys (key, article_id)
		SELECT k, id FROM unnest($1::text[], $2::text[]) AS t (k, id) ON CONFLICT (key) DO NOTHING`, keys, ids)
	return err
}
