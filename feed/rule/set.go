package rule

import (
	"cmp"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"

	"herald/feed"
)

// A Set applies many tag rules to an article at once. It is safe for
// concurrent use.
type Set struct {
	rules []compiled // by slug
}

type compiled struct {
	slug  string
	rule  string // as the tag has it
	query *Query
}

// NewSet compiles the rule of every tag that has one; tags without a rule
// are hand tags and are left out.
//
// Errors match feed.ErrInvalid and name the tag's slug:
// `tag "ransomware": rule: position 11: AND without a term after it`. When
// several tags are bad, the error lists each of them.
func NewSet(tags []feed.Tag) (*Set, error) {
	s := &Set{}
	var errs []error
	seen := make(map[string]bool)
	for _, t := range tags {
		if t.Rule == "" {
			continue
		}
		switch {
		case !feed.ValidSlug(t.Slug):
			errs = append(errs, fmt.Errorf("tag %q: %w", t.Slug, feed.Invalid("slug", "is not a tag slug")))
			continue
		case seen[t.Slug]:
			errs = append(errs, fmt.Errorf("tag %q: %w", t.Slug, feed.Invalid("slug", "has more than one rule")))
			continue
		}
		seen[t.Slug] = true
		q, err := Parse(t.Rule)
		if err != nil {
			errs = append(errs, fmt.Errorf("tag %q: %w", t.Slug, err))
			continue
		}
		s.rules = append(s.rules, compiled{slug: t.Slug, rule: t.Rule, query: q})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(s.rules, func(a, b compiled) int { return cmp.Compare(a.slug, b.slug) })
	return s, nil
}

// Apply replaces a's rule tags with those the set's rules give now. Hand
// tags (Rule == "") stay, in their order, and a tag given by hand stays a
// hand tag even when a rule matches too; rule tags follow, by slug, each
// with the rule as the tag has it and the terms that matched.
//
// The rules run over the title and the HTML content; an article without
// content is matched on its plain-text summary instead.
func (s *Set) Apply(a *feed.Article) {
	body := a.Content
	if strings.TrimSpace(body) == "" {
		body = html.EscapeString(a.Summary)
	}
	d := NewDoc(a.Title, body)
	tags := a.HandTags()
	hand := len(tags)
	for _, r := range s.rules {
		if slices.ContainsFunc(tags[:hand], func(t feed.ArticleTag) bool { return t.Slug == r.slug }) {
			continue
		}
		if m, ok := r.query.Match(d); ok {
			tags = append(tags, feed.ArticleTag{Slug: r.slug, Rule: r.rule, Matched: m})
		}
	}
	a.Tags = tags
}

// A Report says what re-applying tag rules did to the stored articles, or
// would do (a preview): for each tag, the articles that gain it and those
// that lose it, and the articles left with no tag at all. The store builds
// it with Add, one article at a time, when it retags and when it previews
// a retag, so that a preview says what the retag would do.
type Report struct {
	// Articles is how many articles were looked at.
	Articles int `json:"articles"`
	// Changed is how many of them had their tags changed: a tag gained or
	// lost, or another rule or other words behind a rule tag.
	Changed int `json:"changed"`
	// Tags lists, by slug, every tag that some article gains or loses.
	Tags []TagChange `json:"tags"`
	// Untagged lists the articles that carried a tag before and carry none
	// after, in the order they were stored.
	Untagged []ArticleRef `json:"untagged"`
}

// A TagChange is what a retag did to one tag: the articles that gained it
// and those that lost it, each in the order they were stored.
type TagChange struct {
	Slug   string       `json:"slug"`
	Gained []ArticleRef `json:"gained"`
	Lost   []ArticleRef `json:"lost"`
}

// An ArticleRef names an article in a Report.
type ArticleRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Add records what a retag did to one article: before are its tags as they
// were, a.Tags as they are now. It reports whether they differ. Tags are
// compared by slug, then by rule and matched words; of a slug given twice
// the hand tag counts, as the store keeps it.
func (r *Report) Add(a *feed.Article, before []feed.ArticleTag) bool {
	r.Articles++
	was, is := tagsBySlug(before), tagsBySlug(a.Tags)
	changed := len(was) != len(is)
	ref := ArticleRef{ID: a.ID, Title: a.Title}
	for slug, t := range is {
		old, ok := was[slug]
		switch {
		case !ok:
			r.change(slug).Gained = append(r.change(slug).Gained, ref)
			changed = true
		case old.Rule != t.Rule || !slices.Equal(old.Matched, t.Matched):
			changed = true
		}
	}
	for slug := range was {
		if _, ok := is[slug]; !ok {
			r.change(slug).Lost = append(r.change(slug).Lost, ref)
			changed = true
		}
	}
	if len(was) > 0 && len(is) == 0 {
		r.Untagged = append(r.Untagged, ref)
	}
	if changed {
		r.Changed++
	}
	return changed
}

// change returns the TagChange of slug, adding it in its place by slug.
func (r *Report) change(slug string) *TagChange {
	i, ok := slices.BinarySearchFunc(r.Tags, slug, func(c TagChange, s string) int { return strings.Compare(c.Slug, s) })
	if !ok {
		r.Tags = slices.Insert(r.Tags, i, TagChange{Slug: slug, Gained: []ArticleRef{}, Lost: []ArticleRef{}})
	}
	return &r.Tags[i]
}

// tagsBySlug maps each slug of tags to its tag, a hand tag winning over a
// rule tag of the same slug.
func tagsBySlug(tags []feed.ArticleTag) map[string]feed.ArticleTag {
	m := make(map[string]feed.ArticleTag, len(tags))
	for _, t := range tags {
		if prev, ok := m[t.Slug]; ok && prev.Rule == "" {
			continue
		}
		m[t.Slug] = t
	}
	return m
}
