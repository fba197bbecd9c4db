package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cli runs herald commands against one database file, as a newsroom would
// from a shell.
type cli struct {
	t  *testing.T
	db string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, db: filepath.Join(t.TempDir(), "herald.db")}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	args = append(args[:1:1], append([]string{"--db", c.db}, args[1:]...)...)
	return runHerald(args...)
}

func (c *cli) must(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != 0 {
		c.t.Fatalf("herald %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// TestTagsRuleDryRunThenApply follows the README: a narrower rule for
// cyber-diplomacy, previewed first, then stored and applied. The preview
// names the article that would lose its only tag; the apply does what the
// preview said and says so.
func TestTagsRuleDryRunThenApply(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "talks.md", "---\ntitle: Cyber dialogue with Japan resumes\npublished: 2026-11-20\n---\n\nOfficials held a bilateral cyber dialogue.\n")
	writeFile(t, dir, "norms.md", "---\ntitle: Diplomats discuss cyber norms at the UN\npublished: 2026-11-21\n---\n\nA multilateral meeting on the rules states keep online.\n")
	c.must("ingest", dir)
	const narrow = `"cyber dialogue" OR (cyber AND diplomacy)`

	out := c.must("tags", "rule", "cyber-diplomacy", narrow, "--dry-run")
	for _, want := range []string{
		"Dry run: nothing is stored",
		"to:   " + narrow,
		"change the tags of 2 of 2 articles",
		"cyber-diplomacy: would be lost by 1 article\n  - Diplomats discuss cyber norms at the UN (norms)\n",
		"1 article would be left with no tag at all",
		"  ! Diplomats discuss cyber norms at the UN (norms)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rule --dry-run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "(talks)") {
		t.Errorf("rule --dry-run lists talks, which keeps its tag:\n%s", out)
	}
	if out := c.must("tags", "show", "cyber-diplomacy"); strings.Contains(out, narrow) {
		t.Errorf("the dry run stored the rule:\n%s", out)
	}

	c.must("tags", "rule", "cyber-diplomacy", narrow)
	preview := c.must("tags", "apply", "--dry-run")
	if !strings.Contains(preview, "cyber-diplomacy: would be lost by 1 article\n  - Diplomats discuss cyber norms at the UN (norms)\n") {
		t.Errorf("apply --dry-run:\n%s", preview)
	}
	out = c.must("tags", "apply")
	for _, want := range []string{
		"to 2 articles: 2 articles' tags changed",
		"cyber-diplomacy: lost by 1 article\n  - Diplomats discuss cyber norms at the UN (norms)\n",
		"1 article left with no tag at all (in no tag feed):\n  ! Diplomats discuss cyber norms at the UN (norms)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply lacks %q:\n%s", want, out)
		}
	}
	if out := c.must("tags", "apply"); !strings.Contains(out, ": 0 articles' tags changed") || strings.Contains(out, "cyber-diplomacy:") {
		t.Errorf("a second apply: got\n%s\nwant nothing changed", out)
	}
	if code, _, errOut := c.run("tags", "list", "--dry-run"); code != 2 || !strings.Contains(errOut, "--dry-run is for rule and apply") {
		t.Errorf("list --dry-run: exit %d %q, want 2", code, errOut)
	}
}

// TestTagsApplyShowsFewTitles checks that apply shows the first titles of
// each change and counts the rest, where a dry run lists them all.
func TestTagsApplyShowsFewTitles(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		writeFile(t, dir, id+".md", "---\ntitle: Grid story "+id+"\npublished: 2026-11-20\n---\n\nThe power grid.\n")
	}
	c.must("ingest", dir)
	c.must("tags", "create", "Grid", "--rule", "grid")
	if out := c.must("tags", "apply", "--dry-run"); strings.Count(out, "  + Grid story") != 5 {
		t.Errorf("apply --dry-run: want all 5 titles:\n%s", out)
	}
	out := c.must("tags", "apply")
	if strings.Count(out, "  + Grid story") != reportTitles || !strings.Contains(out, "grid: gained by 5 articles\n") ||
		!strings.Contains(out, "  + ... and 2 more\n") {
		t.Errorf("apply: want 5 counted, %d titles shown and 2 more:\n%s", reportTitles, out)
	}
}

