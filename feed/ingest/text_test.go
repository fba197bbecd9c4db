package ingest

import (
	"bytes"
	"errors"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

// samplesDir returns the directory of real newsroom samples, which are not
// ours to ship: $HERALD_SAMPLES (relative to the repository root if
// relative), else ../../../shared/samples next to the repository. Without
// either it skips the test, or fails it when $CI is set.
func samplesDir(t *testing.T) string {
	t.Helper()
	var tried []string
	if d := os.Getenv("HERALD_SAMPLES"); d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join(repoRoot(t), d)
		}
		tried = append(tried, d)
		if isDir(d) {
			return d
		}
	}
	d := filepath.Join("..", "..", "..", "shared", "samples")
	tried = append(tried, d)
	if isDir(d) {
		return d
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no samples directory: tried %q; set HERALD_SAMPLES", tried)
	}
	t.Skipf("no samples directory (tried %q); set HERALD_SAMPLES to run", tried)
	return ""
}

// repoRoot returns the nearest directory above the working directory that
// holds go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// wantNowhere fails if any text field of a contains one of the phrases.
func wantNowhere(t *testing.T, a feed.Article, phrases ...string) {
	t.Helper()
	fields := map[string]string{
		"id": a.ID, "slug": a.Slug, "title": a.Title, "summary": a.Summary,
		"content": a.Content, "authors": strings.Join(a.Authors, "; "),
		"content (unescaped)": html.UnescapeString(a.Content),
	}
	for field, v := range fields {
		for _, p := range phrases {
			if strings.Contains(strings.ToLower(v), strings.ToLower(p)) {
				t.Errorf("%s contains %q, want it gone: %.200q", field, p, v)
			}
		}
	}
}

// wantContent checks that content is exactly paras as escaped <p> elements.
func wantContent(t *testing.T, content string, paras []string) {
	t.Helper()
	var want []string
	for _, p := range paras {
		want = append(want, "<p>"+html.EscapeString(p)+"</p>")
	}
	if w := strings.Join(want, "\n"); content != w {
		t.Errorf("got content\n%s\nwant\n%s", content, w)
	}
}

