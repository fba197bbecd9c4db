package stats

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSketch checks the estimate against the true count, from one poller
// to a hundred thousand (within four standard errors, 13%), and that merging
// two sketches counts the pollers they share once.
func TestSketch(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 100, 1000, 10_000, 100_000} {
		var s Sketch
		for i := range n {
			s.Add(PollerHash(fmt.Sprintf("10.%d.%d.%d:443", i>>16, i>>8&255, i&255), "Reader/1"))
		}
		got := s.Estimate()
		if n <= 10 && got != int64(n) || n <= 100 && math.Abs(float64(got-int64(n))) > 2 {
			t.Errorf("%d pollers: estimated %d, want %d (within 2 up to 100)", n, got, n)
		}
		if e := math.Abs(float64(got)-float64(n)) / math.Max(float64(n), 1); e > 0.13 {
			t.Errorf("%d pollers: estimated %d, %.1f%% off", n, got, 100*e)
		}
	}
	var a, b Sketch
	for i := range 3000 {
		h := PollerHash(fmt.Sprintf("192.0.2.%d", i), "UA")
		if i < 2000 {
			a.Add(h)
		}
		if i >= 1000 {
			b.Add(h)
		}
	}
	if !a.Merge(&b) {
		t.Error("merging new pollers changed nothing")
	}
	if a.Merge(&b) {
		t.Error("merging the same pollers again changed the sketch")
	}
	if got := a.Estimate(); math.Abs(float64(got)-3000)/3000 > 0.13 {
		t.Errorf("merged: estimated %d, want about 3000", got)
	}
}

func TestPollerHash(t *testing.T) {
	same := [][2]string{
		{"192.0.2.1:1234", "192.0.2.1:5678"},
		{"[2001:db8::1]:443", "[2001:db8::1]:80"},
		{"2001:db8::1", "2001:db8::1"},
	}
	for _, p := range same {
		if PollerHash(p[0], "UA") != PollerHash(p[1], "UA") {
			t.Errorf("%s and %s are one poller, hashed apart", p[0], p[1])
		}
	}
	for _, p := range [][4]string{
		{"192.0.2.1:1", "UA", "192.0.2.2:1", "UA"},
		{"192.0.2.1:1", "UA/1", "192.0.2.1:1", "UA/2"},
		{"192.0.2.1:1", "", "192.0.2.1", ":1"},
		{"2001:db8::1", "UA", "2001:db8::2", "UA"},
	} {
		if PollerHash(p[0], p[1]) == PollerHash(p[2], p[3]) {
			t.Errorf("%q and %q hash alike", p[:2], p[2:])
		}
	}
}

func TestSketchBytes(t *testing.T) {
	for _, n := range []int{0, 1, 50, 5000} {
		var s Sketch
		for i := range n {
			s.Add(PollerHash(fmt.Sprint(i), ""))
		}
		b := s.Bytes()
		if n < 100 && len(b) > 1+3*n {
			t.Errorf("%d pollers: %d bytes, want the sparse form", n, len(b))
		}
		if len(b) > 1+registers {
			t.Errorf("%d pollers: %d bytes", n, len(b))
		}
		back, err := ParseSketch(b)
		if err != nil || back.r != s.r {
			t.Errorf("%d pollers: read back %v, %v", n, back.Estimate(), err)
		}
	}
	if s, err := ParseSketch(nil); err != nil || !s.Empty() {
		t.Errorf("nil: got %v, %v; want an empty sketch", s, err)
	}
	for _, bad := range [][]byte{{9}, {denseFormat, 1, 2}, {sparseFormat, 0}, {sparseFormat, 0xff, 0xff, 1}, {sparseFormat, 0, 1, 200}} {
		if _, err := ParseSketch(bad); err == nil {
			t.Errorf("ParseSketch(%v) took it", bad)
		}
	}
}

// fakeStore stores batches, or fails.
type fakeStore struct {
	mu      sync.Mutex
	batches []*Batch
	fail    error
}

func (f *fakeStore) AddStats(_ context.Context, b *Batch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.batches = append(f.batches, b)
	return nil
}

