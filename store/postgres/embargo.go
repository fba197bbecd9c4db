package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
// write goes on as for any article, keeping the GUID the article had. The
// embargoed row is locked until the transaction ends, so that a lifter
// and an edit take turns. With onlyCreate, an article of a's ID, held or
// public, is feed.ErrConflict.
func (w *articleWriter) embargo(ctx context.Context, a *feed.Article, onlyCreate bool) (change feed.Change, held bool, err error) {
	if a.EmbargoUntil.IsZero() {
		// The common write: no embargo given. With none held either (asked
		// once a write), there is nothing to look up per article.
		if w.noneHeld == nil {
			var some bool
			if err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM embargoes)`).Scan(&some); err != nil {
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
	err = w.tx.QueryRow(ctx, `SELECT guid, article FROM embargoes WHERE id = $1 FOR UPDATE`, a.ID).Scan(&guid, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		pending, err = false, nil
	}
	if err != nil {
		return "", false, err
	}
	if pending && onlyCreate {
		return "", false, feed.ErrConflict
	}
	if !upsert.Held(a, w.now) {
		upsert.Release(a, w.now)
		if pending {
			if _, err := w.tx.Exec(ctx, `DELETE FROM embargoes WHERE id = $1`, a.ID); err != nil {
				return "", false, err
			}
			w.keepGUID(a.ID, guid)
		}
		return "", false, nil
	}
	if !pending {
		var public bool
		if err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE id = $1)`, a.ID).Scan(&public); err != nil {
			return "", false, err
		}
		if public && onlyCreate {
			return "", false, feed.ErrConflict
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
		_, err = w.tx.Exec(ctx, `UPDATE embargoes SET embargo_until = $1, article = $2 WHERE id = $3`,
			micros.Of(a.EmbargoUntil), js, a.ID)
		return feed.Updated, true, err
	}
	w.noneHeld = new(false)
	// Of two writers holding one new ID at once, the second updates.
	_, err = w.tx.Exec(ctx, `INSERT INTO embargoes (id, guid, embargo_until, article, created) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET embargo_until = EXCLUDED.embargo_until, article = EXCLUDED.article`,
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
func deleteEmbargoed(ctx context.Context, tx pgx.Tx, id string) (bool, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM embargoes WHERE id = $1`, id)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// LiftEmbargoes publishes every embargoed article whose embargo has come
// (at or before the store's clock), each as a new article written now, in
// one transaction, and returns their IDs. Of several lifters at once, in
// any number of processes, each article is lifted by one: the due rows are
// locked (those another lifter holds are skipped: it lifts them) and
// deleted in the transaction that publishes them, and the new articles are
// numbered in commit order, as every article is.
func (db *DB) LiftEmbargoes(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.tx(ctx, func(tx pgx.Tx) error {
		ids = nil
		w := db.newWriter(tx)
		rows, err := tx.Query(ctx, `SELECT id, guid, article FROM embargoes WHERE embargo_until <= $1
			ORDER BY id FOR UPDATE SKIP LOCKED`, micros.Of(w.now))
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
		if _, err := tx.Exec(ctx, `DELETE FROM embargoes WHERE id = ANY($1)`, ids); err != nil {
			return err
		}
		for i := range arts {
			if _, err := w.upsert(ctx, &arts[i]); err != nil {
				return fmt.Errorf("article %s: %w", arts[i].ID, err)
			}
		}
		return w.finish(ctx, true)
	})
	if err != nil {
		return nil, fmt.Errorf("lift embargoes: %w", err)
	}
	return ids, nil
}

// NextEmbargo returns the time of the earliest embargo still to be lifted,
// and false when no article is embargoed.
func (db *DB) NextEmbargo(ctx context.Context) (time.Time, bool, error) {
	var next *int64
	if err := db.pool.QueryRow(ctx, `SELECT MIN(embargo_until) FROM embargoes`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next embargo: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return micros.Time(*next), true, nil
}

// EmbargoedArticles returns every embargoed article, the earliest embargo
// first, with its GUID, slug, embargo time and tags as written.
func (db *DB) EmbargoedArticles(ctx context.Context) ([]feed.Article, error) {
	rs, err := db.pool.Query(ctx, `SELECT article FROM embargoes ORDER BY embargo_until, id`)
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
	err := db.pool.QueryRow(ctx, `SELECT article FROM embargoes WHERE id = $1`, id).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
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