func TestTagsShow(t *testing.T) {
	c := newCLI(t)
	long := strings.Repeat(`"long phrase" OR `, 6) + "grid"
	c.must("tags", "create", "Energy Grid", "--slug", "energy", "--description", "Power and the grid.", "--rule", long)
	c.must("tags", "rename", "energy", "energy-grid")
	code, out, errOut := c.run("tags", "list")
	if code != 0 || !strings.Contains(out, "...") || strings.Contains(out, long) || !strings.Contains(errOut, `"herald tags show SLUG"`) {
		t.Errorf("list: exit %d\n%s%s\nwant the long rule cut short, and how to see it whole", code, out, errOut)
	}
	code, out, errOut = c.run("tags", "show", "energy", "--base-url", "https://news.example.org/")
	for _, want := range []string{
		"tag energy-grid: Energy Grid\n",
		"asked for:   energy, an old slug of this tag",
		"description: Power and the grid.",
		"rule:        " + long + "\n",
		"articles:    0 (0 own, 0 aggregated)",
		"old slugs:   energy (their URLs redirect here)",
		"page:        https://news.example.org/tags/energy-grid\n",
		"feeds:       https://news.example.org/tags/energy-grid/feed.atom\n",
		"https://news.example.org/tags/energy-grid/feed.rss\n",
		"https://news.example.org/tags/energy-grid/feed.json\n",
		"archive:     https://news.example.org/tags/energy-grid/archive/current.atom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || errOut != "" {
		t.Errorf("show: exit %d, stderr %q", code, errOut)
	}
	if _, _, errOut := c.run("tags", "show", "energy-grid"); !strings.Contains(errOut, "--base-url") {
		t.Errorf("show without --base-url does not say the URLs are local: %q", errOut)
	}
	if code, _, errOut := c.run("tags", "show", "nosuch"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("show of an unknown tag: exit %d %q, want 1", code, errOut)
	}
}

func TestSubscriberAddRefusesUnknownTags(t *testing.T) {
	c := newCLI(t)
	code, out, errOut := c.run("subscriber", "add", "partner", "--tags", "nosuchtag")
	if code != 1 || out != "" || !strings.Contains(errOut, `unknown tag "nosuchtag"; the tags are: critical-infrastructure, cyber-diplomacy,`) {
		t.Errorf("unknown tag: exit %d, stdout %q, stderr %q; want 1, no token, the tags named", code, out, errOut)
	}
	if _, _, errOut := c.run("subscriber", "add", "partner", "--tags", "cyber-diplomcy"); !strings.Contains(errOut, `did you mean "cyber-diplomacy"?`) {
		t.Errorf("a typo: %q, want the nearest tag suggested", errOut)
	}
	if out := c.must("subscriber", "list"); strings.Contains(out, "partner") {
		t.Errorf("a refused subscriber was stored:\n%s", out)
	}
	c.must("tags", "rename", "cyber-diplomacy", "cyber-policy")
	code, _, errOut = c.run("subscriber", "add", "partner", "--tags", "Cyber Diplomacy")
	if code != 0 || !strings.Contains(errOut, "/tags/cyber-policy/feed.atom") {
		t.Errorf("a renamed tag's old name: exit %d %q, want its feed under the new slug", code, errOut)
	}
}

