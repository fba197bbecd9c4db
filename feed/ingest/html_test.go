package ingest

import (
	"strings"
	"testing"
)

func TestHTMLText(t *testing.T) {
	tests := []struct {
		in    string
		first bool
		want  string
	}{
		{`<p>One <em>two</em>.</p><p>Three.</p>`, true, "One two."},
		{`<p>One</p><p>Three.</p>`, false, "One Three."},
		{`<p><img src="x"></p><p> Second  &amp; last </p>`, true, "Second & last"},
		{`<ul><li>no</li><li>paragraphs</li></ul>`, true, "no paragraphs"},
		{`<p>cyber<strong>security</strong></p>`, true, "cybersecurity"},
		{`<table><tr><td>a</td><td>b</td></tr></table>`, false, "a b"},
		{``, true, ""},
	}
	for _, tt := range tests {
		if got := htmlText(tt.in, tt.first); got != tt.want {
			t.Errorf("htmlText(%q, %v) = %q, want %q", tt.in, tt.first, got, tt.want)
		}
	}
}

// unsafeHTML is the fuzz targets' oracle; it must catch what it looks for.
func TestUnsafeHTML(t *testing.T) {
	for _, bad := range []string{`<script>x</script>`, `<p onclick="x">`, `<a href=" JavaScript:x">`, `<img src="data:text/html,x">`,
		`<a href="vbscript:x">`, `<p style="x">`, `<svg>`, `<form>`} {
		if unsafeHTML(bad) == "" {
			t.Errorf("unsafeHTML(%q) = \"\", want a problem", bad)
		}
	}
	for _, ok := range []string{`<p>javascript: is text here</p>`, `<a href="https://e.org/a:b">`, `<a href="/x:y">`, `<a href="mailto:a@b">`, `<a href="rel/path?q=a:b">`, ``} {
		if p := unsafeHTML(ok); p != "" {
			t.Errorf("unsafeHTML(%q) = %q, want \"\"", ok, p)
		}
	}
	if !strings.Contains(unsafeHTML(`<a href="javascript:x">`), "URL") {
		t.Errorf("unsafeHTML does not name the URL problem")
	}
}
