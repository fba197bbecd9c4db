package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"herald/feed"
	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// ClaimDueSources claims, for owner until now+lease, up to limit (<= 0: no
// bound) enabled sources whose next fetch is at or before now and that no
// live claim holds, the longest overdue first, and returns them as
// DueSources would. At most perHost sources of one host are claimed at once
// across all owners, claims already held counting (perHost <= 0: no bound);
// a host held by HoldHost until after now is skipped. The one writer
// serializes claimers, in this process and any other.
//
// Errors: a *feed.ValidationError for an empty owner or a lease that is not
// positive.
func (db *DB) ClaimDueSources(ctx context.Context, owner string, now time.Time, lease time.Duration, limit, perHost int) ([]feed.Source, error) {
	if err := claim.Check(owner, lease); err != nil {
		return nil, fmt.Errorf("claim due sources: %w", err)
	}
	if limit <= 0 {
		limit = math.MaxInt32
	}
	at, until := micros.Of(now), micros.Of(now.Add(lease))
	// due: the claimable sources; with a bound per host, each numbered
	// within its host after the claims that host holds already.
	due := `SELECT s.id, s.next_fetch, 0 AS place FROM sources s
		WHERE s.enabled AND s.next_fetch <= ? AND s.claimed_until <= ?
			AND NOT EXISTS (SELECT 1 FROM host_holds hh WHERE hh.host = s.host AND hh.until > ?)`
	args := []any{at, at, at}
	if perHost > 0 {
		due = `SELECT s.id, s.next_fetch,
				ROW_NUMBER() OVER (PARTITION BY s.host ORDER BY s.next_fetch, s.id) + COALESCE(h.n, 0) AS place
			FROM sources s LEFT JOIN (
				SELECT host, COUNT(*) AS n FROM sources
				WHERE claimed_until > 0 AND claimed_until > ? GROUP BY host
			) h ON h.host = s.host
			WHERE s.enabled AND s.next_fetch <= ? AND s.claimed_until <= ?
				AND NOT EXISTS (SELECT 1 FROM host_holds hh WHERE hh.host = s.host AND hh.until > ?)`
		args = []any{at, at, at, at}
	}
	var out []feed.Source
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// Holds that ended are no use to anyone.
		if _, err := tx.ExecContext(ctx, `DELETE FROM host_holds WHERE until <= ?`, at); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `WITH due AS (`+due+`)
			UPDATE sources AS s SET claim_owner = ?, claimed_until = ?
			WHERE s.id IN (SELECT id FROM due WHERE place <= ? ORDER BY next_fetch, id LIMIT ?)
			RETURNING `+strings.ReplaceAll(sourceColumns, "s.", ""), // RETURNING takes no alias
			append(args, owner, until, max(perHost, 0), limit)...)
		if err != nil {
			return err
		}
		out, err = scanSources(rows, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due sources: %w", err)
	}
	claim.SortSources(out)
	return out, nil
}

// ReleaseSources ends every claim owner holds on sources, so that other
// instances may take them at once.
func (db *DB) ReleaseSources(ctx context.Context, owner string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sources SET claim_owner = '', claimed_until = 0
			WHERE claim_owner = ? AND claimed_until > 0`, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release the sources of %s: %w", owner, err)
	}
	return nil
}

// HoldHost records that host asked not to be fetched before until, for
// every instance; a later hold replaces an earlier one only if it ends
// later. host is ASCII lower-cased, as sources' hosts are.
//
// Errors: a *feed.ValidationError for an empty host.
func (db *DB) HoldHost(ctx context.Context, host string, until time.Time) error {
	host, err := claim.Host(host)
	if err != nil {
		return fmt.Errorf("hold host: %w", err)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO host_holds (host, until) VALUES (?, ?)
			ON CONFLICT (host) DO UPDATE SET until = max(until, excluded.until)`, host, micros.Of(until))
		return err
	})
	if err != nil {
		return fmt.Errorf("hold host %s: %w", host, err)
	}
	return nil
}
