// Package ingest turns article files (plain-text newsroom exports, Markdown
// with YAML front matter, and JSON) into validated feed.Article values.
//
// Parsing is pure: it reads bytes and returns articles, with no I/O, so the
// caller decides where files come from and where articles go. Every body
// passes through sanitize.Newsroom, every article through
// feed.Article.Validate, and every error is an *Error naming the file (and,
// where known, the line and the JSON array item) that matches
// feed.ErrInvalid.
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"herald/feed"
)

// Limits on input. Larger input is rejected, never truncated.
const (
	// MaxFileSize is the largest file Parse accepts, in bytes.
	MaxFileSize = 4 << 20
	// MaxArticles is the most articles one JSON array may hold.
	MaxArticles = 10_000
	// SummaryLen is roughly how many characters a summary derived from the
	// body may have; longer first paragraphs are cut at a word boundary.
	SummaryLen = 300
)

// Options tune parsing.
type Options struct {
	// Location is the newsroom's time zone. A date without a time ("April 4,
	// 2014", "2014-04-04") means midnight there, and a time without an offset
	// ("2014-04-04 15:04") is read there. Nil means UTC.
	Location *time.Location
	// Language is the newsroom's language (BCP 47), for articles that state
	// none: an article whose script tells its language gets that one (see
	// feed.DetectLanguage), so a Japanese export is "ja" whatever this says;
	// any other gets this. Empty means "en".
	Language string
	// EmbargoUntil, when set, is every article's embargo, whatever the
	// files say (herald ingest --embargo-until).
	EmbargoUntil time.Time
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) language() string {
	if o.Language == "" {
		return "en"
	}
	return o.Language
}

// An Error reports a problem with one input file: where it is and what is
// wrong. Err is usually a *feed.ValidationError naming the field. Every
// *Error matches feed.ErrInvalid under errors.Is, because a file that cannot
// be parsed is bad input, whatever the detail.
type Error struct {
	File string // the name passed to Parse
	Item int    // position in a JSON array, counting from 1; 0 outside arrays
	Line int    // line of the problem, counting from 1; 0 when unknown
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ingest ")
	b.WriteString(e.File)
	if e.Item > 0 {
		fmt.Fprintf(&b, ": item %d", e.Item)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is feed.ErrInvalid.
func (e *Error) Is(target error) bool { return target == feed.ErrInvalid }

// Parse reads one file's bytes; name is its path, used in errors and, when
// the file gives no ID, to derive one (see DefaultID). The format follows
// the extension: .json is JSON (ParseJSON), .md and .markdown are Markdown
// (ParseMarkdown), .txt or none is a plain-text export (ParseText); any
// other extension is sniffed from the content.
//
// Every returned article has passed Validate and has Origin feed.OriginOwn.
// Errors are *Error values matching feed.ErrInvalid. A JSON array may yield
// both articles and an error: see ParseJSON.
func Parse(name string, data []byte, opt Options) ([]feed.Article, error) {
	switch detect(name, data) {
	case formatJSON:
		return ParseJSON(name, data, opt)
	case formatMarkdown:
		return ParseMarkdown(name, data, opt)
	default:
		return ParseText(name, data, opt)
	}
}

type format int

const (
	formatText format = iota
	formatMarkdown
	formatJSON
)

func detect(name string, data []byte) format {
	switch strings.ToLower(path.Ext(baseName(name))) {
	case ".json":
		return formatJSON
	case ".md", ".markdown":
		return formatMarkdown
	case ".txt", "":
		return formatText
	}
	s := strings.TrimLeft(string(trimBOM(data[:min(len(data), 512)])), " \t\r\n")
	switch {
	case strings.HasPrefix(s, "{"), strings.HasPrefix(s, "["):
		return formatJSON
	case strings.HasPrefix(s, "---\n"), strings.HasPrefix(s, "---\r\n"), strings.HasPrefix(s, "# "):
		return formatMarkdown
	}
	return formatText
}

// DefaultID returns the ID Parse gives an article whose file names none: the
// file's base name without its extension, made into a slug
// ("notes/2014-04-04-US-Japan talks.txt" becomes "2014-04-04-us-japan-talks").
// A base name with no ASCII letters or digits gets "file-" and a hash of the
// name instead. The result depends on the base name alone, so re-ingesting a
// file gives the same ID, and so do files with the same base name in
// different directories.
func DefaultID(name string) string {
	base := baseName(name)
	stem := strings.TrimSuffix(base, path.Ext(base))
	if id := feed.Slugify(stem); id != "" {
		return id
	}
	sum := sha256.Sum256([]byte(base))
	return "file-" + hex.EncodeToString(sum[:6])
}

// baseName is path.Base that also understands Windows separators, since the
// name may come from a zip or a Windows share.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

func checkSize(name string, data []byte) error {
	if len(data) > MaxFileSize {
		return &Error{File: name, Err: fmt.Errorf("file is %d bytes; the limit is %d (%d MiB)", len(data), MaxFileSize, MaxFileSize>>20)}
	}
	return nil
}

func trimBOM(data []byte) []byte {
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return data[3:]
	}
	return data
}

// checkUTF8 returns an error naming the first line that is not valid UTF-8.
func checkUTF8(name string, data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return &Error{File: name, Line: line, Err: errors.New("not valid UTF-8 text (re-save the file as UTF-8)")}
}

// detectBytes is how much of an article's content language detection
// reads; feed.DetectLanguage needs only its first few thousand letters.
const detectBytes = 32 << 10

// finish fills the defaults every format shares and validates a.
func finish(a *feed.Article, name string, item int, opt Options) error {
	a.Origin = feed.OriginOwn
	if a.ID == "" && item == 0 {
		a.ID = DefaultID(name)
	}
	if a.Language == "" {
		text := a.Title + "\n" + a.Summary + "\n" + htmlText(a.Content[:min(len(a.Content), detectBytes)], false)
		a.Language = feed.DetectLanguage(text, opt.language())
	}
	for i, s := range a.Authors {
		a.Authors[i] = strings.TrimSpace(s)
	}
	if !opt.EmbargoUntil.IsZero() {
		a.EmbargoUntil = opt.EmbargoUntil
	}
	if err := a.Validate(); err != nil {
		return &Error{File: name, Item: item, Err: err}
	}
	return nil
}

// tagsFrom slugifies tag names, dropping repeats. It returns the index of
// the first name that has no letters or digits, or -1.
func tagsFrom(names []string) ([]feed.ArticleTag, int) {
	var tags []feed.ArticleTag
	seen := make(map[string]bool)
	for i, n := range names {
		s := feed.Slugify(n)
		if s == "" {
			return nil, i
		}
		if !seen[s] {
			seen[s] = true
			tags = append(tags, feed.ArticleTag{Slug: s})
		}
	}
	return tags, -1
}

// paragraphsHTML renders plain-text paragraphs as escaped <p> elements.
func paragraphsHTML(paras []string) string {
	var b strings.Builder
	for i, p := range paras {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(p))
		b.WriteString("</p>")
	}
	return b.String()
}