func TestParseTextSample(t *testing.T) {
	dir := samplesDir(t)
	t.Logf("samples from %s", dir)
	data, err := os.ReadFile(filepath.Join(dir, "seed-article.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []*time.Location{time.UTC, newYork} {
		t.Run(loc.String(), func(t *testing.T) {
			a := parseOne(t, "samples/seed-article.txt", data, Options{Location: loc})
			checkArticle(t, a)
			if want := "U.S., Japanese officials to hold cybersecurity talks next week"; a.Title != want {
				t.Errorf("got title %q, want %q", a.Title, want)
			}
			if want := time.Date(2014, 4, 4, 0, 0, 0, 0, loc); !a.Published.Equal(want) || a.Published.Location() != loc {
				t.Errorf("got published %v, want %v", a.Published, want)
			}
			if want := []string{"Christopher J. Castelli"}; !slices.Equal(a.Authors, want) {
				t.Errorf("got authors %q, want %q", a.Authors, want)
			}
			if a.ID != "seed-article" || a.Language != "en" || a.Slug != "" || !a.Updated.IsZero() {
				t.Errorf("got id %q, language %q, slug %q, updated %v; want seed-article, en, empty, zero", a.ID, a.Language, a.Slug, a.Updated)
			}

			paras := paragraphs(t, a.Content)
			if len(paras) != 8 {
				t.Fatalf("got %d paragraphs, want 8:\n%q", len(paras), paras)
			}
			if first := "U.S. and Japanese officials plan to hold senior-level cybersecurity talks"; !strings.HasPrefix(paras[0], first) {
				t.Errorf("got first paragraph %.80q, want it to start %q", paras[0], first)
			}
			if last := "the way ahead on education and training."; !strings.HasSuffix(paras[7], last) {
				t.Errorf("got last paragraph ending %q, want %q", paras[7][max(0, len(paras[7])-60):], last)
			}
			wantContent(t, a.Content, paras)
			// Every paragraph is the sample's text, unchanged and in order.
			text, pos := string(data), 0
			for i, p := range paras {
				j := strings.Index(text[pos:], p)
				if j < 0 {
					t.Errorf("paragraph %d is not in the sample after byte %d: %.80q", i+1, pos, p)
					continue
				}
				pos += j + len(p)
			}
			if a.Summary != paras[0] {
				t.Errorf("got summary %q, want the first paragraph %q", a.Summary, paras[0])
			}
			wantNowhere(t, a, "Bookmark", "Free Trial", "spambots", "subscriber", "447.50",
				"Monday, July 06, 2015", "JavaScript", "e-mail address", "Castelli (", " -- ", "Posted:")
		})
	}
}

// usEU is the text file most variants below are made from.
const usEU = "text/2015-03-02-us-eu-cyber-dialogue.txt"

// usEUParagraphs are the body of usEU as it must come out.
func usEUParagraphs(t *testing.T) []string {
	t.Helper()
	data := string(readFile(t, usEU))
	start := strings.Index(data, "American and European Union")
	end := strings.Index(data, " -- Dana Whitfield")
	if start < 0 || end < 0 {
		t.Fatalf("%s has changed; update the test", usEU)
	}
	return strings.Split(data[start:end], "\n\n")
}

func TestParseTextOwnArticle(t *testing.T) {
	a := parseOne(t, usEU, readFile(t, usEU), Options{Location: newYork})
	checkArticle(t, a)
	want := usEUParagraphs(t)
	if len(want) != 12 {
		t.Fatalf("got %d expected paragraphs from the file, want 12", len(want))
	}
	wantContent(t, a.Content, want)
	if got, wantTitle := a.Title, "U.S., EU negotiators open talks on cyber norms and incident reporting"; got != wantTitle {
		t.Errorf("got title %q, want %q", got, wantTitle)
	}
	if want := time.Date(2015, 3, 2, 0, 0, 0, 0, newYork); !a.Published.Equal(want) {
		t.Errorf("got published %v, want %v", a.Published, want)
	}
	if want := []string{"Dana Whitfield"}; !slices.Equal(a.Authors, want) {
		t.Errorf("got authors %q, want %q", a.Authors, want)
	}
	if a.Summary != want[0] {
		t.Errorf("got summary %q, want %q", a.Summary, want[0])
	}
	// A dash before a name mid-story and "subscription" mid-story are story.
	if !strings.Contains(a.Content, "cyber issues -- Marta Kovacs.") || !strings.Contains(a.Content, "threat-intelligence subscription services") {
		t.Errorf("content lost a paragraph that only looks like a sign-off or marketing")
	}
	wantNowhere(t, a, "Bookmark", "Free Trial", "spambots", "subscriber", "389.00", "202-555-0147",
		"Tuesday, March 10, 2015", "Cyber Docket", "Stay ahead")
}

// TestParseTextLayouts rewrites usEU into the layouts newsroom exports come
// in and checks that the article survives each one.
func TestParseTextLayouts(t *testing.T) {
	orig := string(readFile(t, usEU))
	body := usEUParagraphs(t)
	const (
		capture  = "Tuesday, March 10, 2015\n\n"
		signOff  = " -- Dana Whitfield (This e-mail address is being protected from spambots. You need JavaScript enabled to view it )"
		posted   = "Posted: March 2, 2015\n"
		chrome   = "Bookmark and Share\n"
		title    = "U.S., EU negotiators open talks on cyber norms and incident reporting"
		lastPara = "before the end of the year."
	)
	marketing := orig[strings.Index(orig, "\n\n\nFree Trial"):]
	for _, s := range []string{capture, signOff, posted, chrome, title, lastPara} {
		if !strings.Contains(orig, s) {
			t.Fatalf("%s no longer contains %q; update the test", usEU, s)
		}
	}
	noMarketing := strings.TrimSuffix(orig, marketing) + "\n"
	date := time.Date(2015, 3, 2, 0, 0, 0, 0, time.UTC)
	dana := []string{"Dana Whitfield"}

	tests := []struct {
		name    string
		text    string
		authors []string
		date    time.Time
	}{
		{"as exported", orig, dana, date},
		{"no capture line", strings.Replace(orig, capture, "", 1), dana, date},
		{"no marketing", noMarketing, dana, date},
		{"no sign-off", strings.Replace(orig, signOff, "", 1), nil, date},
		{"no sign-off, no marketing", strings.Replace(noMarketing, signOff, "", 1), nil, date},
		{"no chrome", strings.Replace(orig, chrome, "", 1), dana, date},
		{"nothing optional", strings.NewReplacer(capture, "", signOff, "", chrome, "").Replace(noMarketing), nil, date},
		{"CRLF", strings.ReplaceAll(orig, "\n", "\r\n"), dana, date},
		{"BOM and CRLF", "\ufeff" + strings.ReplaceAll(orig, "\n", "\r\n"), dana, date},
		{"CR only", strings.ReplaceAll(orig, "\n", "\r"), dana, date},
		{"trailing white space", strings.ReplaceAll(orig, "\n", " \t\u00a0\n"), dana, date},
		{"leading white space", strings.ReplaceAll(orig, "\n", "\n  "), dana, date},
		{"no-break spaces", strings.ReplaceAll(orig, "two-day session, the", "two-day\u00a0session,\u00a0the"), dana, date},
		{"doubled blank lines", strings.ReplaceAll(orig, "\n\n", "\n\n\n\n"), dana, date},
		{"numeric date", strings.Replace(orig, posted, "Posted: 03/02/2015\n", 1), dana, date},
		{"date and time", strings.Replace(orig, posted, "Posted: March 2, 2015 at 3:15 PM\n", 1), dana,
			time.Date(2015, 3, 2, 15, 15, 0, 0, time.UTC)},
		{"posted on, no colon", strings.Replace(orig, posted, "Posted on Monday, March 2, 2015\n", 1), dana, date},
		{"date with byline", strings.Replace(strings.Replace(orig, posted, "Posted: March 2, 2015 | By Dana Whitfield\n", 1), signOff, "", 1), dana, date},
		{"By line, no sign-off", strings.Replace(strings.Replace(orig, chrome, chrome+"By Dana Whitfield\n", 1), signOff, "", 1), dana, date},
		{"By line above Posted", strings.Replace(strings.Replace(orig, posted, "By Dana Whitfield\n"+posted, 1), signOff, "", 1), dana, date},
		{"two authors", strings.Replace(orig, "-- Dana Whitfield", "-- Dana Whitfield and Marcus Oyelaran", 1),
			[]string{"Dana Whitfield", "Marcus Oyelaran"}, date},
		{"sign-off with address", strings.Replace(orig, signOff, " -- Dana Whitfield (dwhitfield@example.com)", 1), dana, date},
		{"sign-off with bare address", strings.Replace(orig, signOff, " -- Dana Whitfield, dwhitfield@example.com", 1), dana, date},
		{"bare sign-off", strings.Replace(orig, signOff, " -- Dana Whitfield", 1), dana, date},
		{"em-dash sign-off", strings.Replace(orig, signOff, "\u2014Dana Whitfield", 1), dana, date},
		{"sign-off on its own line", strings.Replace(orig, signOff, "\n\n-- Dana Whitfield", 1), dana, date},
		{"chrome list", strings.Replace(orig, chrome, "Print | Email | Share\n", 1), dana, date},
		{"chrome after body", strings.Replace(noMarketing, lastPara+signOff+"\n", lastPara+signOff+"\n\nBack to top\n", 1), dana, date},
		{"spam notice on its own line", strings.Replace(orig, signOff, " -- Dana Whitfield\nThis e-mail address is being protected from spambots. You need JavaScript enabled to view it", 1), dana, date},
		{"hard-wrapped", hardWrap(orig, 72), dana, date},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := parseOne(t, "exports/us-eu.txt", []byte(tt.text), Options{})
			checkArticle(t, a)
			if a.Title != title {
				t.Errorf("got title %q, want %q", a.Title, title)
			}
			if !a.Published.Equal(tt.date) {
				t.Errorf("got published %v, want %v", a.Published, tt.date)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("got authors %q, want %q", a.Authors, tt.authors)
			}
			wantContent(t, a.Content, body)
			if a.Summary != body[0] {
				t.Errorf("got summary %q, want %q", a.Summary, body[0])
			}
			wantNowhere(t, a, "Bookmark", "Free Trial", "spambots", "subscriber", "389.00", "Tuesday, March 10",
				"dwhitfield@", "Back to top", "Print |", "Posted")
		})
	}
}

