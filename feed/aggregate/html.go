package aggregate

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// linkRel is the rel every link in republished content carries: we vouch
// for none of them, and the publisher learns nothing about our readers.
const linkRel = "nofollow noopener noreferrer"

// policy is the sanitizer for HTML from other publishers. It starts from
// bluemonday's policy for user-generated content (no script, style, form,
// iframe, object, embed or svg; no event handler or style attribute) and
// narrows URLs to absolute http, https and mailto ones. data: URLs are
// refused, images included: they can carry megabytes inside an item and
// image/svg+xml can carry script, and government feeds link their images.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + linkRel + `$`)).OnElements("a")
	return p
})

// sanitizeHTML makes untrusted HTML safe to republish: relative URLs made
// absolute against base, every link given rel=linkRel, then the policy.
func sanitizeHTML(s string, base *url.URL) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.IndexByte(s, '<') >= 0 {
		s = rewriteLinks(s, base)
	}
	return strings.TrimSpace(policy().Sanitize(s))
}

// urlAttrs are the attributes that hold a URL the policy may keep.
var urlAttrs = map[string]bool{"href": true, "src": true, "cite": true, "poster": true}

// rewriteLinks resolves URL attributes against base and sets rel on links.
// Its output goes to the sanitizer, so it need only be faithful, not safe.
func rewriteLinks(s string, base *url.URL) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	z := nethtml.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return b.String()
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
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
				attrs = append(attrs, nethtml.Attribute{Key: "rel", Val: linkRel})
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

// absoluteHTTP returns ref resolved against base if the result is an
// absolute http or https URL, else "".
func absoluteHTTP(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !u.IsAbs() && base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// blockElements end a run of text when extracting plain text.
var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Div: true, atom.Li: true, atom.Tr: true, atom.Td: true, atom.Th: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Section: true, atom.Article: true,
	atom.Figcaption: true, atom.Dd: true, atom.Dt: true, atom.Ul: true, atom.Ol: true, atom.Table: true,
}

// plainText returns the text of an HTML fragment: tags stripped, entities
// decoded, scripts and styles dropped, white space collapsed to single spaces.
func plainText(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return collapseSpace(html.UnescapeString(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	z := nethtml.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return collapseSpace(b.String())
		case nethtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Script || a == atom.Style || a == atom.Template:
				skip++
			case blockElements[a]:
				b.WriteByte(' ')
			}
		case nethtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Script || a == atom.Style || a == atom.Template:
				skip = max(skip-1, 0)
			case blockElements[a]:
				b.WriteByte(' ')
			}
		}
	}
}

// collapseSpace trims s and turns each run of white space into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == 0 {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// truncateText cuts s to at most maxRunes runes and maxBytes bytes,
// preferring a word boundary, and marks the cut with an ellipsis.
func truncateText(s string, maxRunes, maxBytes int) string {
	if utf8.RuneCountInString(s) <= maxRunes && len(s) <= maxBytes {
		return s
	}
	const ellipsis = "…"
	end, n := 0, 0
	for end < len(s) && n < maxRunes-1 {
		_, size := utf8.DecodeRuneInString(s[end:])
		if end+size > maxBytes-len(ellipsis) {
			break
		}
		end += size
		n++
	}
	head := s[:end]
	// Back up to a space if there is one in the second half; text without
	// spaces (Japanese, say) is cut where it is.
	if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
		head = head[:i]
	}
	return strings.TrimRight(head, " ") + ellipsis
}

// textToHTML renders plain text as paragraphs of escaped HTML.
func textToHTML(s string) string {
	var b strings.Builder
	for para := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
