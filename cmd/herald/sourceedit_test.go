package main

import (
	"context"
	"strings"
	"testing"

	"herald/feed"
	"herald/store/sqlite"
)

// TestSourceEdit changes a source from the command line: only what is
// given changes, a new URL is checked by the address guard and starts
// afresh, unknown tags are refused, and the next fetch reads the new URL
// and tags its items with the new tags.
func TestSourceEdit(t *testing.T) {
	feeds := newFeedServer(t, map[string]served{
		"/state/rss": {readFixture(t, "rss2.xml"), "application/rss+xml"},
		"/cisa/atom": {readFixture(t, "atom.xml"), "application/atom+xml"},
	})
	c := newCLI(t)
	herald := c.run
	if code, _, stderr := herald("source", "add", feeds.URL+"/state/rss", "--allow-private-sources", "--name", "State",
		"--tag", "external", "--create-tags"); code != 0 {
		t.Fatalf("source add: %s", stderr)
	}
	if code, _, stderr := herald("fetch", "--allow-private-sources"); code != 0 {
		t.Fatalf("fetch: %s", stderr)
	}

	code, out, stderr := herald("source", "edit", "1", "--name", "State Department")
	if code != 0 || !strings.Contains(out, "source 1: State Department") || !strings.Contains(out, "tags:               external") ||
		!strings.Contains(out, "validators:") {
		t.Fatalf("edit the name: exit %d %q %q; want the name changed and the rest kept", code, out, stderr)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"1"}, 2, "nothing to change"},
		{[]string{"1", "--tag", "x", "--no-tags"}, 2, "give one"},
		{[]string{"one", "--name", "x"}, 2, `"one" is not a source ID`},
		{[]string{"9", "--name", "x"}, 1, "not found"},
		{[]string{"1", "--tag", "cyber-diplomcy"}, 1, "cyber-diplomcy"},
		{[]string{"1", "--url", feeds.URL + "/cisa/atom"}, 1, "refusing to connect to 127.0.0.1 (loopback)"},
		{[]string{"1", "--url", "ftp://example.org/feed"}, 1, "url"},
		{[]string{"1", "--every", "1s"}, 1, "every"},
	} {
		code, out, stderr := herald(append([]string{"source", "edit"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("source edit %v: exit %d %q %q, want %d and %q", tt.args, code, out, stderr, tt.code, tt.want)
		}
	}
	if _, out, _ := herald("source", "show", "1"); !strings.Contains(out, feeds.URL+"/state/rss") || !strings.Contains(out, "State Department") {
		t.Errorf("a refused edit changed the source:\n%s", out)
	}

	code, out, stderr = herald("source", "edit", "1", "--url", feeds.URL+"/cisa/atom", "--allow-private-sources",
		"--tag", "Cyber Diplomacy", "--create-tags", "--every", "2h", "--categories=true")
	if code != 0 || !strings.Contains(out, "url:                "+feeds.URL+"/cisa/atom") ||
		!strings.Contains(out, "tags:               cyber-diplomacy") || !strings.Contains(out, "every:              2h0m0s") ||
		!strings.Contains(out, "item categories:    become tags") || !strings.Contains(out, "next fetch:         as soon as possible") ||
		strings.Contains(out, "validators:") {
		t.Fatalf("edit URL, tags, interval and categories: exit %d %q %q", code, out, stderr)
	}
	if code, out, stderr := herald("fetch", "--allow-private-sources"); code != 0 || !strings.Contains(out, "1 fetched") {
		t.Fatalf("fetch after the edit: exit %d %q %q", code, out, stderr)
	}
	if got := feeds.count(200); got != 2 {
		t.Errorf("feeds served %d times, want 2: the old URL before the edit, the new one after", got)
	}

	// The items of the new feed carry the new tag; those fetched before the
	// edit keep theirs.
	store, err := sqlite.Open(context.Background(), c.db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	arts, err := store.Articles(context.Background(), feed.ArticleFilter{Limit: feed.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var tagged, kept int
	for _, a := range arts {
		if a.Provenance == nil {
			continue
		}
		slugs := make([]string, len(a.Tags))
		for i, tg := range a.Tags {
			slugs[i] = tg.Slug
		}
		switch {
		case strings.Contains(a.Provenance.FeedURL, "/cisa/atom") && strings.Contains(strings.Join(slugs, " "), "cyber-diplomacy"):
			tagged++
		case strings.Contains(a.Provenance.FeedURL, "/state/rss") && strings.Contains(strings.Join(slugs, " "), "external"):
			kept++
		}
	}
	if tagged == 0 || kept == 0 {
		t.Errorf("after the edit: %d items of the new feed tagged cyber-diplomacy, %d of the old still external; want both", tagged, kept)
	}

	if code, out, stderr := herald("source", "edit", "1", "--no-tags"); code != 0 || !strings.Contains(out, "tags:               -\n") {
		t.Errorf("--no-tags: exit %d %q %q", code, out, stderr)
	}
}