// TestListsAlignJapanese checks the columns of every list with names in
// Japanese, whose letters take two columns of a terminal.
func TestListsAlignJapanese(t *testing.T) {
	c := newCLI(t)
	c.must("tags", "create", "経済産業省", "--slug", "meti")
	c.must("tags", "create", "Cyber", "--slug", "cyber")
	c.must("token", "create", "ニュース編集部")
	c.must("token", "create", "cms")
	c.must("subscriber", "add", "共同通信", "--tags", "meti")
	c.must("subscriber", "add", "partner")
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.org/</link><description>d</description></channel></rss>`)
	}))
	defer feeds.Close()
	c.must("source", "add", feeds.URL+"/a", "--allow-private-sources", "--name", "経済産業省 ニュースリリース")
	c.must("source", "add", feeds.URL+"/b", "--allow-private-sources", "--name", "State")

	for _, list := range [][]string{{"tags", "list"}, {"token", "list"}, {"subscriber", "list"}, {"source", "list"}} {
		out := c.must(list...)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		header := lines[0]
		// Where each column starts in the header, in terminal columns.
		var starts []int
		for _, m := range regexp.MustCompile(`\S+( \S+)*`).FindAllStringIndex(header, -1) {
			starts = append(starts, termWidth(header[:m[0]]))
		}
		for _, line := range lines[1:] {
			for _, s := range starts[1:] {
				if termWidth(line) <= s {
					break // empty cells at the end
				}
				if col := columnAt(line, s); col == "" || strings.HasPrefix(col, " ") || !strings.HasPrefix(columnAt(line, s-1), " ") {
					t.Errorf("%s: %q: no column starts at %d (where the header has one)\n%s", strings.Join(list, " "), line, s, out)
					break
				}
			}
		}
	}
}

// columnAt returns the rest of line from terminal column n, or "" when a
// letter straddles it or the line is shorter.
func columnAt(line string, n int) string {
	w := 0
	for i, r := range line {
		if w == n {
			return line[i:]
		}
		if w > n {
			return ""
		}
		w += termWidth(string(r))
	}
	return ""
}

// termWidth is the width a terminal gives the letters of these tests,
// reckoned apart from displayWidth: kana and kanji take two columns.
func termWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x3000 && r <= 0x9fff {
			n++
		}
	}
	return n
}

func TestDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "経済産業省": 10, "ニュース": 8, "ｃｙｂｅｒ": 10, "ｶﾀｶﾅ": 4, "résumé": 6, "re\u0301sume\u0301": 6, "中文 news": 9} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{{"grid OR power", 60, "grid OR power"}, {"abcdefghij", 8, "abcde..."}, {"経済産業省のニュース", 9, "経済産..."}} {
		if got := clip(tt.s, tt.n); got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
	var tab table
	tab.row("経済産業省", "x")
	tab.row("State", "y\tz")
	var b strings.Builder
	tab.write(&b)
	if want := "経済産業省  x\nState       y z\n"; b.String() != want {
		t.Errorf("table: got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestSourceListSaysWhyDisabled disables one source by hand and lets the
// poller disable another with a 410.
func TestSourceListSaysWhyDisabled(t *testing.T) {
	c := newCLI(t)
	feeds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer feeds.Close()
	c.must("source", "add", feeds.URL+"/gone", "--allow-private-sources", "--name", "Gone")
	c.must("source", "add", feeds.URL+"/paused", "--allow-private-sources", "--name", "Paused")
	c.must("source", "disable", "2")
	c.run("fetch", "--allow-private-sources")
	out := c.must("source", "list")
	if !regexp.MustCompile(`(?m)^1 +disabled: 410 Gone on \d{4}-\d\d-\d\d +`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^2 +disabled by hand +`).MatchString(out) {
		t.Errorf("source list: got\n%s\nwant source 1 disabled by its 410 and 2 by hand", out)
	}
}

// TestServeTitleDefaults: without --demo the outlet is named by its host
// and serve warns; with --demo it keeps the demo's name.
func TestServeTitleDefaults(t *testing.T) {
	for _, tt := range []struct {
		flags []string
		title string
		warn  bool
	}{
		{nil, "127.0.0.1", true},
		{[]string{"--demo"}, "Herald Demo Newsroom", false},
		{[]string{"--title", "Policy Desk"}, "Policy Desk", false},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		logs := &lockedBuffer{}
		done := make(chan int, 1)
		args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "h.db"), "--addr", "127.0.0.1:0", "--poll=false"}, tt.flags...)
		go func() {
			done <- run(ctx, args, noEnv, pw, logs)
			pw.Close()
		}()
		line, err := bufio.NewReader(pr).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, pr)
		_, rest, _ := strings.Cut(line, "serving ")
		base, _, _ := strings.Cut(rest, " ")
		resp, err := http.Get(base + "/feed.atom")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		<-done
		if !strings.Contains(string(body), "<title>"+tt.title+"</title>") {
			t.Errorf("%v: feed title: want %q in\n%.400s", tt.flags, tt.title, body)
		}
		if tt.title != "Herald Demo Newsroom" && strings.Contains(string(body), "Cybersecurity policy news") {
			t.Errorf("%v: the feed carries the demo's description", tt.flags)
		}
		if warned := strings.Contains(logs.String(), "no --title"); warned != tt.warn {
			t.Errorf("%v: warned %t, want %t:\n%s", tt.flags, warned, tt.warn, logs.String())
		}
	}
}
