package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"herald/feed"
)

// newsroom fills f with a few days of articles, own and aggregated, with
// paragraphs of the length real ones have, and returns the path of the
// first article's page.
func newsroom(t *testing.T, f *fixture) (articlePath string) {
	t.Helper()
	ctx := context.Background()
	para := func(s ...string) string { return "<p>" + strings.Join(s, "</p><p>") + "</p>" }
	own := []struct {
		id, title, summary, content, published string
		tags                                   []string
	}{
		{"dialogue", "U.S. and EU officials set agenda for next round of cyber dialogue",
			"Senior officials will meet in Brussels later this month for the next round of the U.S.-EU Cyber Dialogue.",
			para("Senior U.S. and European Union officials will meet in Brussels later this month for the next round of the U.S.-EU Cyber Dialogue, a State Department official said on Monday.",
				"The talks are expected to cover norms of responsible state behavior in cyberspace, coordination on attribution of malicious activity, and the protection of critical infrastructure such as undersea cables and cross-border energy networks.",
				"Officials on both sides said they also want to make faster progress on information sharing between national computer emergency response teams, including agreed formats for exchanging indicators of compromise.",
				"“The dialogue has matured from an exchange of views into a working relationship,” the official said."),
			"2026-11-20T09:00:00Z", []string{"Cyber Diplomacy", "Europe"}},
		{"water", "Water utilities told to review remote access after intrusions",
			"An advisory asks operators to audit remote access to control systems within 30 days.",
			para("Federal agencies urged water and wastewater utilities to review remote access to their control systems after intrusions at three small operators.",
				"The advisory asks operators to remove internet-facing human-machine interfaces, change default passwords and keep offline backups of programmable logic controller configurations."),
			"2026-11-19T14:30:00Z", []string{"Critical Infrastructure"}},
		{"sharing", "Senate panel advances cyber information sharing reauthorization",
			"The bill would extend liability protections for companies that share threat indicators.",
			para("A Senate committee voted to advance a reauthorization of the cyber information sharing law, which would extend liability protections for companies that share threat indicators with the government.",
				"Privacy groups asked for stronger limits on how shared data may be used."),
			"2026-11-18T16:00:00Z", []string{"Information Sharing"}},
		{"asean", "ASEAN ministers back regional cyber capacity centre",
			"Ministers agreed to fund a regional centre for incident response training.",
			para("ASEAN ministers agreed to fund a regional centre for cyber incident response training, to open next year in Singapore."),
			"2026-11-17T08:00:00Z", []string{"Cyber Diplomacy", "Asia Pacific"}},
		{"grid", "Grid operators rehearse a week-long outage",
			"Utilities in three states ran a joint drill on restoring power after a cyberattack.",
			para("Utilities in three states ran a joint drill on restoring power after a simulated cyberattack on their control centres."),
			"2026-11-16T11:00:00Z", []string{"Critical Infrastructure"}},
	}
	for _, a := range own {
		body, _ := json.Marshal(map[string]any{"title": a.title, "summary": a.summary, "content": a.content,
			"published": a.published, "tags": a.tags, "authors": []string{"Dana Whitfield"}})
		if resp, b := f.do("PUT", "/api/articles/"+a.id+"?create_tags=1", string(body), "Authorization", "Bearer "+f.token); resp.StatusCode >= 300 {
			t.Fatalf("PUT %s: %d %s", a.id, resp.StatusCode, b)
		}
	}
	src, err := f.db.CreateSource(ctx, feed.Source{URL: "https://www.meti.example/press/rss.xml", Name: "Ministry of Economy, Trade and Industry", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	published := time.Date(2026, 11, 19, 6, 0, 0, 0, time.UTC)
	link := "https://www.meti.example/press/2026/1119_001.html"
	ext := &feed.Article{
		ID: fmt.Sprintf("src%d-guidelines", src.ID), Title: "Cybersecurity management guidelines revised",
		Summary:   "The ministry revised its guidelines for company executives on cybersecurity management.",
		Content:   para("The ministry revised its cybersecurity management guidelines for company executives, adding supply-chain risk and incident reporting."),
		Published: published, Updated: published, URL: link, Origin: feed.OriginExternal,
		Tags: []feed.ArticleTag{{Slug: "critical-infrastructure"}},
		Provenance: &feed.Provenance{SourceID: src.ID, SourceName: src.Name, FeedURL: src.URL,
			FeedTitle: "METI press releases", Link: link, OriginalID: "1119_001", Published: published},
	}
	if _, err := f.db.UpsertArticle(ctx, ext); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.do("GET", "/articles/dialogue", "")
	u, err := resp.Location()
	if err != nil {
		t.Fatalf("GET /articles/dialogue: got %d without a Location, want a redirect to its permalink", resp.StatusCode)
	}
	return u.Path
}

// TestPageSubscribeLinks checks the HTML of the pages for what the browser
// test measures: the subscribe rows, the article's tags' feeds, one search
// box with a count, and "via" links to publishers' sites.
func TestPageSubscribeLinks(t *testing.T) {
	f := newFixture(t)
	article := newsroom(t, f)
	row := regexp.MustCompile(`(?s)<p class="subscribe">.*?</p>`)
	for _, tt := range []struct {
		path string
		rows int      // rows of subscribe links
		want []string // in the page
	}{
		{"/", 1, []string{`href="` + f.srv.URL + `/feed.atom"`, "via <a href=\"https://www.meti.example/\">Ministry of Economy"}},
		{"/tags/critical-infrastructure", 1, []string{`href="` + f.srv.URL + `/tags/critical-infrastructure/feed.rss"`}},
		{"/search?q=cyber", 1, []string{`<p class="tally" role="status">3 articles match.</p>`, "/search/feed.json?q=cyber"}},
		{article, 4, []string{ // two tags given, two by the default rules
			`<link rel="alternate" type="application/rss+xml" title="Test Desk: Cyber Diplomacy (RSS)" href="` + f.srv.URL + `/tags/cyber-diplomacy/feed.rss">`,
			`<link rel="alternate" type="application/feed+json" title="Test Desk: Europe (JSON Feed)" href="` + f.srv.URL + `/tags/europe/feed.json">`,
			`<span class="label"><a href="` + f.srv.URL + `/tags/europe">Europe</a></span>`}},
	} {
		resp, body := f.do("GET", tt.path, "")
		page := string(body)
		if resp.StatusCode != 200 {
			t.Errorf("%s: got %d, want 200", tt.path, resp.StatusCode)
			continue
		}
		rows := row.FindAllString(page, -1)
		if len(rows) != tt.rows {
			t.Errorf("%s: got %d rows of subscribe links, want %d", tt.path, len(rows), tt.rows)
		}
		for _, r := range rows {
			for _, want := range []string{`type="application/rss+xml">RSS</a>`, `type="application/atom+xml">Atom</a>`,
				`type="application/feed+json">JSON Feed</a>`, `<button class="copy" type="button" data-url="`} {
				if !strings.Contains(r, want) {
					t.Errorf("%s: a subscribe row lacks %s:\n%s", tt.path, want, r)
				}
			}
		}
		for _, want := range tt.want {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %s", tt.path, want)
			}
		}
		if n := strings.Count(page, `type="search"`); n != 1 {
			t.Errorf("%s: got %d search boxes, want 1", tt.path, n)
		}
		if strings.Contains(page, "rss.xml\">Ministry") {
			t.Errorf("%s: \"via\" links to the publisher's feed, want its site", tt.path)
		}
	}
	// Past the first page, the count goes on from the results shown before.
	for i := range 25 {
		f.put(fmt.Sprintf("more%02d", i), fmt.Sprintf("Cyber note %d", i), "cyber")
	}
	_, body := f.do("GET", "/search?q=cyber", "")
	if want := "More than 20 articles match; the best 20 first."; !strings.Contains(string(body), want) {
		t.Errorf("first of two pages lacks %q", want)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(string(body))
	if next == nil {
		t.Fatal("first of two pages has no link to the next")
	}
	_, body = f.do("GET", strings.TrimPrefix(strings.ReplaceAll(next[1], "&amp;", "&"), f.srv.URL), "")
	if want := "28 articles match; these are 21 to 28."; !strings.Contains(string(body), want) {
		t.Errorf("second page lacks %q", want)
	}
}

// browserTimeout bounds TestPagesInBrowser: starting Chromium and a dozen
// page loads over loopback take seconds.
const browserTimeout = 2 * time.Minute

// chromium finds Debian's Chromium, or skips the test saying how to install
// it, unless CI is set: CI installs it, so there it must be found.
func chromium(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("skipped: chromium not found: sudo apt-get install chromium")
		}
		t.Fatal("chromium not found: apt-get install chromium (CI must install it)")
	}
	return p
}

