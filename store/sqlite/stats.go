package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"herald/feed/stats"
	"herald/store/internal/micros"
	"herald/store/internal/statsrow"
)

// AddStats adds b to the stored readership statistics, in one transaction:
// polls, 304s and bytes as increments, the pollers' sketches merged into
// those stored, and each aggregator's report kept unless a later one of the
// same day, feed and partner is.
//
// Errors: a *feed.ValidationError for a count or report without a feed or
// with a day that is not YYYY-MM-DD.
func (db *DB) AddStats(ctx context.Context, b *stats.Batch) error {
	if b.Empty() {
		return nil
	}
	if err := statsrow.Check(b); err != nil {
		return fmt.Errorf("add stats: %w", err)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range b.Counts {
			pollers, unreported := c.Pollers.Bytes(), c.Unreported.Bytes()
			var oldPollers, oldUnreported []byte
			err := tx.QueryRowContext(ctx, `INSERT INTO stats_polls (day, feed, partner, polls, not_modified, bytes, pollers, unreported)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (day, feed, partner) DO UPDATE SET polls = polls + excluded.polls,
					not_modified = not_modified + excluded.not_modified, bytes = bytes + excluded.bytes
				RETURNING pollers, unreported`,
				c.Day, c.Feed, c.Partner, c.Polls, c.NotModified, c.Bytes, pollers, unreported).Scan(&oldPollers, &oldUnreported)
			if err != nil {
				return err
			}
			if bytes.Equal(oldPollers, pollers) && bytes.Equal(oldUnreported, unreported) {
				continue // new, or nothing new
			}
			p, u, changed, err := statsrow.Merge(oldPollers, oldUnreported, c)
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.Day, c.Feed, err)
			}
			if !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE stats_polls SET pollers = ?, unreported = ?
				WHERE day = ? AND feed = ? AND partner = ?`, p, u, c.Day, c.Feed, c.Partner); err != nil {
				return err
			}
		}
		for _, r := range b.Reports {
			_, err := tx.ExecContext(ctx, `INSERT INTO stats_reports (day, feed, partner, aggregator, subscribers, reported_at)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (day, feed, partner, aggregator) DO UPDATE SET subscribers = excluded.subscribers,
					reported_at = excluded.reported_at
				WHERE excluded.reported_at >= stats_reports.reported_at`,
				r.Day, r.Feed, r.Partner, r.Aggregator, r.Subscribers, micros.Of(r.At))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add stats: %w", err)
	}
	return nil
}

// Stats returns the stored counts and reports that f selects, by feed,
// partner and day, read in one snapshot.
//
// Errors: a *feed.ValidationError for a day that is not YYYY-MM-DD.
func (db *DB) Stats(ctx context.Context, f stats.Filter) (*stats.Batch, error) {
	if err := statsrow.CheckFilter(f); err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	defer tx.Rollback()
	out := new(stats.Batch)
	rows, err := tx.QueryContext(ctx, `SELECT day, feed, partner, polls, not_modified, bytes, pollers, unreported
		FROM stats_polls WHERE day >= ? AND day <= ? AND (? = '' OR feed = ?) ORDER BY feed, partner, day`,
		f.From, f.To, f.Feed, f.Feed)
	if err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c stats.Count
		var p, u []byte
		if err := rows.Scan(&c.Day, &c.Feed, &c.Partner, &c.Polls, &c.NotModified, &c.Bytes, &p, &u); err != nil {
			return nil, fmt.Errorf("read stats: %w", err)
		}
		if c.Pollers, c.Unreported, err = statsrow.Sketches(p, u); err != nil {
			return nil, fmt.Errorf("read stats: %s %s: %w", c.Day, c.Feed, err)
		}
		out.Counts = append(out.Counts, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT day, feed, partner, aggregator, subscribers, reported_at
		FROM stats_reports WHERE day >= ? AND day <= ? AND (? = '' OR feed = ?) ORDER BY feed, partner, day, aggregator`,
		f.From, f.To, f.Feed, f.Feed)
	if err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r stats.Report
		var at int64
		if err := rows.Scan(&r.Day, &r.Feed, &r.Partner, &r.Aggregator, &r.Subscribers, &at); err != nil {
			return nil, fmt.Errorf("read stats: %w", err)
		}
		r.At = micros.Time(at)
		out.Reports = append(out.Reports, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	return out, nil
}

// PruneStats removes the statistics of days before the day (UTC) of
// before, the oldest first, at most limit rows (limit <= 0: all) of polls
// and as many of reports, and returns how many it removed.
func (db *DB) PruneStats(ctx context.Context, before time.Time, limit int) (int, error) {
	day := stats.DayOf(before)
	n := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM stats_polls WHERE (day, feed, partner) IN (
			SELECT day, feed, partner FROM stats_polls WHERE day < ? ORDER BY day LIMIT ?)`, day, bound(limit))
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n = int(k)
		res, err = tx.ExecContext(ctx, `DELETE FROM stats_reports WHERE (day, feed, partner, aggregator) IN (
			SELECT day, feed, partner, aggregator FROM stats_reports WHERE day < ? ORDER BY day LIMIT ?)`, day, bound(limit))
		if err != nil {
			return err
		}
		k, _ = res.RowsAffected()
		n += int(k)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune stats: %w", err)
	}
	return n, nil
}
