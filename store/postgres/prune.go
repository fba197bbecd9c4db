package postgres

// Retention: the change log, tombstones and earlier versions would grow for
// good; herald serve prunes them in the background (cmd/herald/retention.go)
// with these methods. Several instances may prune at once: each statement
// removes what is old by then, and removing twice removes nothing more.

import (
	"context"
	"fmt"
	"herald/store/internal/micros"
	"math"
	"time"
)

// PruneChanges removes entries of the change log made before before, the
// oldest first, and returns how many it removed. It removes the log's
// oldest entries only, up to the first made at or after before (an entry's
// time is its write's, and writes commit out of time order), and never the
// newest, so that the log stays whole after its oldest entry and Changes
// can tell a cursor whose next entries are gone (feed.ErrGone). Articles
// keep their place in OrderChanged: a listing walks their revs, not the
// log. It removes at most limit entries (limit <= 0: all of them), in one
// statement; callers repeat while it removes limit.
func (db *DB) PruneChanges(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM changes WHERE id < LEAST(
			COALESCE((SELECT id FROM changes WHERE at >= $1 ORDER BY id LIMIT 1), (SELECT MAX(id) FROM changes)),
			(SELECT MIN(id) FROM changes) + $2)`, micros.Of(before), bound(limit))
	if err != nil {
		return 0, fmt.Errorf("prune the change log: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// PruneTombstones removes the tombstones of articles deleted before
// before, the oldest first, at most limit of them (limit <= 0: all), in one
// statement, and returns how many it removed. Atom feeds show the
// tombstones of the last 30 days.
func (db *DB) PruneTombstones(ctx context.Context, before time.Time, limit int) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM tombstones WHERE guid IN (
		SELECT guid FROM tombstones WHERE deleted < $1 ORDER BY deleted LIMIT $2)`, micros.Of(before), bound(limit))
	if err != nil {
		return 0, fmt.Errorf("prune tombstones: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// PruneVersions removes the earlier versions of articles' content that
// were replaced before before, except each article's keep newest earlier
// versions; at least one is always kept, since it holds when the current
// version was saved, and so is every version a correction names, so that
// its difference stays public. It removes at most limit versions (limit
// <= 0: all), in one statement, and returns how many it removed.
func (db *DB) PruneVersions(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM article_versions WHERE id IN (
		SELECT c.id FROM (
			SELECT id, article_seq, version, replaced,
				ROW_NUMBER() OVER (PARTITION BY article_seq ORDER BY version DESC) AS n
			FROM article_versions) c
		WHERE c.n > $1 AND c.replaced < $2
			AND NOT EXISTS (SELECT FROM corrections k WHERE k.article_seq = c.article_seq
				AND c.version IN (k.version_before, k.version_after))
		LIMIT $3)`, max(keep, 1), micros.Of(before), bound(limit))
	if err != nil {
		return 0, fmt.Errorf("prune versions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// bound is a LIMIT of at most limit rows, or of all of them when limit <= 0.
func bound(limit int) int64 {
	if limit <= 0 {
		return math.MaxInt32
	}
	return int64(limit)
}

// oldestChange returns the id of the oldest entry of the change log; ok is
// false when the log is empty. Ids come from the counters table, one after
// another (a rolled back write gives its ids back), as
// listing.Changes.Page needs them to tell a pruned cursor.
func (db *DB) oldestChange(ctx context.Context) (id int64, ok bool, err error) {
	var oldest *int64
	if err := db.pool.QueryRow(ctx, `SELECT MIN(id) FROM changes`).Scan(&oldest); err != nil {
		return 0, false, err
	}
	if oldest == nil {
		return 0, false, nil
	}
	return *oldest, true, nil
}
