package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store/postgres"
)

// TestAddUsageFromInstances has three instances add the usage they counted
// to the same subscribers at once: every poll is counted, the latest time
// seen wins, and the user agents kept are the busiest of all the adds.
func TestAddUsageFromInstances(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, url, clk := openTest(t)
	handles := []*postgres.DB{db, openURL(t, url, postgres.Options{Now: clk.Now}), openURL(t, url, postgres.Options{Now: clk.Now})}
	var ids []int64
	for _, name := range []string{"alpha", "beta"} {
		s := &feed.Subscriber{Name: name, Plan: feed.PlanFull}
		if err := db.CreateSubscriber(ctx, s, []byte(name)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	const adders, adds = 6, 20
	var wg sync.WaitGroup
	errs := make([]error, adders)
	for a := range adders {
		wg.Go(func() {
			for i := range adds {
				agents := map[string]int64{
					"Common/1.0":                      1,
					fmt.Sprintf("Adder/%d", a):        int64(i + 1),
					fmt.Sprintf("Once/%d-%02d", a, i): 1,
				}
				u := feed.Usage{Polls: 2, NotModified: 1, LastSeen: clk.T.Add(time.Duration(a*adds+i) * time.Second), UserAgents: agents}
				// The ids in both orders: the adds must not deadlock.
				usage := map[int64]feed.Usage{ids[0]: u, ids[1]: u, 999: u}
				if err := handles[a%len(handles)].AddUsage(ctx, usage); err != nil {
					errs[a] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for a, err := range errs {
		if err != nil {
			t.Fatalf("adder %d: %v", a, err)
		}
	}
	for _, name := range []string{"alpha", "beta"} {
		s, err := db.Subscriber(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		u := s.Usage
		if u.Polls != 2*adders*adds || u.NotModified != adders*adds {
			t.Errorf("%s: %d polls, %d not modified; want %d and %d", name, u.Polls, u.NotModified, 2*adders*adds, adders*adds)
		}
		if want := clk.T.Add(time.Duration(adders*adds-1) * time.Second); !u.LastSeen.Equal(want) {
			t.Errorf("%s: last seen %v, want %v", name, u.LastSeen, want)
		}
		if len(u.UserAgents) != feed.MaxUserAgents {
			t.Errorf("%s: %d user agents kept, want %d", name, len(u.UserAgents), feed.MaxUserAgents)
		}
		if n := u.UserAgents["Common/1.0"]; n != adders*adds {
			t.Errorf("%s: Common/1.0 counted %d times, want %d", name, n, adders*adds)
		}
		for a := range adders {
			if n := u.UserAgents[fmt.Sprintf("Adder/%d", a)]; n != adds*(adds+1)/2 {
				t.Errorf("%s: Adder/%d counted %d times, want %d", name, a, n, adds*(adds+1)/2)
			}
		}
	}
}