// hardWrap wraps every line of s longer than width at spaces.
func hardWrap(s string, width int) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		for len(line) > width {
			i := strings.LastIndexByte(line[:width], ' ')
			if i <= 0 {
				break
			}
			out = append(out, line[:i])
			line = line[i+1:]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func TestParseTextFiles(t *testing.T) {
	tests := []struct {
		file       string
		title      string
		published  time.Time
		authors    []string
		paragraphs int
		first      string // prefix of the first paragraph
		last       string // suffix of the last paragraph
		summary    string // prefix of the summary
		absent     []string
	}{
		{
			file:       "text/water-utility-advisory.txt", // BOM, CRLF, numeric date, By line, chrome list, marketing, no sign-off
			title:      "Federal advisory urges water utilities to wall off remote-access tools",
			published:  time.Date(2016, 4, 21, 0, 0, 0, 0, newYork),
			authors:    []string{"Marcus Oyelaran"},
			paragraphs: 6,
			first:      "Drinking-water and wastewater utilities should disconnect",
			last:       "as well as to their state drinking-water program.",
			summary:    "Drinking-water and wastewater utilities",
			absent:     []string{"Print", "Subscribe", "Already a subscriber", "analysis every Monday", "\ufeff", "\r"},
		},
		{
			file:       "text/senate-info-sharing-bill.txt", // wrapped title, By line above Posted, time, hard-wrapped body, tabs, NBSP
			title:      "Senators revive information-sharing bill with civilian portal and liability shield",
			published:  time.Date(2015, 6, 9, 15, 15, 0, 0, newYork),
			authors:    []string{"Priya Raman", "Tomás Ibarra"},
			paragraphs: 5,
			first:      "A bipartisan group of senators on Tuesday introduced legislation that would give companies",
			last:       "hold a joint hearing on the bill next month.",
			summary:    "A bipartisan group of senators",
			absent:     []string{"\t", "\u00a0", "  ", "By Priya"},
		},
		{
			file:       "text/2017-11-14-grid-exercise.txt", // dek, ordinal date, bare sign-off, mid-story dash, no marketing
			title:      "Utilities, regulators rehearse a winter blackout caused by hackers",
			published:  time.Date(2017, 11, 14, 0, 0, 0, 0, newYork),
			authors:    []string{"Lena Marsh"},
			paragraphs: 4,
			first:      "More than two hundred electric utilities",
			last:       "with a more detailed report shared only with participants.",
			summary:    "A two-day drill tested how power companies would restore service",
			absent:     []string{"-- Lena"},
		},
		{
			file:       "text/fcc-satellite-licenses.txt", // CR endings, one paragraph per line, sign-off line with address
			title:      "FCC weighs cybersecurity conditions for satellite broadband licenses",
			published:  time.Date(2016, 2, 1, 9, 5, 0, 0, newYork),
			authors:    []string{"Owen Castellanos"},
			paragraphs: 4,
			first:      "The Federal Communications Commission is considering",
			last:       "after publication in the Federal Register.",
			summary:    "The Federal Communications Commission",
			absent:     []string{"example.com", "Share this", "Subscribe", "subscriber"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := parseOne(t, tt.file, readFile(t, tt.file), Options{Location: newYork})
			checkArticle(t, a)
			if a.Title != tt.title {
				t.Errorf("got title %q, want %q", a.Title, tt.title)
			}
			if !a.Published.Equal(tt.published) {
				t.Errorf("got published %v, want %v", a.Published, tt.published)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("got authors %q, want %q", a.Authors, tt.authors)
			}
			paras := paragraphs(t, a.Content)
			if len(paras) != tt.paragraphs {
				t.Fatalf("got %d paragraphs, want %d:\n%q", len(paras), tt.paragraphs, paras)
			}
			wantContent(t, a.Content, paras)
			if !strings.HasPrefix(paras[0], tt.first) {
				t.Errorf("got first paragraph %.100q, want prefix %q", paras[0], tt.first)
			}
			if last := paras[len(paras)-1]; !strings.HasSuffix(last, tt.last) {
				t.Errorf("got last paragraph %q, want suffix %q", last, tt.last)
			}
			if !strings.HasPrefix(a.Summary, tt.summary) {
				t.Errorf("got summary %q, want prefix %q", a.Summary, tt.summary)
			}
			wantNowhere(t, a, tt.absent...)
		})
	}
}

func TestParseTextLongFirstParagraph(t *testing.T) {
	first := strings.Repeat("Regulators weighed new reporting rules for pipeline operators. ", 8)
	doc := "Title\n\nPosted: April 4, 2014\n\n" + first + "\n\nSecond paragraph.\n"
	a := parseOne(t, "long.txt", []byte(doc), Options{})
	if !strings.HasSuffix(a.Summary, "…") || len([]rune(a.Summary)) > SummaryLen {
		t.Errorf("got summary of %d characters %q, want at most %d ending in an ellipsis", len([]rune(a.Summary)), a.Summary, SummaryLen)
	}
	if base := strings.TrimSuffix(a.Summary, "…"); !strings.HasPrefix(first, base) || first[len(base)] != ' ' && first[len(base)] != '.' {
		t.Errorf("summary %q is not the first paragraph cut at a word boundary", a.Summary)
	}
}

func TestParseTextErrors(t *testing.T) {
	const name = "notes/a.txt"
	tests := []struct {
		desc  string
		text  string
		line  int
		parts []string
	}{
		{"empty file", "", 0, []string{"published: no \"Posted: <date>\" line"}},
		{"no Posted line", "Title\n\nBody paragraph one.\n\nBody two.\n", 0, []string{"published: no \"Posted: <date>\" line"}},
		{"Posted line too far down", "Title\n" + strings.Repeat("Line.\n", 25) + "Posted: April 4, 2014\n\nBody.\n", 0, []string{"published:"}},
		{"unreadable date", "Title\n\nPosted: Aprl 4, 2014\n\nBody.\n", 3, []string{`line 3: published: cannot parse "Aprl 4, 2014" as a date`}},
		{"day-first date", "Title\n\nPosted: 21/04/2016\n\nBody.\n", 3, []string{`published: cannot parse "21/04/2016"`}},
		{"year out of range", "Title\n\nPosted: April 4, 1814\n\nBody.\n", 0, []string{"published: year 1814 is out of range"}},
		{"no title", "Monday, July 06, 2015\n\nPosted: April 4, 2014\n\nBody.\n", 3, []string{"line 3: title: no title line"}},
		{"no body", "Title\n\nPosted: April 4, 2014\nBookmark and Share\n\n", 3, []string{"line 3: content: no body paragraphs"}},
		{"only marketing", "Title\n\nPosted: April 4, 2014\n\nFree Trial\n\nAlready a subscriber? Click here to log in.\n", 3, []string{"content: no body paragraphs"}},
		{"only a sign-off", "Title\n\nPosted: April 4, 2014\n\n-- Jane Doe (jdoe@example.com)\n", 3, []string{"content: no body paragraphs"}},
		{"not UTF-8", "Title\n\nPosted: April 4, 2014\n\nBody \xff\xfe.\n", 5, []string{"line 5: not valid UTF-8"}},
		{"title too long", strings.Repeat(strings.Repeat("Long title ", 8)+"\n", 15) + "\nPosted: April 4, 2014\n\nBody.\n", 0, []string{"title: is longer than 1000 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			arts, err := ParseText(name, []byte(tt.text), Options{})
			if len(arts) != 0 {
				t.Errorf("got %d articles, want none", len(arts))
			}
			wantParseError(t, err, name, tt.parts...)
			if e, ok := errors.AsType[*Error](err); ok && e.Line != tt.line {
				t.Errorf("got line %d, want %d", e.Line, tt.line)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	la := mustLoadLocation("America/Los_Angeles")
	tests := []struct {
		in   string
		want time.Time
	}{
		{"April 4, 2014", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"april 04 2014", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"Apr. 4, 2014", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"Sept. 30, 2014", time.Date(2014, 9, 30, 0, 0, 0, 0, la)},
		{"Nov. 14th, 2017", time.Date(2017, 11, 14, 0, 0, 0, 0, la)},
		{"4 April 2014", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"Monday, July 06, 2015", time.Date(2015, 7, 6, 0, 0, 0, 0, la)},
		{"Fri. April 4, 2014", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"04/04/2014", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"4/21/16", time.Date(2016, 4, 21, 0, 0, 0, 0, la)},
		{"April 4, 2014 at 3:15 PM", time.Date(2014, 4, 4, 15, 15, 0, 0, la)},
		{"April 4, 2014, 9:05 a.m.", time.Date(2014, 4, 4, 9, 5, 0, 0, la)},
		{"April 4, 2014 3:15pm", time.Date(2014, 4, 4, 15, 15, 0, 0, la)},
		{"April 4, 2014 12 PM", time.Date(2014, 4, 4, 12, 0, 0, 0, la)},
		{"04/04/2014 15:15", time.Date(2014, 4, 4, 15, 15, 0, 0, la)},
		{"April 4, 2014 3:15 PM UTC", time.Date(2014, 4, 4, 15, 15, 0, 0, time.UTC)},
		{"2014-04-04", time.Date(2014, 4, 4, 0, 0, 0, 0, la)},
		{"2014-04-04 15:04", time.Date(2014, 4, 4, 15, 4, 0, 0, la)},
		{"2014-04-04T15:04:05", time.Date(2014, 4, 4, 15, 4, 5, 0, la)},
		{"2014-04-04T15:04:05Z", time.Date(2014, 4, 4, 15, 4, 5, 0, time.UTC)},
		{"2014-04-04T15:04:05.5-04:00", time.Date(2014, 4, 4, 19, 4, 5, 5e8, time.UTC)},
		// Japanese, Chinese and Korean.
		{"2026年11月20日", time.Date(2026, 11, 20, 0, 0, 0, 0, la)},
		{"2026 年 11 月 20 日", time.Date(2026, 11, 20, 0, 0, 0, 0, la)},
		{"２０２６年１１月２０日（金）", time.Date(2026, 11, 20, 0, 0, 0, 0, la)},
		{"2026年11月20日(金) 15:30", time.Date(2026, 11, 20, 15, 30, 0, 0, la)},
		{"2026年11月20日（金曜日）15時30分05秒", time.Date(2026, 11, 20, 15, 30, 5, 0, la)},
		{"2026年11月20日 15時", time.Date(2026, 11, 20, 15, 0, 0, 0, la)},
		{"2026年11月20日 午前0時5分", time.Date(2026, 11, 20, 0, 5, 0, 0, la)},
		{"2026年11月20日 午前12時5分", time.Date(2026, 11, 20, 0, 5, 0, 0, la)},
		{"2026年11月20日 午後12時", time.Date(2026, 11, 20, 12, 0, 0, 0, la)},
		{"2026年11月20日 午後0時30分", time.Date(2026, 11, 20, 12, 30, 0, 0, la)},
		{"令和8年11月20日 午後3時15分", time.Date(2026, 11, 20, 15, 15, 0, 0, la)},
		{"令和元年5月1日", time.Date(2019, 5, 1, 0, 0, 0, 0, la)},
		{"平成31年4月30日", time.Date(2019, 4, 30, 0, 0, 0, 0, la)},
		{"2026/11/20（金）10:30", time.Date(2026, 11, 20, 10, 30, 0, 0, la)},
		{"2026年11月20日 星期五 下午3点", time.Date(2026, 11, 20, 15, 0, 0, 0, la)},
		{"2026年11月20日（周五）上午9:05", time.Date(2026, 11, 20, 9, 5, 0, 0, la)},
		{"2026년 11월 20일 오후 2시 5분", time.Date(2026, 11, 20, 14, 5, 0, 0, la)},
		{"2026년 11월 20일 (금) 14:05", time.Date(2026, 11, 20, 14, 5, 0, 0, la)},
		{"2026.11.21 14:05", time.Date(2026, 11, 21, 14, 5, 0, 0, la)},
		{"2026. 11. 20.", time.Date(2026, 11, 20, 0, 0, 0, 0, la)},
		{"2026年11月20日 3:30 PM", time.Date(2026, 11, 20, 15, 30, 0, 0, la)},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in, la)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "Aprl 4, 2014", "April 2014", "April 4", "13/04/2014", "2014-13-01", "April 4, 2014 25:00",
		"April 4, 2014 3:15 PM ET", "Monday", "yesterday", "4th", "1e9",
		"2026年11月31日", "2026年13月1日", "2026年11月20日 25:00", "2026年11月20日 午後13時",
		"2026年11月20日の会見", "11月20日", "2026年11月", "昭和50年1月1日", "2026年11月20日 午後3時 PM"} {
		if got, err := parseTime(bad, la); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", bad, got)
		} else if !strings.Contains(err.Error(), `cannot parse "`+strings.TrimSpace(bad)+`" as a date`) {
			t.Errorf("parseTime(%q): got error %q, want it to quote the value", bad, err)
		}
	}
}

func TestParseSignOff(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		text   string
		names  []string
		strong bool
	}{
		{"Story ends. -- Jane Doe", true, "Story ends.", []string{"Jane Doe"}, false},
		{"Story ends. -- Christopher J. Castelli (This e-mail address is being protected from spambots. You need JavaScript enabled to view it )",
			true, "Story ends.", []string{"Christopher J. Castelli"}, true},
		{"Story ends. -- Jane Doe (jdoe@example.com)", true, "Story ends.", []string{"Jane Doe"}, true},
		{"Story ends. -- Jane Doe, jdoe@example.com.", true, "Story ends.", []string{"Jane Doe"}, true},
		{"Story ends.—Jane Doe and John Roe Jr.", true, "Story ends.", []string{"Jane Doe", "John Roe Jr."}, false},
		{"Story ends. -- Ana de la Cruz, Tomás Ibarra & Lee Park", true, "Story ends.", []string{"Ana de la Cruz", "Tomás Ibarra", "Lee Park"}, false},
		{"-- Jane Doe", true, "", []string{"Jane Doe"}, false},
		{"Story ends.---Jane Doe", true, "Story ends.", []string{"Jane Doe"}, false},
		{"Story -- with an aside -- ends. \u2013 Jane Doe", true, "Story -- with an aside -- ends.", []string{"Jane Doe"}, false},
		{"Story ends. -- By Jane Doe", true, "Story ends.", []string{"Jane Doe"}, false},
		{strings.Repeat("Long story text. ", 500) + "-- Jane Doe (This e-mail address is being protected from spambots. You need JavaScript enabled to view it )",
			true, strings.TrimSpace(strings.Repeat("Long story text. ", 500)), []string{"Jane Doe"}, true},
		// Japanese, Chinese and Korean.
		{"述べた。 -- 佐藤 美咲", true, "述べた。", []string{"佐藤 美咲"}, false},
		{"述べた。—佐藤美咲", true, "述べた。", []string{"佐藤美咲"}, false},
		{"述べた。――佐藤美咲", true, "述べた。", []string{"佐藤美咲"}, false},
		{"述べた。―佐藤美咲", true, "述べた。", []string{"佐藤美咲"}, false},
		{"述べた。－－佐藤美咲", true, "述べた。", []string{"佐藤美咲"}, false},
		{"述べた。──佐藤美咲", true, "述べた。", []string{"佐藤美咲"}, false},
		{"――ジョン・スミス", true, "", []string{"ジョン・スミス"}, false},
		{"述べた。 -- 佐藤美咲、中村陽子", true, "述べた。", []string{"佐藤美咲", "中村陽子"}, false},
		{"述べた。 -- 佐藤美咲 (msato@example.jp)", true, "述べた。", []string{"佐藤美咲"}, true},
		{"述べた。 -- 佐藤美咲（msato@example.jp）", true, "述べた。", []string{"佐藤美咲"}, true},
		{"述べた。 -- 佐藤美咲（このメールアドレスはスパムボットから保護されています。閲覧するにはJavaScriptを有効にする必要があります。）",
			true, "述べた。", []string{"佐藤美咲"}, true},
		{"述べた。 -- 文・佐藤美咲", true, "述べた。", []string{"佐藤美咲"}, false},
		{"述べた。（山田太郎）", true, "述べた。", []string{"山田太郎"}, false},
		{"述べた。(山田太郎)", true, "述べた。", []string{"山田太郎"}, false},
		{"述べた」（山田太郎、佐藤花子）", true, "述べた」", []string{"山田太郎", "佐藤花子"}, false},
		{"述べた。（ワシントン＝高橋直樹）", true, "述べた。", []string{"高橋直樹"}, false},
		{"述べた。（山田太郎記者）", true, "述べた。", []string{"山田太郎"}, false},
		{"述べた。（一ノ瀬 さくら）", true, "述べた。", []string{"一ノ瀬 さくら"}, false},
		{"述べた。（山田太郎 yamada@example.jp）", true, "述べた。", []string{"山田太郎"}, true},
		{"（山田太郎）", true, "", []string{"山田太郎"}, false},
		{"述べた。文・山田太郎", true, "述べた。", []string{"山田太郎"}, false},
		{"文／山田太郎", true, "", []string{"山田太郎"}, false},
		{"记者：王小明", true, "", []string{"王小明"}, false},
		{"报告。（记者 刘思远）", true, "报告。", []string{"刘思远"}, false},
		{"말했다. 김민준 기자", true, "말했다.", []string{"김민준"}, false},
		{"말했다. 김민준·이서연 기자", true, "말했다.", []string{"김민준", "이서연"}, false},
		{"말했다. 김민준 기자 minjun@example.kr", true, "말했다.", []string{"김민준"}, true},
		{"말했다. 김민준 기자 (minjun@example.kr)", true, "말했다.", []string{"김민준"}, true},
		{"말했다. 김민준 minjun@example.kr", true, "말했다.", []string{"김민준"}, true},
		{"김민준 기자 minjun@example.kr", true, "", []string{"김민준"}, true},
		// Not sign-offs.
		{"彼は――少なくとも表向きは――反対した。", false, "", nil, false},
		{"今後の見通しについて――。", false, "", nil, false},
		{"述べた。（共同）", false, "", nil, false},
		{"述べた。（時事）", false, "", nil, false},
		{"述べた。（敬称略）", false, "", nil, false},
		{"述べた。（続く）", false, "", nil, false},
		{"述べた。（ロイター）", false, "", nil, false},
		{"述べた。（肩書きは当時）", false, "", nil, false},
		{"経済産業省（経産省）", false, "", nil, false},
		{"予算を増やす（山田太郎）と述べた。", false, "", nil, false},
		{"述べた。山田太郎", false, "", nil, false},
		{"述べた。（Jane Doe）", false, "", nil, false},
		{"말했다. 김민준", false, "", nil, false},
		{"It ended. (Jane Doe)", false, "", nil, false},
		{"No dash at all.", false, "", nil, false},
		{"The talks -- which began in 2013 -- will continue", false, "", nil, false},
		{"The U.S. -- Japan Dialogue.", false, "", nil, false},
		{"The official said the key player is -- Japan", false, "", nil, false},
		{"Prices fell -- 20 percent", false, "", nil, false},
		{"It ended -- the end of the Year Ahead Report", false, "", nil, false},
	}
	for _, tt := range tests {
		s, ok := parseSignOff(tt.in)
		if ok != tt.ok || s.text != tt.text || !slices.Equal(s.names, tt.names) || s.strong != tt.strong {
			t.Errorf("parseSignOff(%q) = %+v, %v; want text %q, names %q, strong %v, %v", tt.in, s, ok, tt.text, tt.names, tt.strong, tt.ok)
		}
	}
}

func TestIsChrome(t *testing.T) {
	for _, s := range []string{"Bookmark and Share", "BOOKMARK AND SHARE", "Print", "Print | Email | Share", "Share this article:",
		"[Print]", "Email • Tweet", "Back to top",
		"ブックマーク｜印刷｜共有", "印刷する／メールで送る", "【印刷】", "ページの先頭へ", "Facebook | X | LINE | はてなブックマーク",
		"分享到｜打印｜收藏", "返回顶部", "공유하기 | 인쇄 | 스크랩", "맨 위로",
		"This e-mail address is being protected from spambots. You need JavaScript enabled to view it"} {
		if !isChrome(s) {
			t.Errorf("isChrome(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "Share prices fell", "Print and email rules", "U.S. / Japan talks", "Bookmark and Share the data",
		"Email security rules tightened", "印刷会社に共有", "共有サーバーの設定", "分享经验", "공유 경제"} {
		if isChrome(s) {
			t.Errorf("isChrome(%q) = true, want false", s)
		}
	}
}

func TestMarketingStart(t *testing.T) {
	long := "The agency will hold a public hearing on the proposal next month and accept written comments until the end of the year."
	subscriptionStory := "Several agencies buy threat-intelligence subscription services, and the audit found the contracts overlapped by millions of dollars."
	hotline := "Utilities can sign up for free scans and should report intrusions to the federal hotline at 888-555-0134 as well as to state officials."
	tests := []struct {
		desc  string
		paras []string
		want  int
	}{
		{"none", []string{long, long}, 2},
		{"classic block", []string{long, long, "Free Trial", "Sign up for a trial of our service.", "Already a subscriber? Click here to log in."}, 2},
		{"short story paragraph before the block stays", []string{long, "Comments are due May 30.", "Free Trial", "Subscribe today."}, 2},
		{"short uncued paragraph inside the block", []string{long, "Free Trial", "Get exclusive news and more.", "Subscribe today."}, 1},
		{"one weak cue is not enough", []string{long, "Subscribe to our newsletter."}, 2},
		{"two weak cue paragraphs are", []string{long, "Subscribe to our newsletter.", "Sign up for alerts."}, 1},
		{"a strong cue alone is", []string{long, "Already a subscriber? Click here to log in."}, 1},
		{"subscription mid-story", []string{long, subscriptionStory, long}, 3},
		{"subscription at the end of the story", []string{long, subscriptionStory}, 2},
		{"long weak-cue last paragraph before a block stays", []string{long, hotline, "Subscribe to Cyber Docket", "Already a subscriber? Click here to log in."}, 2},
		{"long weak-cue last paragraph alone stays", []string{long, hotline}, 2},
		{"price and phone", []string{long, "Just $447.50 a year.", "Call 703-555-0100 for a site license."}, 1},
		{"a paragraph too long to be marketing", []string{long, strings.Repeat("Subscribe today. ", 100), "Free Trial"}, 2},
		{"empty", nil, 0},
		{"Japanese block", []string{long, "無料体験のご案内", "政策担当者のためのニュースサービスです。", "有料会員になると全文をお読みいただけます。"}, 1},
		{"Japanese weak cues", []string{long, "メールマガジンのご案内", "毎週金曜日にニュースレターでお届けします。"}, 1},
		{"Japanese story about subscriptions stays", []string{long, "政府は、動画配信サービスの購読料に関する実態調査を行い、解約の手続きが分かりにくい事業者に改善を求める方針を固めた。調査は来年春までに結果をまとめ、消費者庁と連携して業界団体に指針を示す。"}, 2},
		{"Korean block", []string{long, "무료 체험으로 모든 기사를 읽어 보세요.", "이미 구독 중이신가요? 로그인"}, 1},
		{"Chinese block", []string{long, "立即订阅，免费试用七天。", "已是订阅用户？请登录。"}, 1},
		{"yen price and Japanese phone", []string{long, "年額19,800円でご利用いただけます。", "お問い合わせは03-5555-0123まで。"}, 1},
	}
	for _, tt := range tests {
		if got := marketingStart(tt.paras); got != tt.want {
			t.Errorf("%s: marketingStart = %d, want %d", tt.desc, got, tt.want)
		}
	}
}

func TestParseByline(t *testing.T) {
	tests := []struct {
		in    string
		names []string
	}{
		{"By Jane Doe", []string{"Jane Doe"}},
		{"BY: Jane Doe and John Roe", []string{"Jane Doe", "John Roe"}},
		{"By Jane Doe, John Roe, Jr., and Ana de la Cruz", []string{"Jane Doe", "John Roe, Jr.", "Ana de la Cruz"}},
		{"By the numbers: cyber spending", nil},
		{"By Jane", nil},
		{"Bypass rules proposed", nil},
		{"By 2020 the agency will act", nil},
		{"文・山田太郎", []string{"山田太郎"}},
		{"取材・文／山田 太郎", []string{"山田 太郎"}},
		{"記者：山田太郎、佐藤花子", []string{"山田太郎", "佐藤花子"}},
		{"记者 王小明", []string{"王小明"}},
		{"김민준 기자", []string{"김민준"}},
		{"高橋直樹特派員", []string{"高橋直樹"}},
		{"文部科学省が発表", nil},
		{"ベテラン記者", nil},
		{"記者会見で説明", nil},
		{"现场记者", []string{"现场"}}, // a limit: two Han letters before a role read as a name
	}
	for _, tt := range tests {
		got, ok := parseByline(tt.in)
		if ok != (tt.names != nil) || !slices.Equal(got, tt.names) {
			t.Errorf("parseByline(%q) = %q, %v; want %q", tt.in, got, ok, tt.names)
		}
	}
}

func BenchmarkParseText(b *testing.B) {
	data := readFile(b, usEU)
	if len(data) < 4000 {
		b.Fatalf("benchmark input is %d bytes, want about 5 KB", len(data))
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseText(usEU, data, Options{Location: newYork}); err != nil {
			b.Fatal(err)
		}
	}
}

// The text parser must not depend on a particular capture-line or marketing
// wording: a block of someone else's marketing in the same shape is cut too.
func TestParseTextOtherMarketing(t *testing.T) {
	doc := []byte("Lawmakers question agency's breach response\n\nPosted: 06/01/2015\n\n" +
		"House members pressed the personnel agency on Tuesday to explain why it took months to detect an intrusion into its background-investigation files.\n\n" +
		"The agency's director said the intrusion was found during an upgrade of monitoring tools.\n\n" +
		"Try Policy Wire FREE for 30 days\n\nPolicy Wire subscribers get every story, every morning. Subscribe now.\n\nQuestions? Call (800) 555-0199.\n")
	a := parseOne(t, "breach.txt", bytes.Clone(doc), Options{})
	if n := len(paragraphs(t, a.Content)); n != 2 {
		t.Errorf("got %d paragraphs, want 2: %q", n, a.Content)
	}
	wantNowhere(t, a, "Policy Wire", "Subscribe", "555-0199")
}

// endBody must drop everything after a strong sign-off even when what
// follows does not look like marketing.
func TestEndBodyStrongSignOff(t *testing.T) {
	paras := []string{"First.", "Last. -- Jane Doe (jdoe@example.com)", "Some unrecognised trailer paragraph that goes on for quite a while without any marketing cue at all."}
	body, names := endBody(paras)
	if want := []string{"First.", "Last."}; !slices.Equal(body, want) || !slices.Equal(names, []string{"Jane Doe"}) {
		t.Errorf("endBody = %q, %q; want %q, [Jane Doe]", body, names, want)
	}
	// A bare sign-off that is not last is not trusted.
	paras = []string{"First. -- Jane Doe", "Second paragraph of the story, which is long enough to be story text rather than a marketing line."}
	body, names = endBody(paras)
	if !slices.Equal(body, paras) || names != nil {
		t.Errorf("endBody = %q, %q; want the paragraphs unchanged and no names", body, names)
	}
}

func TestParseTextEastAsianFiles(t *testing.T) {
	tests := []struct {
		file       string
		title      string
		published  time.Time
		authors    []string
		language   string
		paragraphs int
		first      string // prefix of the first paragraph
		last       string // suffix of the last paragraph
		summary    string // prefix of the summary
		absent     []string
	}{
		{
			file:       "text/2026-11-20-undersea-cable-drill-ja.txt", // the newsroom's CMS in Japanese: capture line, "-- 名前", marketing
			title:      "海底ケーブルの切断想定、官民で初の合同訓練 通信5社と海上保安庁",
			published:  time.Date(2026, 11, 20, 0, 0, 0, 0, newYork),
			authors:    []string{"佐藤 美咲"},
			language:   "ja",
			paragraphs: 4,
			first:      "政府は20日、日本と海外を結ぶ海底通信ケーブルが",
			last:       "来年度は電力や金融の事業者にも参加を呼びかける方針だ。",
			summary:    "政府は20日",
			absent:     []string{"--", "2026年11月24日", "掲載日", "ブックマーク", "無料体験", "有料会員", "ログイン", "ウィークリー"},
		},
		{
			file:       "text/2026-11-18-hospital-ransomware-ja.txt", // dek, era date with time, update line, indented paragraphs, （地名＝名前）
			title:      "欧州の病院、身代金要求型ウイルスで診療停止相次ぐ",
			published:  time.Date(2026, 11, 18, 15, 30, 0, 0, newYork),
			authors:    []string{"高橋直樹"},
			language:   "ja",
			paragraphs: 4,
			first:      "欧州連合（EU）域内の病院で",
			last:       "と話した。",
			summary:    "電子カルテが使えず救急の受け入れを制限",
			absent:     []string{"ブリュッセル", "更新日時", "投稿日時", "ページの先頭へ", "\u3000"},
		},
		{
			file:       "text/2026-11-25-smart-meter-standard-ja.txt", // full-width date, hard-wrapped, "――名前" alone, newsletter pitch
			title:      "スマートメーターの安全基準、経産省が改定案 更新時の署名検証を義務化",
			published:  time.Date(2026, 11, 25, 0, 0, 0, 0, newYork),
			authors:    []string{"小林真理子"},
			language:   "ja",
			paragraphs: 3,
			first:      "経済産業省は２５日、家庭や事業所の電力使用量を計測して送信するスマートメーターについて、",
			last:       "移行期間を設ける方向で調整している。",
			summary:    "経済産業省は２５日",
			absent:     []string{"――", "メールマガジン", "ニュースレター", "印刷する", "メータ ー", "電力 会社"},
		},
		{
			file:       "text/2026-11-19-data-export-rules-zh.txt", // Chinese: 发布时间, chrome, （记者 名前）
			title:      "网信部门就数据出境安全评估办法修订稿公开征求意见",
			published:  time.Date(2026, 11, 19, 10, 30, 0, 0, newYork),
			authors:    []string{"刘思远"},
			language:   "zh",
			paragraphs: 3,
			first:      "网信部门19日发布数据出境安全评估办法的修订稿",
			last:       "企业需要提前明确内部由谁负责判断事件性质。",
			summary:    "网信部门19日",
			absent:     []string{"记者", "分享到", "返回顶部", "星期二"},
		},
		{
			file:       "text/2026-11-21-ransomware-drill-ko.txt", // Korean: 입력/수정, chrome, "이름 기자 e-mail", marketing
			title:      "중소기업 대상 랜섬웨어 모의훈련, 올해 참여 기업 두 배로",
			published:  time.Date(2026, 11, 21, 14, 5, 0, 0, newYork),
			authors:    []string{"정하늘"},
			language:   "ko",
			paragraphs: 3,
			first:      "정부가 중소기업을 대상으로",
			last:       "넓힐 계획이다.",
			summary:    "정부가 중소기업을",
			absent:     []string{"기자", "example.kr", "수정", "공유하기", "무료 체험", "구독", "로그인"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := parseOne(t, tt.file, readFile(t, tt.file), Options{Location: newYork})
			checkArticle(t, a)
			if a.Title != tt.title {
				t.Errorf("got title %q, want %q", a.Title, tt.title)
			}
			if !a.Published.Equal(tt.published) {
				t.Errorf("got published %v, want %v", a.Published, tt.published)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("got authors %q, want %q", a.Authors, tt.authors)
			}
			if a.Language != tt.language {
				t.Errorf("got language %q, want %q", a.Language, tt.language)
			}
			paras := paragraphs(t, a.Content)
			if len(paras) != tt.paragraphs {
				t.Fatalf("got %d paragraphs, want %d:\n%q", len(paras), tt.paragraphs, paras)
			}
			wantContent(t, a.Content, paras)
			if !strings.HasPrefix(paras[0], tt.first) {
				t.Errorf("got first paragraph %.100q, want prefix %q", paras[0], tt.first)
			}
			if last := paras[len(paras)-1]; !strings.HasSuffix(last, tt.last) {
				t.Errorf("got last paragraph %q, want suffix %q", last, tt.last)
			}
			if !strings.HasPrefix(a.Summary, tt.summary) {
				t.Errorf("got summary %q, want prefix %q", a.Summary, tt.summary)
			}
			wantNowhere(t, a, tt.absent...)
			wantSignedOnly(t, a)
		})
	}
}

// wantSignedOnly fails if the name of an author of a is in its text: a
// sign-off left in the body.
func wantSignedOnly(t *testing.T, a feed.Article) {
	t.Helper()
	for _, name := range a.Authors {
		for field, v := range map[string]string{"title": a.Title, "summary": a.Summary, "content": html.UnescapeString(a.Content)} {
			if strings.Contains(v, name) {
				t.Errorf("%s contains the author %q, want the sign-off gone: %.200q", field, name, v)
			}
		}
	}
}

// TestParseTextJapaneseLayouts rewrites a Japanese export into the layouts
// and sign-offs a Japanese newsroom's exports come in, and checks that the
// article survives each one.
func TestParseTextJapaneseLayouts(t *testing.T) {
	const file = "text/2026-11-20-undersea-cable-drill-ja.txt"
	orig := string(readFile(t, file))
	const (
		capture  = "2026年11月24日（火）\n\n"
		posted   = "掲載日：2026年11月20日\n"
		chrome   = "ブックマーク｜印刷｜共有\n"
		signOff  = " -- 佐藤\u3000美咲"
		title    = "海底ケーブルの切断想定、官民で初の合同訓練 通信5社と海上保安庁"
		lastPara = "参加を呼びかける方針だ。"
	)
	for _, s := range []string{capture, posted, chrome, signOff, lastPara} {
		if !strings.Contains(orig, s) {
			t.Fatalf("%s no longer contains %q; update the test", file, s)
		}
	}
	want := parseOne(t, file, []byte(orig), Options{})
	body := paragraphs(t, want.Content)
	if len(body) != 4 {
		t.Fatalf("%s gives %d paragraphs, want 4", file, len(body))
	}
	marketing := orig[strings.Index(orig, "\n\n\n無料体験"):]
	noMarketing := strings.TrimSuffix(orig, marketing) + "\n"
	date := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	sato := []string{"佐藤 美咲"}
	withSignOff := func(s string) string { return strings.Replace(orig, signOff, s, 1) }
	withPosted := func(s string) string { return strings.Replace(orig, posted, s+"\n", 1) }

	tests := []struct {
		name    string
		text    string
		authors []string
		date    time.Time
	}{
		{"as exported", orig, sato, date},
		{"no marketing", noMarketing, sato, date},
		{"no sign-off", withSignOff(""), nil, date},
		{"no sign-off, no marketing", strings.Replace(noMarketing, signOff, "", 1), nil, date},
		{"no capture line, no chrome", strings.NewReplacer(capture, "", chrome, "").Replace(orig), sato, date},
		{"CRLF", strings.ReplaceAll(orig, "\n", "\r\n"), sato, date},
		{"BOM", "\ufeff" + orig, sato, date},
		{"ideographic spaces around lines", strings.ReplaceAll(orig, "\n", "\u3000\n"), sato, date},
		// Sign-offs.
		{"em dash", withSignOff("—佐藤美咲"), []string{"佐藤美咲"}, date},
		{"doubled horizontal bar", withSignOff("――佐藤美咲"), []string{"佐藤美咲"}, date},
		{"doubled full-width hyphen", withSignOff("\u3000－－佐藤美咲"), []string{"佐藤美咲"}, date},
		{"doubled box-drawing line", withSignOff("──佐藤美咲"), []string{"佐藤美咲"}, date},
		{"on its own line", withSignOff("\n\n――佐藤美咲"), []string{"佐藤美咲"}, date},
		{"with an address", withSignOff(" -- 佐藤美咲（msato@example.jp）"), []string{"佐藤美咲"}, date},
		{"with the spam notice", withSignOff(" -- 佐藤美咲（このメールアドレスはスパムボットから保護されています。閲覧するにはJavaScriptを有効にする必要があります。）"),
			[]string{"佐藤美咲"}, date},
		{"two authors", withSignOff(" -- 佐藤美咲、中村陽子"), []string{"佐藤美咲", "中村陽子"}, date},
		{"foreign name in katakana", withSignOff(" -- ジョン・スミス"), []string{"ジョン・スミス"}, date},
		{"credit in brackets", withSignOff("（佐藤美咲）"), []string{"佐藤美咲"}, date},
		{"correspondent's credit", withSignOff("（ロンドン＝佐藤美咲）"), []string{"佐藤美咲"}, date},
		{"label line", withSignOff("\n\n文・佐藤美咲"), []string{"佐藤美咲"}, date},
		{"byline below the date", strings.Replace(withSignOff(""), chrome, chrome+"記者：佐藤美咲\n", 1), []string{"佐藤美咲"}, date},
		{"byline in the date line", strings.Replace(withSignOff(""), posted, "掲載日：2026年11月20日｜文・佐藤美咲\n", 1), []string{"佐藤美咲"}, date},
		// Date lines.
		{"投稿日, ASCII colon", withPosted("投稿日: 2026年11月20日"), sato, date},
		{"公開日時 with a time", withPosted("公開日時：2026年11月20日 15:30"), sato, date.Add(15*time.Hour + 30*time.Minute)},
		{"配信日, no colon", withPosted("配信日 2026年11月20日（金）"), sato, date},
		{"日付, full-width digits", withPosted("日付：２０２６年１１月２０日"), sato, date},
		{"era", withPosted("掲載日：令和8年11月20日"), sato, date},
		{"English label", withPosted("Posted: 2026年11月20日"), sato, date},
		{"update line", withPosted("掲載日：2026年11月20日\n更新日：2026年11月21日"), sato, date},
		// Paragraphs.
		{"doubled blank lines", strings.ReplaceAll(orig, "\n\n", "\n\n\n\n"), sato, date},
		{"hard-wrapped", hardWrapRunes(orig, 30), sato, date},
		{"indented, no blank lines", indentParagraphs(orig, lastPara), sato, date},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := parseOne(t, "exports/cable.txt", []byte(tt.text), Options{})
			checkArticle(t, a)
			if a.Title != title {
				t.Errorf("got title %q, want %q", a.Title, title)
			}
			if !a.Published.Equal(tt.date) {
				t.Errorf("got published %v, want %v", a.Published, tt.date)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("got authors %q, want %q", a.Authors, tt.authors)
			}
			if a.Language != "ja" {
				t.Errorf("got language %q, want ja", a.Language)
			}
			wantContent(t, a.Content, body)
			wantSignedOnly(t, a)
			if strings.Contains(a.Content, "佐藤") {
				t.Errorf("content has the sign-off: %q", a.Content)
			}
			wantNowhere(t, a, "--", "――", "－－", "──", "msato", "スパムボット", "無料体験", "有料会員",
				"ブックマーク", "掲載日", "更新日", "2026年11月24日", "ロンドン")
		})
	}
}

// hardWrapRunes wraps every line of s longer than width characters at
// exactly width characters, as Japanese text is wrapped.
func hardWrapRunes(s string, width int) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		r := []rune(line)
		for len(r) > width {
			out = append(out, string(r[:width]))
			r = r[width:]
		}
		out = append(out, string(r))
	}
	return strings.Join(out, "\n")
}