// summarize collapses white space in s and cuts it to about SummaryLen
// characters at a word boundary, marking the cut with an ellipsis.
func summarize(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= SummaryLen {
		return s
	}
	cut, n := 0, 0
	for i := range s {
		if n == SummaryLen-1 {
			cut = i
			break
		}
		n++
	}
	// Cut at the last space, or after the last East Asian comma or full
	// stop (those scripts put no spaces between words), unless that would
	// lose more than half.
	i := strings.LastIndexByte(s[:cut], ' ')
	if j := strings.LastIndexAny(s[:cut], "。、，．"); j >= 0 {
		_, n := utf8.DecodeRuneInString(s[j:])
		i = max(i, j+n)
	}
	if i > cut/2 {
		cut = i
	}
	return strings.TrimRightFunc(s[:cut], func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '"' && r != '\u201d'
	}) + "…"
}

// splitParagraphs splits plain text into paragraphs at blank lines, joining
// the lines inside each one. It is what content_text and the text export
// bodies share.
func splitParagraphs(text string) []string {
	var paras []string
	var block []string
	flush := func() {
		paras = append(paras, joinBlock(block)...)
		block = block[:0]
	}
	for l := range strings.Lines(text) {
		l = cleanLine(l)
		if l == "" {
			flush()
			continue
		}
		block = append(block, l)
	}
	flush()
	return paras
}

// wrapWidth is the longest line a hard-wrapped paragraph is assumed to have.
const wrapWidth = 100

// joinBlock turns a run of non-blank lines into paragraphs. Lines that were
// hard-wrapped (all short but the last) are one paragraph; otherwise each
// line is a paragraph of its own, as in exports that separate paragraphs
// with a single newline.
func joinBlock(lines []string) []string {
	if len(lines) == 0 {
		return nil
	}
	wrapped := true
	for _, l := range lines[:len(lines)-1] {
		if utf8.RuneCountInString(l) > wrapWidth {
			wrapped = false
			break
		}
	}
	if wrapped {
		return []string{joinLines(lines)}
	}
	return append([]string(nil), lines...)
}

// joinLines joins hard-wrapped lines with spaces, except between two
// characters of Chinese or Japanese, which are written without spaces
// (as CSS Text 3 joins such lines). Korean is written with spaces.
func joinLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			last, _ := utf8.DecodeLastRuneInString(lines[i-1])
			first, _ := utf8.DecodeRuneInString(l)
			if !unspaced(last) || !unspaced(first) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// unspaced reports whether r is a wide character of a script written
// without spaces between words: Han, kana, and the full-width punctuation
// and forms that go with them.
func unspaced(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case 0x3000 <= r && r <= 0x303F, 0xFF01 <= r && r <= 0xFF60, r == 'ー':
		return true
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// cleanLine turns the white space of one line (tabs, no-break and other
// Unicode spaces) into single ASCII spaces, drops control and zero-width
// characters, and trims both ends.
func cleanLine(s string) string {
	if isCleanASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u200b', r == '\u200c', r == '\u200d', r == '\u2060', r == '\ufeff':
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
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

// isCleanASCII reports whether cleanLine would return s unchanged, for the
// common case of a plain ASCII line.
func isCleanASCII(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return s == ""
	}
	for i := range len(s) {
		c := s[i]
		if c < ' ' || c > '~' || c == ' ' && s[i+1] == ' ' {
			return false
		}
	}
	return true
}
