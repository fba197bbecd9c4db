package stats

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// shards spreads a Counter's feeds over locks, so that polls of different
// feeds on different cores do not wait for one another.
const shards = 16

// MaxTallies bounds how many feed, partner and day combinations a Counter
// holds between flushes (each holds two sketches of 1 KB); past it, the
// polls of new ones are counted under the feed Overflow. Only feeds that
// answered 200 or 304 are counted, so it is reached only by many search
// feeds.
const MaxTallies = 4096

// Overflow is the feed that polls are counted under once a Counter holds
// MaxTallies combinations.
const Overflow = "(other)"

// A Counter counts polls of feeds in memory until Flush stores them. It is
// safe for concurrent use; its zero value is ready.
type Counter struct {
	// Location is the time zone whose days the counts are of (a
	// newsroom's own, so that "today" ends at its midnight); nil is UTC.
	// It is set before the first Record and not changed.
	Location *time.Location

	seed   maphash.Seed
	once   sync.Once
	shards [shards]counterShard
}

type counterShard struct {
	mu sync.Mutex
	m  map[tallyKey]*tally
	_  [48]byte // a cache line each
}

type tallyKey struct {
	day           int64 // days since 1970-01-01, of the Counter's Location
	feed, partner string
}

type tally struct {
	polls, notModified, bytes int64
	pollers, unreported       Sketch
	reports                   map[string]report
}

type report struct {
	n  int64
	at time.Time
}

// Record counts one answer of feed (as Count.Feed names it) to partner (""
// for the public): status (only 200 and 304 are polls; the rest is not
// counted), bytes of body sent, the client's address (host:port, as
// http.Request.RemoteAddr) and User-Agent, at now.
func (c *Counter) Record(feed, partner string, status, bytes int, client, userAgent string, now time.Time) {
	if status != http.StatusOK && status != http.StatusNotModified || feed == "" {
		return
	}
	h := PollerHash(client, userAgent)
	var (
		agg      string
		n        int64
		reported bool
	)
	if mayReport(userAgent) {
		agg, n, reported = ParseUserAgent(userAgent)
	}
	key := tallyKey{day: dayNumber(now, c.Location), feed: feed, partner: partner}
	sh := c.shard(feed)
	sh.mu.Lock()
	t := sh.get(key)
	t.polls++
	if status == http.StatusNotModified {
		t.notModified++
	}
	t.bytes += int64(bytes)
	t.pollers.Add(h)
	if reported {
		if t.reports == nil {
			t.reports = map[string]report{}
		}
		if r, ok := t.reports[agg]; ok || len(t.reports) < maxReports {
			if !now.Before(r.at) {
				t.reports[strings.Clone(agg)] = report{n, now}
			}
		}
	} else {
		t.unreported.Add(h)
	}
	sh.mu.Unlock()
}

// maxReports bounds the aggregators one tally remembers.
const maxReports = 64

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func (c *Counter) shard(feed string) *counterShard {
	c.once.Do(func() { c.seed = maphash.MakeSeed() })
	return &c.shards[maphash.String(c.seed, feed)%shards]
}

// get returns the tally of key, made if need be: under Overflow when the
// shard is full. The caller holds sh.mu.
func (sh *counterShard) get(key tallyKey) *tally {
	if t := sh.m[key]; t != nil {
		return t
	}
	if sh.m == nil {
		sh.m = map[tallyKey]*tally{}
	}
	if len(sh.m) >= MaxTallies/shards {
		key.feed, key.partner = Overflow, ""
		if t := sh.m[key]; t != nil {
			return t
		}
	}
	key.feed, key.partner = strings.Clone(key.feed), strings.Clone(key.partner)
	t := new(tally)
	sh.m[key] = t
	return t
}

// Drain returns what was counted since the last Drain and forgets it.
func (c *Counter) Drain() *Batch {
	b := new(Batch)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		m := sh.m
		sh.m = nil
		sh.mu.Unlock()
		for k, t := range m {
			day := time.Unix(k.day*86400, 0).UTC().Format(DayFormat)
			b.Counts = append(b.Counts, Count{Day: day, Feed: k.feed, Partner: k.partner,
				Polls: t.polls, NotModified: t.notModified, Bytes: t.bytes, Pollers: &t.pollers, Unreported: &t.unreported})
			for agg, r := range t.reports {
				b.Reports = append(b.Reports, Report{Day: day, Feed: k.feed, Partner: k.partner, Aggregator: agg,
					Subscribers: r.n, At: r.at})
			}
		}
	}
	// One order for every batch, so that two instances' flushes lock rows
	// in the same order (no deadlock on PostgreSQL).
	slices.SortFunc(b.Counts, func(x, y Count) int {
		return cmp.Or(strings.Compare(x.Day, y.Day), strings.Compare(x.Feed, y.Feed), strings.Compare(x.Partner, y.Partner))
	})
	slices.SortFunc(b.Reports, func(x, y Report) int {
		return cmp.Or(strings.Compare(x.Day, y.Day), strings.Compare(x.Feed, y.Feed), strings.Compare(x.Partner, y.Partner),
			strings.Compare(x.Aggregator, y.Aggregator))
	})
	return b
}

// Restore counts b again, as if its polls had come now: for a flush that
// failed, so that its counts go with the next one.
func (c *Counter) Restore(b *Batch) {
	for _, n := range b.Counts {
		t, ok := c.tallyOf(n.Day, n.Feed, n.Partner)
		if !ok {
			continue
		}
		t.t.polls += n.Polls
		t.t.notModified += n.NotModified
		t.t.bytes += n.Bytes
		t.t.pollers.Merge(n.Pollers)
		t.t.unreported.Merge(n.Unreported)
		t.sh.mu.Unlock()
	}
	for _, r := range b.Reports {
		t, ok := c.tallyOf(r.Day, r.Feed, r.Partner)
		if !ok {
			continue
		}
		if t.t.reports == nil {
			t.t.reports = map[string]report{}
		}
		if old, ok := t.t.reports[r.Aggregator]; !ok && len(t.t.reports) < maxReports || ok && !r.At.Before(old.at) {
			t.t.reports[r.Aggregator] = report{r.Subscribers, r.At}
		}
		t.sh.mu.Unlock()
	}
}

type lockedTally struct {
	sh *counterShard
	t  *tally
}

// tallyOf returns the tally of a day, feed and partner with its shard
// locked; false for a day that does not parse.
func (c *Counter) tallyOf(day, feed, partner string) (lockedTally, bool) {
	d, err := ParseDay(day)
	if err != nil {
		return lockedTally{}, false
	}
	sh := c.shard(feed)
	sh.mu.Lock()
	return lockedTally{sh, sh.get(tallyKey{day: floorDiv(d.Unix(), 86400), feed: feed, partner: partner})}, true
}

// Flush adds what was counted since the last flush to st. When st fails,
// the counts are kept for the next flush, and the error returned.
func (c *Counter) Flush(ctx context.Context, st Store) error {
	b := c.Drain()
	if b.Empty() {
		return nil
	}
	if err := st.AddStats(ctx, b); err != nil {
		c.Restore(b)
		return fmt.Errorf("store readership stats: %w", err)
	}
	return nil
}