// indentParagraphs rewrites the body of the Japanese export (up to the
// paragraph ending in last) as lines indented with an ideographic space and
// no blank lines between them.
func indentParagraphs(s, last string) string {
	start := strings.Index(s, "政府は20日")
	end := strings.Index(s, last) + len(last)
	body := strings.Split(s[start:end], "\n\n")
	return s[:start] + "\u3000" + strings.Join(body, "\n\u3000") + s[end:]
}

func TestIsCJKName(t *testing.T) {
	for _, s := range []string{"山田太郎", "山田 太郎", "王小明", "欧阳娜娜", "山田さくら", "林 ひかり", "佐々木健", "一ノ瀬陽子",
		"ジョン・スミス", "アン・マリー・ポー", "ジョン スミス", "김민준", "남궁 민수"} {
		if !isCJKName(s) {
			t.Errorf("isCJKName(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "山", "山田太郎花子次郎", "共同", "時事通信", "敬称略", "続く", "ロイター", "スミス", "肩書きは当時",
		"さくら", "山田 太郎 次郎", "山田・太郎", "김", "김민준이서연", "Jane Doe", "山田Taro", "山田1", "・スミス", "ジョン・・"} {
		if isCJKName(s) {
			t.Errorf("isCJKName(%q) = true, want false", s)
		}
	}
}

func TestJoinLines(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
	}{
		{[]string{"wrapped", "line"}, "wrapped line"},
		{[]string{"スマートメータ", "ーについて"}, "スマートメーターについて"},
		{[]string{"公表した。", "ソフトウェアを"}, "公表した。ソフトウェアを"},
		{[]string{"公表した（", "２５日）"}, "公表した（２５日）"},
		{[]string{"NISCは", "DDoS攻撃"}, "NISCは DDoS攻撃"},
		{[]string{"정부는 주요", "기반시설"}, "정부는 주요 기반시설"},
		{[]string{"网信部门", "发布"}, "网信部门发布"},
	}
	for _, tt := range tests {
		if got := joinLines(tt.lines); got != tt.want {
			t.Errorf("joinLines(%q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

func TestTextWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "Print": 5, "印刷": 4, "공유하기": 8, "ＮＩＳＣ": 8, "NISCの訓練": 10} {
		if got := textWidth(s); got != want {
			t.Errorf("textWidth(%q) = %d, want %d", s, got, want)
		}
	}
}
