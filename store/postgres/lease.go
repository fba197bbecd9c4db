package postgres

import (
	"context"
	"fmt"
	"time"

	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// AcquireLease takes or renews the lease called name for owner until
// now+ttl. It returns true when owner holds it (it was free, expired, or
// already owner's), false when another owner holds it. Of two instances
// taking a free lease at once, the second waits for the first's insert,
// then finds the lease held.
//
// Errors: a *feed.ValidationError for an empty name or owner or a ttl that
// is not positive.
func (db *DB) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if err := claim.CheckLease(name, owner, ttl); err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO leases (name, owner, expires) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
		WHERE leases.owner = excluded.owner OR leases.expires <= $4`,
		name, owner, micros.Of(now.Add(ttl)), micros.Of(now))
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, textError(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ReleaseLease gives the lease called name up if owner holds it, so that
// another instance may take it at once; otherwise it does nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, textError(err))
	}
	return nil
}