// TestCounter counts polls of two feeds from several goroutines, with
// aggregators' reports, flushes them, keeps them through a failed flush,
// and bounds what it holds.
func TestCounter(t *testing.T) {
	var c Counter
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				client := fmt.Sprintf("192.0.2.%d:%d", i%10, 40000+g) // 10 readers, any port
				status := 200
				if i%4 == 0 {
					status = 304
				}
				c.Record("/feed.atom", "", status, 1000, client, "Reader/1", now)
			}
		})
	}
	wg.Wait()
	c.Record("/feed.atom", "", 200, 500, "203.0.113.1:1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 40 subscribers; )", now)
	c.Record("/feed.atom", "", 304, 0, "203.0.113.2:1", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )", now.Add(time.Minute))
	c.Record("/feed.atom", "", 304, 0, "203.0.113.3:1", "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 12 subscribers; )", now)
	c.Record("/tags/x/feed.rss", "acme", 200, 100, "198.51.100.1:1", "Partner", now)
	c.Record("/feed.atom", "", 404, 100, "198.51.100.1:1", "Partner", now) // not a poll
	c.Record("/feed.atom", "", 429, 100, "198.51.100.1:1", "Partner", now)
	c.Record("/feed.atom", "", 200, 100, "198.51.100.1:1", "Partner", now.Add(24*time.Hour)) // the next day

	st := &fakeStore{fail: errors.New("database is locked")}
	if err := c.Flush(context.Background(), st); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("a failed flush: got %v", err)
	}
	st.fail = nil
	if err := c.Flush(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if len(st.batches) != 1 {
		t.Fatalf("%d batches stored, want 1", len(st.batches))
	}
	days := Days(now.Add(24*time.Hour), 2, nil)
	series := Summarize(st.batches[0], days)
	if len(series) != 2 {
		t.Fatalf("got %d series, want 2: %+v", len(series), series)
	}
	pub := series[0]
	if pub.Feed != "/feed.atom" || pub.Partner != "" {
		t.Fatalf("first series: %s [%s]", pub.Feed, pub.Partner)
	}
	d := pub.Days[0]
	if d.Polls != 403 || d.NotModified != 102 || d.Bytes != 400_500 {
		t.Errorf("day 1: got %d polls, %d 304s, %d bytes; want 403, 102, 400500", d.Polls, d.NotModified, d.Bytes)
	}
	if d.Pollers != 13 {
		t.Errorf("day 1: %d distinct pollers, want 13 (10 readers, 3 aggregators' fetchers)", d.Pollers)
	}
	if d.Readers != 42+12+10 || d.Aggregators["Feedly"] != 42 || d.Aggregators["Inoreader"] != 12 {
		t.Errorf("day 1: %d readers (%v), want 64: Feedly's latest 42, Inoreader's 12, 10 others", d.Readers, d.Aggregators)
	}
	if got := pub.Days[1]; got.Polls != 1 || got.Readers != 1 {
		t.Errorf("day 2: got %+v, want 1 poll by 1 reader", got)
	}
	if pub.Polls != 404 || math.Abs(pub.NotModifiedShare-102.0/404) > 1e-9 {
		t.Errorf("totals: %d polls, %.3f 304s", pub.Polls, pub.NotModifiedShare)
	}
	if p := series[1]; p.Feed != "/tags/x/feed.rss" || p.Partner != "acme" || p.Days[0].Readers != 1 || p.Label() != "/tags/x/feed.rss [acme]" {
		t.Errorf("partner series: %+v", p)
	}
	if err := c.Flush(context.Background(), st); err != nil || len(st.batches) != 1 {
		t.Errorf("flush with nothing counted: %v, %d batches", err, len(st.batches))
	}

	// Bounded: past MaxTallies, new feeds count under Overflow.
	for i := range 2 * MaxTallies {
		c.Record(fmt.Sprintf("/search/feed.atom?q=%d", i), "", 200, 1, "192.0.2.1:1", "R", now)
	}
	b := c.Drain()
	if len(b.Counts) > MaxTallies+shards {
		t.Errorf("%d tallies held, want at most %d", len(b.Counts), MaxTallies+shards)
	}
	var total int64
	overflow := false
	for _, n := range b.Counts {
		total += n.Polls
		overflow = overflow || n.Feed == Overflow
	}
	if total != 2*MaxTallies || !overflow {
		t.Errorf("%d polls counted (overflow row: %v), want %d", total, overflow, 2*MaxTallies)
	}
}

