package websub

import (
	"time"

	"herald/feed"
)

// A RetryPolicy says when a failed delivery is tried again: Base after the
// first failure, then twice as long after each further one (never more than
// Max), until Attempts tries have failed. The news is then given up: the
// subscriber gets the next change, whole, as every delivery is the whole feed.
type RetryPolicy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// DefaultRetry tries a delivery 7 times over about an hour: at once, then
// after 1, 2, 4, 8, 16 and 32 minutes.
var DefaultRetry = RetryPolicy{Attempts: 7, Base: time.Minute, Max: time.Hour}

// Wait returns how long to wait after the failures-th failure in a row
// before trying again, or false when no try is left.
func (p RetryPolicy) Wait(failures int) (time.Duration, bool) {
	if failures >= p.Attempts {
		return 0, false
	}
	d := p.Base
	for i := 1; i < failures && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max), true
}

// plan picks, from the active subscriptions of a pass, those due a delivery
// at now: their lease runs, their topic's current ETag (etags; a topic
// missing there cannot be rendered now) differs from the one last delivered
// to them, their retry time has come, and busy does not hold them (a
// delivery to them is under way, or has ended since they were read). It also
// returns the earliest retry time still to come, or zero.
func plan(subs []feed.Subscription, etags map[string]string, now time.Time, busy func(id int64) bool) (due []feed.Subscription, next time.Time) {
	for _, s := range subs {
		etag, ok := etags[s.Topic]
		if !ok || !s.Active(now) || s.DeliveredETag == etag {
			continue
		}
		if s.NextAttempt.After(now) {
			if next.IsZero() || s.NextAttempt.Before(next) {
				next = s.NextAttempt
			}
			continue
		}
		if busy(s.ID) {
			continue
		}
		due = append(due, s)
	}
	return due, next
}
