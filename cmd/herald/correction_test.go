package main

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

// TestIngestCorrection re-ingests edited files with --correction: the
// edited one gets the note, one that did not change is reported as failed
// (a note needs an edit) without stopping the others, and a re-ingest
// without the flag is a silent fix.
func TestIngestCorrection(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "drill.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe drill is in May.\n")
	writeFile(t, dir, "water.md", "---\ntitle: Water advisory\npublished: 2026-11-19\n---\n\nUtilities were told to review remote access.\n")
	c.must("ingest", dir)

	writeFile(t, dir, "drill.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe drill is in June.\n")
	code, out, errOut := c.run("ingest", dir, "--correction", " The drill is in June, not May. ")
	if code == 0 || !strings.Contains(out, "1 updated") || !strings.Contains(errOut, "water.md") || !strings.Contains(errOut, "correction") {
		t.Errorf("ingest --correction with one unchanged file: exit %d\n%s%s\nwant the edit stored and water.md failed on correction", code, out, errOut)
	}
	writeFile(t, dir, "drill.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe drill is in June!\n")
	c.must("ingest", dir+"/drill.md") // a silent fix

	db, err := store.Open(context.Background(), c.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.Corrections(context.Background(), feed.CorrectionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range cs {
		got = append(got, x.ArticleID+": "+x.Note)
	}
	if want := []string{"drill: The drill is in June, not May."}; !slices.Equal(got, want) {
		t.Errorf("corrections: got %q, want %q", got, want)
	}
}

// TestCorrectionsFeedPushed subscribes a loopback WebSub subscriber to the
// corrections feed through herald serve's hub; a correction made by
// another process (herald ingest --correction) is pushed to it, and an
// edit without a note is not.
func TestCorrectionsFeedPushed(t *testing.T) {
	s := startServer(t, "--allow-private-callbacks", "--hub-check-every", "100ms")
	topic := s.base + "/corrections/feed.atom"
	resp, _ := s.do(t, "GET", "/corrections/feed.atom", "", "")
	if link := resp.Header.Get("Link"); !strings.Contains(link, `<`+s.base+`/websub>; rel="hub"`) || !strings.Contains(link, `<`+topic+`>; rel="self"`) {
		t.Fatalf("the corrections feed's Link %q names no hub or self", link)
	}
	sink := newPushSink(t, 0)
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {sink.url + "/cb"}}
	if resp, out := s.do(t, "POST", "/websub", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 202 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, out)
	}
	waitFor(t, "the subscription", func() bool {
		_, out, _ := s.herald(t, "hub", "list")
		return strings.Contains(out, topic) && strings.Contains(out, "verify")
	})
	count := func() int { return len(sink.got("/cb")) }

	dir := t.TempDir()
	writeFile(t, dir, "drill.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe drill is in May.\n")
	if code, _, stderr := s.herald(t, "ingest", dir); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	writeFile(t, dir, "drill.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe drill is in June.\n")
	if code, _, stderr := s.herald(t, "ingest", dir, "--correction", "The drill is in June, not May."); code != 0 {
		t.Fatalf("ingest --correction: %s", stderr)
	}
	waitFor(t, "the push of the correction", func() bool { return count() > 0 })
	pushed := sink.got("/cb")
	last := pushed[len(pushed)-1]
	if !strings.Contains(last, "Correction: Grid drill") || !strings.Contains(last, "The drill is in June, not May.") {
		t.Errorf("the pushed corrections feed lacks the correction:\n%s", last)
	}

	// A silent fix changes the article, not the corrections feed: nothing
	// more is pushed to its subscriber.
	n := count()
	writeFile(t, dir, "drill.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe drill is in June!\n")
	if code, _, stderr := s.herald(t, "ingest", dir); code != 0 {
		t.Fatalf("silent fix: %s", stderr)
	}
	waitFor(t, "the hub's pass over the silent fix", func() bool {
		_, out, _ := s.herald(t, "hub", "list")
		return strings.Contains(out, "up to date")
	})
	time.Sleep(300 * time.Millisecond) // three more passes of the hub
	if got := count(); got != n {
		t.Errorf("a silent fix pushed the corrections feed: %d pushes, want %d", got, n)
	}
}
