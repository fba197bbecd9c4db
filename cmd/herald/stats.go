package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"herald/feed/stats"
)

// maxStatsDays bounds herald stats --days, as /api/stats bounds ?days=.
const maxStatsDays = 400

// statsZone is --stats-timezone, of serve (whose days the counts are of)
// and of stats (which reads them): an IANA time zone name.
type statsZone struct{ name string }

func (z *statsZone) register(f *flags) {
	f.stringVar(&z.name, "stats-timezone", "HERALD_STATS_TIMEZONE", "UTC",
		"the `time zone` of the readership statistics' days (an IANA name such as America/New_York or Asia/Tokyo): a day's counts end at its midnight")
}

// location returns the zone named, or an error saying what is wrong.
func (z *statsZone) location() (*time.Location, error) {
	loc, err := time.LoadLocation(z.name)
	if err != nil || z.name == "" || z.name == "Local" {
		return nil, fmt.Errorf("--stats-timezone %q: want an IANA time zone name such as UTC, America/New_York or Asia/Tokyo", z.name)
	}
	return loc, nil
}

func cmdStats(ctx context.Context, e *env, args []string) int {
	var (
		c        config
		feedName string
		days     int
		zone     statsZone
	)
	f := newFlags(e, "stats", "",
		"Print the readership statistics of the feeds: per feed and partner over the last days, the polls,\n"+
			"the share answered 304, the bytes served, the distinct pollers, the readers of the last day and a\n"+
			"sparkline of readers per day. A running herald serve stores its counts every --stats-every.")
	c.common(f)
	f.StringVar(&feedName, "feed", "", "one feed, by `URL or path` (/tags/cyber/feed.atom); every feed when absent")
	f.IntVar(&days, "days", 30, "how many `days`, ending today (in --stats-timezone), from 1 to "+strconv.Itoa(maxStatsDays))
	zone.register(f)
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	loc, err := zone.location()
	if err != nil {
		fmt.Fprintf(e.stderr, "herald stats: %v\n", err)
		return 2
	}
	if f.NArg() > 0 {
		fmt.Fprintf(e.stderr, "herald stats: unexpected argument %q\n", f.Arg(0))
		return 2
	}
	if days < 1 || days > maxStatsDays {
		fmt.Fprintf(e.stderr, "herald stats: --days %d: want 1 to %d\n", days, maxStatsDays)
		return 2
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	dayList := stats.Days(time.Now(), days, loc)
	filter := stats.Filter{From: dayList[0], To: dayList[len(dayList)-1]}
	if feedName != "" {
		filter.Feed = stats.FeedPath(feedName)
	}
	b, err := db.Stats(ctx, filter)
	if err != nil {
		return fail(e, err)
	}
	series := stats.Summarize(b, dayList)
	if len(series) == 0 {
		fmt.Fprintf(e.stdout, "no feed was polled from %s to %s\n", filter.From, filter.To)
		return 0
	}
	var tab table
	tab.row("FEED", "PARTNER", "POLLS", "304", "BYTES", "POLLERS TODAY", "READERS TODAY", "READERS/DAY "+filter.From+" .. "+filter.To)
	for _, s := range series {
		var pollers, readers int64
		if len(s.Days) > 0 {
			last := s.Days[len(s.Days)-1]
			pollers, readers = last.Pollers, last.Readers
		}
		partner := s.Partner
		if partner == "" {
			partner = "-"
		}
		tab.row(clip(s.Feed, 60), clip(partner, 24), strconv.FormatInt(s.Polls, 10),
			fmt.Sprintf("%.0f%%", 100*s.NotModifiedShare), humanBytes(s.Bytes),
			strconv.FormatInt(pollers, 10), strconv.FormatInt(readers, 10), stats.Sparkline(s.Readers()))
	}
	if err := tab.write(e.stdout); err != nil {
		return fail(e, err)
	}
	return 0
}

// humanBytes writes n bytes in B, kB, MB or GB (powers of 1000).
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}
