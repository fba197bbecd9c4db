package postgres

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/claim"
	"herald/store/internal/micros"
)

// ClaimDueSources claims, for owner until now+lease, up to limit (<= 0: no
// bound) enabled sources whose next fetch is at or before now and that no
// live claim holds, the longest overdue first, and returns them as
// DueSources would. At most perHost sources of one host are claimed at once
// across all owners, claims already held counting (perHost <= 0: no bound);
// a host held by HoldHost until after now is skipped.
//
// Claimers lock the rows they take with FOR UPDATE SKIP LOCKED, so that
// none waits for another, and recheck each row as it is locked: a row that
// another claimer (or a poll) changed since the statement began is taken
// only if it is still claimable. No source is so returned twice for one due
// time. The bound per host needs more: two claimers counting a host's
// claims at once would each see room for the same perHost sources. So
// claimers with a bound take turns, holding sourceClaimLock for their short
// transaction, each counting what the one before committed. Callers that
// share a database should pass the same perHost.
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
	// due: the claimable sources; with a bound per host, each numbered
	// within its host after the claims that host holds already.
	due := `SELECT s.id, s.next_fetch, 0 AS place FROM sources s
		WHERE s.enabled AND s.next_fetch <= $1 AND s.claimed_until <= $1
			AND NOT EXISTS (SELECT 1 FROM host_holds hh WHERE hh.host = s.host AND hh.until > $1)`
	if perHost > 0 {
		due = `SELECT s.id, s.next_fetch,
				row_number() OVER (PARTITION BY s.host ORDER BY s.next_fetch, s.id) + COALESCE(h.n, 0) AS place
			FROM sources s LEFT JOIN (
				SELECT host, count(*) AS n FROM sources
				WHERE claimed_until > 0 AND claimed_until > $1 GROUP BY host
			) h ON h.host = s.host
			WHERE s.enabled AND s.next_fetch <= $1 AND s.claimed_until <= $1
				AND NOT EXISTS (SELECT 1 FROM host_holds hh WHERE hh.host = s.host AND hh.until > $1)`
	}
	at := micros.Of(now)
	var out []feed.Source
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if perHost > 0 {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", sourceClaimLock); err != nil {
				return fmt.Errorf("wait for other claimers: %w", err)
			}
		}
		// Holds that ended are no use to anyone.
		if _, err := tx.Exec(ctx, `DELETE FROM host_holds WHERE until <= $1`, at); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `WITH due AS (`+due+`),
			picked AS (SELECT id FROM due WHERE place <= $4 ORDER BY next_fetch, id LIMIT $5),
			locked AS (
				SELECT s.id FROM sources s
				WHERE s.id IN (SELECT id FROM picked)
					AND s.enabled AND s.next_fetch <= $1 AND s.claimed_until <= $1
				FOR UPDATE OF s SKIP LOCKED
			)
			UPDATE sources s SET claim_owner = $2, claimed_until = $3 FROM locked
			WHERE s.id = locked.id
			RETURNING `+sourceColumns,
			at, owner, micros.Of(now.Add(lease)), max(perHost, 0), limit)
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
	_, err := db.pool.Exec(ctx, `UPDATE sources SET claim_owner = '', claimed_until = 0
		WHERE claim_owner = $1 AND claimed_until > 0`, owner)
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
	_, err = db.pool.Exec(ctx, `INSERT INTO host_holds (host, until) VALUES ($1, $2)
		ON CONFLICT (host) DO UPDATE SET until = GREATEST(host_holds.until, excluded.until)`, host, micros.Of(until))
	if err != nil {
		return fmt.Errorf("hold host %s: %w", host, textError(err))
	}
	return nil
}
