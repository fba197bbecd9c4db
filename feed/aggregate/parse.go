package aggregate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"herald/feed"
	"herald/feed/htmltext"
	"herald/feed/sanitize"
)

// Caps on what one feed contributes.
const (
	// MaxItems is how many items of one feed are read; feeds list the
	// newest first, so the rest are the oldest.
	MaxItems = 1000
	// SummaryRunes is the length of a generated summary.
	SummaryRunes = 300
	// titleRunes is the length of a title made from an untitled item's text.
	titleRunes = 80
	// maxOriginalID bounds the GUID kept in Provenance; the article ID is a
	// hash of the whole GUID.
	maxOriginalID = 2000
	maxAuthorLen  = 200
)

// A Result is what Parse made of one feed.
type Result struct {
	Format   string // "rss", "atom" or "json"
	Encoding string // the character encoding the body was decoded from
	// The feed's own description of itself.
	Title    string    // plain text
	ID       string    // the Atom id, else the feed's link; a URI in normal form (feed.NormalizeIRI)
	Link     string    // the site the feed belongs to, absolute, in normal form (feed.NormalizeURL)
	Updated  time.Time // zero when the feed gives none
	Language string    // BCP 47, or "" when absent or not a language tag
	// TTL is the RSS <ttl>: how long the feed may be cached. Zero if absent.
	TTL time.Duration
	// Articles are the feed's items, in feed order, each valid.
	Articles []feed.Article
	// Skipped lists the items left out, and why.
	Skipped []Skipped
	// Dropped counts the items past MaxItems, which were not read.
	Dropped int
}

// A Skipped item is one that could not become an article.
type Skipped struct {
	Index int    // position in the feed, from 0
	GUID  string // the item's GUID, real or synthetic
	Err   error  // a *feed.ValidationError, or errDuplicate
}

var errDuplicate = errors.New("duplicate guid: an earlier item has the same one")

// A ParseError says why a body is not a feed that can be read. It matches
// feed.ErrInvalid under errors.Is.
type ParseError struct {
	URL string
	Err error
}

func (e *ParseError) Error() string   { return "parse " + e.URL + ": " + e.Err.Error() }
func (e *ParseError) Unwrap() []error { return []error{e.Err, feed.ErrInvalid} }

// ErrNotFeed is matched (errors.Is) by the error for a body that is not
// RSS, Atom or JSON Feed.
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// rssTranslator skips gofeed's hunt for an item image, which parses every
// item's HTML once more for a field herald does not use.
var rssTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}

// Parse reads one fetched feed body (RSS 0.9x to 2.0, RSS 1.0/RDF, Atom or
// JSON Feed, in any common encoding) and turns its items into articles of
// src. contentType is the response's Content-Type (for its charset),
// feedURL the URL the body came from (the base for relative links) and
// fetchedAt the time to give items with a missing or future date.
//
// The same bytes give the same articles, with the same IDs. Items that
// cannot become valid articles are listed in Result.Skipped, not fatal.
//
// Errors: *ParseError (matching feed.ErrInvalid) when the body is not a feed
// or is malformed; its text says what and, for XML and JSON, on which line.
func Parse(body []byte, contentType, feedURL string, fetchedAt time.Time, src feed.Source) (res *Result, err error) {
	defer func() {
		// gofeed and the HTML tokenizer read hostile input; a bug there must
		// cost one feed, not the process. FuzzParse calls parse directly so
		// such bugs still show.
		if p := recover(); p != nil {
			res, err = nil, &ParseError{URL: feedURL, Err: fmt.Errorf("parser panic: %v", p)}
		}
	}()
	return parse(body, contentType, feedURL, fetchedAt, src)
}