// pageView is what the browser measures of a page's first screen.
type pageView struct {
	Width, Height, ScrollWidth float64
	// The first row of subscribe links.
	RSS, Atom, JSON, Copy *box
	SearchBoxes           int
	Tally                 string
	Results               int
	// Chars is the width of the text column in characters: its width over
	// the width of a "0" in its font.
	Chars      float64
	Alternates []struct{ Href, Type string }
	FeedLinks  []string // the hrefs of the visible subscribe links
}

type box struct {
	Top, Bottom, Left, Right float64
	Shown                    bool
}

func (b *box) bottom() float64 {
	if b == nil {
		return 0
	}
	return b.Bottom
}

// measure is the script that fills a pageView.
const measure = `(() => {
  const box = el => {
    if (!el) return null;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right,
      Shown: !el.hidden && s.display !== "none" && s.visibility !== "hidden" && r.width > 0 && r.height > 0};
  };
  const row = document.querySelector(".subscribe");
  const inRow = sel => box(row && row.querySelector(sel));
  const column = document.querySelector("article .body") || document.querySelector("ol.articles");
  const v = {
    Width: innerWidth, Height: innerHeight, ScrollWidth: document.documentElement.scrollWidth,
    RSS: inRow('a.feed[type="application/rss+xml"]'), Atom: inRow('a.feed[type="application/atom+xml"]'),
    JSON: inRow('a.feed[type="application/feed+json"]'), Copy: inRow("button.copy"),
    SearchBoxes: document.querySelectorAll('input[type="search"]').length,
    Tally: document.querySelector(".tally")?.textContent ?? "",
    Results: document.querySelectorAll("ol.articles > li:not(.empty)").length,
    Alternates: [...document.querySelectorAll('link[rel="alternate"]')].map(l => ({Href: l.href, Type: l.type})),
    FeedLinks: [...document.querySelectorAll(".subscribe a.feed")].map(a => a.href),
  };
  // Few enough zeros to fit any column: a wider line would widen a
  // phone's layout and change what is measured.
  if (column) {
    const zeros = document.createElement("span");
    zeros.textContent = "0".repeat(10);
    column.append(zeros);
    v.Chars = column.clientWidth / (zeros.getBoundingClientRect().width / 10);
    zeros.remove();
  }
  return v;
})()`

