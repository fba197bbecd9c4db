package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/micros"
)

const subscriptionColumns = `id, topic, callback, secret, lease, expires, created,
	delivered_etag, failures, next_attempt`

// UpsertSubscription stores a verified WebSub subscription, or renews the one
// with the same topic and callback: its secret, lease and expiry are
// replaced; its delivery state (DeliveredETag, Failures, NextAttempt), log
// and Created are kept. A new one takes s's delivery state. It returns the
// subscription as stored. Nothing here moves the content version.
//
// Errors: a *feed.ValidationError for bad fields.
func (db *DB) UpsertSubscription(ctx context.Context, s feed.Subscription) (*feed.Subscription, error) {
	s.Lease = s.Lease.Truncate(time.Second)
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("subscribe %s to %s: %w", s.Callback, s.Topic, err)
	}
	var out *feed.Subscription
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// A new one is numbered after the greatest: one subscriber at a time.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", subscriptionsLock); err != nil {
			return err
		}
		row := tx.QueryRow(ctx, `INSERT INTO subscriptions (id, topic, callback, secret, lease, expires, created,
				delivered_etag, failures, next_attempt)
			VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM subscriptions), $1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (topic, callback) DO UPDATE SET
				secret = excluded.secret, lease = excluded.lease, expires = excluded.expires
			RETURNING `+subscriptionColumns,
			s.Topic, s.Callback, s.Secret, int64(s.Lease/time.Second), micros.Of(s.Expires), micros.Of(db.now()),
			s.DeliveredETag, s.Failures, micros.Of(s.NextAttempt))
		var err error
		out, err = scanSubscription(row)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe %s to %s: %w", s.Callback, s.Topic, err)
	}
	return out, nil
}

// DeleteSubscription removes the subscription of callback to topic, and its
// log. It returns feed.ErrNotFound when there is none.
func (db *DB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM subscriptions WHERE topic = $1 AND callback = $2`, topic, callback)
	if err != nil {
		return fmt.Errorf("unsubscribe %s from %s: %w", callback, topic, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("unsubscribe %s from %s: %w", callback, topic, feed.ErrNotFound)
	}
	return nil
}

// Subscriptions returns every subscription, expired ones included, by ID.
func (db *DB) Subscriptions(ctx context.Context) ([]feed.Subscription, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	out, err := scanSubscriptions(rows)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	return out, nil
}

// ActiveSubscriptions returns the subscriptions whose lease runs at now, by
// topic and then ID.
func (db *DB) ActiveSubscriptions(ctx context.Context, now time.Time) ([]feed.Subscription, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		WHERE expires > $1 ORDER BY topic, id`, micros.Of(now))
	if err != nil {
		return nil, fmt.Errorf("active subscriptions: %w", err)
	}
	out, err := scanSubscriptions(rows)
	if err != nil {
		return nil, fmt.Errorf("active subscriptions: %w", err)
	}
	return out, nil
}

// PruneSubscriptions removes the subscriptions whose lease ran out at or
// before now, with their logs, and returns how many it removed.
func (db *DB) PruneSubscriptions(ctx context.Context, now time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM subscriptions WHERE expires <= $1`, micros.Of(now))
	if err != nil {
		return 0, fmt.Errorf("prune subscriptions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// RecordDelivery stores, in one transaction, what one content delivery to
// s came to: s's delivery state as s has it (DeliveredETag, Failures,
// NextAttempt; its other fields are ignored) and d in its log, which keeps
// the last feed.DeliveryLogSize entries, and ends the claim on s (see
// ClaimDelivery). It returns feed.ErrNotFound when the subscription is gone
// (unsubscribed meanwhile, say).
func (db *DB) RecordDelivery(ctx context.Context, s *feed.Subscription, d feed.Delivery) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE subscriptions SET delivered_etag = $1, failures = $2, next_attempt = $3,
			claim_owner = '', claimed_until = 0 WHERE id = $4`, s.DeliveredETag, s.Failures, micros.Of(s.NextAttempt), s.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return feed.ErrNotFound
		}
		d.SubscriptionID = s.ID
		return logDelivery(ctx, tx, d)
	})
	if err != nil {
		return fmt.Errorf("record delivery to subscription %d: %w", s.ID, err)
	}
	return nil
}

// LogDelivery adds d to the log of subscription d.SubscriptionID (which keeps
// the last feed.DeliveryLogSize entries) and changes nothing else. It returns
// feed.ErrNotFound when the subscription is gone.
func (db *DB) LogDelivery(ctx context.Context, d feed.Delivery) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// Locked, as RecordDelivery's update locks it: the log of one
		// subscription is written by one transaction at a time.
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM subscriptions WHERE id = $1 FOR NO KEY UPDATE`, d.SubscriptionID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return feed.ErrNotFound
		}
		if err != nil {
			return err
		}
		return logDelivery(ctx, tx, d)
	})
	if err != nil {
		return fmt.Errorf("log delivery to subscription %d: %w", d.SubscriptionID, err)
	}
	return nil
}

// logDelivery appends d to its subscription's log and drops what falls off
// the end. The caller holds the subscription's row.
func logDelivery(ctx context.Context, tx pgx.Tx, d feed.Delivery) error {
	_, err := tx.Exec(ctx, `INSERT INTO deliveries (subscription_id, time, kind, attempt, status, duration, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.SubscriptionID, micros.Of(d.Time), string(d.Kind), d.Attempt, d.Status, d.Duration.Microseconds(), d.Error)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM deliveries WHERE subscription_id = $1 AND id <= (
			SELECT id FROM deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
		d.SubscriptionID, feed.DeliveryLogSize)
	return err
}

// Deliveries returns up to limit entries of the log of the subscription with
// the given ID, newest first; limit <= 0 means the whole log. A subscription
// that does not exist has an empty log.
func (db *DB) Deliveries(ctx context.Context, subscriptionID int64, limit int) ([]feed.Delivery, error) {
	if limit <= 0 {
		limit = feed.DeliveryLogSize
	}
	rows, err := db.pool.Query(ctx, `SELECT subscription_id, time, kind, attempt, status, duration, error
		FROM deliveries WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2`, subscriptionID, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries of subscription %d: %w", subscriptionID, err)
	}
	defer rows.Close()
	var out []feed.Delivery
	for rows.Next() {
		var (
			d              feed.Delivery
			when, duration int64
			kind           string
		)
		if err := rows.Scan(&d.SubscriptionID, &when, &kind, &d.Attempt, &d.Status, &duration, &d.Error); err != nil {
			return nil, fmt.Errorf("deliveries of subscription %d: %w", subscriptionID, err)
		}
		d.Time, d.Kind, d.Duration = micros.Time(when), feed.DeliveryKind(kind), time.Duration(duration)*time.Microsecond
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deliveries of subscription %d: %w", subscriptionID, err)
	}
	return out, nil
}

func scanSubscription(row pgx.Row) (*feed.Subscription, error) {
	var (
		s                             feed.Subscription
		lease                         int64
		expires, created, nextAttempt int64
	)
	err := row.Scan(&s.ID, &s.Topic, &s.Callback, &s.Secret, &lease, &expires, &created,
		&s.DeliveredETag, &s.Failures, &nextAttempt)
	if err != nil {
		return nil, err
	}
	s.Lease = time.Duration(lease) * time.Second
	s.Expires, s.Created, s.NextAttempt = micros.Time(expires), micros.Time(created), micros.Time(nextAttempt)
	return &s, nil
}

func scanSubscriptions(rows pgx.Rows) ([]feed.Subscription, error) {
	defer rows.Close()
	var out []feed.Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}
