package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"herald/store"
)

// samplePath finds the real newsroom sample, which is not ours to ship:
// $HERALD_SAMPLES (CI sets it), else ../shared/samples beside the repository.
func samplePath(t *testing.T) string {
	t.Helper()
	dirs := []string{os.Getenv("HERALD_SAMPLES"), "../../../shared/samples"}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "seed-article.txt")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("seed-article.txt not found in %q; CI must set HERALD_SAMPLES", dirs)
	}
	t.Skip("seed-article.txt not found; set HERALD_SAMPLES to run")
	return ""
}

// TestIngestSample ingests the real sample through the command, as a
// newsroom would, and checks what lands in the database.
func TestIngestSample(t *testing.T) {
	sample := samplePath(t)
	db := filepath.Join(t.TempDir(), "herald.db")
	var out, errOut strings.Builder
	args := []string{"ingest", "--db", db, "--timezone", "America/New_York", sample}
	if code := run(context.Background(), args, noEnv, &out, &errOut); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errOut.String())
	}
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.Article(context.Background(), "seed-article")
	if err != nil {
		t.Fatal(err)
	}
	if want := "U.S., Japanese officials to hold cybersecurity talks next week"; a.Title != want {
		t.Errorf("title: got %q, want %q", a.Title, want)
	}
	if got, want := a.Published.UTC().Format("2006-01-02 15:04"), "2014-04-04 04:00"; got != want {
		t.Errorf("published: got %s UTC, want %s (midnight in New York)", got, want)
	}
	if !slices.Equal(a.Authors, []string{"Christopher J. Castelli"}) {
		t.Errorf("authors: got %q", a.Authors)
	}
	if n := strings.Count(a.Content, "<p>"); n != 8 {
		t.Errorf("got %d paragraphs, want 8", n)
	}
	for _, slug := range []string{"cyber-diplomacy", "critical-infrastructure", "information-sharing"} {
		if !a.HasTag(slug) {
			t.Errorf("tags: got %v, want %s among them", a.TagSlugs(), slug)
		}
	}
	for _, tag := range a.Tags {
		if tag.Rule == "" || len(tag.Matched) == 0 {
			t.Errorf("tag %s: got rule %q matched %q, want the rule and its words", tag.Slug, tag.Rule, tag.Matched)
		}
	}
	// Re-ingesting the unchanged file changes nothing.
	out.Reset()
	if code := run(context.Background(), args, noEnv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 unchanged") {
		t.Errorf("re-ingest: exit %d, %q; want 1 unchanged", code, out.String())
	}
	again, _ := st.Article(context.Background(), "seed-article")
	if !again.Updated.Equal(a.Updated) || again.GUID != a.GUID {
		t.Errorf("re-ingest moved updated or GUID: %v %s -> %v %s", a.Updated, a.GUID, again.Updated, again.GUID)
	}
}
