package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/metrics"
	"herald/feed/web"
)

// Changes written by another process (another instance on the database)
// reach the cached feeds at once when the store tells of them (Changed);
// while it does (Listening), the periodic check is only a safety net, and
// when it stops, the check is back to StaleAfter.
func TestChangedAndListening(t *testing.T) {
	f := newFixtureWith(t, func(c *web.Config) {
		c.StaleAfter = time.Second
		c.Metrics, c.ServeMetrics = metrics.New(metrics.Build{}), true
	})
	n := 0
	// elsewhere writes an article as another instance would: straight into
	// the store, unknown to this server.
	elsewhere := func() {
		t.Helper()
		n++
		a := &feed.Article{ID: "other-" + strings.Repeat("x", n), Title: "Written elsewhere", Content: "<p>cyber dialogue</p>",
			Published: f.now, Tags: []feed.ArticleTag{{Slug: "alpha"}}}
		if _, err := f.db.UpsertArticle(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	etag := func() string {
		t.Helper()
		resp, _ := f.do("GET", "/feed.atom", "")
		return resp.Header.Get("ETag")
	}
	notifierUp := func() string {
		t.Helper()
		_, body := f.do("GET", "/metrics", "")
		for line := range strings.SplitSeq(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, "herald_notifier_up "); ok {
				return v
			}
		}
		return "missing"
	}

	first := etag()
	elsewhere()
	if got := etag(); got != first {
		t.Fatal("a write elsewhere was seen before StaleAfter without being told")
	}
	f.handler.Changed()
	second := etag()
	if second == first {
		t.Error("after Changed: the cached feed was served, want the write seen")
	}

	f.handler.Listening(true)
	if got := notifierUp(); got != "1" {
		t.Errorf("herald_notifier_up %s while listening, want 1", got)
	}
	elsewhere()
	f.now = f.now.Add(5 * time.Second) // past StaleAfter, within the safety net
	if got := etag(); got != second {
		t.Error("while listening, the version was read again before the safety net's period")
	}
	f.now = f.now.Add(web.NotifiedStaleAfter)
	third := etag()
	if third == second {
		t.Error("while listening: a missed change not seen after NotifiedStaleAfter")
	}

	elsewhere()
	f.handler.Listening(false) // changes may have been missed: look now
	if got := notifierUp(); got != "0" {
		t.Errorf("herald_notifier_up %s after listening stopped, want 0", got)
	}
	fourth := etag()
	if fourth == third {
		t.Error("when listening stopped: the cached feed was served, want a fresh look")
	}
	elsewhere()
	f.now = f.now.Add(2 * time.Second)
	if etag() == fourth {
		t.Error("without listening: a change not seen after StaleAfter")
	}
}
