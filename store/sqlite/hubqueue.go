package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"herald/feed"
	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// EnqueueHubRequest stores r (its ID and Created are set) to be verified
// once, by one instance. A waiting request for the same topic and callback
// is replaced, and r gets a new ID. When max requests already wait (max > 0;
// the one replaced not counting) nothing is stored.
//
// Errors: feed.ErrBusy when max requests wait; a *feed.ValidationError for
// bad fields.
func (db *DB) EnqueueHubRequest(ctx context.Context, r *feed.HubRequest, max int) error {
	r.Lease = r.Lease.Truncate(time.Second)
	if err := r.Validate(); err != nil {
		return fmt.Errorf("queue %s of %s to %s: %w", r.Mode, r.Callback, r.Topic, err)
	}
	created := db.now()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM hub_requests WHERE topic = ? AND callback = ?`, r.Topic, r.Callback); err != nil {
			return err
		}
		if max > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM hub_requests`).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return fmt.Errorf("%d requests wait: %w", n, feed.ErrBusy)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO hub_requests (mode, topic, callback, secret, lease, created)
			VALUES (?, ?, ?, ?, ?, ?)`, r.Mode, r.Topic, r.Callback, r.Secret, int64(r.Lease/time.Second), micros.Of(created))
		if err != nil {
			return err
		}
		r.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("queue %s of %s to %s: %w", r.Mode, r.Callback, r.Topic, err)
	}
	r.Created = created
	return nil
}

// ClaimHubRequests claims, for owner until now+lease, up to limit (<= 0: no
// bound) waiting requests no live claim holds, oldest first.
//
// Errors: a *feed.ValidationError for an empty owner or a lease that is not
// positive.
func (db *DB) ClaimHubRequests(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]feed.HubRequest, error) {
	if err := claim.Check(owner, lease); err != nil {
		return nil, fmt.Errorf("claim hub requests: %w", err)
	}
	if limit <= 0 {
		limit = math.MaxInt32
	}
	var out []feed.HubRequest
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE hub_requests SET claim_owner = ?, claimed_until = ?
			WHERE id IN (SELECT id FROM hub_requests WHERE claimed_until <= ? ORDER BY id LIMIT ?)
			RETURNING id, mode, topic, callback, secret, lease, created`,
			owner, micros.Of(now.Add(lease)), micros.Of(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r              feed.HubRequest
				lease, created int64
			)
			if err := rows.Scan(&r.ID, &r.Mode, &r.Topic, &r.Callback, &r.Secret, &lease, &created); err != nil {
				return err
			}
			r.Lease, r.Created = time.Duration(lease)*time.Second, micros.Time(created)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim hub requests: %w", err)
	}
	slices.SortFunc(out, func(a, b feed.HubRequest) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// FinishHubRequest removes request id: verified, refused, or failed.
//
// Errors: feed.ErrNotFound when it is gone (replaced by a newer request
// meanwhile, which stays).
func (db *DB) FinishHubRequest(ctx context.Context, id int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM hub_requests WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return feed.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish hub request %d: %w", id, err)
	}
	return nil
}

// PendingHubRequests counts the requests waiting, claimed or not.
func (db *DB) PendingHubRequests(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM hub_requests`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending hub requests: %w", err)
	}
	return n, nil
}

// ClaimDelivery claims subscription id, for owner until now+lease, for a
// delivery of content whose ETag is etag. It returns true only when no live
// claim holds the subscription, its lease runs at now, its DeliveredETag
// differs from etag and its NextAttempt has come; false otherwise, also
// when there is no such subscription.
//
// Errors: a *feed.ValidationError for an empty owner or a lease that is not
// positive.
func (db *DB) ClaimDelivery(ctx context.Context, id int64, etag, owner string, now time.Time, lease time.Duration) (bool, error) {
	if err := claim.Check(owner, lease); err != nil {
		return false, fmt.Errorf("claim delivery to subscription %d: %w", id, err)
	}
	at := micros.Of(now)
	var claimed bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET claim_owner = ?, claimed_until = ?
			WHERE id = ? AND claimed_until <= ? AND expires > ? AND delivered_etag != ? AND next_attempt <= ?`,
			owner, micros.Of(now.Add(lease)), id, at, at, etag, at)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim delivery to subscription %d: %w", id, err)
	}
	return claimed, nil
}

// ReleaseHub ends every claim owner holds on hub requests and
// subscriptions.
func (db *DB) ReleaseHub(ctx context.Context, owner string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE hub_requests SET claim_owner = '', claimed_until = 0
			WHERE claim_owner = ? AND claimed_until > 0`, owner)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET claim_owner = '', claimed_until = 0
			WHERE claim_owner = ? AND claimed_until > 0`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release the hub work of %s: %w", owner, err)
	}
	return nil
}
