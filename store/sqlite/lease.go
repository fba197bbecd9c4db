package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// AcquireLease takes or renews the lease called name for owner until
// now+ttl. It returns true when owner holds it (it was free, expired, or
// already owner's), false when another owner holds it.
//
// Errors: a *feed.ValidationError for an empty name or owner or a ttl that
// is not positive.
func (db *DB) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if err := claim.CheckLease(name, owner, ttl); err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	var held bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, owner, expires) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
			WHERE leases.owner = excluded.owner OR leases.expires <= ?`,
			name, owner, micros.Of(now.Add(ttl)), micros.Of(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return held, nil
}

// ReleaseLease gives the lease called name up if owner holds it, so that
// another instance may take it at once; otherwise it does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
