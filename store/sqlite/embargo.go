package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"herald/feed"
	"herald/store/internal/micros"
	"herald/store/internal/rows"
	"herald/store/internal/upsert"
)

// Embargoed articles live in the embargoes table until they are lifted
// (see upsert.Hold): no read of published content sees them.

// embargo runs first in every article write. When a is held back (its
// embargo runs past now) it stores a in the embargoes table and returns
// held: the write is done. Otherwise it readies a to be published (see
// upsert.Release), taking it out of the embargoes table if it was there
// (an embargo lifted by hand, or moved to a time already past), and the
// write goes on as for any article, keeping the GUID the article had.
func (w *articleWriter) embargo(ctx context.Context, a *feed.Article) (change feed.Change, held bool, err error) {
	if a.EmbargoUntil.IsZero() {
		// The common write: no embargo given. With none held either (asked
		// once a write), there is nothing to look up per article.
		if w.noneHeld == nil {
			var some bool
			if err := w.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM embargoes)`).Scan(&some); err != nil {
				return "", false, err
			}
			w.noneHeld = new(!some)
		}
		if *w.noneHeld {
			return "", false, nil
		}
	}
	var (
		guid, stored string
		pending      = true
	)
	err = w.queryRow(ctx, `SELECT guid, article FROM embargoes WHERE id = ?`, a.ID).Scan(&guid, &stored)
	if err == sql.ErrNoRows {
		pending, err = false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !upsert.Held(a, w.now) {
		upsert.Release(a, w.now)
		if pending {
			if _, err := w.exec(ctx, `DELETE FROM embargoes WHERE id = ?`, a.ID); err != nil {
				return "", false, err
			}
			w.keepGUID(a.ID, guid)
		}
		return "", false, nil
	}
	if !pending {
		var public bool
		if err := w.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?)`, a.ID).Scan(&public); err != nil {
			return "", false, err
		}
		if public {
			return "", false, upsert.ErrPublic(a.ID)
		}
	}
	js := upsert.Hold(a, guid, w.db.site.Authority, w.now)
	switch {
	case js == stored:
		return feed.Unchanged, true, nil
	case pending:
		_, err = w.exec(ctx, `UPDATE embargoes SET embargo_until = ?, article = ? WHERE id = ?`,
			micros.Of(a.EmbargoUntil), js, a.ID)
		return feed.Updated, true, err
	}
	w.noneHeld = new(false)
	_, err = w.exec(ctx, `INSERT INTO embargoes (id, guid, embargo_until, article, created) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.GUID, micros.Of(a.EmbargoUntil), js, micros.Of(w.now))
	return feed.Created, true, err
}

// keepGUID makes the article id, when this write creates it, take guid
// (the one it had while embargoed) instead of a new one.
func (w *articleWriter) keepGUID(id, guid string) {
	if w.guids == nil {
		w.guids = map[string]string{}
	}
	w.guids[id] = guid
}

// deleteEmbargoed removes the embargoed article id, if there is one, and
// reports whether there was: it was never public, so it leaves no
// tombstone and no entry in the change log.
func deleteEmbargoed(ctx context.Context, tx *sql.Tx, id string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM embargoes WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// LiftEmbargoes publishes every embargoed article whose embargo has come
// (at or before the store's clock), each as a new article written now, in
// one transaction, and returns their IDs. Of several lifters at once, each
// article is lifted by one.
func (db *DB) LiftEmbargoes(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ids = nil
		w := &articleWriter{db: db, tx: tx, tags: map[string]tagRef{}, now: db.now()}
		rows, err := tx.QueryContext(ctx, `SELECT id, guid, article FROM embargoes WHERE embargo_until <= ? ORDER BY embargo_until, id`,
			micros.Of(w.now))
		if err != nil {
			return err
		}
		var arts []feed.Article
		for rows.Next() {
			var id, guid, stored string
			if err := rows.Scan(&id, &guid, &stored); err != nil {
				rows.Close()
				return err
			}
			a, err := upsert.Unheld(stored)
			if err != nil {
				rows.Close()
				return fmt.Errorf("article %s: %w", id, err)
			}
			upsert.Lift(&a, w.now)
			arts = append(arts, a)
			ids = append(ids, id)
			w.keepGUID(id, guid)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(arts) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM embargoes WHERE embargo_until <= ?`, micros.Of(w.now)); err != nil {
			return err
		}
		for i := range arts {
			if _, err := w.upsert(ctx, &arts[i]); err != nil {
				return fmt.Errorf("article %s: %w", arts[i].ID, err)
			}
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("lift embargoes: %w", err)
	}
	return ids, nil
}

// NextEmbargo returns the time of the earliest embargo still to be lifted,
// and false when no article is embargoed.
func (db *DB) NextEmbargo(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT MIN(embargo_until) FROM embargoes`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next embargo: %w", err)
	}
	return micros.Time(next.Int64), next.Valid, nil
}

// EmbargoedArticles returns every embargoed article, the earliest embargo
// first, with its GUID, slug, embargo time and tags as written.
func (db *DB) EmbargoedArticles(ctx context.Context) ([]feed.Article, error) {
	rs, err := db.read.QueryContext(ctx, `SELECT article FROM embargoes ORDER BY embargo_until, id`)
	if err != nil {
		return nil, fmt.Errorf("embargoed articles: %w", err)
	}
	defer rs.Close()
	out, err := rows.All(rs, rows.Unheld)
	if err != nil {
		return nil, fmt.Errorf("embargoed articles: %w", err)
	}
	return out, nil
}

// EmbargoedArticle returns the embargoed article with the given ID, or
// feed.ErrNotFound when no article of that ID is embargoed.
func (db *DB) EmbargoedArticle(ctx context.Context, id string) (*feed.Article, error) {
	var stored string
	err := db.read.QueryRowContext(ctx, `SELECT article FROM embargoes WHERE id = ?`, id).Scan(&stored)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("embargoed article %s: %w", id, feed.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("embargoed article %s: %w", id, err)
	}
	a, err := upsert.Unheld(stored)
	if err != nil {
		return nil, fmt.Errorf("embargoed article %s: %w", id, err)
	}
	return &a, nil
}