func parse(body []byte, contentType, feedURL string, fetchedAt time.Time, src feed.Source) (*Result, error) {
	if fetchedAt.IsZero() {
		fetchedAt = time.Now()
	}
	fetchedAt = fetchedAt.UTC()
	text, enc := toUTF8(body, contentType)

	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = rssTranslator
	gf, err := p.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, &ParseError{URL: feedURL, Err: describeParseError(text, err)}
	}

	base, _ := url.Parse(feedURL)
	if base != nil && !base.IsAbs() {
		base = nil
	}
	r := &Result{
		Format:   gf.FeedType,
		Encoding: enc,
		Title:    truncateText(htmltext.Text(gf.Title), feed.MaxTitleLen, feed.MaxTitleLen),
		Link:     feed.NormalizeURL(base, gf.Link),
		Language: languageTag(gf.Language),
	}
	if site := absoluteHTTP(base, gf.Link); site != "" {
		// Relative links in items are relative to the site, which is where
		// the feed's own link points; the feed URL is the fallback. The
		// link as given, not normalized, so that the GUIDs made of links
		// resolved against it stay what they were (see itemBuilder.article).
		base, _ = url.Parse(site)
	}
	r.ID = r.Link
	if t := validTime(gf.UpdatedParsed); !t.IsZero() {
		r.Updated = t
	} else {
		r.Updated = validTime(gf.PublishedParsed)
	}

	b := itemBuilder{src: src, feedURL: feedURL, fetchedAt: fetchedAt, base: base, res: r}
	if u := feed.NormalizeURL(nil, feedURL); u != "" {
		b.feedURL = u
	}
	switch orig := gf.OriginalFeed().(type) {
	case *rss.Feed:
		if n, err := strconv.Atoi(strings.TrimSpace(orig.TTL)); err == nil && n > 0 {
			r.TTL = time.Duration(min(n, 366*24*60)) * time.Minute
		}
	case *atom.Feed:
		// An id that is not an absolute IRI (a bare path, a urn:uuid that
		// is no UUID) would make the atom:source herald writes invalid.
		if id := feed.NormalizeIRI(orig.ID); id != "" {
			r.ID = id
		}
		b.atom = orig.Entries
		b.feedAuthors = gf.Authors
	case *jsonfeed.Feed:
		b.json = orig.Items
		b.feedAuthors = gf.Authors
	}

	items := gf.Items
	if len(items) > MaxItems {
		r.Dropped = len(items) - MaxItems
		items = items[:MaxItems]
	}
	r.Articles = make([]feed.Article, 0, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		a := b.article(i, it)
		err := a.Validate()
		if err == nil && seen[a.ID] {
			err = errDuplicate
		}
		if err != nil {
			r.Skipped = append(r.Skipped, Skipped{Index: i, GUID: a.Provenance.OriginalID, Err: err})
			continue
		}
		seen[a.ID] = true
		r.Articles = append(r.Articles, a)
	}
	return r, nil
}

// describeParseError rewords gofeed's errors: what went wrong and where.
func describeParseError(body []byte, err error) error {
	var (
		jsonSyntax *json.SyntaxError
		jsonType   *json.UnmarshalTypeError
		xmlSyntax  *xml.SyntaxError
	)
	switch {
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		if looksLikeHTML(body) {
			return fmt.Errorf("%w: got an HTML page", ErrNotFeed)
		}
		return ErrNotFeed
	case errors.As(err, &xmlSyntax):
		return err // "XML syntax error on line N: ..."
	case errors.As(err, &jsonSyntax):
		line, col := lineCol(body, jsonSyntax.Offset)
		return fmt.Errorf("JSON syntax error on line %d, column %d: %w", line, col, err)
	case errors.As(err, &jsonType):
		line, col := lineCol(body, jsonType.Offset)
		return fmt.Errorf("JSON Feed error on line %d, column %d: %w", line, col, err)
	}
	return err
}

func looksLikeHTML(b []byte) bool {
	head := bytes.ToLower(b[:min(len(b), 1024)])
	return bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html"))
}

