package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/feed"
)

// sourceJSON is a source as the API shows it: feed.Source, with the poll
// interval as a duration ("30m0s") rather than nanoseconds.
type sourceJSON struct {
	*feed.Source
	Every string `json:"every"`
}

func showSource(s *feed.Source) sourceJSON {
	return sourceJSON{Source: s, Every: s.Interval().String()}
}

// sourceInput is the body of POST and PATCH /api/sources: the fields a
// person sets. Fields left out are left as they are (PATCH) or take their
// defaults (POST: enabled, the default interval, the URL's host as name).
type sourceInput struct {
	URL           *string   `json:"url"`
	Name          *string   `json:"name"`
	Tags          *[]string `json:"tags"`
	Every         *interval `json:"every"`
	Enabled       *bool     `json:"enabled"`
	UseCategories *bool     `json:"use_categories"`
}

// interval is a poll interval in JSON: a duration string ("30m", "2h") or
// a number of seconds.
type interval time.Duration

func (d *interval) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("every: %q is not a duration such as \"30m\"", s)
		}
		*d = interval(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("every: must be a duration such as \"30m\" or a number of seconds")
	}
	*d = interval(time.Duration(secs * float64(time.Second)))
	return nil
}

// apply copies the fields in's sender set onto s.
func (in *sourceInput) apply(s *feed.Source) {
	if in.URL != nil {
		s.URL = strings.TrimSpace(*in.URL)
	}
	if in.Name != nil {
		s.Name = strings.TrimSpace(*in.Name)
	}
	if in.Tags != nil {
		s.Tags = make([]string, 0, len(*in.Tags))
		for _, t := range *in.Tags {
			// A tag's name is taken for its slug; what does not slugify
			// is kept, for validation to name.
			if slug := feed.Slugify(t); slug != "" {
				t = slug
			}
			s.Tags = append(s.Tags, t)
		}
	}
	if in.Every != nil {
		s.Every = time.Duration(*in.Every)
	}
	if in.Enabled != nil {
		s.Enabled = *in.Enabled
	}
	if in.UseCategories != nil {
		s.UseCategories = *in.UseCategories
	}
}

// checkSourceURL refuses a URL the configured check refuses, as the url field.
func (s *Server) checkSourceURL(ctx context.Context, raw string) error {
	if s.cfg.CheckSourceURL == nil {
		return nil
	}
	if err := s.cfg.CheckSourceURL(ctx, raw); err != nil {
		return feed.Invalid("url", "%v", err)
	}
	return nil
}

// sourceID reads the {id} of a source path; a malformed one names no source.
func sourceID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("source %q: %w", r.PathValue("id"), feed.ErrNotFound)
	}
	return id, nil
}

func (s *Server) handleSourceList(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.store.Sources(r.Context())
	if err != nil {
		return err
	}
	out := make([]sourceJSON, len(srcs))
	for i := range srcs {
		out[i] = showSource(&srcs[i])
	}
	s.writeJSON(w, http.StatusOK, noStore, map[string]any{"sources": out})
	return nil
}

func (s *Server) handleSourceGet(w http.ResponseWriter, r *http.Request) error {
	id, err := sourceID(r)
	if err != nil {
		return err
	}
	src, err := s.store.Source(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, showSource(src))
	return nil
}

// handleSourceCreate adds a source. The poller fetches it at its next look
// for due sources.
func (s *Server) handleSourceCreate(w http.ResponseWriter, r *http.Request) error {
	var in sourceInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	src := feed.Source{Enabled: true}
	in.apply(&src)
	if in.Name == nil {
		if u, err := url.Parse(src.URL); err == nil {
			src.Name = u.Hostname()
		}
	}
	if err := src.Validate(); err != nil {
		return err
	}
	if err := s.checkSourceURL(r.Context(), src.URL); err != nil {
		return err
	}
	if err := s.checkTags(r, src.Tags, true); err != nil {
		return err
	}
	created, err := s.store.CreateSource(r.Context(), src)
	if err != nil {
		return err
	}
	path := "/api/sources/" + strconv.FormatInt(created.ID, 10)
	w.Header().Set("Location", s.abs(path))
	s.writeJSON(w, http.StatusCreated, noStore, showSource(created))
	return nil
}

