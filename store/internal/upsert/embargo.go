package upsert

import (
	"encoding/json"
	"fmt"
	"time"

	"herald/feed"
)

// Embargoes. An embargoed article is not an article of the store's until
// its embargo is lifted: engines keep it in a table of its own, whose rows
// no read of published content sees, and lifting it writes it as a new
// article then. So it gets its number (its archive page) when it is
// published, and no closed archive page ever gains it; its change log
// entry, tag counts, search index and versions start then too.

// Held reports whether a write of a at now holds it back: its embargo runs
// past now. An embargo that has passed is no embargo: the article is
// published at once.
func Held(a *feed.Article, now time.Time) bool {
	return !a.EmbargoUntil.IsZero() && a.EmbargoUntil.After(now)
}

// Hold fills in what the store keeps of an embargoed article a about to be
// written: guid, the GUID made when it was first held ("" for a new one,
// then made here as New makes it, dated now), which it keeps when lifted;
// its slug and Updated as New gives them. It returns the article as
// stored, JSON, for the engines' embargoes table.
func Hold(a *feed.Article, guid, authority string, now time.Time) string {
	g, slug, updated := New(a, authority, now)
	if guid == "" {
		guid = g
	}
	a.GUID, a.Slug, a.Updated = guid, slug, updated
	if a.Published.IsZero() {
		a.Updated = time.Time{} // both set when it is lifted
	}
	a.EmbargoUntil = a.EmbargoUntil.UTC()
	b, _ := json.Marshal(a) // cannot fail for an Article
	return string(b)
}

// Unheld decodes an embargoed article that Hold encoded.
func Unheld(stored string) (feed.Article, error) {
	var a feed.Article
	if err := json.Unmarshal([]byte(stored), &a); err != nil {
		return a, fmt.Errorf("embargoed article: %w", err)
	}
	return a, nil
}

// Lift readies an embargoed article, as Unheld gave it, for its write as a
// new article at now: no embargo, and published now unless it states
// another time.
func Lift(a *feed.Article, now time.Time) {
	a.EmbargoUntil = time.Time{}
	if a.Published.IsZero() {
		a.Published = now
	}
	a.Updated = time.Time{}
}

// Release readies a for a write that publishes it: its embargo, if any, has
// passed (see Held), so it goes, and a missing published time is now.
func Release(a *feed.Article, now time.Time) {
	a.EmbargoUntil = time.Time{}
	if a.Published.IsZero() {
		a.Published = now
	}
}

// ErrPublic is the error of a write that would put a public article back
// under embargo.
func ErrPublic(id string) error {
	return feed.Invalid("embargo_until", "cannot be set: article %s is public already, and a published article cannot be embargoed again", id)
}
