package web

// Corrections in public: the list of every correction (/corrections), a
// page per correction showing what changed word by word
// (/corrections/{id}), the same list as feeds and in the API.

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"herald/feed"
	"herald/feed/render"
	"herald/feed/wdiff"
)

// correctionView is one correction on a page.
type correctionView struct {
	Date, DateISO, Note string
	// Title and Article are the article's title and page; Diff is the
	// page of what changed.
	Title, Article, Diff string
}

// diffView is the page of one correction.
type diffView struct {
	correctionView
	Before, After           int
	Title, Summary, Content template.HTML // word diffs: <del> removed, <ins> added
	// Granularity is "word", or "paragraph" or "whole" where the text
	// changed too much to compare word by word (see wdiff.MaxCells).
	Granularity string
	// Withheld says the article's text is for subscribers only
	// (--public-content summary): the page compares title and summary.
	Withheld bool
}

func (s *Server) correctionViews(cs []feed.Correction) []correctionView {
	out := make([]correctionView, 0, len(cs))
	for _, c := range cs {
		out = append(out, s.correctionView(c))
	}
	return out
}

func (s *Server) correctionView(c feed.Correction) correctionView {
	return correctionView{
		Date:    c.At.In(s.cfg.Location).Format("January 2, 2006"),
		DateISO: c.At.UTC().Format(time.RFC3339),
		Note:    c.Note, Title: c.Title,
		Article: s.articleURL(&feed.Article{ID: c.ArticleID, Slug: c.Slug}),
		Diff:    s.correctionURL(c.ID),
	}
}

func (s *Server) correctionURL(id int64) string {
	return s.abs("/corrections/" + strconv.FormatInt(id, 10))
}

// correctionsPageSize is how many corrections a page of /corrections
// shows.
const correctionsPageSize = feed.DefaultLimit

// handleCorrectionsPage serves /corrections: every correction, the latest
// first, a page at a time (?before=ID: those made before that one), with
// links to the articles and to what changed, and the feeds of the list.
func (s *Server) handleCorrectionsPage(w http.ResponseWriter, r *http.Request) error {
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return refuse(errMalformed, "before must be the id of a correction: a whole number from 1")
		}
		before = n
	}
	cs, more, err := s.corrections(r.Context(), feed.CorrectionFilter{Limit: correctionsPageSize, Before: before})
	if err != nil {
		return err
	}
	p := s.newPage("Corrections", "Every correction to "+s.cfg.Title+"’s articles: what was wrong and what changed.")
	p.Canonical = s.abs("/corrections")
	if before > 0 {
		p.Canonical += "?before=" + strconv.FormatInt(before, 10)
		p.Latest = s.abs("/corrections")
	}
	if more {
		p.Older = s.abs("/corrections") + "?before=" + strconv.FormatInt(cs[len(cs)-1].ID, 10)
	}
	p.Corrections = s.correctionViews(cs)
	p.Feeds = s.feedLinks("/corrections/", s.cfg.Title+": Corrections")
	p.Follow = []subscription{subscribe("Corrections", "", p.Feeds)}
	return s.renderPage(w, r, "corrections", p)
}

// handleCorrectionPage serves /corrections/{id}: the correction's note and
// the difference between the versions before and after it, word by word.
func (s *Server) handleCorrectionPage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return refuse(feed.ErrNotFound, "no correction at "+r.URL.EscapedPath())
	}
	d, err := s.store.CorrectionDiff(r.Context(), id)
	if errors.Is(err, feed.ErrNotFound) {
		return refuse(feed.ErrNotFound, fmt.Sprintf("no correction %d here (its article may have been deleted)", id))
	}
	if err != nil {
		return err
	}
	v := &diffView{correctionView: s.correctionView(d.Correction), Before: d.Before, After: d.After,
		Withheld: s.cfg.PublicContent == feed.PlanSummary}
	title := wdiff.Compare(d.Old.Title, d.New.Title)
	summary := wdiff.Compare(d.Old.Summary, d.New.Summary)
	v.Title, v.Summary = template.HTML(title.HTML()), template.HTML(summary.HTML()) // escaped by wdiff
	v.Granularity = "word"
	if !v.Withheld {
		content := wdiff.Compare(wdiff.Text(d.Old.Content), wdiff.Text(d.New.Content))
		v.Content, v.Granularity = template.HTML(content.HTML()), content.Granularity
	}
	p := s.newPage("Correction: "+d.Title, d.Note)
	p.Canonical = v.Diff
	p.Diff = v
	p.Feeds = s.feedLinks("/corrections/", s.cfg.Title+": Corrections")
	p.Follow = []subscription{subscribe("Corrections", s.abs("/corrections"), p.Feeds)}
	return s.renderPage(w, r, "correction", p)
}

