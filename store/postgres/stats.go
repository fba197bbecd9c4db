package postgres

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed/stats"
	"herald/store/internal/micros"
	"herald/store/internal/statsrow"
)

// AddStats adds b to the stored readership statistics, in one transaction:
// polls, 304s and bytes as increments (ON CONFLICT DO UPDATE SET n = n +
// excluded.n), so that instances adding at once add up; the pollers'
// sketches merged into those stored while the upsert holds the row's lock;
// and each aggregator's report kept unless a later one of the same day,
// feed and partner is. Rows are written in b's order (stats.Counter.Drain
// sorts it), so that two instances' batches lock them in one order.
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		for _, c := range b.Counts {
			pollers, unreported := c.Pollers.Bytes(), c.Unreported.Bytes()
			var oldPollers, oldUnreported []byte
			err := tx.QueryRow(ctx, `INSERT INTO stats_polls (day, feed, partner, polls, not_modified, bytes, pollers, unreported)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (day, feed, partner) DO UPDATE SET polls = stats_polls.polls + excluded.polls,
					not_modified = stats_polls.not_modified + excluded.not_modified, bytes = stats_polls.bytes + excluded.bytes
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
			if _, err := tx.Exec(ctx, `UPDATE stats_polls SET pollers = $1, unreported = $2
				WHERE day = $3 AND feed = $4 AND partner = $5`, p, u, c.Day, c.Feed, c.Partner); err != nil {
				return err
			}
		}
		for _, r := range b.Reports {
			_, err := tx.Exec(ctx, `INSERT INTO stats_reports (day, feed, partner, aggregator, subscribers, reported_at)
				VALUES ($1, $2, $3, $4, $5, $6)
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
	out := new(stats.Batch)
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT day, feed, partner, polls, not_modified, bytes, pollers, unreported
			FROM stats_polls WHERE day >= $1 AND day <= $2 AND ($3 = '' OR feed = $3) ORDER BY feed, partner, day`,
			f.From, f.To, f.Feed)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c stats.Count
			var p, u []byte
			if err := rows.Scan(&c.Day, &c.Feed, &c.Partner, &c.Polls, &c.NotModified, &c.Bytes, &p, &u); err != nil {
				return err
			}
			if c.Pollers, c.Unreported, err = statsrow.Sketches(p, u); err != nil {
				return fmt.Errorf("%s %s: %w", c.Day, c.Feed, err)
			}
			out.Counts = append(out.Counts, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT day, feed, partner, aggregator, subscribers, reported_at
			FROM stats_reports WHERE day >= $1 AND day <= $2 AND ($3 = '' OR feed = $3) ORDER BY feed, partner, day, aggregator`,
			f.From, f.To, f.Feed)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r stats.Report
			var at int64
			if err := rows.Scan(&r.Day, &r.Feed, &r.Partner, &r.Aggregator, &r.Subscribers, &at); err != nil {
				return err
			}
			r.At = micros.Time(at)
			out.Reports = append(out.Reports, r)
		}
		return rows.Err()
	})
	if err != nil {
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM stats_polls WHERE (day, feed, partner) IN (
			SELECT day, feed, partner FROM stats_polls WHERE day < $1 ORDER BY day LIMIT $2)`, day, bound(limit))
		if err != nil {
			return err
		}
		n = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, `DELETE FROM stats_reports WHERE (day, feed, partner, aggregator) IN (
			SELECT day, feed, partner, aggregator FROM stats_reports WHERE day < $1 ORDER BY day LIMIT $2)`, day, bound(limit))
		if err != nil {
			return err
		}
		n += int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune stats: %w", err)
	}
	return n, nil
}
