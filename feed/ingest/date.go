package ingest

import (
	"fmt"
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
// 15:15". A value without a time is midnight in loc; one without an offset
// is read in loc, except that a trailing "UTC" or "GMT" means UTC.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
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
	return time.Time{}, fmt.Errorf("cannot parse %q as a date", s)
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
