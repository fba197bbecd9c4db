package render

import (
	"html"
	"strings"

	"herald/feed"
)

// withCorrections returns a's content (HTML) with its corrections'
// notes at the top, the latest first, one paragraph each: "Correction,
// November 29, 2026: ...". The notes are plain text, escaped here.
func withCorrections(a *feed.Article) string {
	if len(a.Corrections) == 0 {
		return a.Content
	}
	var b strings.Builder
	for _, c := range a.Corrections {
		b.WriteString(`<p class="correction"><strong>Correction, `)
		b.WriteString(c.At.UTC().Format("January 2, 2006"))
		b.WriteString(":</strong> ")
		b.WriteString(html.EscapeString(c.Note))
		b.WriteString("</p>\n")
	}
	b.WriteString(a.Content)
	return b.String()
}
