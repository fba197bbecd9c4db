package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/ingest"
	"herald/feed/rule"
)

// requireToken wraps a handler that writes: it needs a live API token in
// "Authorization: Bearer <token>".
func (s *Server) requireToken(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return refuse(feed.ErrUnauthorized, "this needs an API token: Authorization: Bearer <token> (see herald token create)").
				with("WWW-Authenticate", `Bearer realm="herald"`)
		}
		if _, err := s.store.Authenticate(r.Context(), feed.HashToken(strings.TrimSpace(secret))); err != nil {
			if errors.Is(err, feed.ErrUnauthorized) {
				return refuse(feed.ErrUnauthorized, "the API token is not valid or has been revoked").
					with("WWW-Authenticate", `Bearer realm="herald", error="invalid_token"`)
			}
			return err
		}
		return h(w, r)
	}
}

// articleList is the body of GET /api/articles.
type articleList struct {
	Articles   []feed.Article `json:"articles"`
	NextCursor string         `json:"next_cursor,omitempty"`
	HasMore    bool           `json:"has_more"`
}

// handleArticleList serves GET /api/articles: the articles the query
// selects (tag, source, origin, since, q), a page at a time (limit, cursor,
// order), with an ETag and, when there is more, a Link to the next page.
// See store.DB.ArticlePage for what the cursor guarantees.
func (s *Server) handleArticleList(w http.ResponseWriter, r *http.Request) error {
	f, err := s.articleFilter(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.store.ArticlePage(r.Context(), f)
	if err != nil {
		return err
	}
	if s.withholdContent(r) {
		for i := range page.Articles {
			page.Articles[i].Content = ""
		}
	}
	return s.writeList(w, r, articleList{Articles: nonNil(page.Articles), NextCursor: page.NextCursor, HasMore: page.More},
		page.More, page.NextCursor)
}

// articleFilter reads the query of GET /api/articles.
func (s *Server) articleFilter(q url.Values) (feed.ArticleFilter, error) {
	fq, err := parseFeedQuery(q)
	if err != nil {
		return feed.ArticleFilter{}, err
	}
	f := feed.ArticleFilter{
		Limit:  fq.limit,
		Origin: fq.origin,
		Query:  strings.Join(strings.Fields(q.Get("q")), " "),
		Cursor: q.Get("cursor"),
		Order:  feed.ArticleOrder(q.Get("order")),
	}
	for _, t := range q["tag"] {
		f.Tags = append(f.Tags, strings.Split(t, "+")...)
	}
	switch f.Order {
	case "", feed.OrderPublished, feed.OrderChanged, feed.OrderRank:
	default:
		return f, refuse(errMalformed, `order must be "published", "changed" or "rank"`)
	}
	if v := q.Get("source"); v != "" {
		if f.Source, err = strconv.ParseInt(v, 10, 64); err != nil || f.Source < 1 {
			return f, refuse(errMalformed, "source must be the id of a source, a whole number")
		}
	}
	if v := q.Get("since"); v != "" {
		if f.Since, err = parseSince(v, s.cfg.Location); err != nil {
			return f, err
		}
	}
	return f, nil
}

// parseSince reads a time as RFC 3339, or a date (midnight in loc).
func parseSince(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, refuse(errMalformed, "since must be a time such as 2026-11-20T10:00:00Z or a date such as 2026-11-20")
}

func (s *Server) handleArticleGet(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.Article(r.Context(), r.PathValue("id"))
	if errors.Is(err, feed.ErrNotFound) {
		// An editor may read an embargoed article; anyone else gets the
		// same 404 as for an article that does not exist.
		if held, herr := s.embargoedForEditor(r, r.PathValue("id")); herr == nil {
			a, err = held, nil
		} else if !errors.Is(herr, feed.ErrNotFound) {
			err = herr
		}
	}
	if err != nil {
		return err
	}
	if s.withholdContent(r) {
		a.Content = ""
	}
	out, err := s.creditArticle(r.Context(), a)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, out)
	return nil
}

// withholdContent reports whether a public read must leave full text out:
// with --public-content summary, only API token holders get it.
func (s *Server) withholdContent(r *http.Request) bool {
	if s.cfg.PublicContent != feed.PlanSummary {
		return false
	}
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return true
	}
	_, err := s.store.Authenticate(r.Context(), feed.HashToken(strings.TrimSpace(secret)))
	return err != nil
}

