package ingest

import (
	"regexp"
	"strings"
	"time"

	"herald/feed"
)

// embargoLine matches the header line of a plain-text export that holds it
// back: "Embargo: 2026-12-01 09:00 UTC", "Embargoed until 2026-12-01 09:00
// UTC", "Embargo until: ...". The time is read as published times are.
var embargoLine = regexp.MustCompile(`(?i)^embargo(?:ed)?(?:\s+until\s*:?|\s*:)\s*(\S.*)$`)

// takeEmbargo finds an embargo line among the header's lines (the first
// maxHeaderLines that are not blank), blanks it so that it is no part of
// the title or the body, and returns its time; zero when there is none.
// A time that does not parse is an *Error naming the line.
func (p *textParser) takeEmbargo() (time.Time, error) {
	seen := 0
	for i := range p.lines {
		l := &p.lines[i]
		if l.s == "" {
			continue
		}
		if seen++; seen > maxHeaderLines {
			break
		}
		m := embargoLine.FindStringSubmatch(l.s)
		if m == nil {
			continue
		}
		t, err := parseEmbargo(m[1], p.loc)
		if err != nil {
			return time.Time{}, &Error{File: p.name, Line: l.n, Err: feed.Invalid("embargo_until", "%s", err)}
		}
		l.s = ""
		return t, nil
	}
	return time.Time{}, nil
}

// parseEmbargo reads an embargo time as parseTime reads published times,
// and also with a trailing " UTC" or " GMT" ("2026-12-01 09:00 UTC"), as
// embargo notices write them: a time in UTC whatever the newsroom's zone.
func parseEmbargo(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n := len(s) - 4; n > 0 && (strings.EqualFold(s[n:], " UTC") || strings.EqualFold(s[n:], " GMT")) {
		s, loc = s[:n], time.UTC
	}
	return parseTime(s, loc)
}

// ParseEmbargo reads an embargo time as the article files give it (see
// Parse), for an option such as herald ingest --embargo-until: RFC 3339,
// "2026-12-01 09:00" in loc (nil: UTC), the same with " UTC", or a date.
func ParseEmbargo(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	return parseEmbargo(s, loc)
}
