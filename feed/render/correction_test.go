package render

import (
	"io"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

// correctedFeed is the golden feed with two corrections on its first item,
// for the validators: the notes are HTML at the top of the content.
func correctedFeed(ext string) *Feed {
	f := testFeed(ext)
	a := &f.Items[0]
	a.Corrections = []feed.Correction{
		{ID: 2, ArticleID: a.ID, Before: 2, After: 3, Note: "The minister's name was misspelt <again> & fixed.", At: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)},
		{ID: 1, ArticleID: a.ID, Before: 1, After: 2, Note: "The talks are in Brussels, not Berlin.", At: time.Date(2026, 11, 25, 23, 30, 0, 0, time.FixedZone("JST", 9*3600))},
	}
	return f
}

// TestCorrectionNotes checks that the notes come at the top of the item's
// content in every format, the latest first, escaped, dated in UTC, and
// that an item without corrections is as before.
func TestCorrectionNotes(t *testing.T) {
	for _, tc := range []struct {
		ext   string
		write func(io.Writer, *Feed) error
	}{
		{".rss", RSS}, {".atom", Atom}, {".json", JSON},
	} {
		t.Run(tc.ext, func(t *testing.T) {
			write := tc.write
			var plain, corrected strings.Builder
			if err := write(&plain, testFeed(tc.ext)); err != nil {
				t.Fatal(err)
			}
			if err := write(&corrected, correctedFeed(tc.ext)); err != nil {
				t.Fatal(err)
			}
			got := corrected.String()
			latest, earlier := strings.Index(got, "Correction, November 26, 2026:"), strings.Index(got, "Correction, November 25, 2026:")
			if latest < 0 || earlier < 0 || latest > earlier {
				t.Errorf("notes: latest at %d, earlier at %d; want both, the latest first (the earlier dated in UTC)", latest, earlier)
			}
			if strings.Contains(got, "<again>") || strings.Contains(plain.String(), "Correction,") {
				t.Errorf("a note unescaped, or notes in the uncorrected feed")
			}
		})
	}
	a := feed.Article{Content: "<p>Body.</p>", Corrections: []feed.Correction{{Note: "a < b", At: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)}}}
	if got, want := withCorrections(&a), "<p class=\"correction\"><strong>Correction, January 2, 2026:</strong> a &lt; b</p>\n<p>Body.</p>"; got != want {
		t.Errorf("withCorrections: got %q, want %q", got, want)
	}
}
