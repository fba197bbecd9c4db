// Package sanitize provides herald's two HTML policies: Newsroom for the
// newsroom's own articles and External for HTML from other publishers. They
// differ on purpose: the newsroom vouches for its links and may link
// relatively; other publishers' links get no trust and no relative URLs.
package sanitize

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Built policies are safe for concurrent use.
var (
	newsroom = sync.OnceValue(newsroomPolicy)
	external = sync.OnceValue(externalPolicy)
)

// Newsroom returns h with everything but a reader-safe subset of HTML
// removed: text structure (paragraphs, headings, lists, quotes, tables,
// code), inline emphasis, links and images. Scripts, styles, event
// handlers, forms, frames, embeds, class and style attributes and any URL
// scheme but http, https and mailto (relative URLs are kept) are removed.
// Every newsroom article body passes through it.
//
// Links get no rel="nofollow": these are the newsroom's own editorial
// links, which it vouches for. Nothing sets target="_blank", so rel="noopener"
// would do nothing.
func Newsroom(h string) string {
	return newsroom().Sanitize(h)
}

func newsroomPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)

	p.AllowElements(
		"p", "br", "hr", "div", "span",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"pre", "figure", "figcaption",
		"em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small",
		"mark", "cite", "dfn", "kbd", "samp", "var", "wbr",
		"ul", "dl", "dt", "dd",
		"table", "caption", "thead", "tbody", "tfoot", "tr",
	)
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).OnElements("abbr", "acronym", "a", "img")
	p.AllowElements("abbr", "acronym")
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowElements("blockquote", "q")
	p.AllowAttrs("datetime").Matching(bluemonday.ISO8601).OnElements("time", "del", "ins")
	p.AllowElements("time")
	// goldmark marks fenced code with its language.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,32}$`)).OnElements("code")
	p.AllowElements("code")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowElements("ol", "li")
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("th", "td")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("th", "td")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(?:row|col)(?:group)?$`)).OnElements("th")
	p.AllowElements("th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img")
	return p
}

// linkRel is the rel that External gives every link: herald vouches for
// none of them, and the publisher learns nothing about its readers.
const linkRel = "nofollow noopener noreferrer"

// External makes HTML from another publisher safe to republish: relative
// URLs are made absolute against base (and then removed, if base is nil),
// every link gets rel="nofollow noopener noreferrer", and the policy
// applies. The policy starts from bluemonday's for user-generated content
// (no script, style, form, iframe, object, embed or svg; no event handler or
// style attribute) and narrows URLs to absolute http, https and mailto
// ones. data: URLs are refused, images included: they can carry megabytes
// inside an item and image/svg+xml can carry script, and government feeds
// link their images. The result is trimmed of surrounding space.
func External(h string, base *url.URL) string {
	h = strings.TrimSpace(h)
	if h == "" {
		return ""
	}
	if strings.IndexByte(h, '<') >= 0 {
		h = rewriteLinks(h, base)
	}
	return strings.TrimSpace(external().Sanitize(h))
}

func externalPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + linkRel + `$`)).OnElements("a")
	return p
}

// urlAttrs are the attributes that hold a URL the policy may keep.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true}

// rewriteLinks resolves URL attributes against base and sets rel on links.
// Its output goes to the sanitizer, so it need only be faithful, not safe.
func rewriteLinks(s string, base *url.URL) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			isLink := t.DataAtom == atom.A || t.DataAtom == atom.Area
			attrs := t.Attr[:0]
			for _, a := range t.Attr {
				switch {
				case isLink && (a.Key == "rel" || a.Key == "target"):
					continue
				case urlAttrs[a.Key]:
					a.Val = resolveURL(base, a.Val)
				}
				attrs = append(attrs, a)
			}
			if isLink {
				attrs = append(attrs, html.Attribute{Key: "rel", Val: linkRel})
			}
			t.Attr = attrs
			b.WriteString(t.String())
		default:
			b.Write(z.Raw())
		}
	}
}

// resolveURL returns ref resolved against base, or ref unchanged when it
// does not parse or base is nil.
func resolveURL(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if base == nil || ref == "" {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil || u.IsAbs() {
		return ref
	}
	return base.ResolveReference(u).String()
}
