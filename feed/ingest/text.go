package ingest

import (
	"bytes"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"herald/feed"
	"herald/feed/sanitize"
)

// ParseText reads a plain-text newsroom export: an optional capture-date
// line, the title, a "Posted: <date>" line, page chrome such as "Bookmark and
// Share", body paragraphs separated by blank lines, often an author sign-off
// ("... training. -- Jane Doe") at the end of the last one, and often a
// subscription pitch after it. It returns one article.
//
// The body ends at the paragraph holding the sign-off or, without one, where
// a marketing block starts (see marketingStart). Chrome and marketing never
// reach the article. Authors come from the sign-off and from "By" lines; the
// summary is the first paragraph, shortened, unless a line between the title
// and the "Posted:" line (a dek) supplies one.
//
// Errors are *Error values: a file without a "Posted:" line, with a date that
// cannot be read, without a title or without a body is rejected.
func ParseText(name string, data []byte, opt Options) ([]feed.Article, error) {
	if err := checkSize(name, data); err != nil {
		return nil, err
	}
	data = trimBOM(data)
	if err := checkUTF8(name, data); err != nil {
		return nil, err
	}
	p := textParser{name: name, loc: opt.location(), lines: textLines(data)}
	a, err := p.parse()
	if err != nil {
		return nil, err
	}
	if err := finish(&a, name, 0); err != nil {
		return nil, err
	}
	return []feed.Article{a}, nil
}

// A textLine is one cleaned line of an export and its line number.
type textLine struct {
	n int
	s string
}

// textLines splits data into cleaned lines, accepting \n, \r\n and \r.
func textLines(data []byte) []textLine {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var lines []textLine
	n := 0
	for l := range strings.Lines(string(data)) {
		n++
		lines = append(lines, textLine{n: n, s: cleanLine(strings.TrimSuffix(l, "\n"))})
	}
	return lines
}

type textParser struct {
	name  string
	loc   *time.Location
	lines []textLine
}

func (p *textParser) errorf(line int, field, format string, args ...any) error {
	return &Error{File: p.name, Line: line, Err: feed.Invalid(field, format, args...)}
}

// Limits on the header: the "Posted:" line must come within this many
// non-blank lines, before any line long enough to be body text.
const (
	maxHeaderLines = 20
	maxHeaderLine  = 300
)

func (p *textParser) parse() (feed.Article, error) {
	var a feed.Article
	posted, published, byline, err := p.findPosted()
	if err != nil {
		return a, err
	}
	a.Published = published
	a.Authors = byline

	// The header: everything above the "Posted:" line that is not a date,
	// chrome or a byline. Its first block is the title; a further block is a
	// dek, which makes a better summary than the first paragraph.
	var blocks [][]string
	var block []string
	for _, l := range p.lines[:posted] {
		switch {
		case l.s == "":
			if len(block) > 0 {
				blocks = append(blocks, block)
				block = nil
			}
			continue
		case isChrome(l.s) || isDateLine(l.s, p.loc):
			continue
		}
		if names, ok := parseByline(l.s); ok {
			a.Authors = append(a.Authors, names...)
			continue
		}
		block = append(block, l.s)
	}
	if len(block) > 0 {
		blocks = append(blocks, block)
	}
	if len(blocks) == 0 {
		return a, p.errorf(p.lines[posted].n, "title", "no title line above the %q line", "Posted:")
	}
	a.Title = strings.Join(blocks[0], " ")
	var dek []string
	for _, b := range blocks[1:] {
		dek = append(dek, strings.Join(b, " "))
	}

	paras := p.body(posted + 1)
	for len(paras) > 0 {
		names, ok := parseByline(paras[0])
		if !ok {
			break
		}
		a.Authors = append(a.Authors, names...)
		paras = paras[1:]
	}
	paras, signers := endBody(paras)
	a.Authors = dedupeNames(append(a.Authors, signers...))
	if len(paras) == 0 {
		return a, p.errorf(p.lines[posted].n, "content", "no body paragraphs below the %q line", "Posted:")
	}

	a.Content = sanitize.Newsroom(paragraphsHTML(paras))
	if len(dek) > 0 {
		a.Summary = summarize(strings.Join(dek, " "))
	} else {
		a.Summary = summarize(paras[0])
	}
	return a, nil
}

// postedLine matches a publication-date line. The label with a colon makes
// the line a date line whatever follows (so "Posted: Aprl 4" is an error,
// not a title); without the colon the rest must read as a date.
var postedLine = regexp.MustCompile(`(?i)^(?:posted|published|date|dated)(?:\s+on)?\s*(:)?\s*(.*)$`)

