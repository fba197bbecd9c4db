package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzParseTime reads arbitrary dates, as exports, front matter and JSON
// bodies carry them. Whatever parses reads back the same from its RFC 3339
// form, and is either one instant whatever the newsroom's zone (a value with
// an offset, "UTC" or "GMT") or one wall-clock time in that zone (a value
// without); what does not parse is an error that quotes it.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"April 4, 2014", "Apr. 4th, 2014", "Sept. 30, 2014", "Friday, April 4, 2014 at 3:15 P.M.",
		"04/04/2014 15:15", "4/21/16", "2014/4/4", "April 4, 2014 3:15 PM UTC", "4 April 2014 GMT",
		"2014-04-04", "2014-04-04 15:04:05", "2014-04-04T15:04", "2014-04-04T15:04:05.5-04:00", "2014-04-04T15:04Z",
		"2026年11月20日（金）15時30分05秒", "２０２６／１１／２０　１５：３０", "令和元年5月1日 午前0時5分",
		"平成31年4月30日", "2026年11月20日 星期五 下午3点", "2026년 11월 20일 오후 2시 5분", "2026. 11. 20.",
		"2026年11月31日", "April 4, 2014 25:00", "yesterday", "",
	} {
		f.Add(s)
	}
	// Zones without daylight saving time, so that every wall-clock time
	// exists in both.
	west, east := time.FixedZone("west", -5*3600), time.FixedZone("east", 9*3600+1800)
	f.Fuzz(func(t *testing.T, s string) {
		t1, err1 := parseTime(s, west)
		t2, err2 := parseTime(s, east)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("parseTime(%q): error %v in one zone, %v in another", s, err1, err2)
		}
		if err1 != nil {
			if want := fmt.Sprintf("cannot parse %q as a date", strings.TrimSpace(s)); !strings.Contains(err1.Error(), want) {
				t.Fatalf("parseTime(%q): error %q does not say %q", s, err1, want)
			}
			return
		}
		if !t1.Equal(t2) && t1.In(west).Format(time.DateTime+".999999999") != t2.In(east).Format(time.DateTime+".999999999") {
			t.Fatalf("parseTime(%q) = %v in one zone and %v in another: neither one instant nor one wall clock", s, t1, t2)
		}
		if y := t1.Year(); y < 0 || y > 9999 {
			t.Fatalf("parseTime(%q) = %v: year out of range", s, t1)
		}
		back, err := parseTime(t1.Format(time.RFC3339Nano), east)
		if err != nil || !back.Equal(t1) {
			t.Fatalf("parseTime(%q) = %v, whose RFC 3339 form reads back as %v, %v", s, t1, back, err)
		}
		if again, _ := parseTime(s, west); !again.Equal(t1) || again.Location().String() != t1.Location().String() {
			t.Fatalf("parseTime(%q) = %v, then %v", s, t1, again)
		}
		if line := isDateLine(s, west); line != (len(s) <= 60) {
			t.Fatalf("isDateLine(%q) = %v for a date of %d bytes", s, line, len(s))
		}
	})
}
