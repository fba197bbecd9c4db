package main

import (
	"context"
	"slices"
	"strings"
	"testing"

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