// postedSplit separates a date from a byline in "April 4, 2014 | By Jane Doe"
// or "April 4, 2014 by Jane Doe".
var postedSplit = regexp.MustCompile(`(?i)\s*(?:\|\s*(?:by\b:?)?|\bby\b:?)\s*`)

// findPosted finds the "Posted:" line and returns its index in p.lines, the
// date, and any byline it carries.
func (p *textParser) findPosted() (int, time.Time, []string, error) {
	seen := 0
	for i, l := range p.lines {
		if l.s == "" {
			continue
		}
		if seen++; seen > maxHeaderLines || utf8.RuneCountInString(l.s) > maxHeaderLine {
			break
		}
		m := postedLine.FindStringSubmatch(l.s)
		if m == nil {
			continue
		}
		colon, rest := m[1] != "", m[2]
		if t, err := parseTime(rest, p.loc); err == nil {
			return i, t, nil, nil
		}
		if loc := postedSplit.FindStringIndex(rest); loc != nil && loc[0] > 0 {
			t, err := parseTime(rest[:loc[0]], p.loc)
			names, ok := splitNames(rest[loc[1]:])
			if err == nil && ok {
				return i, t, names, nil
			}
		}
		if colon {
			return 0, time.Time{}, nil, p.errorf(l.n, "published", "cannot parse %q as a date", rest)
		}
	}
	return 0, time.Time{}, nil, &Error{File: p.name, Err: feed.Invalid("published",
		"no %q line near the top of the file (within %d lines, before the body)", "Posted: <date>", maxHeaderLines)}
}

// body returns the paragraphs from p.lines[from:], without chrome lines and
// the spam-protection notice.
func (p *textParser) body(from int) []string {
	var paras, block []string
	flush := func() {
		for _, t := range joinBlock(block) {
			if t = removeSpamNotice(t); t != "" {
				paras = append(paras, t)
			}
		}
		block = block[:0]
	}
	for _, l := range p.lines[from:] {
		if l.s == "" || isChrome(l.s) {
			flush()
			continue
		}
		block = append(block, l.s)
	}
	flush()
	return paras
}

// endBody cuts paras where the article ends, returning the body and the
// authors named in a sign-off. The body ends at the first paragraph with a
// strong sign-off (one that carries an e-mail address or the spam notice),
// or at a bare sign-off on the last paragraph before the marketing block, or
// else where that block starts.
func endBody(paras []string) ([]string, []string) {
	m := marketingStart(paras)
	for i := range m {
		s, ok := parseSignOff(paras[i])
		if !ok || !s.strong && i != m-1 {
			continue
		}
		body := paras[: i+1 : i+1]
		if s.text == "" {
			body = body[:i]
		} else {
			body[i] = s.text
		}
		return body, s.names
	}
	return paras[:m], nil
}

// chromePhrases are page furniture that exports keep as whole lines.
var chromePhrases = map[string]bool{
	"bookmark": true, "bookmark and share": true, "bookmark this": true,
	"share": true, "share this": true, "share this article": true, "share this story": true,
	"share on facebook": true, "share on twitter": true, "share on linkedin": true,
	"print": true, "print this": true, "print this article": true, "print this page": true,
	"print friendly": true, "printer-friendly": true, "printer friendly": true,
	"printer-friendly version": true, "printer friendly version": true,
	"email": true, "e-mail": true, "email this": true, "e-mail this": true,
	"email this article": true, "e-mail this article": true, "email this story": true,
	"email to a friend": true, "e-mail to a friend": true,
	"tweet": true, "like": true, "font size": true, "text size": true,
	"back to top": true, "return to top": true, "top of page": true,
}

// chromeSeparators split lines such as "Print | Email | Share".
var chromeSeparators = regexp.MustCompile(`\s*[|•·»]\s*|\s+/\s+`)

// isChrome reports whether a whole line is page furniture: one or more known
// phrases (case and surrounding punctuation ignored), or the spam notice.
func isChrome(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	if removeSpamNotice(s) == "" {
		return true
	}
	n := 0
	for _, part := range chromeSeparators.Split(strings.ToLower(s), -1) {
		part = strings.TrimFunc(part, func(r rune) bool { return unicode.IsPunct(r) && r != '-' || unicode.IsSpace(r) })
		if part == "" {
			continue
		}
		if !chromePhrases[part] {
			return false
		}
		n++
	}
	return n > 0
}

// spamNotice is what a CMS prints in place of an address it hides from
// harvesters.
var spamNotice = regexp.MustCompile(`(?i)\(?\s*this e-?mail address is being protected from spam ?bots[.!]?(?:\s*you need javascript enabled to view it\.?)?\s*\)?`)

