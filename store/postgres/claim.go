package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed"
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
	if err := checkClaim(owner, lease); err != nil {
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
	at := toMicros(now)
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
			at, owner, toMicros(now.Add(lease)), max(perHost, 0), limit)
		if err != nil {
			return err
		}
		out, err = scanSources(rows, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due sources: %w", err)
	}
	slices.SortFunc(out, func(a, b feed.Source) int {
		if c := a.NextFetch.Compare(b.NextFetch); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
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
	if host == "" {
		return fmt.Errorf("hold host: %w", feed.Invalid("host", "is required"))
	}
	host = asciiLower(host)
	_, err := db.pool.Exec(ctx, `INSERT INTO host_holds (host, until) VALUES ($1, $2)
		ON CONFLICT (host) DO UPDATE SET until = GREATEST(host_holds.until, excluded.until)`, host, toMicros(until))
	if err != nil {
		return fmt.Errorf("hold host %s: %w", host, textError(err))
	}
	return nil
}

// checkClaim checks the owner and lease of a claim.
func checkClaim(owner string, lease time.Duration) error {
	v := &feed.ValidationError{}
	if owner == "" {
		v.Add("owner", "is required")
	}
	if lease <= 0 {
		v.Add("lease", "must be positive")
	}
	return v.Err()
}

// asciiLower lower-cases the ASCII letters of s, as lower() does under
// COLLATE "C" (and SQLite's always).
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
