package sqlite

// Retention: the change log, tombstones and earlier versions would grow for
// good; herald serve prunes them in the background (cmd/herald/retention.go)
// with these methods.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"herald/store/internal/micros"
	"math"
	"time"
)

// PruneChanges removes entries of the change log made before before, the
// oldest first, and returns how many it removed. It removes the log's
// oldest entries only, up to the first made at or after before, and never
// the newest, so that the log stays whole after its oldest entry and
// Changes can tell a cursor whose next entries are gone (feed.ErrGone).
// Articles keep their place in OrderChanged: a listing walks their revs,
// not the log. It removes at most limit entries (limit <= 0: all of them),
// in one transaction; callers repeat while it removes limit.
func (db *DB) PruneChanges(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var first, last, keep sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM changes`).Scan(&first, &last)
		if err != nil || !first.Valid {
			return err
		}
		// The first entry to keep: the oldest made at or after before, or
		// the newest.
		err = tx.QueryRowContext(ctx, `SELECT id FROM changes WHERE at >= ? ORDER BY id LIMIT 1`, micros.Of(before)).Scan(&keep)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !keep.Valid {
			keep = last
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE id < ?`, min(keep.Int64, first.Int64+bound(limit)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune the change log: %w", err)
	}
	return int(n), nil
}

// PruneTombstones removes the tombstones of articles deleted before
// before, the oldest first, at most limit of them (limit <= 0: all), in one
// transaction, and returns how many it removed. Atom feeds show the
// tombstones of the last 30 days.
func (db *DB) PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tombstones WHERE guid IN (
			SELECT guid FROM tombstones WHERE deleted < ? ORDER BY deleted LIMIT ?)`, micros.Of(before), bound(limit))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune tombstones: %w", err)
	}
	return int(n), nil
}

// PruneVersions removes the earlier versions of articles' content that
// were replaced before before, except each article's keep newest earlier
// versions; at least one is always kept, since it holds when the current
// version was saved, and so is every version a correction names, so that
// its difference stays public. It removes at most limit versions (limit
// <= 0: all), in one transaction, and returns how many it removed.
func (db *DB) PruneVersions(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// The window runs over the (article_seq, version) index alone: only
		// the versions beyond an article's newest few are read whole.
		res, err := tx.ExecContext(ctx, `DELETE FROM article_versions WHERE id IN (
			SELECT v.id FROM (
				SELECT id, ROW_NUMBER() OVER (PARTITION BY article_seq ORDER BY version DESC) AS n
				FROM article_versions) c
			JOIN article_versions v ON v.id = c.id
			WHERE c.n > ? AND v.replaced < ?
				AND NOT EXISTS (SELECT 1 FROM corrections k WHERE k.article_seq = v.article_seq
					AND v.version IN (k.version_before, k.version_after))
			LIMIT ?)`, max(keep, 1), micros.Of(before), bound(limit))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune versions: %w", err)
	}
	return int(n), nil
}

// bound is a LIMIT of at most limit rows, or of all of them when limit <= 0.
func bound(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt32
	}
	return int64(limit)
}

// oldestChange returns the id of the oldest entry of the change log; ok is
// false when the log is empty. Ids are handed out one after another
// (AUTOINCREMENT; a rolled back write takes its ids back), as
// listing.Changes.Page needs them to tell a pruned cursor.
func (db *DB) oldestChange(ctx context.Context) (id int64, ok bool, err error) {
	var oldest sql.NullInt64
	if err := db.read.QueryRowContext(ctx, `SELECT MIN(id) FROM changes`).Scan(&oldest); err != nil {
		return 0, false, err
	}
	return oldest.Int64, oldest.Valid, nil
}
