package ingest

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<p>Plain &amp; simple &#34;quoted&#34;</p>`, `<p>Plain &amp; simple &#34;quoted&#34;</p>`},
		{`<script>alert(1)</script><p>kept</p>`, `<p>kept</p>`},
		{`<style>p{display:none}</style><p>kept</p>`, `<p>kept</p>`},
		{`<p onclick="steal()" onmouseover="x" style="color:red" class="big" id="main">t</p>`, `<p>t</p>`},
		{`<a href="javascript:alert(1)">t</a>`, `t`},
		{`<a href="JaVaScRiPt:alert(1)">t</a>`, `t`},
		{`<a href="vbscript:x">t</a>`, `t`},
		{`<a href="data:text/html,<script>x</script>">t</a>`, `t`},
		{`<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="opener" title="T">t</a>`, `<a href="https://example.org/a?b=1&amp;c=2" title="T">t</a>`},
		{`<a href="/2014/04/04/talks">relative</a>`, `<a href="/2014/04/04/talks">relative</a>`},
		{`<a href="mailto:desk@example.org">mail</a>`, `<a href="mailto:desk@example.org">mail</a>`},
		{`<img src="https://example.org/i.png" alt="Chart" width="300" onerror="x()">`, `<img src="https://example.org/i.png" alt="Chart" width="300">`},
		{`<img src="javascript:alert(1)">`, ``},
		{`<iframe src="https://example.org/"></iframe><object data="x"></object><embed src="x">`, ``},
		{`<form action="/x"><input name="q"><textarea>t</textarea><button>Go</button></form>`, `tGo`},
		{`<svg><circle onload="x()"/></svg>`, ``},
		{`<pre><code class="language-go">x := 1</code></pre>`, `<pre><code class="language-go">x := 1</code></pre>`},
		{`<code class="x onclick">y</code>`, `<code>y</code>`},
		{`<table><tr><th scope="col" align="left">h</th><td align="right" colspan="2" bgcolor="red">c</td></tr></table>`,
			`<table><tr><th scope="col" align="left">h</th><td align="right" colspan="2">c</td></tr></table>`},
		{`<blockquote cite="https://example.org/q">q</blockquote><q cite="javascript:x">i</q>`, `<blockquote cite="https://example.org/q">q</blockquote><q>i</q>`},
		{`<h2>Head</h2><ul><li><em>a</em></li></ul><ol start="3"><li>b</li></ol>`, `<h2>Head</h2><ul><li><em>a</em></li></ul><ol start="3"><li>b</li></ol>`},
		{`<!-- comment --><p>x</p>`, `<p>x</p>`},
		{`<p>unclosed <b>bold`, `<p>unclosed <b>bold`},
		{`<meta http-equiv="refresh" content="0;url=https://evil.example.com"><base href="https://evil.example.com/"><link rel="stylesheet" href="x">`, ``},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

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
