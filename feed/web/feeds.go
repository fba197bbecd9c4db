package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/render"
)

// A format is one of the three feed formats herald publishes.
type format struct {
	ext         string
	contentType string
	write       func(*bytes.Buffer, *render.Feed) error
}

var formats = map[string]format{
	"rss":  {"rss", "application/rss+xml; charset=utf-8", func(b *bytes.Buffer, f *render.Feed) error { return render.RSS(b, f) }},
	"atom": {"atom", "application/atom+xml; charset=utf-8", func(b *bytes.Buffer, f *render.Feed) error { return render.Atom(b, f) }},
	"json": {"json", "application/feed+json; charset=utf-8", func(b *bytes.Buffer, f *render.Feed) error { return render.JSON(b, f) }},
}

// feedQuery is what a feed request asks for, beyond its path.
type feedQuery struct {
	limit  int
	origin feed.Origin
	page   int // 1 for the first page of a paged feed (RFC 5005 section 3)
}

// query is r.URL.Query() without the parsing (and its map) for the common
// request that has no query string.
func query(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}

func parseFeedQuery(q url.Values) (feedQuery, error) {
	fq := feedQuery{limit: feed.DefaultLimit, page: 1}
	if len(q) == 0 {
		return fq, nil
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100_000 {
			return fq, refuse(errMalformed, "page must be a whole number from 1")
		}
		fq.page = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > feed.MaxLimit {
			return fq, refuse(errMalformed, fmt.Sprintf("limit must be a whole number from 1 to %d", feed.MaxLimit))
		}
		fq.limit = n
	}
	switch o := feed.Origin(q.Get("origin")); o {
	case "", "all":
	case feed.OriginOwn, feed.OriginExternal:
		fq.origin = o
	default:
		return fq, refuse(errMalformed, `origin must be "own", "external" or "all"`)
	}
	return fq, nil
}

// encode gives the query string that selects fq again ("" for the defaults).
func (fq feedQuery) encode() string {
	v := url.Values{}
	if fq.limit != feed.DefaultLimit {
		v.Set("limit", strconv.Itoa(fq.limit))
	}
	if fq.origin != "" {
		v.Set("origin", string(fq.origin))
	}
	if fq.page > 1 {
		v.Set("page", strconv.Itoa(fq.page))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// A view is who a feed is rendered for: the public, or a subscriber whose
// token prefixes every URL of the feed.
type view struct {
	prefix      string // "" for the public; "/s/{token}" for a subscriber
	summary     bool   // items carry their summary only
	attribution bool   // own items end with a line crediting the outlet
	private     bool   // Cache-Control: private
	early       bool   // embargoed articles too (early access), marked
}

// policy is how caches may keep the view's feeds: closed archive pages for
// long, other documents for Config.FeedMaxAge; a subscriber's only in the
// subscriber's own cache.
func (v view) policy(closed bool) policy {
	switch {
	case closed && v.private:
		return privateArchive
	case closed:
		return publicArchive
	case v.private:
		return privateFeed
	}
	return publicFeed
}

// publicView is what feeds without a token carry.
func (s *Server) publicView() view {
	return view{summary: s.cfg.PublicContent == feed.PlanSummary}
}

// handleSiteFeed serves /feed.{rss,atom,json}: every article.
func (s *Server) handleSiteFeed(ext string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, err := s.serveFeed(w, r, s.publicView(), "", ext)
		return err
	}
}

// handleTagFeed serves /tags/{slugs}/feed.{rss,atom,json}, where slugs is one
// tag or several joined by "+" (articles carrying all of them).
func (s *Server) handleTagFeed(ext string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, err := s.serveFeed(w, r, s.publicView(), r.PathValue("slugs"), ext)
		return err
	}
}

// serveFeed answers a feed request and returns the status it answered.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, v view, slugs, ext string) (int, error) {
	fq, err := parseFeedQuery(query(r))
	if err != nil {
		return 0, err
	}
	e, err := s.cache.get(r.Context(), v.cacheKey(r.URL.Path, fq.encode()), func() (*answer, error) {
		return s.buildFeed(r.Context(), v, slugs, formats[ext], fq)
	})
	if err != nil {
		return 0, err
	}
	status, _ := s.cache.serve(w, r, e)
	return status, nil
}

// A frame is what every document of one feed shares, whatever the page:
// its metadata, the articles it selects, and the base of its URLs.
type frame struct {
	rf     *render.Feed
	filter feed.ArticleFilter
	base   string // "/" or "/tags/a+b/" after the view's prefix, before "feed.atom" or "archive/..."
	view   view
	count  int // how many articles filter selects, when the tag table says; -1 when not
	// deleted says whether an article may have been deleted within
	// tombstoneAge (see tagTable).
	deleted bool
}

