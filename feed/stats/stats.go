// Package stats counts who reads herald's feeds, as publishers used to
// learn from FeedBurner: per feed and day (UTC), the polls, the share of
// them answered 304 Not Modified, the bytes served, the distinct pollers
// (by a hash of client address and User-Agent, estimated with a sketch),
// and the subscriber counts that aggregators report in their User-Agent,
// summed into an estimate of readers.
//
// A Counter counts in memory, off the path of the answer, and Flush adds
// what it counted to the store as increments, so that several instances
// on one database add up. Summarize turns stored counts into series a
// table (Sparkline) or a chart (Chart) shows.
package stats

import (
	"context"
	"fmt"
	"time"
)

// A Count is what was served of one feed on one day, to the public
// (Partner "") or under one subscriber's token (Partner is its name).
type Count struct {
	// Day is the day, UTC, as YYYY-MM-DD.
	Day string
	// Feed is the feed's path: /feed.atom, /tags/{slugs}/feed.rss,
	// /search/feed.atom?q=..., or the archive of a feed ("/archive/",
	// "/tags/{slugs}/archive/"), without any /s/{token} prefix.
	Feed string
	// Partner names the subscriber whose token the feed was served under;
	// "" for the public.
	Partner string
	// Polls counts the answers 200 and 304, NotModified the 304s, and
	// Bytes the bytes of body sent.
	Polls, NotModified, Bytes int64
	// Pollers holds every poller, Unreported those whose User-Agent
	// reports no subscriber count (each counts as one reader).
	Pollers, Unreported *Sketch
}

// A Report is the latest subscriber count one aggregator reported for a
// feed on a day.
type Report struct {
	Day, Feed, Partner string
	// Aggregator names it (see ParseUserAgent).
	Aggregator  string
	Subscribers int64
	// At is when it was reported; a later report replaces an earlier one.
	At time.Time
}

// A Batch is counts and reports, to store or as read.
type Batch struct {
	Counts  []Count
	Reports []Report
}

// Empty reports whether b holds nothing.
func (b *Batch) Empty() bool { return b == nil || len(b.Counts) == 0 && len(b.Reports) == 0 }

// A Filter selects stored counts: of days From to To (YYYY-MM-DD,
// inclusive), of one feed (its path, as in Count.Feed) or, when Feed is
// "", of every feed.
type Filter struct {
	Feed     string
	From, To string
}

// A Store keeps counts. AddStats adds a batch in one transaction: polls,
// 304s and bytes as increments, sketches merged, and each report kept
// unless a later one of the same aggregator, feed, partner and day is.
type Store interface {
	AddStats(ctx context.Context, b *Batch) error
}

// DayFormat is the layout of Count.Day.
const DayFormat = time.DateOnly

// DayOf returns the day of t, UTC, as Count.Day has it.
func DayOf(t time.Time) string { return t.UTC().Format(DayFormat) }

// Days returns the n days that end with the day of t in loc (nil: UTC),
// oldest first.
func Days(t time.Time, n int, loc *time.Location) []string {
	y, m, d := t.In(orUTC(loc)).Date()
	out := make([]string, 0, max(n, 0))
	for i := n - 1; i >= 0; i-- {
		out = append(out, time.Date(y, m, d-i, 0, 0, 0, 0, time.UTC).Format(DayFormat))
	}
	return out
}

// dayNumber is the day of t in loc (nil: UTC) as days since 1970-01-01,
// the key a Counter counts under.
func dayNumber(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(orUTC(loc)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// ParseDay checks a day given as YYYY-MM-DD.
func ParseDay(s string) (time.Time, error) {
	t, err := time.Parse(DayFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("day %q: want YYYY-MM-DD", s)
	}
	return t, nil
}