// handleArticleCreate stores a new article; its id may be given or is made
// up. An id that exists already is a conflict: PUT is for updates. The
// store checks and creates in one transaction, so of two POSTs of one id
// exactly one creates it.
func (s *Server) handleArticleCreate(w http.ResponseWriter, r *http.Request) error {
	a, err := s.readArticle(w, r, "")
	if err != nil {
		return err
	}
	if err := s.checkTags(r, a.TagSlugs(), false); err != nil {
		return err
	}
	if err := s.applyRules(r.Context(), a); err != nil {
		return err
	}
	if err := s.store.CreateArticle(r.Context(), a); err != nil {
		if errors.Is(err, feed.ErrConflict) {
			return refuse(feed.ErrConflict, fmt.Sprintf("article %q exists; PUT /api/articles/%s updates it", a.ID, a.ID))
		}
		return err
	}
	s.answerSaved(w, a, feed.Created)
	return nil
}

// handleArticlePut creates or updates the article with the id in the path.
// Sending the same body again changes nothing.
func (s *Server) handleArticlePut(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !feed.ValidID(id) {
		return feed.Invalid("id", "must be 1 to %d letters, digits, '.', '_', '~' or '-', starting with a letter or digit", feed.MaxIDLen)
	}
	a, err := s.readArticle(w, r, id)
	if err != nil {
		return err
	}
	if err := s.checkTags(r, a.TagSlugs(), false); err != nil {
		return err
	}
	if err := s.applyRules(r.Context(), a); err != nil {
		return err
	}
	change, err := s.store.UpsertArticle(r.Context(), a)
	if err != nil {
		return err
	}
	s.answerSaved(w, a, change)
	return nil
}

// applyRules gives a the tags that the tag rules find in it.
func (s *Server) applyRules(ctx context.Context, a *feed.Article) error {
	rules, err := s.rules.Set(ctx, s.store)
	if err != nil {
		return err
	}
	rules.Apply(a)
	return nil
}

// answerSaved answers a write of an article, which change says what it did.
func (s *Server) answerSaved(w http.ResponseWriter, a *feed.Article, change feed.Change) {
	s.invalidate()
	status := http.StatusOK
	if change == feed.Created {
		status = http.StatusCreated
		w.Header().Set("Location", s.abs("/api/articles/"+a.ID))
	}
	w.Header().Set("X-Herald-Change", string(change))
	s.writeJSON(w, status, noStore, a)
}

// readArticle decodes an article from the request body. The body is the
// JSON ingest format (see feed/ingest); tags may also be given as the
// objects GET returns, so a client can send back what it read (rule-made
// tags are dropped: the rules make them again). pathID, when set, is the
// article's id; a different id in the body is an error.
//
// The limits apply to what the client sent: the body's size is checked as
// received (readObject), and the fields are passed on to feed/ingest with
// their bytes as sent (no HTML escaping: "<" stays one byte), so that the
// content's limit (feed.MaxContentLen) is not reached by re-encoding.
func (s *Server) readArticle(w http.ResponseWriter, r *http.Request, pathID string) (*feed.Article, error) {
	body, err := readObject(w, r)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, refuse(errMalformed, "the body is not valid JSON: "+err.Error()) // readObject let it through: cannot happen
	}
	var bodyID string
	if raw, ok := fields["id"]; ok {
		if err := json.Unmarshal(raw, &bodyID); err != nil {
			return nil, feed.Invalid("id", "must be a string")
		}
	}
	switch {
	case pathID != "" && bodyID != "" && bodyID != pathID:
		return nil, feed.Invalid("id", "is %q in the body but %q in the URL", bodyID, pathID)
	case pathID != "":
		bodyID = pathID
	case bodyID == "":
		bodyID = newArticleID(s.cfg.Now())
	}
	fields["id"], _ = json.Marshal(bodyID)
	// The store keeps these; a client echoing them back is not an error.
	for _, k := range []string{"guid", "origin", "provenance", "corrections"} {
		delete(fields, k)
	}
	known := ingest.JSONFields()
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(known, k) {
			return nil, refuse(errMalformed, unknownField(k, known))
		}
	}
	if raw, ok := fields["tags"]; ok {
		var objs []feed.ArticleTag
		if json.Unmarshal(raw, &objs) == nil {
			slugs := []string{}
			for _, t := range objs {
				if t.Rule == "" {
					slugs = append(slugs, t.Slug)
				}
			}
			fields["tags"], _ = json.Marshal(slugs)
		}
	}
	var clean bytes.Buffer
	enc := json.NewEncoder(&clean)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, fmt.Errorf("re-encode article: %w", err)
	}
	if clean.Len() > ingest.MaxFileSize {
		// Within the limit as sent, over it with the id herald added.
		return nil, refuse(errTooLarge, tooLargeMessage(maxBody))
	}
	arts, err := ingest.ParseJSON("request body", clean.Bytes(), ingest.Options{Location: s.cfg.Location, Language: s.cfg.Language})
	if err != nil {
		var ie *ingest.Error
		if errors.As(err, &ie) {
			err = ie.Err // the client knows it sent the body
		}
		if statusOf(err) >= 500 {
			// Whatever ingest finds wrong with a body is the body's fault.
			return nil, refuse(errMalformed, err.Error())
		}
		return nil, err
	}
	if len(arts) != 1 {
		return nil, refuse(feed.ErrInvalid, "the body must hold exactly one article")
	}
	return &arts[0], nil
}