// newFrame resolves the tags in slugs ("" for the whole site) and fills in
// the feed's metadata. For an unknown tag or an outdated spelling it returns
// instead the 404 or the redirect (to the same document under base).
func (s *Server) newFrame(ctx context.Context, v view, slugs, doc string, fq feedQuery) (*frame, *answer, error) {
	site := s.store.Site()
	table, err := s.tagTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := table.names
	fr := &frame{base: v.prefix + "/", filter: feed.ArticleFilter{Origin: fq.origin}, view: v, count: -1, deleted: table.deleted}
	fr.rf = &render.Feed{
		ID:          site.TagURI("feed:all"),
		Title:       s.cfg.Title,
		Description: s.cfg.Description,
		HomeURL:     s.abs("/"),
		Language:    "en",
		Author:      s.cfg.Title,
		Rights:      s.cfg.Rights,
		Link:        s.articleURL,
		TagURL:      func(slug string) string { return s.abs("/tags/" + slug) },
		TagName:     func(slug string) string { return names[slug] },
	}
	if slugs != "" {
		tags, canonical, err := s.resolveTags(ctx, table, slugs)
		if errors.Is(err, feed.ErrNotFound) {
			nf, err := s.notFoundFeed(ctx, err)
			return nil, nf, err
		}
		if err != nil {
			return nil, nil, err
		}
		fr.base = v.prefix + "/tags/" + canonical + "/"
		if canonical != slugs {
			return nil, &answer{status: http.StatusMovedPermanently, policy: moved, location: s.abs(fr.base+doc) + fq.encode()}, nil
		}
		tagNames := make([]string, len(tags))
		for i, t := range tags {
			tagNames[i] = t.Name
			fr.filter.Tags = append(fr.filter.Tags, t.Slug)
		}
		fr.rf.ID = site.TagURI("feed:tags/" + canonical)
		fr.rf.Title = s.cfg.Title + ": " + strings.Join(tagNames, " + ")
		fr.rf.HomeURL = s.abs("/tags/" + canonical)
		fr.rf.Description = "Articles tagged " + strings.Join(tagNames, " and ") + "."
		if len(tags) == 1 && tags[0].Description != "" {
			fr.rf.Description = tags[0].Description
		}
		if len(tags) == 1 && fq.origin == "" {
			fr.count = tags[0].Articles // what CountArticles would read
		}
	}
	switch fq.origin {
	case feed.OriginOwn:
		fr.rf.ID += "?origin=own"
	case feed.OriginExternal:
		fr.rf.ID += "?origin=external"
	}
	return fr, nil, nil
}

// render writes the frame's feed with items in format f, as its view asks;
// closed says it is an archive page that will not change.
func (fr *frame) render(f format, items []feed.Article, closed bool) (*answer, error) {
	if fr.view.summary || fr.view.attribution {
		items = slices.Clone(items)
		for i := range items {
			a := &items[i]
			if fr.view.summary {
				if a.Summary == "" {
					a.Summary = a.Title
				}
				a.Content = ""
			} else if a.Origin != feed.OriginExternal {
				a.Content += fmt.Sprintf(`<p class="attribution">First published by %s: <a href="%s">%s</a></p>`,
					html.EscapeString(fr.rf.Author), html.EscapeString(fr.rf.Link(a)), html.EscapeString(fr.rf.Link(a)))
			}
		}
	}
	fr.rf.Items = items
	var lastMod time.Time
	for _, a := range items {
		if a.Updated.After(lastMod) {
			lastMod = a.Updated
		}
	}
	var buf bytes.Buffer
	buf.Grow(render.Size(fr.rf))
	if err := f.write(&buf, fr.rf); err != nil {
		return nil, fmt.Errorf("render %s: %w", fr.rf.SelfURL, err)
	}
	return &answer{status: http.StatusOK, policy: fr.view.policy(closed), contentType: f.contentType, body: buf.Bytes(),
		gzip: true, vary: "Accept-Encoding", lastMod: lastMod.UTC().Truncate(time.Second)}, nil
}

// buildFeed renders one page of a feed (the newest articles on page 1), or
// the redirect or not-found answer for it.
func (s *Server) buildFeed(ctx context.Context, v view, slugs string, f format, fq feedQuery) (*answer, error) {
	doc := "feed." + f.ext
	fr, early, err := s.newFrame(ctx, v, slugs, doc, fq)
	if fr == nil {
		return early, err
	}
	path := fr.base + doc
	fr.rf.SelfURL = s.abs(path) + fq.encode()
	fr.rf.HubURL = s.hubURL(v, fq)
	fr.filter.Limit, fr.filter.Offset = fq.limit, (fq.page-1)*fq.limit
	arts, err := s.store.Articles(ctx, fr.filter)
	if err != nil {
		return nil, err
	}
	if v.early && fq.page == 1 {
		if arts, err = s.withEarlyAccess(ctx, arts, fr.filter); err != nil {
			return nil, err
		}
	}
	if err := s.pageLinks(ctx, fr.rf, path, fr.filter, fr.count, fq); err != nil {
		return nil, err
	}
	if f.ext == "atom" && fq.page == 1 && fr.deleted {
		// Deleted articles leave at:deleted-entry tombstones for a while.
		if fr.rf.Deleted, err = s.deletedEntries(ctx, fr.filter); err != nil {
			return nil, err
		}
	}
	return s.renderTopic(fr, f, arts)
}

