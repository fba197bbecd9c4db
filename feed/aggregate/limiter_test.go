package aggregate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
)

// acquirer acquires a slot in a goroutine and reports when it has one.
type acquirer struct {
	got     chan struct{}
	release func()
	err     error
}

func acquireAsync(ctx context.Context, l *Limiter, host string) *acquirer {
	a := &acquirer{got: make(chan struct{})}
	go func() {
		a.release, a.err = l.Acquire(ctx, host)
		close(a.got)
	}()
	return a
}

func (a *acquirer) done() bool {
	select {
	case <-a.got:
		return true
	default:
		return false
	}
}

func TestLimiterPerHostDoesNotStarveOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(2, 1)
		slow1, err := l.Acquire(t.Context(), "slow.example")
		if err != nil {
			t.Fatal(err)
		}
		slow2 := acquireAsync(t.Context(), l, "slow.example")
		synctest.Wait()
		if slow2.done() {
			t.Fatal("a second fetch from slow.example got a slot; want it to wait for the first")
		}
		// The waiting slow.example fetch must not hold an overall slot.
		fast := acquireAsync(t.Context(), l, "fast.example")
		synctest.Wait()
		if !fast.done() || fast.err != nil {
			t.Fatalf("fast.example is starved by slow.example (done %v, err %v)", fast.done(), fast.err)
		}
		slow1()
		synctest.Wait()
		if !slow2.done() || slow2.err != nil {
			t.Fatalf("slow.example's second fetch did not proceed after the first released (err %v)", slow2.err)
		}
		slow2.release()
		fast.release()
	})
}

func TestLimiterTotal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(2, 2)
		a, _ := l.Acquire(t.Context(), "a.example")
		b, _ := l.Acquire(t.Context(), "b.example")
		c := acquireAsync(t.Context(), l, "c.example")
		synctest.Wait()
		if c.done() {
			t.Fatal("a third fetch got a slot with total 2")
		}
		a()
		a() // a second release is a no-op, not a second slot
		synctest.Wait()
		if !c.done() {
			t.Fatal("c.example still waits after a slot was released")
		}
		d := acquireAsync(t.Context(), l, "d.example")
		synctest.Wait()
		if d.done() {
			t.Fatal("releasing twice freed two slots")
		}
		b()
		synctest.Wait()
		if !d.done() {
			t.Fatal("d.example still waits after b released")
		}
		c.release()
		d.release()
		if n := len(l.hosts); n != 0 {
			t.Errorf("%d hosts still tracked after every release, want 0", n)
		}
	})
}

func TestLimiterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(1, 1)
		hold, _ := l.Acquire(t.Context(), "a.example")

		// Waiting for the host slot.
		ctx, cancel := context.WithCancel(t.Context())
		sameHost := acquireAsync(ctx, l, "a.example")
		// Waiting for the overall slot, already holding its host slot.
		otherHost := acquireAsync(ctx, l, "b.example")
		synctest.Wait()
		cancel()
		synctest.Wait()
		for name, w := range map[string]*acquirer{"same host": sameHost, "other host": otherHost} {
			if !w.done() || !errors.Is(w.err, context.Canceled) || w.release != nil {
				t.Errorf("%s: done %v, err %v; want context.Canceled and no release", name, w.done(), w.err)
			}
		}
		hold()
		// Every slot is back: the limiter is as new.
		for _, host := range []string{"a.example", "b.example"} {
			r, err := l.Acquire(t.Context(), host)
			if err != nil {
				t.Fatalf("%s after cancel: %v", host, err)
			}
			r()
		}
		if n := len(l.hosts); n != 0 {
			t.Errorf("%d hosts still tracked, want 0", n)
		}
	})
}

// Many fetches over a few hosts, released one at a time: at every step the
// limits hold, and no slot is idle while a host under its own limit has a
// fetch waiting (nobody is starved by somebody else's host).
func TestLimiterInvariant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const total, perHost, fetches = 3, 2, 30
		l := NewLimiter(total, perHost)
		var (
			mu       sync.Mutex
			active   int
			holding  = map[string]int{}
			waiting  = map[string]int{}
			finished int
			wg       sync.WaitGroup
		)
		proceed := make(chan struct{})
		for i := range fetches {
			host := fmt.Sprintf("h%d.example", i%4)
			wg.Go(func() {
				mu.Lock()
				waiting[host]++
				mu.Unlock()
				release, err := l.Acquire(t.Context(), host)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				waiting[host]--
				active++
				holding[host]++
				mu.Unlock()

				<-proceed // the fetch, until the test lets it finish

				mu.Lock()
				active--
				holding[host]--
				finished++
				mu.Unlock()
				release()
			})
		}
		for step := range fetches {
			synctest.Wait() // everyone holds a slot or waits for one
			mu.Lock()
			if active < 1 || active > total {
				t.Fatalf("step %d: %d fetches hold slots, want 1 to %d", step, active, total)
			}
			for host, n := range holding {
				if n > perHost {
					t.Fatalf("step %d: %s holds %d slots, limit %d", step, host, n, perHost)
				}
				if waiting[host] > 0 && n < perHost && active < total {
					t.Fatalf("step %d: %s waits with %d of %d host slots and %d of %d overall taken",
						step, host, n, perHost, active, total)
				}
			}
			mu.Unlock()
			proceed <- struct{}{}
		}
		wg.Wait()
		if finished != fetches {
			t.Errorf("%d of %d fetches finished", finished, fetches)
		}
	})
}
