package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"herald/feed"
)

// tombstoneAge is how long a deleted article stays in Atom feeds as an
// at:deleted-entry (RFC 6721). Feeds are rebuilt when content changes, so
// one may stay a while longer in a feed that nothing else changes.
const tombstoneAge = 30 * 24 * time.Hour

// maxTombstones bounds the deleted entries of one feed document.
const maxTombstones = 100

// deletedEntries returns the tombstones an Atom feed selecting filter's
// tags and origin carries: the articles with those tags deleted in the last
// tombstoneAge.
func (s *Server) deletedEntries(ctx context.Context, filter feed.ArticleFilter) ([]feed.Tombstone, error) {
	return s.store.Tombstones(ctx, feed.TombstoneFilter{
		Tags:   filter.Tags,
		Origin: filter.Origin,
		Since:  s.cfg.Now().Add(-tombstoneAge),
		Limit:  maxTombstones,
	})
}

// changeList is the body of GET /api/changes.
type changeList struct {
	Changes    []feed.ArticleChange `json:"changes"`
	NextCursor string               `json:"next_cursor,omitempty"`
	HasMore    bool                 `json:"has_more"`
}

// handleChangeList serves GET /api/changes?cursor=&limit=: the change log,
// in commit order. A client keeps the last next_cursor and asks again later
// for what happened since.
func (s *Server) handleChangeList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	page, err := s.store.Changes(r.Context(), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	return s.writeList(w, r, changeList{Changes: nonNil(page.Changes), NextCursor: page.NextCursor, HasMore: page.More},
		page.More, page.NextCursor)
}

// versionList is the body of GET /api/articles/{id}/versions.
type versionList struct {
	ID       string                `json:"id"`
	Versions []feed.ArticleVersion `json:"versions"`
}

// handleArticleVersions serves GET /api/articles/{id}/versions?limit=: the
// versions of an article's content, the current one first.
func (s *Server) handleArticleVersions(w http.ResponseWriter, r *http.Request) error {
	limit, err := parseLimit(r.URL.Query())
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	vs, err := s.store.ArticleVersions(r.Context(), id, limit)
	if err != nil {
		return err
	}
	if s.withholdContent(r) {
		for i := range vs {
			vs[i].Article.Content = ""
		}
	}
	return s.writeList(w, r, versionList{ID: id, Versions: vs}, false, "")
}

// parseLimit reads ?limit=, which defaults to feed.DefaultLimit.
func parseLimit(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return feed.DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > feed.MaxLimit {
		return 0, refuse(errMalformed, "limit must be a whole number from 1 to "+strconv.Itoa(feed.MaxLimit))
	}
	return n, nil
}

// writeList answers a GET of a list. The body carries a strong ETag, the
// hash of its bytes, and a matching If-None-Match gets 304; clients may
// keep it but must ask again (no-cache). When more is set, a Link header
// points at the next page: this request's URL with cursor set to next.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, body any, more bool, next string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(body); err != nil {
		return err
	}
	a := &answer{status: http.StatusOK, policy: revalidate, contentType: jsonType, body: buf.Bytes(),
		vary: "Authorization"} // with --public-content summary, a token adds the text
	if more && next != "" {
		q := r.URL.Query()
		q.Set("cursor", next)
		a.link = []string{"<" + s.abs(r.URL.Path) + "?" + q.Encode() + `>; rel="next"`}
	}
	s.serveAnswer(w, r, a)
	return nil
}
