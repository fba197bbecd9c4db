package ingest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
)

func TestParseMarkdownFrontMatter(t *testing.T) {
	const file = "markdown/2016-05-12-hospital-ransomware.md"
	a := parseOne(t, file, readFile(t, file), Options{Location: newYork})
	checkArticle(t, a)
	tests := []struct{ field, got, want string }{
		{"id", a.ID, "2016-05-12-hospital-ransomware"},
		{"title", a.Title, "HHS tells hospitals: ransomware is a breach until proven otherwise"},
		{"summary", a.Summary, "New guidance presumes patient data was compromised when ransomware encrypts it."},
		{"url", a.URL, "https://news.example.org/2016/05/12/hospital-ransomware"},
		{"language", a.Language, "en-US"},
		{"slug", a.Slug, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s %q, want %q", tt.field, tt.got, tt.want)
		}
	}
	if want := []string{"Grace Adeyemi", "Henrik Solberg"}; !slices.Equal(a.Authors, want) {
		t.Errorf("got authors %q, want %q", a.Authors, want)
	}
	if want := time.Date(2016, 5, 12, 13, 30, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("got published %v, want %v", a.Published, want)
	}
	if want := time.Date(2016, 5, 13, 8, 0, 0, 0, time.UTC); !a.Updated.Equal(want) {
		t.Errorf("got updated %v, want %v", a.Updated, want)
	}
	// Names and slugs both become slugs; repeats are dropped.
	if want := []string{"ransomware", "health-care", "critical-infrastructure"}; !slices.Equal(a.TagSlugs(), want) {
		t.Errorf("got tags %q, want %q", a.TagSlugs(), want)
	}
	for _, want := range []string{
		"<strong>presumption of compromise</strong>", "<em>low probability</em>", "<del>Encryption alone</del>",
		`<th align="left">Size of breach</th>`, `<td align="right">within 60 days</td>`,
		`<a href="https://www.example.gov/hipaa/ransomware-guidance">https://www.example.gov/hipaa/ransomware-guidance</a>`,
		`<a href="https://www.example.gov/summary" title="Summary">plain-language summary</a>`,
		`<img src="https://www.example.gov/chart.png" alt="Breach reports by month">`,
		`<code class="language-go">`,
	} {
		if !strings.Contains(a.Content, want) {
			t.Errorf("content lacks %q:\n%s", want, a.Content)
		}
	}
	for _, bad := range []string{"<script", "alert", "<iframe", "evil.example.com", "javascript:", "onclick", "onerror", "<form", "<input", "---", "tags:"} {
		if strings.Contains(a.Content, bad) {
			t.Errorf("content contains %q:\n%s", bad, a.Content)
		}
	}
}

func TestParseMarkdownHeadingTitle(t *testing.T) {
	const file = "markdown/pipeline-security-directive.md" // CRLF, author, date-only date, flow list of tags
	a := parseOne(t, file, readFile(t, file), Options{Location: newYork})
	checkArticle(t, a)
	if want := "Pipeline operators get second security directive"; a.Title != want {
		t.Errorf("got title %q, want %q", a.Title, want)
	}
	if a.ID != "pipeline-security-directive" {
		t.Errorf("got id %q, want the file's base name", a.ID)
	}
	if want := time.Date(2021, 7, 20, 0, 0, 0, 0, newYork); !a.Published.Equal(want) || a.Published.Location() != newYork {
		t.Errorf("got published %v, want %v (midnight in the newsroom)", a.Published, want)
	}
	if want := []string{"Ines Carvalho"}; !slices.Equal(a.Authors, want) {
		t.Errorf("got authors %q, want %q", a.Authors, want)
	}
	if want := []string{"pipelines", "tsa", "security-directives"}; !slices.Equal(a.TagSlugs(), want) {
		t.Errorf("got tags %q, want %q", a.TagSlugs(), want)
	}
	if strings.Contains(a.Content, "<h1>") || strings.Contains(a.Content, "\r") {
		t.Errorf("content keeps the title heading or carriage returns:\n%s", a.Content)
	}
	if !strings.Contains(a.Content, "<h2>What changes</h2>") || !strings.Contains(a.Content, "<li>Network segmentation between IT and OT</li>") {
		t.Errorf("content lost the rest of the body:\n%s", a.Content)
	}
	if !strings.HasPrefix(a.Summary, "Operators of hazardous-liquid and natural-gas pipelines") {
		t.Errorf("got summary %q, want the first paragraph", a.Summary)
	}
}

