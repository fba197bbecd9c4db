package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// AddRateUse adds n (>= 0; 0 reads) requests of subscriber id to the minute
// that starts at window (UTC, truncated to the minute) and returns that
// minute's total across all instances: one upsert, which instances adding
// at once queue on. An unknown id is counted all the same. The first call
// of a minute for a subscriber drops every row of minutes more than an hour
// before window.
//
// Errors: a *feed.ValidationError for a negative n.
func (db *DB) AddRateUse(ctx context.Context, subscriberID int64, window time.Time, n int) (int, error) {
	minute, err := claim.RateMinute(window, n)
	if err != nil {
		return 0, fmt.Errorf("count requests of subscriber %d: %w", subscriberID, err)
	}
	var total int
	err = db.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO rate_use (subscriber_id, minute, requests) VALUES ($1, $2, $3)
			ON CONFLICT (subscriber_id, minute) DO UPDATE SET requests = rate_use.requests + excluded.requests
			RETURNING requests`, subscriberID, micros.Of(minute), n).Scan(&total)
		if err != nil {
			return err
		}
		if total != n {
			return nil
		}
		// The row is new: once a minute per subscriber at most.
		_, err = tx.Exec(ctx, `DELETE FROM rate_use WHERE minute < $1`, micros.Of(minute.Add(-claim.RateKept)))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count requests of subscriber %d: %w", subscriberID, err)
	}
	return total, nil
}
