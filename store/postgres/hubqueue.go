package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// EnqueueHubRequest stores r (its ID and Created are set) to be verified
// once, by one instance. A waiting request for the same topic and callback
// is replaced, and r gets a new ID. When max requests already wait (max > 0;
// the one replaced not counting) nothing is stored. Writers to the queue
// take turns under hubQueueLock, so that the bound holds across instances.
//
// Errors: feed.ErrBusy when max requests wait; a *feed.ValidationError for
// bad fields.
func (db *DB) EnqueueHubRequest(ctx context.Context, r *feed.HubRequest, max int) error {
	r.Lease = r.Lease.Truncate(time.Second)
	if err := r.Validate(); err != nil {
		return fmt.Errorf("queue %s of %s to %s: %w", r.Mode, r.Callback, r.Topic, err)
	}
	created := db.now()
	var id int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", hubQueueLock); err != nil {
			return fmt.Errorf("wait for other writers to the queue: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM hub_requests WHERE topic = $1 AND callback = $2`, r.Topic, r.Callback); err != nil {
			return err
		}
		if max > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM hub_requests`).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return fmt.Errorf("%d requests wait: %w", n, feed.ErrBusy)
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO hub_requests (mode, topic, callback, secret, lease, created)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			r.Mode, r.Topic, r.Callback, r.Secret, int64(r.Lease/time.Second), micros.Of(created)).Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("queue %s of %s to %s: %w", r.Mode, r.Callback, r.Topic, err)
	}
	r.ID, r.Created = id, created
	return nil
}

// ClaimHubRequests claims, for owner until now+lease, up to limit (<= 0: no
// bound) waiting requests no live claim holds, oldest first. Claimers skip
// the rows others are locking (FOR UPDATE SKIP LOCKED).
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
	rows, err := db.pool.Query(ctx, `WITH picked AS (
			SELECT id FROM hub_requests WHERE claimed_until <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
		)
		UPDATE hub_requests r SET claim_owner = $3, claimed_until = $4 FROM picked WHERE r.id = picked.id
		RETURNING r.id, r.mode, r.topic, r.callback, r.secret, r.lease, r.created`,
		micros.Of(now), limit, owner, micros.Of(now.Add(lease)))
	if err != nil {
		return nil, fmt.Errorf("claim hub requests: %w", textError(err))
	}
	defer rows.Close()
	var out []feed.HubRequest
	for rows.Next() {
		var (
			r              feed.HubRequest
			lease, created int64
		)
		if err := rows.Scan(&r.ID, &r.Mode, &r.Topic, &r.Callback, &r.Secret, &lease, &created); err != nil {
			return nil, fmt.Errorf("claim hub requests: %w", err)
		}
		r.Lease, r.Created = time.Duration(lease)*time.Second, micros.Time(created)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim hub requests: %w", textError(err))
	}
	slices.SortFunc(out, func(a, b feed.HubRequest) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// FinishHubRequest removes request id: verified, refused, or failed.
//
// Errors: feed.ErrNotFound when it is gone (replaced by a newer request
// meanwhile, which stays).
func (db *DB) FinishHubRequest(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM hub_requests WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("finish hub request %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("finish hub request %d: %w", id, feed.ErrNotFound)
	}
	return nil
}

// PendingHubRequests counts the requests waiting, claimed or not.
func (db *DB) PendingHubRequests(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM hub_requests`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending hub requests: %w", err)
	}
	return n, nil
}

// ClaimDelivery claims subscription id, for owner until now+lease, for a
// delivery of content whose ETag is etag. It returns true only when no live
// claim holds the subscription, its lease runs at now, its DeliveredETag
// differs from etag and its NextAttempt has come; false otherwise, also
// when there is no such subscription. Of two claimers at once, the second
// waits for the first's update, then finds the claim live.
//
// Errors: a *feed.ValidationError for an empty owner or a lease that is not
// positive.
func (db *DB) ClaimDelivery(ctx context.Context, id int64, etag, owner string, now time.Time, lease time.Duration) (bool, error) {
	if err := claim.Check(owner, lease); err != nil {
		return false, fmt.Errorf("claim delivery to subscription %d: %w", id, err)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE subscriptions SET claim_owner = $1, claimed_until = $2
		WHERE id = $3 AND claimed_until <= $4 AND expires > $4 AND delivered_etag <> $5 AND next_attempt <= $4`,
		owner, micros.Of(now.Add(lease)), id, micros.Of(now), etag)
	if err != nil {
		return false, fmt.Errorf("claim delivery to subscription %d: %w", id, textError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseHub ends every claim owner holds on hub requests and
// subscriptions.
func (db *DB) ReleaseHub(ctx context.Context, owner string) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE hub_requests SET claim_owner = '', claimed_until = 0
			WHERE claim_owner = $1 AND claimed_until > 0`, owner)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE subscriptions SET claim_owner = '', claimed_until = 0
			WHERE claim_owner = $1 AND claimed_until > 0`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release the hub work of %s: %w", owner, err)
	}
	return nil
}
