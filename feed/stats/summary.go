package stats

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// A Series is one feed's figures for one audience (the public, or one
// partner) day by day.
type Series struct {
	Feed    string `json:"feed"`
	Partner string `json:"partner,omitempty"`
	// Days has one entry per day asked for, oldest first; a day without
	// polls has zeros.
	Days []Day `json:"days"`
	// Polls, NotModified and Bytes are the sums over Days.
	Polls       int64 `json:"polls"`
	NotModified int64 `json:"not_modified"`
	Bytes       int64 `json:"bytes"`
	// NotModifiedShare is the share of polls answered 304, from 0 to 1.
	NotModifiedShare float64 `json:"not_modified_share"`
}

// A Day is one feed's figures for one day.
type Day struct {
	Day         string `json:"day"`
	Polls       int64  `json:"polls"`
	NotModified int64  `json:"not_modified"`
	Bytes       int64  `json:"bytes"`
	// NotModifiedShare is the share of polls answered 304, from 0 to 1.
	NotModifiedShare float64 `json:"not_modified_share"`
	// Pollers estimates the distinct pollers (client address and
	// User-Agent), within about 3%.
	Pollers int64 `json:"pollers"`
	// Readers estimates the readers: the sum of the subscriber counts the
	// aggregators reported (the latest of each), plus one for each poller
	// that reported none.
	Readers int64 `json:"readers"`
	// Aggregators holds each aggregator's latest report.
	Aggregators map[string]int64 `json:"aggregators,omitempty"`
}

func share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// Readers returns the readers of each day, oldest first.
func (s *Series) Readers() []int64 {
	out := make([]int64, len(s.Days))
	for i, d := range s.Days {
		out[i] = d.Readers
	}
	return out
}

// Summarize turns stored counts and reports into one series per feed and
// partner, over days (as Days gives them), by feed and then partner. Counts
// of a day, feed and partner that b holds more than once add up.
func Summarize(b *Batch, days []string) []Series {
	type key struct{ feed, partner string }
	type acc struct {
		day                 Day
		pollers, unreported Sketch
	}
	at := make(map[string]int, len(days))
	for i, d := range days {
		at[d] = i
	}
	series := map[key][]acc{}
	get := func(feed, partner, day string) *acc {
		i, ok := at[day]
		if !ok {
			return nil
		}
		k := key{feed, partner}
		s := series[k]
		if s == nil {
			s = make([]acc, len(days))
			for j := range s {
				s[j].day.Day = days[j]
			}
			series[k] = s
		}
		return &s[i]
	}
	for _, c := range b.Counts {
		a := get(c.Feed, c.Partner, c.Day)
		if a == nil {
			continue
		}
		a.day.Polls += c.Polls
		a.day.NotModified += c.NotModified
		a.day.Bytes += c.Bytes
		a.pollers.Merge(c.Pollers)
		a.unreported.Merge(c.Unreported)
	}
	for _, r := range b.Reports {
		a := get(r.Feed, r.Partner, r.Day)
		if a == nil {
			continue
		}
		if a.day.Aggregators == nil {
			a.day.Aggregators = map[string]int64{}
		}
		a.day.Aggregators[r.Aggregator] = r.Subscribers
	}
	out := make([]Series, 0, len(series))
	for k, accs := range series {
		s := Series{Feed: k.feed, Partner: k.partner, Days: make([]Day, len(accs))}
		for i := range accs {
			d := accs[i].day
			d.NotModifiedShare = share(d.NotModified, d.Polls)
			d.Pollers = accs[i].pollers.Estimate()
			d.Readers = accs[i].unreported.Estimate()
			for _, n := range d.Aggregators {
				d.Readers += n
			}
			s.Days[i] = d
			s.Polls += d.Polls
			s.NotModified += d.NotModified
			s.Bytes += d.Bytes
		}
		s.NotModifiedShare = share(s.NotModified, s.Polls)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Series) int {
		return cmp.Or(strings.Compare(a.Feed, b.Feed), strings.Compare(a.Partner, b.Partner))
	})
	return out
}

// Label names a series for people: its feed, and its partner in brackets.
func (s *Series) Label() string {
	if s.Partner == "" {
		return s.Feed
	}
	return s.Feed + " [" + s.Partner + "]"
}

// FeedPath reads a feed as a person names it, by URL or path, into the
// path that Count.Feed holds: the scheme and host of a URL and a
// subscriber's /s/{token} prefix go, and the query too unless it is a
// search feed's ("?q=...").
func FeedPath(s string) string {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && (u.Scheme != "" || u.Host != "") {
		s = u.EscapedPath()
		if q := u.Query().Get("q"); q != "" && strings.HasPrefix(strings.TrimPrefix(s, "/s/"+firstSegment(strings.TrimPrefix(s, "/s/"))), "/search/") {
			s += "?q=" + q
		}
	}
	if rest, ok := strings.CutPrefix(s, "/s/"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			s = "/" + after
		}
	}
	if !strings.HasPrefix(s, "/search/") {
		s, _, _ = strings.Cut(s, "?")
	}
	return s
}

func firstSegment(s string) string {
	seg, _, _ := strings.Cut(s, "/")
	return seg
}
