package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
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
	for _, name := range []string{"home", "tag", "article", "error", "corrections", "correction"} {
		m[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return m
}()

// page is what every template gets.
type page struct {
	Site, Description, Heading, Lang string
	Canonical, Static, Script, Icon  string
	Home, OPML                       string
	Feeds                            []feedLink // autodiscovery, in <head>
	// Follow are the rows of subscribe links at the top of the page.
	Follow   []subscription
	Articles []articleView
	Tags     []tagView
	Article  *articleView
	Rule     string
	// Corrections lists corrections (/corrections); Diff is one of them
	// with its word diff (/corrections/{id}). See corrections.go.
	Corrections []correctionView
	Diff        *diffView
	// Older is the next page of a paged list, toward older items ("" on
	// the last); Latest, on a page after the first, is the first.
	Older, Latest string
}

type feedLink struct{ Type, Title, URL, Label string }

// TypeAttr is the link's type attribute, written out literally: html/template
// would escape the "+" of "application/atom+xml", which is valid HTML but
// trips simple feed-discovery scrapers.
func (l feedLink) TypeAttr() template.HTMLAttr {
	return template.HTMLAttr(`type="` + template.HTMLEscapeString(l.Type) + `"`)
}

// A subscription is one row of subscribe links: a topic's three feeds and
// a button that copies its Atom feed's URL (static/copy.js shows the button;
// without script the links alone remain).
type subscription struct {
	Label, Href string     // what the row follows, and its page ("" for none)
	Links       []feedLink // RSS, Atom, JSON Feed: the order people know them by
	CopyURL     string
}

// subscribe makes the row of subscribe links of feeds, as feedLinks or
// searchFeedLinks give them.
func subscribe(label, href string, feeds []feedLink) subscription {
	sub := subscription{Label: label, Href: href}
	for _, typ := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json"} {
		for _, l := range feeds {
			if l.Type == typ {
				sub.Links = append(sub.Links, l)
				if typ == "application/atom+xml" {
					sub.CopyURL = l.URL
				}
				break
			}
		}
	}
	return sub
}

type articleView struct {
	Title, Href, Summary, Authors string
	PublishedISO, PublishedText   string
	Updated, UpdatedISO           string
	Content                       template.HTML
	Corrections                   []correctionView // the latest first
	Source                        *sourceView
	// Sources are the publishers the byline credits ("via A and B"): the
	// Source, and on an article's page every other source that carried it.
	Sources []sourceView
	Tags    []tagView
}

// A sourceView names the publisher of an aggregated article: Site is the
// publisher's site, Link the article on it, Sep what comes before it in a
// list of them ("", ", " or " and ").
type sourceView struct{ Name, Site, Link, Sep string }

type tagView struct {
	Name, Href, Feed string
	Base             string // the path its feeds are under: /tags/{slug}/
	Count            int
}

func (s *Server) newPage(heading, description string) *page {
	return &page{
		Site: s.cfg.Title, Heading: heading, Description: description, Lang: "en",
		Static: s.abs("/static/style.css"), Script: s.abs("/static/copy.js"), Icon: s.abs("/static/icon.svg"),
		Home: s.abs("/"), OPML: s.abs("/feeds.opml"),
	}
}

// feedLinks are the autodiscovery links for the feeds at base + "feed.*".
// Atom comes first: a reader that takes the first link gets the richest.
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
		base := "/tags/" + t.Slug + "/"
		m[t.Slug] = tagView{Name: t.Name, Href: s.abs("/tags/" + t.Slug), Feed: s.abs(base + "feed.atom"), Base: base, Count: t.Articles}
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
		Corrections:   s.correctionViews(a.Corrections),
	}
	if a.Updated.After(a.Published) {
		v.Updated = a.Updated.In(loc).Format("January 2, 2006 15:04 MST")
		v.UpdatedISO = a.Updated.UTC().Format(time.RFC3339)
	}
	if a.Content == "" {
		v.Content = template.HTML("<p>" + template.HTMLEscapeString(a.Summary) + "</p>")
	}
	if p := a.Provenance; p != nil {
		v.Source = &sourceView{Name: p.SourceName, Link: p.Link}
		if a.URL != "" {
			v.Source.Link = a.URL
		}
		v.Source.Site = publisherSite(v.Source.Link, p.FeedURL)
		v.Sources = []sourceView{*v.Source}
	}
	for _, t := range a.Tags {
		if tv, ok := tags[t.Slug]; ok {
			v.Tags = append(v.Tags, tv)
		}
	}
	return v
}

// creditViews returns the publishers an article's byline credits: first,
// the source of its provenance as first (its view, when the source is still
// credited; a removed source is named all the same), then every other
// source credited, each linking to its publisher's site.
func creditViews(first []sourceView, firstID int64, credits []feed.Credit) []sourceView {
	out := first
	for _, c := range credits {
		if c.SourceID == firstID && len(first) > 0 {
			continue
		}
		out = append(out, sourceView{Name: c.SourceName, Link: c.Link, Site: publisherSite(c.Link, c.FeedURL)})
	}
	for i := range out {
		switch {
		case i == 0:
			out[i].Sep = ""
		case i == len(out)-1:
			out[i].Sep = " and "
		default:
			out[i].Sep = ", "
		}
	}
	return out
}

