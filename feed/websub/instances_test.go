package websub

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"herald/feed"
)

// Many instances: hubs that share one store, as herald serve processes on
// one database do, each with its own dispatcher and workers.

// cluster is n hubs over one store, topics and network, in a synctest
// bubble.
type cluster struct {
	*bubble
	hubs []*Hub
	stop []func() // stop[i] ends hub i's Run and waits for it
}

// startCluster runs n hubs until the end of the test, or until stopped;
// call it inside synctest.Test. The bubble's hub is hubs[0].
func startCluster(t *testing.T, n int, o Options) *cluster {
	t.Helper()
	b := &bubble{t: t, store: newFakeStore(), topics: &fakeTopics{}, net: &fakeNet{}}
	b.topics.set(testTopic, "v1")
	o.URL = testHub
	o.Guard.AllowPrivate = true
	c := &cluster{bubble: b}
	for i := range n {
		o.Owner = fmt.Sprintf("instance-%d", i)
		h := New(b.store, o)
		h.client = &http.Client{Transport: b.net, CheckRedirect: h.client.CheckRedirect}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			h.Run(ctx, b.topics)
			close(done)
		}()
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				cancel()
				<-done
			}
		}
		t.Cleanup(stop)
		c.hubs = append(c.hubs, h)
		c.stop = append(c.stop, stop)
	}
	b.hub = c.hubs[0]
	synctest.Wait()
	return c
}

// changeAll publishes a new version of the topic and tells every hub, as
// PostgreSQL's notifications do, then waits until they have done all they
// will do now.
func (c *cluster) changeAll(body string) {
	c.topics.set(testTopic, body)
	c.store.bump()
	for _, h := range c.hubs {
		h.Notify()
	}
	synctest.Wait()
}

func TestInstancesDeliverEachChangeOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 3, Options{})
		var subs []*subscriber
		for i := range 20 {
			subs = append(subs, c.subscriber(fmt.Sprintf("https://s%d.example.com/push", i), "", feed.DefaultLease))
		}
		for _, v := range []string{"v2", "v3", "v4"} {
			c.changeAll(v)
		}
		time.Sleep(time.Hour) // every periodic check of every hub, too
		for i, s := range subs {
			if got := bodies(s.got()); got != "v2,v3,v4" {
				t.Errorf("subscriber %d got %q, want v2,v3,v4, each once", i, got)
			}
		}
		if n := len(c.store.deliveries()); n != 60 {
			t.Errorf("%d deliveries logged, want 60", n)
		}
	})
}

func TestInstancesVerifyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 3, Options{CheckEvery: 2 * time.Second})
		sub := &subscriber{}
		c.net.handle("https://sub.example.com/cb", sub)
		// Through a hub that does not run (herald serve --role web): a
		// running one verifies it within CheckEvery.
		web := New(c.store, Options{URL: testHub, Guard: guardOff})
		start := time.Now()
		if err := web.Request(t.Context(), Request{Mode: Subscribe, Topic: testTopic, Callback: "https://sub.example.com/cb"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		gets := sub.challenges()
		if len(gets) != 1 {
			t.Fatalf("%d verifications of one request, want 1", len(gets))
		}
		s, ok := c.store.sub(testTopic, "https://sub.example.com/cb")
		if !ok {
			t.Fatal("verified subscription not stored")
		}
		if d := s.Created.Sub(start); d > 2*time.Second {
			t.Errorf("verified %v after the request, want within CheckEvery (2s)", d)
		}
		if q := c.store.queued(); len(q) != 0 {
			t.Errorf("%d requests left in the queue after verification", len(q))
		}
	})
}