// newArticleID makes an id for an article posted without one: its date and
// a random suffix, so ids sort roughly by time and never collide.
func newArticleID(now time.Time) string {
	return now.UTC().Format("20060102") + "-" + strings.ToLower(rand.Text()[:10])
}

func (s *Server) handleArticleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteArticle(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	s.invalidate()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleTagList(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.store.Tags(r.Context())
	if err != nil {
		return err
	}
	return s.writeList(w, r, map[string]any{"tags": nonNil(tags)}, false, "")
}

func (s *Server) handleTagGet(w http.ResponseWriter, r *http.Request) error {
	t, err := s.store.Tag(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, noStore, t)
	return nil
}

func (s *Server) handleTagCreate(w http.ResponseWriter, r *http.Request) error {
	var t feed.Tag
	if err := decodeJSON(w, r, &t); err != nil {
		return err
	}
	if t.Slug == "" {
		t.Slug = feed.Slugify(t.Name)
	}
	if err := validRule(t.Rule); err != nil {
		return err
	}
	if err := s.store.CreateTag(r.Context(), t); err != nil {
		return err
	}
	s.invalidate()
	w.Header().Set("Location", s.abs("/api/tags/"+t.Slug))
	s.writeJSON(w, http.StatusCreated, noStore, t)
	return nil
}

// handleTagUpdate changes a tag's slug (a rename: old feed URLs redirect),
// name, description or rule. A changed rule applies to articles stored from
// then on; POST /api/tags/apply ("herald tags apply") re-applies it to the
// stored ones. With ?dry_run=1 it changes nothing and says what that
// re-applying would change (see previewTagUpdate).
func (s *Server) handleTagUpdate(w http.ResponseWriter, r *http.Request) error {
	dry, err := dryRun(r)
	if err != nil {
		return err
	}
	var u feed.TagUpdate
	if err := decodeJSON(w, r, &u); err != nil {
		return err
	}
	if u.Rule != nil {
		if err := validRule(*u.Rule); err != nil {
			return err
		}
	}
	if dry {
		return s.previewTagUpdate(w, r, u)
	}
	t, err := s.store.UpdateTag(r.Context(), r.PathValue("slug"), u)
	if err != nil {
		return err
	}
	s.invalidate()
	s.writeJSON(w, http.StatusOK, noStore, t)
	return nil
}

func (s *Server) handleTagDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteTag(r.Context(), r.PathValue("slug")); err != nil {
		return err
	}
	s.invalidate()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeJSON answers with v in JSON, kept by caches as p says: an API
// answer that is no list is a write's or an error's (noStore).
func (s *Server) writeJSON(w http.ResponseWriter, status int, p policy, v any) {
	h := w.Header()
	h["Content-Type"] = []string{jsonType}
	h["Cache-Control"] = s.cacheControl[p]
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// validRule checks a tag rule's syntax, reporting it as the "rule" field.
func validRule(q string) error {
	if strings.TrimSpace(q) == "" {
		return nil
	}
	if _, err := rule.Parse(q); err != nil {
		return feed.Invalid("rule", "%v", err)
	}
	return nil
}
