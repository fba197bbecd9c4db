package ingest

import (
	"strings"
	"testing"
)

// TestCorrection checks the correction note in each format: the JSON
// field, the Markdown front-matter key and the plain-text header line,
// which leaves the title, dek and body alone; a "Correction:" paragraph
// of the body stays body text.
func TestCorrection(t *testing.T) {
	const note = "The drill is in June, not May."
	text := "Grid drill planned\n\nCorrection: " + note + "\nPosted: November 20, 2026\n\nOperators will drill next month.\n\n-- Lee Park\n"
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"json", "a.json", `{"title": "Grid drill planned", "content": "<p>Operators will drill.</p>", "published": "2026-11-20", "correction": " ` + note + ` "}`, note},
		{"json without", "a.json", `{"title": "Grid drill planned", "content": "<p>Operators will drill.</p>", "published": "2026-11-20"}`, ""},
		{"markdown", "a.md", "---\ntitle: Grid drill planned\npublished: 2026-11-20\ncorrection: " + note + "\n---\nOperators will drill.\n", note},
		{"text", "a.txt", text, note},
		{"text, lower case", "a.txt", strings.Replace(text, "Correction: ", "correction:", 1), note},
		{"text without", "a.txt", strings.Replace(text, "Correction: "+note+"\n", "", 1), ""},
		{"text, in the body", "a.txt", strings.Replace(strings.Replace(text, "Correction: "+note+"\n", "", 1),
			"Operators will drill next month.", "Operators will drill next month.\n\nCorrection: an earlier version named the wrong month.", 1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arts, err := Parse(tc.file, []byte(tc.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			a := arts[0]
			if a.Correction != tc.want {
				t.Errorf("correction: got %q, want %q", a.Correction, tc.want)
			}
			if a.Title != "Grid drill planned" {
				t.Errorf("title: got %q", a.Title)
			}
			if strings.Contains(a.Summary, note) || strings.Contains(a.Content, note) {
				t.Errorf("the note reached the summary or body: %q / %q", a.Summary, a.Content)
			}
			if tc.name == "text, in the body" && !strings.Contains(a.Content, "Correction: an earlier version") {
				t.Errorf("a Correction: paragraph of the body: got content %q", a.Content)
			}
		})
	}
}
