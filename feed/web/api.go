package web

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/ingest"
	"herald/feed/rule"
)

// maxBody caps API request bodies.
const maxBody = 4 << 20

// requireToken wraps a handler that writes: it needs a live API token in
// "Authorization: Bearer <token>".
func (s *Server) requireToken(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
			s.jsonError(w, r, errorf(http.StatusUnauthorized, "this needs an API token: Authorization: Bearer <token> (see herald token create)"))
			return
		}
		if _, err := s.store.Authenticate(r.Context(), feed.HashToken(strings.TrimSpace(secret))); err != nil {
			if errors.Is(err, feed.ErrUnauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="herald", error="invalid_token"`)
				err = errorf(http.StatusUnauthorized, "the API token is not valid or has been revoked")
			}
			s.jsonError(w, r, err)
			return
		}
		h(w, r)
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
func (s *Server) handleArticleList(w http.ResponseWriter, r *http.Request) {
	f, err := s.articleFilter(r.URL.Query())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	page, err := s.store.ArticlePage(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if s.withholdContent(r) {
		for i := range page.Articles {
			page.Articles[i].Content = ""
		}
	}
	s.writeList(w, r, articleList{Articles: nonNil(page.Articles), NextCursor: page.NextCursor, HasMore: page.More},
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
		return f, errorf(http.StatusBadRequest, `order must be "published", "changed" or "rank"`)
	}
	if v := q.Get("source"); v != "" {
		if f.Source, err = strconv.ParseInt(v, 10, 64); err != nil || f.Source < 1 {
			return f, errorf(http.StatusBadRequest, "source must be the id of a source, a whole number")
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
	return time.Time{}, errorf(http.StatusBadRequest, "since must be a time such as 2026-11-20T10:00:00Z or a date such as 2026-11-20")
}

func (s *Server) handleArticleGet(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.Article(r.Context(), r.PathValue("id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if s.withholdContent(r) {
		a.Content = ""
	}
	s.writeJSON(w, http.StatusOK, a)
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
// up. An id that exists already is a conflict: PUT is for updates.
func (s *Server) handleArticleCreate(w http.ResponseWriter, r *http.Request) {
	a, err := s.readArticle(w, r, "")
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if _, err := s.store.Article(r.Context(), a.ID); err == nil {
		s.jsonError(w, r, errorf(http.StatusConflict, fmt.Sprintf("article %q exists; PUT /api/articles/%s updates it", a.ID, a.ID)))
		return
	} else if !errors.Is(err, feed.ErrNotFound) {
		s.jsonError(w, r, err)
		return
	}
	s.saveArticle(w, r, a)
}

// handleArticlePut creates or updates the article with the id in the path.
// Sending the same body again changes nothing.
func (s *Server) handleArticlePut(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !feed.ValidID(id) {
		s.jsonError(w, r, feed.Invalid("id", "must be 1 to %d letters, digits, '.', '_', '~' or '-', starting with a letter or digit", feed.MaxIDLen))
		return
	}
	a, err := s.readArticle(w, r, id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.saveArticle(w, r, a)
}

func (s *Server) saveArticle(w http.ResponseWriter, r *http.Request, a *feed.Article) {
	ctx := r.Context()
	rules, err := s.rules.Set(ctx, s.store)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	rules.Apply(a)
	change, err := s.store.UpsertArticle(ctx, a)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.invalidate()
	status := http.StatusOK
	if change == feed.Created {
		status = http.StatusCreated
		w.Header().Set("Location", s.abs("/api/articles/"+a.ID))
	}
	w.Header().Set("X-Herald-Change", string(change))
	s.writeJSON(w, status, a)
}

// readArticle decodes an article from the request body. The body is the
// JSON ingest format (see feed/ingest); tags may also be given as the
// objects GET returns, so a client can send back what it read (rule-made
// tags are dropped: the rules make them again). pathID, when set, is the
// article's id; a different id in the body is an error.
func (s *Server) readArticle(w http.ResponseWriter, r *http.Request, pathID string) (*feed.Article, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, errorf(http.StatusBadRequest, "the body must be one JSON object: "+err.Error())
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
	for _, k := range []string{"guid", "origin", "provenance"} {
		delete(fields, k)
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
	clean, _ := json.Marshal(fields)
	arts, err := ingest.ParseJSON("request body", clean, ingest.Options{Location: s.cfg.Location})
	if err != nil {
		var ie *ingest.Error
		if errors.As(err, &ie) {
			return nil, ie.Err // the client knows it sent the body
		}
		return nil, err
	}
	if len(arts) != 1 {
		return nil, errorf(http.StatusUnprocessableEntity, "the body must hold exactly one article")
	}
	return &arts[0], nil
}

// newArticleID makes an id for an article posted without one: its date and
// a random suffix, so ids sort roughly by time and never collide.
func newArticleID(now time.Time) string {
	return now.UTC().Format("20060102") + "-" + strings.ToLower(rand.Text()[:10])
}

func (s *Server) handleArticleDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DeleteArticle(r.Context(), r.PathValue("id")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.invalidate()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTagList(w http.ResponseWriter, r *http.Request) {
	tags, err := s.store.Tags(r.Context())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeList(w, r, map[string]any{"tags": nonNil(tags)}, false, "")
}

func (s *Server) handleTagGet(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.Tag(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, t)
}

func (s *Server) handleTagCreate(w http.ResponseWriter, r *http.Request) {
	var t feed.Tag
	if err := decodeJSON(w, r, &t); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if t.Slug == "" {
		t.Slug = feed.Slugify(t.Name)
	}
	if err := validRule(t.Rule); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := s.store.CreateTag(r.Context(), t); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.invalidate()
	w.Header().Set("Location", s.abs("/api/tags/"+t.Slug))
	s.writeJSON(w, http.StatusCreated, t)
}

// handleTagUpdate changes a tag's slug (a rename: old feed URLs redirect),
// name, description or rule. A changed rule applies to articles stored from
// then on; "herald tags apply" re-applies it to the stored ones.
func (s *Server) handleTagUpdate(w http.ResponseWriter, r *http.Request) {
	var u feed.TagUpdate
	if err := decodeJSON(w, r, &u); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if u.Rule != nil {
		if err := validRule(*u.Rule); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	t, err := s.store.UpdateTag(r.Context(), r.PathValue("slug"), u)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.invalidate()
	s.writeJSON(w, http.StatusOK, t)
}

func (s *Server) handleTagDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DeleteTag(r.Context(), r.PathValue("slug")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.invalidate()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.Version(r.Context()); err != nil {
		s.log.ErrorContext(r.Context(), "health check", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok\n")
}

// decodeJSON reads one JSON object into v, refusing unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(http.StatusBadRequest, "the body must be one JSON object: "+err.Error())
	}
	return nil
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// apiError is the body of every API error.
type apiError struct {
	Error  string            `json:"error"`
	Fields []feed.FieldError `json:"fields,omitempty"`
}

func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	s.logError(r, err, status)
	body := apiError{Error: publicMessage(err, status)}
	var ve *feed.ValidationError
	if status < 500 && errors.As(err, &ve) {
		body.Fields = ve.Fields
		body.Error = "the input is not valid: see fields"
		if len(ve.Fields) == 1 {
			body.Error = ve.Fields[0].String()
		}
	}
	s.writeJSON(w, status, body)
}

// textError answers a feed request that failed, in plain text.
func (s *Server) textError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	s.logError(r, err, status)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, publicMessage(err, status), status)
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
