// Package claim holds the rules of work that instances share through the
// database which every store engine applies alike: the arguments of claims
// and leases, hosts as claims name them, the order of claimed sources, and
// the minutes that subscribers' requests are counted in. The claiming and
// counting themselves are each engine's SQL.
package claim

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"herald/feed"
)

// Check checks the owner and lease of a claim: a *feed.ValidationError for
// an empty owner or a lease that is not positive.
func Check(owner string, lease time.Duration) error {
	v := &feed.ValidationError{}
	if owner == "" {
		v.Add("owner", "is required")
	}
	if lease <= 0 {
		v.Add("lease", "must be positive")
	}
	return v.Err()
}

// CheckLease checks the arguments of a leader lease (AcquireLease): a
// *feed.ValidationError for an empty name or owner or a ttl that is not
// positive.
func CheckLease(name, owner string, ttl time.Duration) error {
	v := &feed.ValidationError{}
	if name == "" {
		v.Add("name", "is required")
	}
	if owner == "" {
		v.Add("owner", "is required")
	}
	if ttl <= 0 {
		v.Add("ttl", "must be positive")
	}
	return v.Err()
}

// Host returns host as claims and holds name it: its ASCII letters lower
// case, as SQLite's lower() and PostgreSQL's under COLLATE "C" make the
// hosts of sources. It returns a *feed.ValidationError for an empty host.
func Host(host string) (string, error) {
	if host == "" {
		return "", feed.Invalid("host", "is required")
	}
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, host), nil
}

// SortSources puts claimed sources in the order DueSources lists them: the
// longest overdue first, then by ID.
func SortSources(s []feed.Source) {
	slices.SortFunc(s, func(a, b feed.Source) int {
		if c := a.NextFetch.Compare(b.NextFetch); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// RateKept is how long the counts of subscribers' requests (AddRateUse)
// are kept: rows of minutes that much before the minute counted may go.
const RateKept = time.Hour

// RateMinute returns the minute in which AddRateUse counts n requests made
// at window: window in UTC, truncated to the minute. It returns a
// *feed.ValidationError for a negative n.
func RateMinute(window time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, feed.Invalid("n", "must not be negative")
	}
	return window.UTC().Truncate(time.Minute), nil
}