// A tab is a browser tab that records the errors its pages report: console
// errors, uncaught exceptions, and the browser's own error entries, which
// include Content-Security-Policy violations and failed loads.
type tab struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
	seen   chan struct{} // gets a value at each error
}

// tabTimeout bounds what one tab does: a page load, a few scripts, a
// screenshot, a click.
const tabTimeout = 30 * time.Second

// newBrowser starts headless Chromium for the test, which it stops when the
// test ends, and returns the context its tabs open in (see newTab).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	t.Cleanup(cancel)
	// As root in a container Chromium needs --no-sandbox; without the
	// background-networking flags it reaches for Google's servers.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
	)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return browserCtx
}

func newTab(t *testing.T, parent context.Context) *tab {
	tb := &tab{seen: make(chan struct{}, 100)}
	ctx, cancelTimeout := context.WithTimeout(parent, tabTimeout)
	t.Cleanup(cancelTimeout)
	var cancel context.CancelFunc
	tb.ctx, cancel = chromedp.NewContext(ctx, chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	return tb
}

// listen runs in the tab's event loop: it must return at once.
func (tb *tab) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			msg = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if e := ev.ExceptionDetails.Exception; e != nil {
			msg += " " + e.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			msg = string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL
		}
	case *page.EventJavascriptDialogOpening:
		msg = "dialog: " + ev.Message // it blocks the page; what waits on it times out
	}
	if msg == "" {
		return
	}
	tb.mu.Lock()
	tb.errors = append(tb.errors, msg)
	tb.mu.Unlock()
	select {
	case tb.seen <- struct{}{}:
	default:
	}
}

func (tb *tab) errs() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errors...)
}

