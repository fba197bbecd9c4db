package ingest

import (
	"bytes"
	"regexp"
	"strings"
	"time"
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
// Exports in Japanese, Chinese and Korean are read the same way: the
// "Posted:" line may be "掲載日：2026年11月20日", "发布时间：2026年11月20日 10:30"
// or "입력 2026.11.20 14:05" (see postedLine and parseEastAsian), their chrome
// and marketing are known, sign-offs may use the dashes Japanese types
// ("――山田太郎") or be the credits those newsrooms print (see parseCredit and
// creditSignOff), a paragraph may start with an ideographic-space indent
// instead of a blank line, and hard-wrapped Chinese and Japanese lines are
// joined without spaces.
//
// A "Correction: <note>" line above the "Posted:" line is the edit's public
// correction note (see feed.Correction), no part of the title or dek.
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
	embargo, err := p.takeEmbargo()
	if err != nil {
		return nil, err
	}
	correction := p.takeCorrection()
	a, err := p.parse()
	if err != nil {
		return nil, err
	}
	a.Correction = correction
	a.EmbargoUntil = embargo
	if err := finish(&a, name, 0, opt); err != nil {
		return nil, err
	}
	return []feed.Article{a}, nil
}

// A textLine is one cleaned line of an export and its line number.
type textLine struct {
	n int
	s string
	// indent: the line started with an ideographic space, as Japanese
	// paragraphs do, so it starts a paragraph.
	indent bool
}

// textLines splits data into cleaned lines, accepting \n, \r\n and \r.
func textLines(data []byte) []textLine {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	var lines []textLine
	n := 0
	for l := range strings.Lines(string(data)) {
		n++
		lines = append(lines, textLine{n: n, s: cleanLine(strings.TrimSuffix(l, "\n")), indent: strings.HasPrefix(l, "\u3000")})
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
		case isChrome(l.s) || isDateLine(l.s, p.loc) || isUpdatedLine(l.s, p.loc):
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
	a.Title = joinLines(blocks[0])
	var dek []string
	for _, b := range blocks[1:] {
		dek = append(dek, joinLines(b))
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

// postedLine matches a publication-date line: "Posted:", "Published on",
// "Date:" and the like, and the labels of Japanese (投稿日, 掲載日, 公開日,
// 配信日, with or without 時, and 日付), Chinese (发布时间, 發布日期, 发表于 and
// the like, and 日期) and Korean (입력, 기사입력, 게시일, 등록일, 작성일,
// 발행일, 날짜) exports. The label with a colon (ASCII or full-width) makes the
// line a date line whatever follows (so "Posted: Aprl 4" is an error, not a
// title); without the colon the rest must read as a date.
var postedLine = regexp.MustCompile(`(?i)^(?:posted|published|dated|date|` +
	`(?:投稿|掲載|公開|配信)(?:日時|日)?|日付|` +
	`(?:发布|發布|发表|發表)(?:时间|時間|日期|于|於)|日期|` +
	`(?:기사)?입력|(?:게시|등록|작성|발행)일?|날짜` +
	`)(?:\s+on)?\s*([:：])?\s*(.*)$`)

// updatedLine matches a line giving when the article was last changed
// ("Updated: April 5, 2014", "更新日：2026年11月21日", "수정 2026.11.21 16:40");
// with a date that reads, it is dropped like chrome, since the store keeps
// the article's own updated time.
var updatedLine = regexp.MustCompile(`(?i)^(?:(?:last\s+)?updated|modified|(?:最終)?更新(?:日時|日)?|更新时间|更新時間|修改时间|수정|업데이트)(?:\s+on)?\s*[:：]?\s*(.+)$`)

func isUpdatedLine(s string, loc *time.Location) bool {
	if len(s) > 100 {
		return false
	}
	m := updatedLine.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	_, err := parseTime(m[1], loc)
	return err == nil
}

// postedSplit separates a date from a byline in "April 4, 2014 | By Jane Doe",
// "April 4, 2014 by Jane Doe" or "2026年11月20日｜文・山田太郎".
var postedSplit = regexp.MustCompile(`(?i)\s*(?:[|｜]\s*(?:by\b:?)?|\bby\b:?)\s*`)

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
			if !ok {
				names, ok = parseCredit(rest[loc[1]:])
			}
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
		if l.s == "" || isChrome(l.s) || isUpdatedLine(l.s, p.loc) {
			flush()
			continue
		}
		if l.indent {
			flush()
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