// renderTopic renders a feed that can be a WebSub topic, with the Link
// header of WebSub discovery (on its 304s too).
func (s *Server) renderTopic(fr *frame, f format, arts []feed.Article) (*answer, error) {
	e, err := fr.render(f, arts, false)
	if err != nil {
		return nil, err
	}
	e.link = s.links(fr.rf.HubURL, fr.rf.SelfURL)
	return e, nil
}

// pageLinks sets the RFC 5005 paged-feed links of one page of a feed: the
// first page is the feed itself, "next" goes to older articles.
// count is how many articles filter selects, or -1 for the store to count.
func (s *Server) pageLinks(ctx context.Context, rf *render.Feed, path string, filter feed.ArticleFilter, count int, fq feedQuery) error {
	total := count
	if total < 0 {
		var err error
		if total, err = s.store.CountArticles(ctx, filter); err != nil {
			return err
		}
	}
	at := func(page int) string {
		q := fq
		q.page = page
		return s.abs(path) + q.encode()
	}
	last := max(1, (total+fq.limit-1)/fq.limit)
	rf.FirstURL, rf.LastURL = at(1), at(last)
	if fq.page > 1 {
		rf.PrevURL = at(min(fq.page-1, last))
	}
	if fq.page < last {
		rf.NextURL = at(fq.page + 1)
	}
	return nil
}

// notFoundFeed is the answer for a feed of a tag that does not exist: a
// plain-text 404 that says which tags do.
func (s *Server) notFoundFeed(ctx context.Context, cause error) (*answer, error) {
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s.\n\nTags with feeds here:\n", cause)
	for _, t := range tags {
		fmt.Fprintf(&b, "  %s  %s\n", s.abs("/tags/"+t.Slug+"/feed.atom"), t.Name)
	}
	fmt.Fprintf(&b, "\nEvery feed, for a feed reader: %s\n", s.abs("/feeds.opml"))
	return &answer{status: http.StatusNotFound, contentType: textType, body: b.Bytes()}, nil
}

// lookupTags is resolveTags with the tag table of now.
func (s *Server) lookupTags(ctx context.Context, slugs string) ([]*feed.Tag, string, error) {
	table, err := s.tagTable(ctx)
	if err != nil {
		return nil, "", err
	}
	return s.resolveTags(ctx, table, slugs)
}

// resolveTags looks up the tags named in "a+b" and returns them with the
// canonical spelling: current slugs (after renames), sorted, without repeats.
// An unknown slug gives an error matching feed.ErrNotFound. The tags in
// table are looked up there; the store resolves the others (old slugs).
func (s *Server) resolveTags(ctx context.Context, table *tagTable, slugs string) ([]*feed.Tag, string, error) {
	parts := strings.Split(slugs, "+")
	if len(parts) > 5 {
		return nil, "", refuse(errMalformed, "a feed can combine at most 5 tags")
	}
	var tags []*feed.Tag
	for _, p := range parts {
		if t := table.bySlug[p]; t != nil {
			if !slices.ContainsFunc(tags, func(x *feed.Tag) bool { return x.Slug == t.Slug }) {
				tags = append(tags, t)
			}
			continue
		}
		// A renamed tag's old slug, or no tag's: the store knows which.
		t, err := s.store.Tag(ctx, p)
		if errors.Is(err, feed.ErrNotFound) {
			return nil, "", fmt.Errorf("no tag %q here: %w", p, feed.ErrNotFound)
		}
		if err != nil {
			return nil, "", err
		}
		if !slices.ContainsFunc(tags, func(x *feed.Tag) bool { return x.Slug == t.Slug }) {
			tags = append(tags, t)
		}
	}
	slices.SortFunc(tags, func(a, b *feed.Tag) int { return strings.Compare(a.Slug, b.Slug) })
	canon := make([]string, len(tags))
	for i, t := range tags {
		canon[i] = t.Slug
	}
	return tags, strings.Join(canon, "+"), nil
}

// articleURL is the permalink of an article's page here.
func (s *Server) articleURL(a *feed.Article) string {
	return s.abs("/articles/" + url.PathEscape(a.ID) + "/" + a.Slug)
}
