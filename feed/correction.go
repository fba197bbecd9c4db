package feed

import (
	"strings"
	"time"
)

// MaxCorrectionLen bounds a correction note, in bytes.
const MaxCorrectionLen = 2000

// A Correction is a public note on an edit of an article's content: what
// was wrong and what changed. It is written with the edit (an Article's
// Correction field), in the same transaction, and names the versions
// before and after it (see ArticleVersion), whose difference is public. An
// edit without a note (a silent typo fix) makes none; a note on a write
// that does not change the content is refused. Deleting the article
// removes its corrections.
type Correction struct {
	ID        int64  `json:"id"`
	ArticleID string `json:"article_id"`
	// GUID is the article's; with After it makes the correction's id in
	// feeds, which a copy of the database keeps.
	GUID string `json:"guid"`
	// Title and Slug are the article's current ones, for links.
	Title string `json:"title"`
	Slug  string `json:"slug"`
	// Before and After are the numbers of the article's versions the edit
	// went from and to.
	Before int       `json:"before"`
	After  int       `json:"after"`
	Note   string    `json:"note"`
	At     time.Time `json:"at"`
}

// A CorrectionFilter selects corrections, the latest first.
type CorrectionFilter struct {
	ArticleID string // of this article only; "" for any
	Limit     int    // at most this many; 0 means DefaultLimit, capped at MaxLimit
	// Before pages back: only the corrections made before the one with
	// this ID (IDs grow with time); 0 for the latest.
	Before int64
}

// A CorrectionDiff is a correction with the content of the two versions it
// lies between: Old (version Before) and New (version After), their ID,
// title, summary, content and times.
type CorrectionDiff struct {
	Correction
	Old, New Article
}

// CorrectionNote returns a's correction note as stored: trimmed, "" for
// none.
func (a *Article) CorrectionNote() string { return strings.TrimSpace(a.Correction) }

// ErrNothingCorrected is the error of a write that carries a correction
// note but does not change the article's content: there is nothing to
// diff, so the note is refused rather than published.
func ErrNothingCorrected() error {
	return Invalid("correction", "the content did not change: a correction note needs an edit of the title, summary, body or another versioned field")
}
