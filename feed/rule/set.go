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
