// Package upsert decides, for every store engine, what a write of an
// article changes before its SQL does it: what the store fills in for a new
// article, whether a stored one changed (its content, its slug, its tags)
// and the Updated time it keeps, and the tags as stored. The engines then
// only read and write rows, and agree on every field and change log entry.
package upsert

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"herald/feed"
)

// New returns what the store gives a new article a, created at now by the
// site authority names: its GUID, a tag: URI dated now, so that an ID used
// again after a deletion still gets a GUID of its own; its slug, a's or one
// made from its title; and its Updated time, a's but never before its
// Published time. a is not changed: a writer that finds the ID taken
// meanwhile updates it instead.
func New(a *feed.Article, authority string, now time.Time) (guid, slug string, updated time.Time) {
	guid = feed.Site{Authority: authority, Created: now}.TagURI("article:" + a.ID)
	slug = a.Slug
	if slug == "" {
		slug = feed.ArticleSlug(a.Title)
	}
	updated = a.Updated
	if updated.IsZero() || updated.Before(a.Published) {
		updated = a.Published
	}
	return guid, slug, updated
}

// Stored is what a write compares an article with: the article as stored.
type Stored struct {
	GUID, Slug string
	Updated    time.Time
	Hash       []byte // its feed.Article.ContentHash
}

// Revise fills in a, written over the stored old, with what the store
// keeps of old: its GUID, its slug when a has none, and Updated: old's
// when the content (whose hash is hash) is unchanged, else a's if later
// than old's, else now. It returns feed.Updated when the content or the
// slug changed and feed.Unchanged when neither did (the tags are compared
// apart: see Same), and whether the content was edited, which keeps old's
// version in the history and numbers a new one.
func Revise(a *feed.Article, old Stored, hash []byte, now time.Time) (change feed.Change, edited bool) {
	a.GUID = old.GUID
	if a.Slug == "" {
		a.Slug = old.Slug
	}
	edited = string(hash) != string(old.Hash)
	if !edited && a.Slug == old.Slug {
		a.Updated = old.Updated
		return feed.Unchanged, false
	}
	if !edited {
		a.Updated = old.Updated // only the slug moved
	} else if !a.Updated.After(old.Updated) {
		a.Updated = now
	}
	return feed.Updated, edited
}

// Tags resolves a's tags to the tags to store, by tag id: resolve returns
// the id and current slug of the tag a slug names (its own or an old one
// of a renamed tag), creating the tag when there is none. Of a hand tag and
// a rule giving the same tag, the hand tag wins. It rewrites a.Tags as
// stored: the current slugs, hand tags first, then by slug.
func Tags(a *feed.Article, resolve func(slug string) (id int64, current string, err error)) (map[int64]feed.ArticleTag, error) {
	want := make(map[int64]feed.ArticleTag, len(a.Tags))
	for _, t := range a.Tags {
		id, slug, err := resolve(t.Slug)
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", t.Slug, err)
		}
		t.Slug = slug
		if prev, ok := want[id]; ok && prev.Rule == "" {
			continue // a hand tag wins over a rule giving the same tag
		}
		want[id] = t
	}
	a.Tags = a.Tags[:0]
	for _, t := range want {
		a.Tags = append(a.Tags, t)
	}
	slices.SortFunc(a.Tags, func(x, y feed.ArticleTag) int {
		if (x.Rule == "") != (y.Rule == "") {
			if x.Rule == "" {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Slug, y.Slug)
	})
	return want, nil
}

// Key is what makes two of an article's tags the same: "\x00" for a hand
// tag; for a rule's, the rule, "\x00" and the words it matched as JSON, as
// the engines store them (MatchedJSON).
func Key(t feed.ArticleTag) string {
	if t.Rule == "" {
		return "\x00"
	}
	return t.Rule + "\x00" + MatchedJSON(t.Matched)
}

// MatchedJSON returns the words a rule matched as a JSON array, [] for
// none.
func MatchedJSON(words []string) string {
	if words == nil {
		words = []string{}
	}
	b, _ := json.Marshal(words) // cannot fail for []string
	return string(b)
}

// Same reports whether the tags an article has, their Keys by tag id, are
// the tags want, by tag id.
func Same(have map[int64]string, want map[int64]feed.ArticleTag) bool {
	if len(have) != len(want) {
		return false
	}
	for id, t := range want {
		if k, ok := have[id]; !ok || k != Key(t) {
			return false
		}
	}
	return true
}

// Retag walks every stored article for a retag, in the order of their
// numbers (seqs): next returns the articles after the number after, a batch
// at a time in order, with the number of each (none at the end). Each is
// passed to retag, which rewrites its Tags, and then to fn with its number
// and the tags it had before.
func Retag(next func(after int64) ([]feed.Article, []int64, error), retag func(*feed.Article),
	fn func(seq int64, a *feed.Article, before []feed.ArticleTag) error) error {
	var after int64
	for {
		batch, seqs, err := next(after)
		if err != nil || len(batch) == 0 {
			return err
		}
		for i := range batch {
			a := &batch[i]
			before := slices.Clone(a.Tags)
			retag(a)
			if err := fn(seqs[i], a, before); err != nil {
				return err
			}
		}
		after = seqs[len(seqs)-1]
	}
}
