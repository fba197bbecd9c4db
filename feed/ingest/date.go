package ingest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Machine forms, tried before the newsroom forms. Those without an offset
// are read in the newsroom's location.
var (
	offsetLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"}
	localLayouts  = []string{
		"2006-01-02T15:04:05", "2006-01-02T15:04",
		"2006-01-02 15:04:05", "2006-01-02 15:04",
		"2006-01-02",
	}
)

// Newsroom forms, matched against a normalized value: lower case, commas,
// weekdays, "at" and ordinal suffixes removed (see normalizeDate). Month
// names match in any case. Numeric dates are month first, as in the US.
var (
	dateLayouts = []string{
		"January 2 2006", "Jan 2 2006", "2 January 2006", "2 Jan 2006",
		"1/2/2006", "1/2/06", "2006/1/2",
	}
	clockLayouts = []string{"", " 3:04 pm", " 3:04:05 pm", " 3 pm", " 15:04", " 15:04:05"}
)

var weekdays = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true,
	"friday": true, "saturday": true, "sunday": true,
	"mon": true, "tue": true, "tues": true, "wed": true, "thu": true,
	"thur": true, "thurs": true, "fri": true, "sat": true, "sun": true,
}

// parseTime reads a date or date and time. Besides RFC 3339 and
// "2006-01-02[ 15:04[:05]]" it accepts what newsroom exports print: "April
// 4, 2014", "Friday, April 4, 2014", "Apr. 4th, 2014", "4 April 2014",
// "04/04/2014" (month first), "April 4, 2014 at 3:15 PM", "04/04/2014
// 15:15", and the Japanese, Chinese and Korean forms that parseEastAsian
// reads ("2026年11月20日（金）15時30分", "2026.11.20 14:05"). A value without a
// time is midnight in loc; one without an offset is read in loc, except
// that a trailing "UTC" or "GMT" means UTC.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	orig := s
	s = narrow(s)
	for _, layout := range offsetLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	n, utc := normalizeDate(s)
	if utc {
		loc = time.UTC
	}
	if n != "" {
		for _, d := range dateLayouts {
			for _, c := range clockLayouts {
				if t, err := time.ParseInLocation(d+c, n, loc); err == nil {
					return t, nil
				}
			}
		}
	}
	if t, ok := parseEastAsian(s, loc); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a date", orig)
}

// narrow turns the full-width forms of ASCII characters ("２０２６／１１／２０",
// "１５：３０") and the ideographic space into ASCII, as Japanese text often
// has them.
func narrow(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\u3000' || 0xFF01 <= r && r <= 0xFF5E }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case 0xFF01 <= r && r <= 0xFF5E:
			return r - 0xFEE0
		}
		return r
	}, s)
}

// East Asian dates: year, month and day with 年月日 or 년월일, or with dots,
// slashes or hyphens; a Japanese era year (令和8年, 平成元年) instead of the
// year; then perhaps a weekday and a time.
var (
	eastAsianDate = regexp.MustCompile(`^(?:(令和|平成)\s*(元|\d{1,2})|(\d{4}))\s*(?:年|년|[./-])\s*(\d{1,2})\s*(?:月|월|[./-])\s*(\d{1,2})\s*(?:日|일|\.)?\s*(.*)$`)
	// A weekday: in brackets, or written out ("金曜日", "금요일", "星期五").
	eastAsianWeekday = regexp.MustCompile(`^(?:[(（]\s*(?:[月火水木金土日](?:曜日?)?|[월화수목금토일](?:요일)?|(?:星期|礼拜|禮拜|周|週)[一二三四五六日天])\s*[)）]|[月火水木金土日]曜日?|[월화수목금토일]요일|(?:星期|礼拜|禮拜|周|週)[一二三四五六日天])\s*`)
	// A time: "15:30", "15:30:05", "15時30分", "오후 2시 5분", "下午3点", "3:30 PM".
	eastAsianClock = regexp.MustCompile(`(?i)^(午前|午後|上午|下午|오전|오후)?\s*(\d{1,2})\s*(?::|時|时|시|点|點)\s*(?:(\d{1,2})\s*(?:分|분)?)?\s*(?::\s*(\d{1,2})|(\d{1,2})\s*(?:秒|초))?\s*(am|pm)?$`)
)

