package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestRefusesUnknownFileTags checks that tags named in the files
// themselves (front matter, JSON "tags") must exist unless --create-tags: a
// file naming an unknown one fails, with its path and the tags there are,
// and the other files go in.
func TestIngestRefusesUnknownFileTags(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "a.md", "---\ntitle: Grid drill\npublished: 2026-11-20\ntags: [Critical Infrastructure]\n---\n\nThe power grid.\n")
	writeFile(t, dir, "b.md", "---\ntitle: Regional talks\npublished: 2026-11-20\ntags: [cyber-diplomacy, asai-pacific]\n---\n\nTalks.\n")
	writeFile(t, dir, "c.json", `[{"id":"c1","title":"Water advisory","content":"<p>Water.</p>","published":"2026-11-20","tags":["watr"]},
		{"id":"c2","title":"Ransomware note","content":"<p>Note.</p>","published":"2026-11-20","tags":["ransomware"]}]`)
	code, out, errOut := c.run("ingest", dir)
	if code != 1 || !strings.Contains(out, "3 files: 2 articles created, 0 updated, 0 unchanged; 2 files failed") {
		t.Errorf("ingest with unknown tags in files: exit %d %q, want 1, two articles in and two files failed", code, out)
	}
	for _, want := range []string{
		"error: ingest " + filepath.Join(dir, "b.md") + `: article b: tags: unknown tag "asai-pacific"; the tags are: critical-infrastructure, cyber-diplomacy,`,
		"error: ingest " + filepath.Join(dir, "c.json") + `: article c1: tags: unknown tag "watr"`,
		"(--create-tags creates it)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code, _, _ := c.run("tags", "show", "asai-pacific"); code == 0 {
		t.Error("a refused tag was made")
	}
	if out := c.must("ingest", dir, "--create-tags"); !strings.Contains(out, "2 articles created, 0 updated, 2 unchanged; 0 files failed") {
		t.Errorf("ingest --create-tags: %q", out)
	}
	if out := c.must("tags", "show", "asai-pacific"); !strings.Contains(out, "articles:    1 ") {
		t.Errorf("the tag --create-tags made: %q", out)
	}
}

// TestSourceRefusesUnknownTags checks source add --tag: an unknown tag is
// refused, naming the nearest and the tags there are, unless --create-tags,
// which makes it (with its feeds) at once.
func TestSourceRefusesUnknownTags(t *testing.T) {
	c := newCLI(t)
	code, out, errOut := c.run("source", "add", "https://agency.example/feed", "--tag", "ransomwre")
	if code != 1 || !strings.Contains(errOut, `unknown tag "ransomwre" (did you mean "ransomware"?); the tags are: critical-infrastructure,`) ||
		!strings.Contains(errOut, "--create-tags") {
		t.Errorf("source add with a typo in --tag: exit %d %q %q, want 1 naming the tags and --create-tags", code, out, errOut)
	}
	if out := c.must("source", "list"); strings.Contains(out, "agency.example") {
		t.Errorf("a refused source was stored:\n%s", out)
	}
	if out := c.must("source", "add", "https://agency.example/feed", "--tag", "Ransomware", "--tag", "Energy Grid", "--create-tags"); !strings.Contains(out, "ransomware, energy-grid") {
		t.Errorf("source add --create-tags: %q", out)
	}
	if out := c.must("tags", "show", "energy-grid"); !strings.Contains(out, "Energy Grid") {
		t.Errorf("the tag --create-tags made, named as given: %q", out)
	}
}
