package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"herald/feed"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageTemplates holds one parsed template set per page, each with the layout.
var pageTemplates = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, name := range []string{"home", "tag", "article", "error"} {
		m[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return m
}()

// page is what every template gets.
type page struct {
	Site, Description, Heading, Lang string
	Canonical, Static, Home, OPML    string
	Feeds                            []feedLink
	Articles                         []articleView
	Tags                             []tagView
	Article                          *articleView
	Rule                             string
}

type feedLink struct{ Type, Title, URL, Label string }

// TypeAttr is the link's type attribute, written out literally: html/template
// would escape the "+" of "application/atom+xml", which is valid HTML but
// trips simple feed-discovery scrapers.
func (l feedLink) TypeAttr() template.HTMLAttr {
	return template.HTMLAttr(`type="` + template.HTMLEscapeString(l.Type) + `"`)
}

type articleView struct {
	Title, Href, Summary, Authors string
	PublishedISO, PublishedText   string
	Updated, UpdatedISO           string
	Content                       template.HTML
	Source                        *sourceView
	Tags                          []tagView
}

type sourceView struct{ Name, URL, Link string }

type tagView struct {
	Name, Href, Feed string
	Count            int
}

func (s *Server) newPage(heading, description string) *page {
	return &page{
		Site: s.cfg.Title, Heading: heading, Description: description, Lang: "en",
		Static: s.abs("/static/style.css"), Home: s.abs("/"), OPML: s.abs("/feeds.opml"),
	}
}

// feedLinks are the autodiscovery links for the feeds at base + "feed.*".
func (s *Server) feedLinks(base, title string) []feedLink {
	return []feedLink{
		{"application/atom+xml", title + " (Atom)", s.abs(base + "feed.atom"), "Atom"},
		{"application/rss+xml", title + " (RSS)", s.abs(base + "feed.rss"), "RSS"},
		{"application/feed+json", title + " (JSON Feed)", s.abs(base + "feed.json"), "JSON Feed"},
	}
}

func (s *Server) tagViews(tags []feed.Tag) map[string]tagView {
	m := make(map[string]tagView, len(tags))
	for _, t := range tags {
		m[t.Slug] = tagView{Name: t.Name, Href: s.abs("/tags/" + t.Slug), Feed: s.abs("/tags/" + t.Slug + "/feed.atom"), Count: t.Articles}
	}
	return m
}

func (s *Server) articleView(a *feed.Article, tags map[string]tagView) articleView {
	loc := s.cfg.Location
	v := articleView{
		Title: a.Title, Href: s.articleURL(a), Summary: a.Summary,
		Authors:       strings.Join(a.Authors, ", "),
		PublishedISO:  a.Published.UTC().Format(time.RFC3339),
		PublishedText: a.Published.In(loc).Format("January 2, 2006"),
		Content:       template.HTML(a.Content), // sanitized when it was stored
	}
	if a.Updated.After(a.Published) {
		v.Updated = a.Updated.In(loc).Format("January 2, 2006 15:04 MST")
		v.UpdatedISO = a.Updated.UTC().Format(time.RFC3339)
	}
	if a.Content == "" {
		v.Content = template.HTML("<p>" + template.HTMLEscapeString(a.Summary) + "</p>")
	}
	if p := a.Provenance; p != nil {
		v.Source = &sourceView{Name: p.SourceName, URL: p.FeedURL, Link: p.Link}
		if a.URL != "" {
			v.Source.Link = a.URL
		}
	}
	for _, t := range a.Tags {
		if tv, ok := tags[t.Slug]; ok {
			v.Tags = append(v.Tags, tv)
		}
	}
	return v
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tags, err := s.store.Tags(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	arts, err := s.store.Articles(ctx, feed.ArticleFilter{Limit: 30})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := s.newPage("", s.cfg.Description)
	p.Canonical = s.abs("/")
	p.Feeds = s.feedLinks("/", s.cfg.Title)
	views := s.tagViews(tags)
	for i := range arts {
		p.Articles = append(p.Articles, s.articleView(&arts[i], views))
	}
	for _, t := range tags {
		if t.Articles > 0 {
			p.Tags = append(p.Tags, views[t.Slug])
		}
	}
	s.renderPage(w, r, "home", p)
}

func (s *Server) handleTagPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slugs := r.PathValue("slugs")
	tags, canonical, err := s.resolveTags(ctx, slugs)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if canonical != slugs {
		http.Redirect(w, r, s.abs("/tags/"+canonical), http.StatusMovedPermanently)
		return
	}
	all, err := s.store.Tags(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	filter := feed.ArticleFilter{Limit: 100}
	names := make([]string, len(tags))
	for i, t := range tags {
		filter.Tags = append(filter.Tags, t.Slug)
		names[i] = t.Name
	}
	arts, err := s.store.Articles(ctx, filter)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	heading := strings.Join(names, " + ")
	p := s.newPage(heading, "Articles tagged "+strings.Join(names, " and ")+".")
	if len(tags) == 1 {
		p.Rule = tags[0].Rule
		if tags[0].Description != "" {
			p.Description = tags[0].Description
		}
	}
	p.Canonical = s.abs("/tags/" + canonical)
	p.Feeds = s.feedLinks("/tags/"+canonical+"/", s.cfg.Title+": "+heading)
	views := s.tagViews(all)
	for i := range arts {
		p.Articles = append(p.Articles, s.articleView(&arts[i], views))
	}
	s.renderPage(w, r, "tag", p)
}

// handleArticlePage serves /articles/{id}/{slug}; a missing or outdated slug
// redirects to the article's permalink.
func (s *Server) handleArticlePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := s.store.Article(ctx, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if r.PathValue("slug") != a.Slug {
		http.Redirect(w, r, s.articleURL(a), http.StatusMovedPermanently)
		return
	}
	tags, err := s.store.Tags(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	views := s.tagViews(tags)
	if s.cfg.PublicContent == feed.PlanSummary {
		a.Content = "" // the page shows the summary; subscribers' feeds carry the text
	}
	v := s.articleView(a, views)
	p := s.newPage(a.Title, a.Summary)
	p.Article = &v
	if a.Language != "" {
		p.Lang = a.Language
	}
	p.Canonical = s.articleURL(a)
	if a.Origin == feed.OriginExternal && a.URL != "" {
		p.Canonical = a.URL // the original is the canonical copy
	}
	p.Feeds = s.feedLinks("/", s.cfg.Title)
	for _, t := range a.Tags {
		if tv, ok := views[t.Slug]; ok {
			p.Feeds = append(p.Feeds, feedLink{"application/atom+xml", s.cfg.Title + ": " + tv.Name + " (Atom)", tv.Feed, tv.Name})
		}
	}
	s.renderPage(w, r, "article", p)
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, name string, p *page) {
	s.renderPageStatus(w, r, name, p, http.StatusOK)
}

func (s *Server) renderPageStatus(w http.ResponseWriter, r *http.Request, name string, p *page, status int) {
	var buf bytes.Buffer
	if err := pageTemplates[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pageError answers a page request that failed with an HTML error page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	s.logError(r, err, status)
	heading := http.StatusText(status)
	msg := publicMessage(err, status)
	if errors.Is(err, feed.ErrNotFound) {
		heading = "Not found"
		msg = "There is nothing at this address: " + msg + "."
	}
	p := s.newPage(heading, msg)
	s.renderPageStatus(w, r, "error", p, status)
}

// handleNotFound answers any path no route matches.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.pageError(w, r, errorf(http.StatusNotFound, "no page at "+url.PathEscape(r.URL.Path)))
}
