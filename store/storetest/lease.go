package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testLeases(t *testing.T) {
	t.Run("TakeRenewExpireRelease", c.testLeaseLifecycle)
	t.Run("Exclusive", c.testLeaseExclusive)
}

// testLeaseLifecycle: a lease is its holder's until it runs out or is
// released; its holder renews it; another takes it when it ends.
func (c *contract) testLeaseLifecycle(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	t0 := clk.T
	acquire := func(db store.DB, lease, owner string, now time.Time) bool {
		t.Helper()
		ok, err := db.AcquireLease(ctx, lease, owner, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !acquire(db, "prune", "a", t0) {
		t.Fatal("a free lease was not taken")
	}
	if acquire(other, "prune", "b", t0.Add(30*time.Second)) {
		t.Error("b took a's live lease")
	}
	if !acquire(other, "ping", "b", t0) {
		t.Error("b could not take another lease")
	}
	// a renews at 50s: until 1m50s.
	if !acquire(db, "prune", "a", t0.Add(50*time.Second)) {
		t.Error("a could not renew its lease")
	}
	if acquire(other, "prune", "b", t0.Add(time.Minute+49*time.Second)) {
		t.Error("b took a's renewed lease")
	}
	if !acquire(other, "prune", "b", t0.Add(time.Minute+50*time.Second)) {
		t.Error("b could not take a's lease when it ran out")
	}
	if acquire(db, "prune", "a", t0.Add(time.Minute+50*time.Second)) {
		t.Error("a took back b's lease")
	}
	// Releasing a lease one does not hold does nothing.
	if err := db.ReleaseLease(ctx, "prune", "a"); err != nil {
		t.Fatal(err)
	}
	if acquire(db, "prune", "a", t0.Add(2*time.Minute)) {
		t.Error("a took b's lease after releasing what it did not hold")
	}
	if err := other.ReleaseLease(ctx, "prune", "b"); err != nil {
		t.Fatal(err)
	}
	if !acquire(db, "prune", "a", t0.Add(2*time.Minute)) {
		t.Error("a could not take the lease b released")
	}
	if err := db.ReleaseLease(ctx, "unknown", "a"); err != nil {
		t.Errorf("release a lease nobody holds: %v", err)
	}
	if _, err := db.AcquireLease(ctx, "prune", "", t0, time.Minute); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("no owner: got %v, want ErrInvalid", err)
	}
}

// testLeaseExclusive: of instances on two handles taking a free lease at
// once, exactly one holds it.
func (c *contract) testLeaseExclusive(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	other := c.engine.Open(t, name, store.Options{Authority: "news.example.org", Now: clk.Now})
	for round, now := range []time.Time{clk.T, clk.T.Add(time.Hour)} {
		won := winners(t, []store.DB{db, other}, 12, func(handle store.DB, owner string) (bool, error) {
			return handle.AcquireLease(ctx, "prune", owner, now, time.Minute)
		})
		if len(won) != 1 {
			t.Errorf("round %d (the lease %s): held by %v, want exactly one", round, []string{"free", "expired"}[round], won)
		}
	}
}