// TestCounterZone counts polls either side of midnight in Tokyo and in
// UTC: each Counter gives them the days of its own zone, and Days lists
// the days of that zone.
func TestCounterZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2026, 11, 30, 14, 59, 0, 0, time.UTC) // 23:59 in Tokyo
	after := before.Add(2 * time.Minute)                      // 00:01 on December 1 in Tokyo
	for _, tt := range []struct {
		loc  *time.Location
		want map[string]int64
		days []string
	}{
		{nil, map[string]int64{"2026-11-30": 2}, []string{"2026-11-29", "2026-11-30"}},
		{tokyo, map[string]int64{"2026-11-30": 1, "2026-12-01": 1}, []string{"2026-11-30", "2026-12-01"}},
	} {
		c := Counter{Location: tt.loc}
		c.Record("/feed.atom", "", 200, 1, "192.0.2.1:1", "R", before)
		c.Record("/feed.atom", "", 200, 1, "192.0.2.1:1", "R", after)
		got := map[string]int64{}
		for _, n := range c.Drain().Counts {
			got[n.Day] += n.Polls
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("zone %v: polls by day %v, want %v", tt.loc, got, tt.want)
		}
		if days := Days(after, 2, tt.loc); !slices.Equal(days, tt.days) {
			t.Errorf("zone %v: Days %v, want %v", tt.loc, days, tt.days)
		}
	}
	// Across a change of the clocks the days stay whole.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if days := Days(time.Date(2026, 11, 2, 12, 0, 0, 0, ny), 3, ny); !slices.Equal(days, []string{"2026-10-31", "2026-11-01", "2026-11-02"}) {
		t.Errorf("days over the end of daylight time: %v", days)
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		in   []int64
		want string
	}{
		{nil, ""},
		{[]int64{0, 0, 0}, "▁▁▁"},
		{[]int64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]int64{1000, 1}, "█▂"},
		{[]int64{-5, 10}, "▁█"},
		{[]int64{3}, "█"},
	} {
		if got := Sparkline(tc.in); got != tc.want {
			t.Errorf("Sparkline(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestChart checks that the chart is well-formed XML with a line per
// series, and that feed and partner names are text, never markup.
func TestChart(t *testing.T) {
	days := Days(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), 7, nil)
	mk := func(feed, partner string, readers ...int64) Series {
		s := Series{Feed: feed, Partner: partner}
		for i, d := range days {
			s.Days = append(s.Days, Day{Day: d, Readers: readers[i%len(readers)]})
		}
		return s
	}
	hostile := `/search/feed.atom?q=</text><script>alert(1)</script>&x="'` + "\x01"
	for _, series := range [][]Series{
		nil,
		{mk("/feed.atom", "", 0)},
		{mk("/feed.atom", "", 1, 5, 9), mk(hostile, "<b>acme</b> & co", 1234567), mk("/tags/日本/feed.json", "", 3)},
	} {
		svg := Chart(series, "Readers & more <per> day")
		dec := xml.NewDecoder(bytes.NewReader(svg))
		var lines, texts int
		var all strings.Builder
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("chart of %d series is not XML: %v\n%s", len(series), err, svg)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				switch tok.Name.Local {
				case "polyline":
					lines++
				case "text":
					texts++
				case "script", "style", "foreignObject":
					t.Errorf("chart holds a %s element", tok.Name.Local)
				}
				for _, a := range tok.Attr {
					if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
						t.Errorf("chart has a %s attribute", a.Name.Local)
					}
				}
			case xml.CharData:
				all.Write(tok)
			}
		}
		if lines != len(series) {
			t.Errorf("%d lines for %d series", lines, len(series))
		}
		if len(series) == 3 {
			if !strings.Contains(all.String(), `/search/feed.atom?q=</text><script>alert(1)</script>&x="' [<b>acme</b> & co]`) {
				t.Errorf("the hostile name is not in the chart's text: %s", all.String())
			}
			if !strings.Contains(all.String(), "2000000") {
				t.Errorf("no y tick reaches the top: %s", all.String())
			}
		}
	}
}

func TestFeedPath(t *testing.T) {
	for in, want := range map[string]string{
		"/tags/cyber/feed.atom":                             "/tags/cyber/feed.atom",
		"https://news.example.org/tags/cyber/feed.atom":     "/tags/cyber/feed.atom",
		"https://news.example.org/s/SECRET/feed.rss":        "/feed.rss",
		"/s/SECRET/tags/a+b/feed.json":                      "/tags/a+b/feed.json",
		"https://news.example.org/search/feed.atom?q=cyber": "/search/feed.atom?q=cyber",
		"/feed.atom?limit=5":                                "/feed.atom",
		" /feed.atom ":                                      "/feed.atom",
	} {
		if got := FeedPath(in); got != want {
			t.Errorf("FeedPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkRecord measures counting one poll: a plain reader's, and an
// aggregator's whose User-Agent is parsed for its count.
//
//	go test ./feed/stats -run '^$' -bench Record
func BenchmarkRecord(b *testing.B) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for _, ua := range []string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
		"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )",
	} {
		name, _, _ := strings.Cut(ua, "/")
		b.Run(name, func(b *testing.B) {
			var c Counter
			for b.Loop() {
				c.Record("/tags/cyber-diplomacy/feed.atom", "", 200, 5000, "192.0.2.10:51234", ua, now)
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			var c Counter
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Record("/tags/cyber-diplomacy/feed.atom", "", 200, 5000, "192.0.2.10:51234", ua, now)
				}
			})
		})
	}
}
