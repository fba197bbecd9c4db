package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"herald/feed"
)

// searchTemplate is the search page, with the layout.
var searchTemplate = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/search.html"))

// searchPageSize is how many results one search page shows.
const searchPageSize = 20

// searchPage is what the search template gets: a page, and the search.
type searchPage struct {
	*page
	Query    string
	Action   string // where the form goes
	Searched bool   // a query ran: show its results, even none
	Problem  string // why the query could not run
	Next     string // the next page of results
	Shown    int    // how many results the earlier pages showed
}

// Tally says how many articles match, as far as the pages so far tell: the
// store counts no search, and the last page knows the total.
func (p *searchPage) Tally() string {
	n := p.Shown + len(p.Articles)
	var s string
	switch {
	case p.Next != "":
		s = "More than " + strconv.Itoa(n) + " articles match"
	case n == 1:
		s = "1 article matches"
	default:
		s = strconv.Itoa(n) + " articles match"
	}
	if p.Shown > 0 {
		s += "; these are " + strconv.Itoa(p.Shown+1) + " to " + strconv.Itoa(n)
	} else if p.Next != "" {
		s += "; the best " + strconv.Itoa(n) + " first"
	}
	return s + "."
}

// normalQuery is the query of a request with its white space made single,
// so that spellings that differ only in spaces share a cached feed.
func normalQuery(r *http.Request) string {
	return strings.Join(strings.Fields(r.URL.Query().Get("q")), " ")
}

// handleSearchPage serves /search?q=: the best matches first, a page at a
// time, with the search's feeds offered for subscription.
func (s *Server) handleSearchPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := normalQuery(r)
	p := &searchPage{
		page:   s.newPage("Search", "Search the articles of "+s.cfg.Title+"."),
		Query:  q,
		Action: s.abs("/search"),
	}
	p.Canonical = s.abs("/search")
	status := http.StatusOK
	if q != "" {
		p.Heading = "Search: " + q
		p.Canonical += "?" + url.Values{"q": {q}}.Encode()
		cursor := r.URL.Query().Get("cursor")
		if n, err := strconv.Atoi(r.URL.Query().Get("shown")); err == nil && n > 0 && cursor != "" {
			p.Shown = n // only counts the results in "these are 21 to 40"
		}
		res, err := s.store.ArticlePage(ctx, feed.ArticleFilter{Query: q, Limit: searchPageSize, Cursor: cursor})
		var ve *feed.ValidationError
		switch {
		case errors.As(err, &ve):
			status = statusOf(err)
			p.Problem = "This search cannot run: " + ve.Fields[0].String() + "."
		case err != nil:
			return err
		default:
			p.Searched = true
			p.Feeds = s.searchFeedLinks(q)
			p.Follow = []subscription{subscribe("Follow this search", "", p.Feeds)}
			tags, err := s.store.Tags(ctx)
			if err != nil {
				return err
			}
			views := s.tagViews(tags)
			for i := range res.Articles {
				p.Articles = append(p.Articles, s.articleView(&res.Articles[i], views))
			}
			if res.More {
				shown := strconv.Itoa(p.Shown + len(res.Articles))
				p.Next = s.abs("/search") + "?" + url.Values{"q": {q}, "cursor": {res.NextCursor}, "shown": {shown}}.Encode()
			}
		}
	}
	body, err := s.executePage(searchTemplate, p)
	if err != nil {
		return err
	}
	// A query that cannot run is answered with the page, but as the error
	// it is: its status keeps it out of caches (see answer.prepare).
	s.serveAnswer(w, r, &answer{status: status, policy: publicPage, contentType: htmlType, body: body})
	return nil
}

// searchFeedLinks are the autodiscovery links of a search's feeds.
func (s *Server) searchFeedLinks(q string) []feedLink {
	query := "?" + url.Values{"q": {q}}.Encode()
	title := s.cfg.Title + ": search “" + q + "”"
	return []feedLink{
		{"application/atom+xml", title + " (Atom)", s.abs("/search/feed.atom") + query, "Atom"},
		{"application/rss+xml", title + " (RSS)", s.abs("/search/feed.rss") + query, "RSS"},
		{"application/feed+json", title + " (JSON Feed)", s.abs("/search/feed.json") + query, "JSON Feed"},
	}
}

// handleSearchFeed serves /search/feed.{rss,atom,json}?q=: a saved search
// as a subscription, newest matches first, cached and validated like a tag
// feed (?limit= and ?origin= as there).
func (s *Server) handleSearchFeed(ext string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, err := s.serveSearchFeed(w, r, s.publicView(), ext)
		return err
	}
}

// serveSearchFeed answers a search feed request for the view v and returns
// the status it answered.
func (s *Server) serveSearchFeed(w http.ResponseWriter, r *http.Request, v view, ext string) (int, error) {
	q := normalQuery(r)
	if q == "" {
		return 0, refuse(errMalformed, "q is required: the search, as in /search/feed."+ext+"?q=cyber")
	}
	fq, err := parseFeedQuery(r.URL.Query())
	if err != nil {
		return 0, err
	}
	fq.page = 1 // a search feed is not paged
	e, err := s.cache.get(r.Context(), v.cacheKey(r.URL.Path, "?"+searchParams(q, fq).Encode()), func() (*answer, error) {
		return s.buildSearchFeed(r.Context(), v, q, formats[ext], fq)
	})
	if err != nil {
		return 0, err
	}
	status, _ := s.cache.serve(w, r, e)
	return status, nil
}

// searchParams is the query string of a search feed's self URL.
func searchParams(q string, fq feedQuery) url.Values {
	params := url.Values{"q": {q}}
	if fq.origin != "" {
		params.Set("origin", string(fq.origin))
	}
	if fq.limit != feed.DefaultLimit {
		params.Set("limit", strconv.Itoa(fq.limit))
	}
	return params
}

// buildSearchFeed renders the feed of the search q.
func (s *Server) buildSearchFeed(ctx context.Context, v view, q string, f format, fq feedQuery) (*answer, error) {
	doc := "feed." + f.ext
	fr, early, err := s.newFrame(ctx, v, "", doc, fq)
	if fr == nil {
		return early, err
	}
	id := url.Values{"q": {q}}
	if fq.origin != "" {
		id.Set("origin", string(fq.origin))
	}
	fr.rf.ID = s.store.Site().TagURI("feed:search?" + id.Encode())
	params := searchParams(q, fq)
	fr.rf.Title = s.cfg.Title + ": search “" + q + "”"
	fr.rf.Description = "Articles matching the search “" + q + "”, newest first."
	fr.rf.HomeURL = s.abs("/search") + "?" + url.Values{"q": {q}}.Encode()
	fr.rf.SelfURL = s.abs(v.prefix+"/search/"+doc) + "?" + params.Encode()
	fr.rf.HubURL = s.hubURL(v, fq)
	fr.filter.Query, fr.filter.Order, fr.filter.Limit = q, feed.OrderPublished, fq.limit
	arts, err := s.store.Articles(ctx, fr.filter)
	if err != nil {
		return nil, err
	}
	return s.renderTopic(fr, f, arts)
}