// handleCorrectionsFeed serves /corrections/feed.{rss,atom,json}: the
// latest corrections, one item each, linking to what changed. Its id is
// the article's GUID with the version the correction made, so that it
// stays the same in a copy of the database. It is a WebSub topic: the hub
// pushes it when a correction is made (see Topic).
func (s *Server) handleCorrectionsFeed(ext string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		e, err := s.cache.get(r.Context(), correctionsFeedKey(ext), func() (*answer, error) {
			return s.buildCorrectionsFeed(r.Context(), formats[ext])
		})
		if err != nil {
			return err
		}
		s.cache.serve(w, r, e)
		return nil
	}
}

// correctionsFeedKey is the feed cache's key of the corrections feed in
// the format ext, for GET and the hub alike.
func correctionsFeedKey(ext string) string {
	return view{}.cacheKey("/corrections/feed."+ext, "")
}

func (s *Server) buildCorrectionsFeed(ctx context.Context, f format) (*answer, error) {
	cs, err := s.store.Corrections(ctx, feed.CorrectionFilter{Limit: feed.DefaultLimit})
	if err != nil {
		return nil, err
	}
	items := make([]feed.Article, len(cs))
	for i, c := range cs {
		diff, article := s.correctionURL(c.ID), s.articleURL(&feed.Article{ID: c.ArticleID, Slug: c.Slug})
		items[i] = feed.Article{
			ID: c.ArticleID, GUID: c.GUID + ":correction:" + strconv.Itoa(c.After),
			Title:   "Correction: " + c.Title,
			Summary: c.Note,
			Content: fmt.Sprintf(`<p>%s</p><p><a href="%s">What changed</a> · <a href="%s">%s</a></p>`,
				html.EscapeString(c.Note), html.EscapeString(diff), html.EscapeString(article), html.EscapeString(c.Title)),
			Published: c.At, Updated: c.At, URL: diff, Origin: feed.OriginOwn,
		}
	}
	fr := &frame{rf: &render.Feed{
		ID:          s.store.Site().TagURI("feed:corrections"),
		Title:       s.cfg.Title + ": Corrections",
		Description: "Corrections to " + s.cfg.Title + "’s articles: what was wrong and what changed.",
		HomeURL:     s.abs("/corrections"),
		SelfURL:     s.abs("/corrections/feed." + f.ext),
		Language:    "en",
		Author:      s.cfg.Title,
		Rights:      s.cfg.Rights,
		Link:        func(a *feed.Article) string { return a.URL },
		HubURL:      s.hubURL(view{}, feedQuery{}),
	}}
	return s.renderTopic(fr, f, items)
}

// corrections returns the corrections f selects (f.Limit of them at most,
// which the caller sets) and whether there are more after them: when the
// page is full, whether one more follows its last.
func (s *Server) corrections(ctx context.Context, f feed.CorrectionFilter) ([]feed.Correction, bool, error) {
	cs, err := s.store.Corrections(ctx, f)
	if err != nil || len(cs) < f.Limit {
		return cs, false, err
	}
	f.Before, f.Limit = cs[len(cs)-1].ID, 1
	next, err := s.store.Corrections(ctx, f)
	return cs, len(next) > 0, err
}

// correctionList is the body of GET /api/corrections.
type correctionList struct {
	Corrections []feed.Correction `json:"corrections"`
	NextCursor  string            `json:"next_cursor,omitempty"`
	HasMore     bool              `json:"has_more"`
}

// handleCorrectionList serves GET /api/corrections: the latest corrections
// (limit, at most feed.MaxLimit), of one article with ?article=ID, a page
// at a time: a page's next_cursor, given as cursor, asks for the
// corrections made before its last.
func (s *Server) handleCorrectionList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := parseLimit(q)
	if err != nil {
		return err
	}
	f := feed.CorrectionFilter{ArticleID: q.Get("article"), Limit: limit}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return feed.Invalid("cursor", "is not a cursor of this list: give next_cursor as it came")
		}
		f.Before = n
	}
	cs, more, err := s.corrections(r.Context(), f)
	if err != nil {
		return err
	}
	body := correctionList{Corrections: nonNil(cs), HasMore: more}
	if more {
		body.NextCursor = strconv.FormatInt(cs[len(cs)-1].ID, 10)
	}
	return s.writeList(w, r, body, more, body.NextCursor)
}