func TestParseMarkdownBodies(t *testing.T) {
	const fm = "---\npublished: 2014-04-04\n---\n"
	tests := []struct {
		desc, doc            string
		title, summary       string
		contains, notContain []string
	}{
		{
			desc: "setext heading", doc: fm + "Setext *title*\n=============\n\nBody text.\n",
			title: "Setext title", summary: "Body text.", notContain: []string{"<h1>"},
		},
		{
			desc: "heading repeating the title is dropped", doc: "---\ntitle: Same  Title\npublished: 2014-04-04\n---\n# Same title\n\nBody.\n",
			title: "Same  Title", notContain: []string{"<h1>"},
		},
		{
			desc: "a different heading stays", doc: "---\ntitle: The title\npublished: 2014-04-04\n---\n# Another heading\n\nBody.\n",
			title: "The title", contains: []string{"<h1>Another heading</h1>"},
		},
		{
			desc: "a level-2 heading is not a title", doc: "---\ntitle: The title\npublished: 2014-04-04\n---\n## Section\n\nBody.\n",
			title: "The title", contains: []string{"<h2>Section</h2>"},
		},
		{
			desc: "summary skips paragraphs without text", doc: fm + "# T\n\n![chart](https://example.org/c.png)\n\nFirst words.\n",
			title: "T", summary: "First words.",
		},
		{
			desc: "summary of inline markup is plain text", doc: fm + "# T\n\nA **bold** [link](https://example.org) &amp; more.\n",
			title: "T", summary: "A bold link & more.",
		},
		{
			desc: "empty front matter", doc: "---\n---\n# Only heading\n\nBody.\n",
		},
		{
			desc: "raw HTML is sanitized", doc: fm + "# T\n\n<p onclick=\"x()\" style=\"color:red\">Hi<sup>2</sup></p>\n<script>bad()</script>\n",
			title: "T", contains: []string{"<p>Hi<sup>2</sup></p>"}, notContain: []string{"onclick", "style", "bad()", "<script"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			arts, err := ParseMarkdown("a.md", []byte(tt.doc), Options{})
			if tt.title == "" {
				// No published date: the article is rejected, by field.
				wantParseError(t, err, "a.md", "published: is required")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := arts[0]
			checkArticle(t, a)
			if a.Title != tt.title {
				t.Errorf("got title %q, want %q", a.Title, tt.title)
			}
			if tt.summary != "" && a.Summary != tt.summary {
				t.Errorf("got summary %q, want %q", a.Summary, tt.summary)
			}
			for _, s := range tt.contains {
				if !strings.Contains(a.Content, s) {
					t.Errorf("content lacks %q:\n%s", s, a.Content)
				}
			}
			for _, s := range tt.notContain {
				if strings.Contains(a.Content, s) {
					t.Errorf("content contains %q:\n%s", s, a.Content)
				}
			}
		})
	}
}

func TestParseMarkdownErrors(t *testing.T) {
	const name = "notes/a.md"
	tests := []struct {
		desc string
		doc  string
		line int
		want string // the whole message after "ingest notes/a.md: "
	}{
		{"the example", "---\ntitle: T\npublished: Aprl 4\n---\nBody.\n", 3,
			`line 3: front matter: published: cannot parse "Aprl 4" as a date`},
		{"unknown key", "---\ntitle: T\npublised: 2014-04-04\n---\nBody.\n", 3,
			"line 3: front matter: publised: unknown key (known: id, slug, title, summary, authors, author, published, date, updated, url, language, tags, embargo_until, correction)"},
		{"repeated key", "---\ntitle: T\npublished: 2014-04-04\ntitle: U\n---\nBody.\n", 4,
			"line 4: front matter: title: given twice (first on line 2)"},
		{"author and authors", "---\nauthors: [A B]\nauthor: C D\npublished: 2014-04-04\n---\nBody.\n", 3,
			"line 3: front matter: author: give authors or author, not both (authors is on line 2)"},
		{"date and published", "---\ndate: 2014-04-04\npublished: 2014-04-04\n---\nBody.\n", 3,
			"line 3: front matter: published: give date or published, not both (date is on line 2)"},
		{"authors not a list", "---\ntitle: T\nauthors: Jane Doe\n---\nBody.\n", 3,
			`line 3: front matter: authors: want a list (one "- item" per line), got a value`},
		{"title is a list", "---\ntitle: [a, b]\n---\nBody.\n", 2,
			"line 2: front matter: title: want a single value, got a list"},
		{"tag is a map", "---\ntitle: T\ntags:\n  - ok\n  - {a: b}\n---\nBody.\n", 5,
			"line 5: front matter: tags: item 2: want a single value, got a map"},
		{"tag without letters", "---\ntitle: T\ntags:\n  - ok\n  - '!!!'\n---\nBody.\n", 5,
			`line 5: front matter: tags: "!!!" has no letters or digits to make a tag slug from`},
		{"alias", "---\ntitle: &t T\nsummary: *t\n---\nBody.\n", 3,
			"line 3: front matter: summary: aliases (*name) are not supported"},
		{"YAML syntax", "---\ntitle: T\nsummary: [unclosed\n---\nBody.\n", 3,
			"line 3: front matter: did not find expected ',' or ']'"},
		// yaml.v3 names the line where it gave up when the construct starts on
		// the first line, else the line where the construct starts.
		{"YAML syntax on the first line", "---\nsummary: [unclosed\ntitle: T\n---\nBody.\n", 3,
			"line 3: front matter: did not find expected ',' or ']'"},
		{"YAML bad indentation", "---\ntitle: T\n  summary: x\n---\nBody.\n", 3,
			"line 3: front matter: mapping values are not allowed in this context"},
		{"YAML unterminated string", "---\ntitle: T\nsummary: \"open\n---\nBody.\n", 3,
			"line 3: front matter: found unexpected end of stream"},
		{"YAML list indentation", "---\ntitle: T\ntags:\n  - a\n - b\n---\nBody.\n", 5,
			"line 5: front matter: did not find expected key"},
		{"YAML tab", "---\ntitle: T\n\tsummary: x\n---\nBody.\n", 3,
			"line 3: front matter: found a tab character that violates indentation"},
		{"quotes nested on one line", "---\ntitle: T\npublished: 2014-04-04\n---\nBody.\n\n" + strings.Repeat("> ", 33) + "deep\n", 7,
			"line 7: block quotes or lists nested more than 32 deep"},
		{"lists nested by indentation", "# T\n\n" + nestedList(70), 68,
			"line 68: block quotes or lists nested more than 32 deep"},
		{"not a mapping", "---\n- a\n- b\n---\nBody.\n", 2,
			"line 2: front matter: want key: value lines"},
		{"unclosed", "---\ntitle: T\n\nBody.\n", 1,
			`line 1: front matter: no closing "---" line`},
		{"no published", "---\ntitle: T\n---\nBody.\n", 0,
			"published: is required"},
		{"no title", "---\npublished: 2014-04-04\n---\nBody.\n", 0,
			"title: is required"},
		{"bad slug and url", "---\ntitle: T\nslug: Not A Slug\nurl: ftp://x\npublished: 2014-04-04\n---\nBody.\n", 0,
			"slug: must be lower-case letters and digits (of any script) joined by single hyphens, at most 200 bytes; url: must be an absolute http or https URL"},
		{"bad id", "---\nid: -starts-with-dash\ntitle: T\npublished: 2014-04-04\n---\nBody.\n", 0,
			"id: must be 1 to 100 letters"},
		{"no body", "---\ntitle: T\npublished: 2014-04-04\n---\n", 0,
			"content: is required when there is no summary"},
		{"not UTF-8", "---\ntitle: T\npublished: 2014-04-04\n---\nBody \xc3\x28\n", 5,
			"line 5: not valid UTF-8 text"},
		{"front matter too long", "---\nsummary: " + strings.Repeat("x", MaxFrontMatter) + "\n---\nBody.\n", 1,
			"line 1: front matter: longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			arts, err := ParseMarkdown(name, []byte(tt.doc), Options{})
			if len(arts) != 0 {
				t.Errorf("got %d articles, want none", len(arts))
			}
			wantParseError(t, err, name, tt.want)
			if e, ok := errors.AsType[*Error](err); ok && e.Line != tt.line {
				t.Errorf("got line %d, want %d", e.Line, tt.line)
			}
		})
	}
	// Field errors can be inspected, not only read.
	_, err := ParseMarkdown(name, []byte("---\ntitle: T\npublised: 2014-04-04\n---\nBody.\n"), Options{})
	var v *feed.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "publised" {
		t.Errorf("errors.As(%v, *feed.ValidationError) = %+v, want the field publised", err, v)
	}
}

// nestedList returns a list nested depth levels deep by indentation.
func nestedList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- item\n")
	}
	return b.String()
}

func TestParseMarkdownNestingAllowed(t *testing.T) {
	doc := "---\ntitle: T\npublished: 2014-04-04\n---\n" + strings.Repeat("> ", 32) + "deep quote\n\n" + nestedList(60) +
		"\n```\n" + strings.Repeat(" ", 200) + "indented code is not nesting\n```\n"
	a := parseOne(t, "a.md", []byte(doc), Options{})
	if got := strings.Count(a.Content, "<blockquote>"); got != 32 {
		t.Errorf("got %d nested block quotes, want 32", got)
	}
	if got := strings.Count(a.Content, "<ul>"); got != 60 {
		t.Errorf("got %d nested lists, want 60", got)
	}
}