// TestPagesInBrowser loads the home, a tag, a search and an article page in
// headless Chromium at a phone's size and a desktop's, and checks what a
// reader sees first: the subscribe links in the first screen, lines of
// readable length, one search box and a count, no error in the console,
// and autodiscovery links that lead to feeds. Screenshots of each first
// screen are left in the test's temporary folder (see the log with -v).
func TestPagesInBrowser(t *testing.T) {
	browserCtx := newBrowser(t)
	f := newFixture(t)
	article := newsroom(t, f)
	correction := correctWater(t, f)

	shots := t.TempDir()
	t.Logf("screenshots in %s", shots)

	feeds := map[string]string{} // every feed URL a page offers -> its type ("" when unknown)
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 900, false}} {
		for _, pg := range []struct{ name, path string }{
			{"home", "/"}, {"tag", "/tags/cyber-diplomacy"}, {"search", "/search?q=cyber"}, {"article", article},
			{"corrections", "/corrections"}, {"correction", correction},
		} {
			t.Run(size.name+"/"+pg.name, func(t *testing.T) {
				tb := newTab(t, browserCtx)
				opts := []chromedp.EmulateViewportOption{}
				if size.mobile {
					opts = append(opts, chromedp.EmulateMobile)
				}
				if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(size.width, size.height, opts...), chromedp.Navigate(f.srv.URL+pg.path)); err != nil {
					t.Fatalf("load %s: %v", pg.path, err)
				}
				v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[pageView](measure))
				if err != nil {
					t.Fatalf("measure %s: %v", pg.path, err)
				}
				shot, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatalf("screenshot %s: %v", pg.path, err)
				}
				if err := os.WriteFile(filepath.Join(shots, size.name+"-"+pg.name+".png"), shot, 0o644); err != nil {
					t.Fatal(err)
				}

				for _, l := range []struct {
					name string
					b    *box
				}{{"RSS", v.RSS}, {"Atom", v.Atom}, {"JSON Feed", v.JSON}, {"Copy URL", v.Copy}} {
					switch {
					case l.b == nil:
						t.Errorf("no %s subscribe link", l.name)
					case !l.b.Shown:
						t.Errorf("the %s subscribe link is hidden", l.name)
					case l.b.Top < 0 || l.b.Bottom > v.Height || l.b.Left < 0 || l.b.Right > v.Width:
						t.Errorf("the %s subscribe link is at %+v, outside the first screen (%gx%g)", l.name, *l.b, v.Width, v.Height)
					}
				}
				t.Logf("text column %.0f characters; subscribe links end %.0f px down a %g px screen", v.Chars, max(v.RSS.bottom(), v.Atom.bottom(), v.JSON.bottom(), v.Copy.bottom()), v.Height)
				if v.ScrollWidth > v.Width {
					t.Errorf("the page is %g wide, wider than the screen's %g", v.ScrollWidth, v.Width)
				}
				if size.mobile && v.Chars > 80 || !size.mobile && (v.Chars < 60 || v.Chars > 80) {
					t.Errorf("text column: got %.0f characters, want 60 to 80 (at most 80 on a phone)", v.Chars)
				}
				if v.SearchBoxes != 1 {
					t.Errorf("got %d search boxes, want 1", v.SearchBoxes)
				}
				if pg.name == "search" {
					if want := fmt.Sprintf("%d articles match.", v.Results); v.Results == 0 || v.Tally != want {
						t.Errorf("search count: got %q with %d results, want %q", v.Tally, v.Results, want)
					}
				}
				if len(v.Alternates) == 0 {
					t.Error("no autodiscovery links")
				}
				for _, a := range v.Alternates {
					feeds[a.Href] = a.Type
				}
				for _, href := range v.FeedLinks {
					if _, ok := feeds[href]; !ok {
						t.Errorf("subscribe link %s is not among the autodiscovery links", href)
					}
				}
				for _, e := range tb.errs() {
					t.Errorf("console: %s", e)
				}
			})
		}
	}

	t.Run("copy", func(t *testing.T) {
		tb := newTab(t, browserCtx)
		if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(f.srv.URL+"/")); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			if _, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: f.srv.URL}); err != nil {
				t.Fatalf("grant %s: %v", name, err)
			}
		}
		if err := chromedp.Do(tb.ctx, chromedp.Click("button.copy", chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.querySelector("button.copy").textContent === "Copied"`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("the button does not say Copied: %v %v", err, tb.errs())
		}
		got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if want := f.srv.URL + "/feed.atom"; err != nil || got != want {
			t.Errorf("clipboard: got %q (%v), want %q", got, err, want)
		}
		for _, e := range tb.errs() {
			t.Errorf("console: %s", e)
		}
	})

	// The listener hears a Content-Security-Policy violation: without this
	// the checks above could pass by hearing nothing.
	t.Run("violation heard", func(t *testing.T) {
		tb := newTab(t, browserCtx)
		if err := chromedp.Do(tb.ctx, chromedp.Navigate(f.srv.URL+"/"),
			chromedp.Evaluate[chromedp.Void](`document.body.setAttribute("style", "color: red")`)); err != nil {
			t.Fatal(err)
		}
		wait, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
		defer cancel()
		select {
		case <-tb.seen:
		case <-wait.Done():
		}
		if errs := tb.errs(); len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "Content Security Policy") {
			t.Errorf("an inline style set by script: got errors %q, want a Content Security Policy violation", errs)
		}
	})

	// Every feed a page offers answers with a feed.
	client := &http.Client{Timeout: 30 * time.Second}
	for href, typ := range feeds {
		req, err := http.NewRequestWithContext(browserCtx, "GET", href, nil)
		if err != nil {
			t.Errorf("%s: %v", href, err)
			continue
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("GET %s: %v", href, err)
			continue
		}
		resp.Body.Close()
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != 200 || mt != typ {
			t.Errorf("GET %s: got %d %s, want 200 %s", href, resp.StatusCode, mt, typ)
		}
	}
	if len(feeds) < 12 {
		t.Errorf("the pages offer %d feeds, want the site's, the tags' and the search's: %v", len(feeds), feeds)
	}
}
