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
			return fq, errorf(http.StatusBadRequest, "page must be a whole number from 1")
		}
		fq.page = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > feed.MaxLimit {
			return fq, errorf(http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", feed.MaxLimit))
		}
		fq.limit = n
	}
	switch o := feed.Origin(q.Get("origin")); o {
	case "", "all":
	case feed.OriginOwn, feed.OriginExternal:
		fq.origin = o
	default:
		return fq, errorf(http.StatusBadRequest, `origin must be "own", "external" or "all"`)
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
}

// key distinguishes the view in cache keys.
func (v view) key() string {
	// Called on every feed request: no fmt.
	flags := [2]byte{'-', '-'}
	if v.summary {
		flags[0] = 's'
	}
	if v.attribution {
		flags[1] = 'a'
	}
	return v.prefix + "\x00" + string(flags[:])
}

// publicView is what feeds without a token carry.
func (s *Server) publicView() view {
	return view{summary: s.cfg.PublicContent == feed.PlanSummary}
}

// handleSiteFeed serves /feed.{rss,atom,json}: every article.
func (s *Server) handleSiteFeed(ext string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.serveFeed(w, r, s.publicView(), "", ext)
	}
}

// handleTagFeed serves /tags/{slugs}/feed.{rss,atom,json}, where slugs is one
// tag or several joined by "+" (articles carrying all of them).
func (s *Server) handleTagFeed(ext string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.serveFeed(w, r, s.publicView(), r.PathValue("slugs"), ext)
	}
}

// serveFeed answers a feed request and reports whether it was a 304.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, v view, slugs, ext string) bool {
	fq, err := parseFeedQuery(query(r))
	if err != nil {
		s.textError(w, r, err)
		return false
	}
	key := v.key() + "\x00" + ext + "\x00" + slugs + "\x00" + fq.encode()
	e, err := s.cache.get(r.Context(), key, func() (*cachedFeed, error) {
		return s.buildFeed(r.Context(), v, slugs, formats[ext], fq)
	})
	if err != nil {
		s.textError(w, r, err)
		return false
	}
	return serveCached(w, r, e, s.cfg.FeedMaxAge, v.private)
}

// A frame is what every document of one feed shares, whatever the page:
// its metadata, the articles it selects, and the base of its URLs.
type frame struct {
	rf     *render.Feed
	filter feed.ArticleFilter
	base   string // "/" or "/tags/a+b/" after the view's prefix, before "feed.atom" or "archive/..."
	view   view
}

// newFrame resolves the tags in slugs ("" for the whole site) and fills in
// the feed's metadata. For an unknown tag or an outdated spelling it returns
// instead the 404 or the redirect (to the same document under base).
func (s *Server) newFrame(ctx context.Context, v view, slugs, doc string, fq feedQuery) (*frame, *cachedFeed, error) {
	site := s.store.Site()
	names, err := s.store.TagNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	fr := &frame{base: v.prefix + "/", filter: feed.ArticleFilter{Origin: fq.origin}, view: v}
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
		tags, canonical, err := s.resolveTags(ctx, slugs)
		if errors.Is(err, feed.ErrNotFound) {
			nf, err := s.notFoundFeed(ctx, err)
			return nil, nf, err
		}
		if err != nil {
			return nil, nil, err
		}
		fr.base = v.prefix + "/tags/" + canonical + "/"
		if canonical != slugs {
			return nil, &cachedFeed{status: http.StatusMovedPermanently, location: s.abs(fr.base+doc) + fq.encode()}, nil
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
	}
	switch fq.origin {
	case feed.OriginOwn:
		fr.rf.ID += "?origin=own"
	case feed.OriginExternal:
		fr.rf.ID += "?origin=external"
	}
	return fr, nil, nil
}

// render writes the frame's feed with items in format f, as its view asks.
func (fr *frame) render(f format, items []feed.Article) (*cachedFeed, error) {
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
	if err := f.write(&buf, fr.rf); err != nil {
		return nil, fmt.Errorf("render %s: %w", fr.rf.SelfURL, err)
	}
	return &cachedFeed{status: http.StatusOK, contentType: f.contentType, body: buf.Bytes(),
		lastMod: lastMod.UTC().Truncate(time.Second)}, nil
}