// handleSourceUpdate changes the fields of a source that the body names. A
// new URL starts the source afresh: no validators, due at once.
func (s *Server) handleSourceUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := sourceID(r)
	if err != nil {
		return err
	}
	var in sourceInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	// A new URL is checked before the transaction, which the check's DNS
	// lookup must not hold open; its verdict counts if the URL changes.
	if in.Tags != nil {
		var probe feed.Source // its tags as the update will store them
		in.apply(&probe)
		if err := s.checkTags(r, probe.Tags, true); err != nil {
			return err
		}
	}
	var refused error
	if in.URL != nil {
		refused = s.checkSourceURL(r.Context(), strings.TrimSpace(*in.URL))
	}
	src, err := s.store.UpdateSource(r.Context(), id, func(src *feed.Source) error {
		old := src.URL
		in.apply(src)
		if src.URL != old {
			return refused
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, showSource(src))
	return nil
}

// handleSourceDelete removes a source. Its articles stay published, unless
// ?purge=1: then those no other source carries are deleted, as
// DELETE /api/articles/{id} deletes one (tombstones, change log, pushes).
func (s *Server) handleSourceDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := sourceID(r)
	if err != nil {
		return err
	}
	purge, err := flagParam(r, "purge")
	if err != nil {
		return err
	}
	if !purge {
		if err := s.store.DeleteSource(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	n, err := s.store.PurgeSource(r.Context(), id)
	if err != nil {
		return err
	}
	if n > 0 {
		s.invalidate()
	}
	s.writeJSON(w, http.StatusOK, noStore, map[string]int{"deleted": n})
	return nil
}

// flagParam reads the boolean query parameter name: absent, "", "0" or
// "false" is false; "1" or "true" true; anything else a
// *feed.ValidationError naming it.
func flagParam(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, feed.Invalid(name, "must be 1 or 0")
}

// creditedArticle is an article as GET /api/articles/{id} shows it: with
// every source credited with it (see feed.Credit), its provenance's first.
type creditedArticle struct {
	*feed.Article
	Sources []feed.Credit `json:"sources,omitempty"`
}

// creditArticle returns a with its credits, for an external article.
func (s *Server) creditArticle(ctx context.Context, a *feed.Article) (*creditedArticle, error) {
	out := &creditedArticle{Article: a}
	if a.Origin != feed.OriginExternal {
		return out, nil
	}
	credits, err := s.store.Credits(ctx, a.ID)
	if err != nil && !errors.Is(err, feed.ErrNotFound) { // an embargoed article is not stored yet
		return nil, err
	}
	out.Sources = credits
	return out, nil
}

// checkTags refuses, with a *feed.ValidationError for the field "tags"
// naming it and the tags there are, a slug of slugs that names no tag (a
// typo would otherwise make a tag and its feeds), unless the request asks
// for them with ?create_tags=1. Then, with create, it makes them (a
// source's tags, which its items get when polled); an article's are made
// with the article.
func (s *Server) checkTags(r *http.Request, slugs []string, create bool) error {
	ok, err := flagParam(r, "create_tags")
	if err != nil {
		return err
	}
	if !ok {
		_, err := s.knownTags(r.Context(), slugs)
		return err
	}
	if !create {
		return nil
	}
	for _, slug := range slugs {
		if !feed.ValidSlug(slug) {
			continue // feed.Source.Validate names it
		}
		_, err := s.store.Tag(r.Context(), slug)
		if errors.Is(err, feed.ErrNotFound) {
			err = s.store.CreateTag(r.Context(), feed.Tag{Slug: slug, Name: feed.TagName(slug)})
			if errors.Is(err, feed.ErrConflict) {
				err = nil // made meanwhile
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
