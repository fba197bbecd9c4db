package websub

import (
	"slices"
	"testing"
	"time"

	"herald/feed"
)

func TestRetryPolicyWait(t *testing.T) {
	p := RetryPolicy{Attempts: 5, Base: time.Minute, Max: 5 * time.Minute}
	for _, tc := range []struct {
		failures int
		want     time.Duration
		ok       bool
	}{
		{1, time.Minute, true},
		{2, 2 * time.Minute, true},
		{3, 4 * time.Minute, true},
		{4, 5 * time.Minute, true}, // capped by Max
		{5, 0, false},              // Attempts tries have failed
		{9, 0, false},
	} {
		got, ok := p.Wait(tc.failures)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Wait(%d) = %v, %t; want %v, %t", tc.failures, got, ok, tc.want, tc.ok)
		}
	}
	// The default spreads its tries over about an hour.
	var total time.Duration
	for n := 1; ; n++ {
		d, ok := DefaultRetry.Wait(n)
		if !ok {
			break
		}
		total += d
	}
	if total < 45*time.Minute || total > 90*time.Minute {
		t.Errorf("DefaultRetry waits %v in all, want about an hour", total)
	}
}

func TestPlan(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	live := now.Add(time.Hour)
	subs := []feed.Subscription{
		{ID: 1, Topic: "a", DeliveredETag: `"old"`, Expires: live},                                        // news: due
		{ID: 2, Topic: "a", DeliveredETag: `"new"`, Expires: live},                                        // has it
		{ID: 3, Topic: "a", DeliveredETag: `"old"`, Expires: now},                                         // lease ran out
		{ID: 4, Topic: "a", DeliveredETag: `"old"`, Expires: live, NextAttempt: now.Add(2 * time.Minute)}, // waits to retry
		{ID: 5, Topic: "a", DeliveredETag: `"old"`, Expires: live, NextAttempt: now.Add(time.Minute)},     // waits, sooner
		{ID: 6, Topic: "a", DeliveredETag: `"old"`, Expires: live, NextAttempt: now},                      // retry due
		{ID: 7, Topic: "a", DeliveredETag: `"old"`, Expires: live},                                        // busy
		{ID: 8, Topic: "gone", DeliveredETag: `"old"`, Expires: live},                                     // topic not rendered
		{ID: 9, Topic: "b", DeliveredETag: "", Expires: live},                                             // never had any
	}
	etags := map[string]string{"a": `"new"`, "b": `"b1"`}
	due, next := plan(subs, etags, now, func(id int64) bool { return id == 7 })
	var ids []int64
	for _, s := range due {
		ids = append(ids, s.ID)
	}
	if want := []int64{1, 6, 9}; !slices.Equal(ids, want) {
		t.Errorf("due %v, want %v", ids, want)
	}
	if want := now.Add(time.Minute); !next.Equal(want) {
		t.Errorf("next %v, want %v", next, want)
	}
	if _, next := plan(subs[:3], etags, now, func(int64) bool { return false }); !next.IsZero() {
		t.Errorf("next %v with no retry waiting, want zero", next)
	}
}
