package web

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"herald/feed"
	"herald/feed/rule"
)

// retagAnswer is what POST /api/tags/apply and a dry run of PATCH
// /api/tags/{slug} answer: what re-applying the tag rules to the stored
// articles changed, or would change.
type retagAnswer struct {
	DryRun bool `json:"dry_run"`
	// Tag is the tag as the PATCH would store it; only in its dry run.
	Tag   *feed.Tag    `json:"tag,omitempty"`
	Retag *rule.Report `json:"retag"`
}

// handleTagApply re-applies every tag rule to every stored article, as
// "herald tags apply" does, and says what changed: per tag, the articles
// that gained and lost it, and the articles left with no tag. With
// ?dry_run=1 it changes nothing and says what it would change.
func (s *Server) handleTagApply(w http.ResponseWriter, r *http.Request) error {
	dry, err := dryRun(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return err
	}
	set, err := rule.NewSet(tags)
	if err != nil {
		return err
	}
	var report *rule.Report
	if dry {
		report, err = s.store.PreviewRetag(ctx, set.Apply)
	} else {
		report, err = s.store.RetagArticles(ctx, set.Apply)
	}
	if err != nil {
		return err
	}
	if !dry && report.Changed > 0 {
		s.invalidate()
	}
	s.writeJSON(w, http.StatusOK, noStore, retagAnswer{DryRun: dry, Retag: nonNilReport(report)})
	return nil
}

// previewTagUpdate answers a dry run of PATCH /api/tags/{slug}: the tag as
// u would leave it, and what re-applying every rule to the stored articles
// (POST /api/tags/apply) would then change. Nothing is stored. The report
// names tags by their current slugs, a rename in u aside: a rename moves
// no article.
func (s *Server) previewTagUpdate(w http.ResponseWriter, r *http.Request, u feed.TagUpdate) error {
	ctx := r.Context()
	t, err := s.store.Tag(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	next := *t
	if u.Slug != nil {
		next.Slug = *u.Slug
	}
	if u.Name != nil {
		next.Name = *u.Name
	}
	if u.Description != nil {
		next.Description = *u.Description
	}
	if u.Rule != nil {
		next.Rule = *u.Rule
	}
	if err := next.Validate(); err != nil {
		return err
	}
	if next.Slug != t.Slug {
		// A slug in use by another tag, or as another tag's old slug, is
		// refused as UpdateTag would refuse it.
		other, err := s.store.Tag(ctx, next.Slug)
		switch {
		case err == nil && other.Slug != t.Slug:
			return fmt.Errorf("slug %q is in use: %w", next.Slug, feed.ErrConflict)
		case err != nil && !errors.Is(err, feed.ErrNotFound):
			return err
		}
	}
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return err
	}
	tags = slices.Clone(tags)
	for i := range tags {
		if tags[i].Slug == t.Slug {
			tags[i].Rule = next.Rule
		}
	}
	set, err := rule.NewSet(tags)
	if err != nil {
		return err
	}
	report, err := s.store.PreviewRetag(ctx, set.Apply)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, retagAnswer{DryRun: true, Tag: &next, Retag: nonNilReport(report)})
	return nil
}

// dryRun reads ?dry_run: "1" or "true" asks for a preview; absent, "0" or
// "false" for the real thing.
func dryRun(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("dry_run") {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, feed.Invalid("dry_run", "must be 1 or 0")
}

// nonNilReport gives r's lists as [] rather than null in JSON.
func nonNilReport(r *rule.Report) *rule.Report {
	r.Tags = nonNil(r.Tags)
	r.Untagged = nonNil(r.Untagged)
	return r
}

// knownTags returns the current slug of each of slugs (an old slug gives
// the renamed tag's), or a *feed.ValidationError for the field "tags"
// naming a slug that is no tag's and the tags there are.
func (s *Server) knownTags(ctx context.Context, slugs []string) ([]string, error) {
	var out []string
	for _, slug := range slugs {
		t, err := s.store.Tag(ctx, slug)
		if errors.Is(err, feed.ErrNotFound) {
			names, err := s.store.TagNames(ctx)
			if err != nil {
				return nil, err
			}
			known := slices.Sorted(maps.Keys(names))
			return nil, feed.Invalid("tags", "%q is not a tag; the tags are: %s", slug, strings.Join(known, ", "))
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t.Slug) {
			out = append(out, t.Slug)
		}
	}
	return out, nil
}