// eras are the first years of the Japanese eras an export may date by.
var eras = map[string]int{"令和": 2019, "平成": 1989}

// parseEastAsian reads the dates Japanese, Chinese and Korean exports print:
// "2026年11月20日", "2026年11月20日（金）15:30", "令和8年11月20日 午後3時15分",
// "2026年11月20日 星期五 下午3点", "2026년 11월 20일 오후 2시 5분",
// "2026.11.20 14:05", "2026. 11. 20.", "2026/11/20（金）". s has been narrowed.
func parseEastAsian(s string, loc *time.Location) (time.Time, bool) {
	m := eastAsianDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	year := atoi(m[3])
	if m[1] != "" {
		n := 1
		if m[2] != "元" {
			n = atoi(m[2])
		}
		year = eras[m[1]] + n - 1
	}
	month, day := atoi(m[4]), atoi(m[5])
	rest := m[6]
	if w := eastAsianWeekday.FindStringIndex(rest); w != nil {
		rest = rest[w[1]:]
	}
	var hour, minute, sec int
	if rest = strings.TrimSpace(rest); rest != "" {
		c := eastAsianClock.FindStringSubmatch(rest)
		if c == nil {
			return time.Time{}, false
		}
		hour, minute, sec = atoi(c[2]), atoi(c[3]), atoi(c[4]+c[5])
		switch half := c[1] + strings.ToLower(c[6]); half {
		case "":
		case "午前", "上午", "오전", "am":
			// Japanese counts the halves of the day from 0 (午前0時 is
			// midnight), English from 12; both are taken.
			if hour > 12 {
				return time.Time{}, false
			}
			hour %= 12
		case "午後", "下午", "오후", "pm":
			if hour > 12 {
				return time.Time{}, false
			}
			hour = hour%12 + 12
		default: // two of them
			return time.Time{}, false
		}
		if hour > 23 || minute > 59 || sec > 59 {
			return time.Time{}, false
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return time.Time{}, false // such as November 31
	}
	return t, true
}

// atoi reads a short run of ASCII digits; "" is 0.
func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// normalizeDate rewrites a newsroom date into the shape the layouts expect:
// "Friday, Apr. 4th, 2014 at 3:15 P.M." becomes "apr 4 2014 3:15 pm". It
// reports whether the value ended in "UTC" or "GMT".
func normalizeDate(s string) (n string, utc bool) {
	s = strings.ToLower(s)
	s = strings.NewReplacer("a.m.", "am", "p.m.", "pm", "a.m", "am", "p.m", "pm", ",", " ").Replace(s)
	fields := strings.Fields(s)
	if len(fields) > 0 && weekdays[strings.TrimSuffix(fields[0], ".")] {
		fields = fields[1:]
	}
	if k := len(fields); k > 0 && (fields[k-1] == "utc" || fields[k-1] == "gmt") {
		fields, utc = fields[:k-1], true
	}
	out := make([]string, 0, len(fields)+1)
	for _, f := range fields {
		switch {
		case f == "at" || f == "@":
			continue
		case isAlpha(strings.TrimSuffix(f, ".")):
			f = strings.TrimSuffix(f, ".")
			if f == "sept" {
				f = "sep"
			}
		case hasOrdinal(f):
			f = f[:len(f)-2]
		case len(f) > 2 && (strings.HasSuffix(f, "am") || strings.HasSuffix(f, "pm")) && isDigit(f[len(f)-3]):
			// "3:15pm" -> "3:15 pm"
			out = append(out, f[:len(f)-2])
			f = f[len(f)-2:]
		}
		out = append(out, f)
	}
	return strings.Join(out, " "), utc
}

// hasOrdinal reports whether f is a day such as "4th" or "21st".
func hasOrdinal(f string) bool {
	if len(f) < 3 || len(f) > 4 || !isDigit(f[0]) {
		return false
	}
	switch f[len(f)-2:] {
	case "st", "nd", "rd", "th":
		return len(f) == 3 || isDigit(f[1])
	}
	return false
}

func isAlpha(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isDateLine reports whether a whole line is a date, like the capture-date
// line some exports print above the title.
func isDateLine(s string, loc *time.Location) bool {
	if len(s) > 60 {
		return false
	}
	_, err := parseTime(s, loc)
	return err == nil
}
