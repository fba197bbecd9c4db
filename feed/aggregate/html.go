package aggregate

import (
	"html"
	"net/url"
	"strings"
	"unicode/utf8"
)

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