// A hub that stops while delivering gives its claims back, and another
// takes the delivery at its next look, not when the claim's lease runs out.
func TestStoppingInstanceGivesWorkBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 2, Options{CheckEvery: 2 * time.Second, Timeout: time.Minute})
		sub := c.subscriber("https://slow.example.com/push", "", feed.DefaultLease)
		sub.set(func(s *subscriber) { s.hang = true })
		// Only hub 0 hears of the change; it claims the delivery, which hangs.
		c.topics.set(testTopic, "v2")
		c.store.bump()
		c.hubs[0].Notify()
		synctest.Wait()
		if id := c.subID(t, "https://slow.example.com/push"); !c.store.claimed(id) {
			t.Fatal("the delivery is not claimed")
		}
		sub.set(func(s *subscriber) { s.hang = false })
		stopped := time.Now()
		c.stop[0]()
		time.Sleep(10 * time.Second)
		got := sub.got()
		if len(got) != 1 || got[0].body != "v2" {
			t.Fatalf("got %q, want v2 delivered by the other hub", bodies(got))
		}
		if d := got[0].at.Sub(stopped); d > 2*time.Second {
			t.Errorf("delivered %v after the first hub stopped, want within CheckEvery (2s), not the lease (2m)", d)
		}
	})
}

// Work claimed by an instance that died (and so gave nothing back) is
// taken over when its lease runs out.
func TestDeadInstanceWorkTakenOverAfterLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startCluster(t, 1, Options{CheckEvery: 2 * time.Second, Timeout: 10 * time.Second})
		sub := c.subscriber("https://sub.example.com/push", "", feed.DefaultLease)
		c.topics.set(testTopic, "v2")
		c.store.bump()
		// The dead instance's claim, taken just before it died.
		id := c.subID(t, "https://sub.example.com/push")
		if ok, _ := c.store.ClaimDelivery(t.Context(), id, `"v2"`, "dead", time.Now(), 20*time.Second); !ok {
			t.Fatal("could not claim for the dead instance")
		}
		start := time.Now()
		c.hubs[0].Notify()
		time.Sleep(time.Minute)
		got := sub.got()
		if len(got) != 1 || got[0].body != "v2" {
			t.Fatalf("got %q, want v2 once", bodies(got))
		}
		if d := got[0].at.Sub(start); d < 20*time.Second || d > 22*time.Second {
			t.Errorf("delivered %v after the dead instance's claim, want when its 20s lease ran out (within CheckEvery)", d)
		}
	})
}

// Only the instance that holds the leader lease prunes; when it stops,
// another takes the lease over.
func TestOnlyLeaderPrunes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &countingStore{fakeStore: newFakeStore()}
		c := startClusterOn(t, st, 3, Options{})
		time.Sleep(pruneEvery / 2)
		if n := st.prunes.Load(); n != 1 {
			t.Errorf("%d prunes in the first half hour by 3 instances, want 1", n)
		}
		leader := st.leaseHolder(leaderLease)
		for i, h := range c.hubs {
			if h.opt.Owner == leader {
				c.stop[i]()
			}
		}
		time.Sleep(time.Minute)
		if got := st.leaseHolder(leaderLease); got == leader || got == "" {
			t.Errorf("leader after %s stopped: %q, want another instance", leader, got)
		}
	})
}

// countingStore counts the prunes.
type countingStore struct {
	*fakeStore
	prunes atomic.Int32
}

func (st *countingStore) PruneSubscriptions(ctx context.Context, now time.Time) (int, error) {
	st.prunes.Add(1)
	return st.fakeStore.PruneSubscriptions(ctx, now)
}

// startClusterOn is startCluster over a store of the test's making.
func startClusterOn(t *testing.T, st Store, n int, o Options) *cluster {
	t.Helper()
	c := &cluster{bubble: &bubble{t: t, topics: &fakeTopics{}, net: &fakeNet{}}}
	c.topics.set(testTopic, "v1")
	o.URL, o.Guard.AllowPrivate = testHub, true
	for i := range n {
		o.Owner = fmt.Sprintf("instance-%d", i)
		h := New(st, o)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			h.Run(ctx, c.topics)
			close(done)
		}()
		stopped := false
		stop := func() {
			if !stopped {
				stopped = true
				cancel()
				<-done
			}
		}
		t.Cleanup(stop)
		c.hubs, c.stop = append(c.hubs, h), append(c.stop, stop)
	}
	synctest.Wait()
	return c
}

// subID returns the ID of the subscription of callback to the test topic.
func (c *cluster) subID(t *testing.T, callback string) int64 {
	t.Helper()
	s, ok := c.store.sub(testTopic, callback)
	if !ok {
		t.Fatalf("no subscription of %s", callback)
	}
	return s.ID
}