func removeSpamNotice(s string) string {
	i := indexFold(s, "protected from spam")
	if i < 0 {
		return s
	}
	// The notice starts a few words before the phrase; running the
	// expression from there keeps it off the rest of a long paragraph.
	i = max(0, i-40)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.Join(strings.Fields(s[:i]+spamNotice.ReplaceAllString(s[i:], " ")), " ")
}

// indexFold is strings.Index ignoring ASCII case; sub must be lower case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if c := s[i]; c == sub[0] || c+('a'-'A') == sub[0] {
			if strings.EqualFold(s[i:i+len(sub)], sub) {
				return i
			}
		}
	}
	return -1
}

// Marketing cues. A strong cue marks a paragraph as marketing on its own; a
// weak one (which news about subscriptions or hotlines may also contain)
// counts only alongside another cue paragraph. Phrases are lower case and
// match whole words; "subscri" matches any word it starts.
var (
	strongPhrases = []string{
		"free trial", "already a subscriber", "single-reader license", "single-reader licence",
		"site license", "site licence", "subscription-based", "subscribe now", "subscribe today",
		"click here to log in", "click here to sign in",
	}
	weakPhrases = []string{"sign up", "click here", "log in", "newsletter", "newsletters"}
	freeFor     = regexp.MustCompile(`\bfree for (?:\d+|one|two|three|thirty) (?:days?|weeks?|months?)\b`)
	price       = regexp.MustCompile(`\$\d[\d,]*\.\d\d\b`)
	phone       = regexp.MustCompile(`\(?\b\d{3}\)?[-. ]\d{3}[-.]\d{4}\b`)
)

// marketingCues reports whether paragraph p has a strong and a weak marketing cue.
func marketingCues(p string) (strong, weak bool) {
	lower := strings.ToLower(p)
	for _, ph := range strongPhrases {
		if hasWord(lower, ph, false) {
			return true, true
		}
	}
	if strings.Contains(lower, "free for ") && freeFor.MatchString(lower) {
		return true, true
	}
	if hasWord(lower, "subscri", true) {
		return false, true
	}
	for _, ph := range weakPhrases {
		if hasWord(lower, ph, false) {
			return false, true
		}
	}
	if strings.IndexByte(p, '$') >= 0 && price.MatchString(p) {
		return false, true
	}
	digits := 0
	for i := range len(p) {
		if isDigit(p[i]) {
			digits++
		}
	}
	return false, digits >= 10 && phone.MatchString(p)
}

// hasWord reports whether s contains phrase starting and, unless prefix is
// set, ending at word boundaries.
func hasWord(s, phrase string, prefix bool) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], phrase)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(phrase)
		if (i == 0 || !isWordByte(s[i-1])) && (prefix || end == len(s) || !isWordByte(s[end])) {
			return true
		}
		off = i + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

const (
	// shortParagraph is the longest a paragraph without cues may be and
	// still sit inside a marketing block ("Get exclusive news on ... and
	// more.").
	shortParagraph = 100
	// maxMarketingParagraph is the longest a marketing paragraph may be;
	// longer ones are story. It also bounds the regexp work per paragraph.
	maxMarketingParagraph = 1500
	// maxSignOff is the most of a paragraph's end a sign-off may take: names,
	// an address and the spam notice.
	maxSignOff = 400
)

// marketingStart returns the index of the first paragraph of the marketing
// block at the end of paras, or len(paras) if there is none.
//
// The candidate is the longest run at the end made only of cue paragraphs
// and short ones; a long paragraph without cues is always story, so a
// subscription mentioned early in the story cannot cut it short. The block
// starts at the run's first strong-cue or short cue paragraph (a long
// paragraph with only weak cues, like a closing "call the hotline at ..."
// line, stays in the story), or failing that its first cue paragraph. It
// counts as marketing if from there on it has a strong cue or at least two
// cue paragraphs.
func marketingStart(paras []string) int {
	type cue struct{ strong, weak, short bool }
	cues := make([]cue, len(paras))
	run := len(paras)
	for i := len(paras) - 1; i >= 0; i-- {
		if len(paras[i]) > maxMarketingParagraph {
			break
		}
		c := cue{short: utf8.RuneCountInString(paras[i]) <= shortParagraph}
		c.strong, c.weak = marketingCues(paras[i])
		if !c.strong && !c.weak && !c.short {
			break
		}
		cues[i], run = c, i
	}
	start := -1
	for i := run; i < len(paras) && start < 0; i++ {
		if c := cues[i]; c.strong || c.weak && c.short {
			start = i
		}
	}
	for i := run; i < len(paras) && start < 0; i++ {
		if cues[i].weak {
			start = i
		}
	}
	if start < 0 {
		return len(paras)
	}
	strong, cued := false, 0
	for _, c := range cues[start:] {
		strong = strong || c.strong
		if c.strong || c.weak {
			cued++
		}
	}
	if strong || cued >= 2 {
		return start
	}
	return len(paras)
}

