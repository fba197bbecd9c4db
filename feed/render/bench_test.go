package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

// benchFeed returns a tag feed of n items with about 5 KB of HTML content
// each, like the newsroom's articles.
func benchFeed(n int, ext string) *Feed {
	para := `<p>U.S. and Japanese officials plan to hold senior-level <a href="https://herald.example/tags/cyber-diplomacy">cybersecurity talks</a> next week in Washington, D.C., according to the State Department &amp; officials familiar with the "dialogue".</p>`
	content := strings.Repeat(para, 5000/len(para)+1)
	f := testFeed(ext)
	f.Items = make([]feed.Article, n)
	published := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for i := range f.Items {
		f.Items[i] = feed.Article{
			ID:        fmt.Sprintf("article-%d", i),
			GUID:      fmt.Sprintf("tag:herald.example,2024-05-01:article/article-%d", i),
			Slug:      fmt.Sprintf("article-%d", i),
			Title:     fmt.Sprintf("U.S. & Japan cyber dialogue, part %d", i),
			Summary:   "Officials meet in Washington to align cyber policies and share threat data.",
			Content:   content,
			Authors:   []string{"Christopher J. Castelli", "Jane Doe"},
			Published: published.Add(-time.Duration(i) * time.Hour),
			Updated:   published.Add(-time.Duration(i) * time.Hour),
			Language:  "en",
			Tags:      []feed.ArticleTag{{Slug: "cyber-diplomacy"}, {Slug: "japan"}, {Slug: "critical-infrastructure"}},
			Origin:    feed.OriginOwn,
		}
	}
	return f
}

func BenchmarkRender(b *testing.B) {
	for _, fm := range formats {
		b.Run(fm.name, func(b *testing.B) {
			f := benchFeed(50, fm.ext)
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := fm.render(&buf, f); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
