package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"herald/feed/stats"
	"herald/feed/web"
)

// TestStatsPageInBrowser opens the stats page, with the token in its
// address as a browser has it, in Chromium on a phone's screen and a
// desktop's: the server-drawn SVG chart shows, with a line per feed, and
// the page breaks no rule of its Content-Security-Policy (no console
// error) and is no wider than the screen.
func TestStatsPageInBrowser(t *testing.T) {
	browserCtx := newBrowser(t)
	counter := new(stats.Counter)
	f := newFixtureWith(t, func(c *web.Config) { c.Stats = counter })
	newsroom(t, f)
	for _, p := range []struct{ path, ua string }{
		{"/feed.atom", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; )"},
		{"/feed.atom", "NetNewsWire"},
		{"/tags/cyber-diplomacy/feed.rss", "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 12 subscribers; )"},
	} {
		if resp, _ := f.do("GET", p.path, "", "User-Agent", p.ua); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p.path, resp.StatusCode)
		}
	}
	if err := counter.Flush(context.Background(), f.db); err != nil {
		t.Fatal(err)
	}

	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 900, false}} {
		t.Run(size.name, func(t *testing.T) {
			tb := newTab(t, browserCtx)
			opts := []chromedp.EmulateViewportOption{}
			if size.mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(size.width, size.height, opts...),
				chromedp.Navigate(f.srv.URL+"/stats?token="+f.token)); err != nil {
				t.Fatalf("load /stats: %v", err)
			}
			type view struct {
				Lines, Legends     int
				SVGWidth           float64
				Width, ScrollWidth float64
			}
			v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[view](`(() => {
				const svg = document.querySelector("svg");
				return {Lines: document.querySelectorAll("svg polyline").length,
					Legends: [...document.querySelectorAll("svg text")].filter(t => t.textContent.startsWith("/")).length,
					SVGWidth: svg ? svg.getBoundingClientRect().width : 0,
					Width: window.innerWidth, ScrollWidth: document.documentElement.scrollWidth};
			})()`))
			if err != nil {
				t.Fatalf("measure /stats: %v", err)
			}
			if v.Lines != 2 || v.Legends != 2 || v.SVGWidth == 0 {
				t.Errorf("chart: %d lines, %d legends, %g px wide; want 2 lines and legends, shown", v.Lines, v.Legends, v.SVGWidth)
			}
			if v.ScrollWidth > v.Width {
				t.Errorf("the page is %g wide, wider than the screen's %g", v.ScrollWidth, v.Width)
			}
			for _, e := range tb.errs() {
				t.Errorf("console: %s", e)
			}
		})
	}
}
