package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIngestRefusesUnknownTags(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "a.md", "---\ntitle: Regional talks\npublished: 2026-11-20\n---\n\nTalks in the region.\n")
	c.must("tags", "create", "Asia Pacific")

	code, out, errOut := c.run("ingest", dir, "--tag", "asai-pacific")
	if code != 1 || !strings.Contains(errOut, `unknown tag "asai-pacific" (did you mean "asia-pacific"?); the tags are: asia-pacific, critical-infrastructure,`) ||
		!strings.Contains(errOut, "--create-tags") {
		t.Errorf("a typo in --tag: exit %d %q %q; want 1 naming the tags and --create-tags", code, out, errOut)
	}
	if code, _, _ := c.run("tags", "show", "asai-pacific"); code == 0 {
		t.Errorf("the refused tag was created")
	}
	if out := c.must("ingest", dir, "--tag", "Asia Pacific"); !strings.Contains(out, "1 articles created") {
		t.Errorf("a known tag by its name: %q", out)
	}
	if out := c.must("ingest", dir, "--tag", "Asia Pacific", "--tag", "Ocean Policy", "--create-tags"); !strings.Contains(out, "1 updated") {
		t.Errorf("--create-tags: %q", out)
	}
	if out := c.must("tags", "show", "ocean-policy"); !strings.Contains(out, "articles:    1 ") {
		t.Errorf("the tag --create-tags made: %q", out)
	}
}

func TestIngestReportsSkippedFiles(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	writeFile(t, dir, "a.md", "---\ntitle: Grid drill\npublished: 2026-11-20\n---\n\nThe power grid.\n")
	writeFile(t, dir, "brief.docx", "PK\x03\x04 not an article")
	writeFile(t, dir, "README", "notes")
	writeFile(t, dir, ".DS_Store", "hidden")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub"), "scan.PDF", "%PDF")
	code, out, errOut := c.run("ingest", dir)
	if code != 0 {
		t.Errorf("ingest with files of other kinds: exit %d, want 0: %s", code, errOut)
	}
	for _, want := range []string{
		"skipped " + filepath.Join(dir, "brief.docx") + ": not an article file (a .docx file; herald reads .txt, .md, .markdown and .json)\n",
		"skipped " + filepath.Join(dir, "README") + ": not an article file (a file without an extension;",
		"skipped " + filepath.Join(dir, "sub", "scan.PDF") + ": not an article file (a .pdf file;",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, ".DS_Store") {
		t.Errorf("a hidden file is reported:\n%s", errOut)
	}
	if want := "1 files: 1 articles created, 0 updated, 0 unchanged; 0 files failed; 3 skipped\n"; out != want {
		t.Errorf("summary: got %q, want %q", out, want)
	}

	// A folder inside that cannot be read is a failure; the rest goes in.
	// The walk is told the folder cannot be listed, as filepath.WalkDir
	// says it of a folder without permissions (which root reads anyway).
	locked := filepath.Join(dir, "locked")
	if err := os.MkdirAll(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, locked, "b.md", "---\ntitle: Locked\npublished: 2026-11-20\n---\n\nx\n")
	walkDir = func(root string, fn fs.WalkDirFunc) error {
		return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if path == locked && err == nil {
				if err := fn(path, d, nil); err != nil {
					return err
				}
				return fn(path, d, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission})
			}
			return fn(path, d, err)
		})
	}
	t.Cleanup(func() { walkDir = filepath.WalkDir })
	code, out, errOut = c.run("ingest", dir)
	if code != 1 || !strings.Contains(errOut, "error: ingest "+locked+": cannot be read: permission denied") ||
		!strings.Contains(out, "1 unchanged; 1 files failed; 3 skipped") {
		t.Errorf("an unreadable folder: exit %d %q %q; want 1, it named, the rest read", code, out, errOut)
	}
}
