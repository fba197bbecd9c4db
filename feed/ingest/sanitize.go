package ingest

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// policy is built once; a built bluemonday policy is safe for concurrent use.
var policy = newPolicy()

// Sanitize returns s with everything but a reader-safe subset of HTML
// removed: text structure (paragraphs, headings, lists, quotes, tables,
// code), inline emphasis, links and images. Scripts, styles, event
// handlers, forms, frames, embeds, class and style attributes and any URL
// scheme but http, https and mailto (relative URLs are kept) are removed.
// Every article body passes through it.
//
// Links get no rel="nofollow": these are the newsroom's own editorial
// links, which it vouches for. Nothing sets target="_blank", so rel="noopener"
// would do nothing.
func Sanitize(s string) string {
	return policy.Sanitize(s)
}

func newPolicy() *bluemonday.Policy {
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

// htmlText returns the text of an HTML fragment with white space collapsed.
// If firstParagraph is set it returns the text of the first <p> that has
// any, falling back to all the text when no <p> does.
func htmlText(fragment string, firstParagraph bool) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var all, para strings.Builder
	depth := 0 // of <p> elements
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(all.String()), " ")
		case html.TextToken:
			t := z.Text()
			all.Write(t)
			if depth > 0 {
				para.Write(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if string(name) == "p" {
				depth++
			}
			if blockTags[string(name)] {
				// Keep words in neighbouring blocks and cells apart.
				all.WriteByte(' ')
				para.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if blockTags[string(name)] {
				all.WriteByte(' ')
				para.WriteByte(' ')
			}
			if string(name) != "p" || depth == 0 {
				continue
			}
			depth--
			if depth == 0 && firstParagraph {
				if t := strings.Join(strings.Fields(para.String()), " "); t != "" {
					return t
				}
				para.Reset()
			}
		}
	}
}

var blockTags = map[string]bool{
	"p": true, "br": true, "hr": true, "div": true, "li": true, "dt": true, "dd": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "figcaption": true, "caption": true,
	"tr": true, "th": true, "td": true, "ul": true, "ol": true, "dl": true, "table": true,
}
