package sanitize

import (
	"net/url"
	"strings"
	"testing"
)

func TestNewsroom(t *testing.T) {
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
		if got := Newsroom(tt.in); got != tt.want {
			t.Errorf("Newsroom(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestExternal(t *testing.T) {
	base, _ := url.Parse("https://agency.example/news/item.html")
	tests := []struct{ in, want string }{
		{`  <p>Plain &amp; simple</p>  `, `<p>Plain &amp; simple</p>`},
		{`<a href="/press/1">release</a>`, `<a href="https://agency.example/press/1" rel="nofollow noopener noreferrer">release</a>`},
		{`<a href="2.html" rel="opener" target="_blank">next</a>`, `<a href="https://agency.example/news/2.html" rel="nofollow noopener noreferrer">next</a>`},
		{`<img src="chart.png" alt="Chart">`, `<img src="https://agency.example/news/chart.png" alt="Chart">`},
		{`<img src="data:image/png;base64,AAAA">`, ``},
		{`<a href="javascript:alert(1)">t</a>`, `<a rel="nofollow noopener noreferrer">t</a>`},
		{`<script>alert(1)</script><style>p{}</style><p onclick="x()" style="color:red">t</p>`, `<p>t</p>`},
		{`<iframe src="https://e.example/"></iframe><svg><circle/></svg>`, ``},
		{`<blockquote cite="/q">q</blockquote>`, `<blockquote cite="https://agency.example/q">q</blockquote>`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := External(tt.in, base); got != tt.want {
			t.Errorf("External(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	// Without a base, relative URLs cannot be made absolute and go.
	if got := External(`<a href="/x">t</a>`, nil); strings.Contains(got, "href") {
		t.Errorf("External without a base = %q, want no relative href", got)
	}
}