// publisherSite is the site of the publisher of an aggregated article: the
// origin of its link, else of the feed's URL, else "". The origin rather
// than the feed's own <link>, which Provenance does not keep: storing it
// would change the content hash of every aggregated article, a new version
// of each at its next fetch, for a link on a page.
func publisherSite(link, feedURL string) string {
	for _, raw := range []string{link, feedURL} {
		u, err := url.Parse(raw)
		if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String()
		}
	}
	return ""
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return err
	}
	arts, err := s.store.Articles(ctx, feed.ArticleFilter{Limit: 30})
	if err != nil {
		return err
	}
	p := s.newPage("", s.cfg.Description)
	p.Canonical = s.abs("/")
	p.Feeds = s.feedLinks("/", s.cfg.Title)
	p.Follow = []subscription{subscribe("Subscribe", "", p.Feeds)}
	views := s.tagViews(tags)
	for i := range arts {
		p.Articles = append(p.Articles, s.articleView(&arts[i], views))
	}
	for _, t := range tags {
		if t.Articles > 0 {
			p.Tags = append(p.Tags, views[t.Slug])
		}
	}
	return s.renderPage(w, r, "home", p)
}

func (s *Server) handleTagPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slugs := r.PathValue("slugs")
	tags, canonical, err := s.lookupTags(ctx, slugs)
	if err != nil {
		return err
	}
	if canonical != slugs {
		s.redirect(w, r, s.abs("/tags/"+canonical))
		return nil
	}
	all, err := s.store.Tags(ctx)
	if err != nil {
		return err
	}
	filter := feed.ArticleFilter{Limit: 100}
	names := make([]string, len(tags))
	for i, t := range tags {
		filter.Tags = append(filter.Tags, t.Slug)
		names[i] = t.Name
	}
	arts, err := s.store.Articles(ctx, filter)
	if err != nil {
		return err
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
	p.Follow = []subscription{subscribe("Subscribe", "", p.Feeds)}
	views := s.tagViews(all)
	for i := range arts {
		p.Articles = append(p.Articles, s.articleView(&arts[i], views))
	}
	return s.renderPage(w, r, "tag", p)
}

// handleArticlePage serves /articles/{id}/{slug}; a missing or outdated slug
// redirects to the article's permalink. A slug may be in any script: links
// carry it percent-encoded (s.abs escapes the path) and PathValue decodes
// it, so the encoded and the decoded forms both answer.
func (s *Server) handleArticlePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.store.Article(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.PathValue("slug") != a.Slug {
		s.redirect(w, r, s.articleURL(a))
		return nil
	}
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return err
	}
	views := s.tagViews(tags)
	if s.cfg.PublicContent == feed.PlanSummary {
		a.Content = "" // the page shows the summary; subscribers' feeds carry the text
	}
	v := s.articleView(a, views)
	if a.Provenance != nil {
		credits, err := s.store.Credits(ctx, a.ID)
		if err != nil {
			return err
		}
		v.Sources = creditViews(v.Sources, a.Provenance.SourceID, credits)
	}
	p := s.newPage(a.Title, a.Summary)
	p.Article = &v
	if a.Language != "" {
		p.Lang = a.Language
	}
	p.Canonical = s.articleURL(a)
	if a.Origin == feed.OriginExternal && a.URL != "" {
		p.Canonical = a.URL // the original is the canonical copy
	}
	// The article's tags are what a reader of it may want more of: their
	// feeds are offered at the top and in autodiscovery, after the site's.
	p.Feeds = s.feedLinks("/", s.cfg.Title)
	for _, tv := range v.Tags {
		feeds := s.feedLinks(tv.Base, s.cfg.Title+": "+tv.Name)
		p.Feeds = append(p.Feeds, feeds...)
		p.Follow = append(p.Follow, subscribe(tv.Name, tv.Href, feeds))
	}
	if len(p.Follow) == 0 {
		p.Follow = []subscription{subscribe(s.cfg.Title, s.abs("/"), p.Feeds)}
	}
	return s.renderPage(w, r, "article", p)
}

// renderPage answers with the page name, filled in with p.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, name string, p *page) error {
	body, err := s.executePage(pageTemplates[name], p)
	if err != nil {
		return err
	}
	s.serveAnswer(w, r, &answer{status: http.StatusOK, policy: publicPage, contentType: htmlType, body: body})
	return nil
}

// executePage runs a page template, with its layout, on data.
func (s *Server) executePage(t *template.Template, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render page %s: %w", t.Name(), err)
	}
	return buf.Bytes(), nil
}

// redirect sends a page's client to where it has moved for good.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to string) {
	s.serveAnswer(w, r, &answer{status: http.StatusMovedPermanently, policy: moved, location: to})
}

// handleStatic serves the style sheet and the other files under static/.
// A missing one is answered like any missing page.
func (s *Server) handleStatic() handler {
	static, _ := fs.Sub(staticFS, "static") // the directory is embedded
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return func(w http.ResponseWriter, r *http.Request) error {
		if name := strings.TrimPrefix(r.URL.Path, "/static/"); name != "" {
			if _, err := fs.Stat(static, strings.TrimSuffix(name, "/")); err != nil {
				return refuse(feed.ErrNotFound, "no file at "+url.PathEscape(r.URL.Path))
			}
		}
		files.ServeHTTP(w, r)
		return nil
	}
}

// handleNotFound answers any path no route matches.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	return refuse(feed.ErrNotFound, "no page at "+url.PathEscape(r.URL.Path))
}
