// Package statsrow holds what both engines do with readership statistics
// (feed/stats) besides their SQL: checking a batch, and merging the pollers'
// sketches of a stored row with those of a count.
package statsrow

import (
	"fmt"

	"herald/feed"
	"herald/feed/stats"
)

// maxFeed bounds a stored feed's path, partner's and aggregator's name.
const maxFeed = 1024

// Check returns a *feed.ValidationError for the first count or report of b
// without a feed, with a day that is not YYYY-MM-DD, or with a negative
// figure.
func Check(b *stats.Batch) error {
	for i, c := range b.Counts {
		if err := checkKey(c.Day, c.Feed, c.Partner); err != nil {
			return fmt.Errorf("count %d: %w", i, err)
		}
		if c.Polls < 0 || c.NotModified < 0 || c.Bytes < 0 {
			return fmt.Errorf("count %d: %w", i, feed.Invalid("polls", "must not be negative"))
		}
	}
	for i, r := range b.Reports {
		if err := checkKey(r.Day, r.Feed, r.Partner); err != nil {
			return fmt.Errorf("report %d: %w", i, err)
		}
		if r.Aggregator == "" || len(r.Aggregator) > maxFeed {
			return fmt.Errorf("report %d: %w", i, feed.Invalid("aggregator", "must be 1 to 1024 bytes"))
		}
		if r.Subscribers < 0 {
			return fmt.Errorf("report %d: %w", i, feed.Invalid("subscribers", "must not be negative"))
		}
	}
	return nil
}

func checkKey(day, path, partner string) error {
	if _, err := stats.ParseDay(day); err != nil {
		return feed.Invalid("day", "%s", err)
	}
	if path == "" || len(path) > maxFeed {
		return feed.Invalid("feed", "must be 1 to 1024 bytes")
	}
	if len(partner) > maxFeed {
		return feed.Invalid("partner", "must be at most 1024 bytes")
	}
	return nil
}

// CheckFilter returns a *feed.ValidationError for a filter whose days are
// not YYYY-MM-DD.
func CheckFilter(f stats.Filter) error {
	if _, err := stats.ParseDay(f.From); err != nil {
		return feed.Invalid("from", "%s", err)
	}
	if _, err := stats.ParseDay(f.To); err != nil {
		return feed.Invalid("to", "%s", err)
	}
	return nil
}

// Merge merges the sketches of c into the stored ones (pollers,
// unreported) and returns them in stored form, and whether they changed.
func Merge(pollers, unreported []byte, c stats.Count) (p, u []byte, changed bool, err error) {
	sp, su, err := Sketches(pollers, unreported)
	if err != nil {
		return nil, nil, false, err
	}
	a := sp.Merge(c.Pollers)
	b := su.Merge(c.Unreported)
	return sp.Bytes(), su.Bytes(), a || b, nil
}

// Sketches reads the stored sketches of a row.
func Sketches(pollers, unreported []byte) (p, u *stats.Sketch, err error) {
	if p, err = stats.ParseSketch(pollers); err != nil {
		return nil, nil, fmt.Errorf("pollers: %w", err)
	}
	if u, err = stats.ParseSketch(unreported); err != nil {
		return nil, nil, fmt.Errorf("unreported pollers: %w", err)
	}
	return p, u, nil
}