// buildFeed renders one page of a feed (the newest articles on page 1), or
// the redirect or not-found answer for it.
func (s *Server) buildFeed(ctx context.Context, v view, slugs string, f format, fq feedQuery) (*cachedFeed, error) {
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
	if err := s.pageLinks(ctx, fr.rf, path, fr.filter, fq); err != nil {
		return nil, err
	}
	if f.ext == "atom" && fq.page == 1 {
		// Deleted articles leave at:deleted-entry tombstones for a while.
		if fr.rf.Deleted, err = s.deletedEntries(ctx, fr.filter); err != nil {
			return nil, err
		}
	}
	return s.renderTopic(fr, f, arts)
}

// renderTopic renders a feed that can be a WebSub topic, with the Link
// header of WebSub discovery (on its 304s too).
func (s *Server) renderTopic(fr *frame, f format, arts []feed.Article) (*cachedFeed, error) {
	e, err := fr.render(f, arts)
	if err != nil {
		return nil, err
	}
	e.link = s.links(fr.rf.HubURL, fr.rf.SelfURL)
	return e, nil
}

// pageLinks sets the RFC 5005 paged-feed links of one page of a feed: the
// first page is the feed itself, "next" goes to older articles.
func (s *Server) pageLinks(ctx context.Context, rf *render.Feed, path string, filter feed.ArticleFilter, fq feedQuery) error {
	total, err := s.store.CountArticles(ctx, filter)
	if err != nil {
		return err
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
func (s *Server) notFoundFeed(ctx context.Context, cause error) (*cachedFeed, error) {
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
	return &cachedFeed{status: http.StatusNotFound, contentType: "text/plain; charset=utf-8", body: b.Bytes()}, nil
}

// resolveTags looks up the tags named in "a+b" and returns them with the
// canonical spelling: current slugs (after renames), sorted, without repeats.
// An unknown slug gives an error matching feed.ErrNotFound.
func (s *Server) resolveTags(ctx context.Context, slugs string) ([]*feed.Tag, string, error) {
	parts := strings.Split(slugs, "+")
	if len(parts) > 5 {
		return nil, "", errorf(http.StatusBadRequest, "a feed can combine at most 5 tags")
	}
	var tags []*feed.Tag
	for _, p := range parts {
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

// serveCached writes a cached answer with its validators, honouring
// conditional requests, gzip and HEAD, and reports whether it answered 304.
// A private answer may be kept by the reader but by no shared cache.
func serveCached(w http.ResponseWriter, r *http.Request, e *cachedFeed, maxAge time.Duration, private bool) bool {
	h := w.Header()
	switch e.status {
	case http.StatusOK:
	case http.StatusMovedPermanently, http.StatusFound:
		if e.status == http.StatusMovedPermanently {
			h.Set("Cache-Control", "public, max-age=3600")
		}
		http.Redirect(w, r, e.location, e.status)
		return false
	default:
		h.Set("Content-Type", e.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Length", strconv.Itoa(len(e.body)))
		w.WriteHeader(e.status)
		w.Write(e.body)
		return false
	}
	// The header values are prepared once per entry (see cachedFeed.prepare):
	// a poll of an unchanged feed then costs no formatting.
	hv := &e.identity
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hv = &e.gzipped
		h["Content-Encoding"] = hv.encoding
	}
	h["Content-Type"] = e.ctype
	h["Etag"] = hv.etag
	if e.lastModText != nil {
		h["Last-Modified"] = e.lastModText
	}
	scope := "public, max-age="
	if private {
		scope = "private, max-age="
	}
	h["Cache-Control"] = []string{scope + strconv.Itoa(int(maxAge.Seconds()))}
	h["Vary"] = varyEncoding
	if e.link != nil {
		h["Link"] = e.link
	}
	body := hv.body
	if notModified(r, e) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	h["Content-Length"] = hv.length
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return false
	}
	w.Write(body)
	return false
}

var varyEncoding = []string{"Accept-Encoding"}

// notModified applies If-None-Match, or when it is absent If-Modified-Since
// (RFC 9110, section 13.2.2). Either encoding's ETag matches: they name the
// same content.
func notModified(r *http.Request, e *cachedFeed) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == e.etag || strings.TrimSuffix(tag, `-gz"`)+`"` == e.etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !e.lastMod.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !e.lastMod.After(t)
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return false
}