// A signOff is an author sign-off at the end of a paragraph.
type signOff struct {
	text   string   // the paragraph without it
	names  []string // the authors
	strong bool     // it carried an e-mail address or the spam notice
}

var (
	emailAddress = regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`)
	// A parenthetical that holds an address, or is empty once it is gone.
	emailAside = regexp.MustCompile(`\(\s*(?:(?:e-?mail:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*)?\)`)
)

// parseSignOff looks for "-- Name" (or an em or en dash) ending p, perhaps
// followed by an e-mail address or the spam notice.
func parseSignOff(p string) (signOff, bool) {
	from := max(0, len(p)-maxSignOff)
	for from > 0 && !utf8.RuneStart(p[from]) {
		from++
	}
	start, end := lastDash(p, from)
	if start < 0 {
		return signOff{}, false
	}
	tail := p[end:]
	var s signOff
	if t := removeSpamNotice(tail); t != tail {
		tail, s.strong = t, true
	}
	if t := emailAside.ReplaceAllString(tail, " "); t != tail {
		tail, s.strong = t, true
	}
	if t := emailAddress.ReplaceAllString(tail, " "); t != tail {
		tail, s.strong = t, true
	}
	// What is left is the name, perhaps with the punctuation that sat
	// around the address; a full stop counts only when nothing else is
	// left to end the sentence.
	tail = strings.TrimFunc(tail, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == ':' || s.strong && r == '.'
	})
	tail = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(tail, "By "), "by "))
	names, ok := splitNames(tail)
	if !ok {
		return signOff{}, false
	}
	s.names = names
	s.text = strings.TrimSpace(p[:start])
	return s, true
}

// lastDash finds the last sign-off dash ("--", an em or an en dash) in
// p[from:] and returns where it and the white space around it start and end,
// or -1, -1.
func lastDash(p string, from int) (start, end int) {
	i, n := -1, 0
	for _, d := range []string{"--", "—", "–"} {
		if j := strings.LastIndex(p[from:], d); j >= 0 && from+j > i {
			i, n = from+j, len(d)
		}
	}
	if i < 0 {
		return -1, -1
	}
	start, end = i, i+n
	for start > 0 && p[start-1] == '-' { // the first dash of "---"
		start--
	}
	for start > 0 && p[start-1] == ' ' {
		start--
	}
	for end < len(p) && p[end] == ' ' {
		end++
	}
	return start, end
}

// byline matches "By Jane Doe" and "By: Jane Doe and John Roe".
var byline = regexp.MustCompile(`(?i)^by:?\s+(.+)$`)

func parseByline(s string) ([]string, bool) {
	if len(s) > 200 {
		return nil, false
	}
	m := byline.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	return splitNames(m[1])
}

var nameSeparators = regexp.MustCompile(`\s*,\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+`)

// splitNames splits "Jane Doe, John Roe Jr. and Ann Poe" into names and
// reports whether every one looks like a personal name.
func splitNames(s string) ([]string, bool) {
	var names []string
	for _, n := range nameSeparators.Split(strings.TrimSpace(s), -1) {
		if nameSuffixes[strings.ToLower(n)] && len(names) > 0 {
			names[len(names)-1] += ", " + n
			continue
		}
		if !isName(n) {
			return nil, false
		}
		names = append(names, n)
	}
	return names, len(names) > 0
}

var (
	nameSuffixes  = map[string]bool{"jr.": true, "sr.": true, "jr": true, "sr": true, "ii": true, "iii": true, "iv": true}
	nameParticles = map[string]bool{"de": true, "da": true, "del": true, "della": true, "der": true, "den": true, "di": true, "du": true, "la": true, "le": true, "van": true, "von": true, "bin": true, "al": true, "y": true}
)

// isName reports whether s looks like a personal name: two to six words,
// each capitalized (or a particle such as "van"), made of letters, periods,
// hyphens and apostrophes, ending in a word rather than a full stop.
func isName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 6 || len(s) > 80 {
		return false
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) && !(nameParticles[w] && i > 0 && i < len(words)-1) {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '.' && r != '-' && r != '\'' && r != '\u2019' {
				return false
			}
		}
	}
	// "Japan Dialogue." ends a sentence; "J." and "Jr." end names.
	last := words[len(words)-1]
	if strings.HasSuffix(last, ".") && utf8.RuneCountInString(last) > 2 && !nameSuffixes[strings.ToLower(last)] {
		return false
	}
	return true
}

func dedupeNames(names []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, n := range names {
		k := strings.ToLower(n)
		if !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}