// lineCol gives the 1-based line and column of the last byte of b[:off],
// which is where encoding/json's errors happen ("after reading off bytes").
func lineCol(b []byte, off int64) (line, col int) {
	off = min(max(off-1, 0), int64(len(b)))
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// langPattern mirrors the language tag check of feed.Article.Validate.
var langPattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// languageTag returns s as a BCP 47 tag ("en_US" becomes "en-US"), or ""
// when it is not one.
func languageTag(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if len(s) > 35 || !langPattern.MatchString(s) {
		return ""
	}
	return s
}

// validTime returns *t in UTC, or zero when t is nil or outside the years
// an article may carry.
func validTime(t *time.Time) time.Time {
	if t == nil || t.Year() < 1900 || t.Year() > 9999 {
		return time.Time{}
	}
	return t.UTC()
}

// itemBuilder turns the items of one feed into articles.
type itemBuilder struct {
	src         feed.Source
	feedURL     string
	fetchedAt   time.Time
	base        *url.URL
	res         *Result
	atom        []*atom.Entry    // the Atom entries, in item order
	json        []*jsonfeed.Item // the JSON Feed items, in item order
	feedAuthors []*gofeed.Person // authors an Atom or JSON item inherits
}

// article builds the article for item i. It is not validated; its
// Provenance is always set.
func (b *itemBuilder) article(i int, it *gofeed.Item) feed.Article {
	// link is the item's first link that is, or can be made, a valid URL,
	// in normal form. An item without a GUID is known by its first link
	// as it was resolved before links were normalized (rawLink): its ID,
	// a hash of the GUID, must not change, or it would be stored again.
	link := feed.NormalizeURL(b.base, it.Link)
	rawLink := absoluteHTTP(b.base, it.Link)
	for _, l := range it.Links {
		if link == "" {
			link = feed.NormalizeURL(b.base, l)
		}
		if rawLink == "" {
			rawLink = absoluteHTTP(b.base, l)
		}
	}

	guid := strings.TrimSpace(it.GUID)
	if guid == "" {
		guid = rawLink
	}
	if guid == "" {
		sum := sha256.Sum256([]byte(it.Title + "\x00" + it.Description + "\x00" + it.Content))
		guid = "sha256:" + hex.EncodeToString(sum[:16])
	}
	idSum := sha256.Sum256([]byte(guid))

	// Content: the item's content, else its description. Plain-text
	// bodies (JSON Feed content_text, Atom type="text") are escaped, not
	// parsed as HTML.
	body, bodyIsText, descIsBody := it.Content, false, false
	if i < len(b.json) && b.json[i].ContentHTML == "" && b.json[i].ContentText != "" {
		bodyIsText = true
	}
	if i < len(b.atom) && b.atom[i].Content != nil {
		if t := strings.ToLower(b.atom[i].Content.Type); t == "" || t == "text" {
			bodyIsText = true
		}
	}
	if strings.TrimSpace(body) == "" {
		body, descIsBody, bodyIsText = it.Description, true, i < len(b.json)
	}
	var content string
	if bodyIsText {
		content = textToHTML(body)
	} else {
		content = sanitize.External(body, b.base)
	}
	content = capHTML(content, b.base)

	// The content's text is needed only for a missing summary or title.
	var bodyText string
	bodyTextDone := false
	contentText := func() string {
		if !bodyTextDone {
			bodyText, bodyTextDone = htmltext.Text(content), true
		}
		return bodyText
	}
	var summary string
	if !descIsBody && strings.TrimSpace(it.Description) != "" {
		summary = htmltext.Text(it.Description)
	} else {
		summary = contentText()
	}
	summary = truncateText(summary, SummaryRunes, feed.MaxSummaryLen)

	title := htmltext.Text(it.Title)
	if title == "" {
		title = truncateText(contentText(), titleRunes, feed.MaxTitleLen)
	}
	if title == "" {
		title = link
	}
	title = truncateText(title, feed.MaxTitleLen, feed.MaxTitleLen)
	if content == "" && summary == "" {
		// A title and a link are a whole item in many press-release feeds;
		// an article needs a body, and the title is the best there is.
		summary = truncateText(title, SummaryRunes, feed.MaxSummaryLen)
	}

	published, updated := validTime(it.PublishedParsed), validTime(it.UpdatedParsed)
	pub := published
	if pub.IsZero() {
		pub = updated
	}
	if pub.IsZero() || pub.After(b.fetchedAt) {
		pub = b.fetchedAt
	}
	upd := updated
	if upd.IsZero() || upd.Before(pub) {
		upd = pub
	}
	if upd.After(b.fetchedAt) {
		upd = b.fetchedAt
	}

	lang := b.res.Language
	if lang == "" {
		lang = b.itemLanguage(i, it)
	}
	if lang == "" {
		// Latin-script items stay unknown rather than called English.
		lang = feed.DetectLanguage(title+"\n"+summary, "")
	}
	// An atom:source needs an updated time; for a feed that gives none it
	// is when herald fetched it, the last time it is known to have been so.
	feedUpdated := b.res.Updated
	if feedUpdated.IsZero() {
		feedUpdated = b.fetchedAt
	}

	return feed.Article{
		ID:        fmt.Sprintf("src%d-%s", b.src.ID, hex.EncodeToString(idSum[:10])),
		Title:     title,
		Summary:   summary,
		Content:   content,
		Authors:   b.authors(it),
		Published: pub,
		Updated:   upd,
		URL:       link,
		Language:  lang,
		Tags:      b.tags(it),
		Origin:    feed.OriginExternal,
		Provenance: &feed.Provenance{
			SourceID:    b.src.ID,
			SourceName:  b.src.Name,
			FeedURL:     b.feedURL,
			FeedID:      b.res.ID,
			FeedTitle:   b.res.Title,
			FeedUpdated: feedUpdated,
			Link:        link,
			OriginalID:  truncateText(guid, maxOriginalID, maxOriginalID),
			Published:   published,
			Updated:     updated,
		},
	}
}

// capHTML trims sanitized HTML to feed.MaxContentLen. Cutting can split a
// tag, so the cut is sanitized again, and cut shorter if that grew it.
func capHTML(s string, base *url.URL) string {
	for limit := feed.MaxContentLen - 1024; len(s) > feed.MaxContentLen && limit > 0; limit -= 1024 {
		s = sanitize.External(truncateText(s, len(s), limit), base)
	}
	return s
}

func (b *itemBuilder) itemLanguage(i int, it *gofeed.Item) string {
	if i < len(b.json) {
		if l := languageTag(b.json[i].Language); l != "" {
			return l
		}
	}
	if it.DublinCoreExt != nil {
		for _, l := range it.DublinCoreExt.Language {
			if l = languageTag(l); l != "" {
				return l
			}
		}
	}
	return ""
}

func (b *itemBuilder) authors(it *gofeed.Item) []string {
	people := it.Authors
	if len(people) == 0 {
		people = b.feedAuthors
	}
	var out []string
	for _, p := range people {
		if p == nil || len(out) == feed.MaxAuthors {
			continue
		}
		name := htmltext.Text(p.Name)
		if name == "" {
			name = strings.TrimSpace(p.Email)
		}
		name = truncateText(name, maxAuthorLen, maxAuthorLen)
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// tags are the source's tags, then (if it says so) the item's categories.
func (b *itemBuilder) tags(it *gofeed.Item) []feed.ArticleTag {
	var out []feed.ArticleTag
	add := func(slug string) {
		if len(out) == feed.MaxTags || !feed.ValidSlug(slug) {
			return
		}
		if slices.ContainsFunc(out, func(t feed.ArticleTag) bool { return t.Slug == slug }) {
			return
		}
		out = append(out, feed.ArticleTag{Slug: slug})
	}
	for _, t := range b.src.Tags {
		add(t)
	}
	if b.src.UseCategories {
		for _, c := range it.Categories {
			add(feed.Slugify(c))
		}
	}
	return out
}
