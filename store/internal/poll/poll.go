// Package poll holds the rules of recording a poll of a source
// (store.DB.RecordPoll) that every store engine shares: what it accepts,
// the URL and redirect it stores, and the date an undated item keeps.
// Reading and writing the rows, and locking them, is each engine's.
package poll

import (
	"fmt"
	"time"

	"herald/feed"
)

// Check returns an error naming the first of arts, the articles a poll of
// s gave, that is invalid or that is not an external article of s: a
// *feed.ValidationError, in context.
func Check(s *feed.Source, arts []feed.Article) error {
	for i := range arts {
		a := &arts[i]
		if err := a.Validate(); err != nil {
			return fmt.Errorf("article %d (%s): %w", i, a.ID, err)
		}
		if a.Origin != feed.OriginExternal || a.Provenance.SourceID != s.ID {
			return fmt.Errorf("article %d (%s): %w", i, a.ID,
				feed.Invalid("provenance", "is not an external article of source %d", s.ID))
		}
	}
	return nil
}

// ErrRemoved is the error of a poll of a source removed meanwhile.
var ErrRemoved = fmt.Errorf("removed during the poll: %w", feed.ErrNotFound)

// CheckURL returns the error of a poll of polledURL recorded for a source
// whose URL is now current: none when they are the same, or else a
// feed.ErrConflict, since the poll is of a feed the source no longer
// follows (a person changed its URL meanwhile).
func CheckURL(current, polledURL string) error {
	if current != polledURL {
		return fmt.Errorf("its URL changed to %s during the poll of %s: %w", current, polledURL, feed.ErrConflict)
	}
	return nil
}

// Redirect returns the URL and pending redirect to store for s, as a poll
// of polledURL left it: s's own, unless the redirect rule moved s to a URL
// that another source has (taken, which the caller asks only when s.URL is
// not polledURL); then s stays at polledURL with no redirect pending.
func Redirect(s *feed.Source, polledURL string, taken bool) (url, pendingURL string, pendingCount int) {
	if s.URL != polledURL && taken {
		return polledURL, "", 0
	}
	return s.URL, s.PendingURL, s.PendingCount
}

// Undated reports whether the feed did not date a (Provenance.Published
// and Updated zero) or dated it in the future, later than its Published,
// which is then the time of its fetch. An undated article, once stored,
// keeps the date it was first stored with (KeepDate), so that its feed does
// not look changed at every fetch.
func Undated(a *feed.Article) bool {
	given := a.Provenance.Published
	if given.IsZero() {
		given = a.Provenance.Updated
	}
	return given.IsZero() || given.After(a.Published)
}

// KeepDate gives a the published time it was first stored with, and an
// Updated time no earlier.
func KeepDate(a *feed.Article, published time.Time) {
	a.Published = published
	if a.Updated.Before(a.Published) {
		a.Updated = a.Published
	}
}
