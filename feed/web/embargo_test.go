package web_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"herald/feed/web"
)

// fakeEmbargoes is a store of embargo times on the bubble's clock: a lift
// takes every time that has come, and records when it ran.
type fakeEmbargoes struct {
	mu     sync.Mutex
	due    []time.Time
	lifted []time.Time // when each embargo was lifted
	calls  int
}

func (f *fakeEmbargoes) hold(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.due = append(f.due, at)
}

func (f *fakeEmbargoes) LiftEmbargoes(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	now := time.Now()
	var ids []string
	f.due = slices.DeleteFunc(f.due, func(t time.Time) bool {
		if t.After(now) {
			return false
		}
		ids = append(ids, strconv.Itoa(len(f.lifted)))
		f.lifted = append(f.lifted, now)
		return true
	})
	return ids, nil
}

func (f *fakeEmbargoes) NextEmbargo(context.Context) (time.Time, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.due) == 0 {
		return time.Time{}, false, nil
	}
	return slices.MinFunc(f.due, func(a, b time.Time) int { return a.Compare(b) }), true, nil
}

// noStore is a web.Store that the timer never reads.
type noStore struct{ web.Store }

// TestRunEmbargoesTimer checks the lift timer on a fake clock: an embargo
// that passed is lifted at start; the next is lifted at its time, not
// before and not by polling; an embargo written later (Changed) sets the
// timer again at once, though the periodic check is an hour away.
func TestRunEmbargoesTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		f := &fakeEmbargoes{}
		f.hold(t0.Add(-time.Minute)) // passed while herald was down
		f.hold(t0.Add(2 * time.Hour))
		s := web.New(noStore{}, web.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			s.RunEmbargoes(ctx, f, time.Hour)
			close(done)
		}()
		synctest.Wait()
		if len(f.lifted) != 1 || !f.lifted[0].Equal(t0) {
			t.Fatalf("at start: lifted at %v, want once at %v", f.lifted, t0)
		}
		// An embargo written meanwhile, ten minutes from now.
		time.Sleep(5 * time.Minute)
		f.hold(time.Now().Add(10 * time.Minute))
		s.Changed()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if len(f.lifted) != 2 || !f.lifted[1].Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("lifted at %v, want the second at %v", f.lifted, t0.Add(15*time.Minute))
		}
		time.Sleep(2*time.Hour - 15*time.Minute)
		synctest.Wait()
		if len(f.lifted) != 3 || !f.lifted[2].Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("lifted at %v, want the third at %v", f.lifted, t0.Add(2*time.Hour))
		}
		if f.calls > 8 {
			t.Errorf("%d lifts over two hours with three embargoes: the timer polls", f.calls)
		}
		cancel()
		<-done
	})
}
