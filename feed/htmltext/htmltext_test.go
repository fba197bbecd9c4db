package htmltext

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// words records what a Walk gives as its words in order, with "|" where a
// run of text ends: never first, never two in a row.
type words struct {
	out  []string
	word strings.Builder
}

func (w *words) Text(s string) {
	for _, r := range s {
		switch Classify(r) {
		case Sep:
			w.endWord()
		case Ignored:
		default:
			w.word.WriteRune(r)
		}
	}
}

func (w *words) Edge(atom.Atom, bool) {
	w.endWord()
	if n := len(w.out); n > 0 && w.out[n-1] != "|" {
		w.out = append(w.out, "|")
	}
}

func (w *words) endWord() {
	if w.word.Len() > 0 {
		w.out = append(w.out, w.word.String())
		w.word.Reset()
	}
}

func (w *words) String() string {
	w.endWord()
	return strings.Join(w.out, " ")
}

func walkWords(h string) string {
	var w words
	Walk(h, &w)
	return w.String()
}

// referenceWords finds the words of body the way Walk should, using the
// golang.org/x/net/html tokenizer to find the text.
func referenceWords(body string) string {
	var w words
	z := html.NewTokenizer(strings.NewReader(body))
	var skip atom.Atom
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String()
		case html.TextToken:
			if skip == 0 {
				w.Text(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if !inline[a] {
				w.Edge(a, tt == html.EndTagToken)
			}
			// A self-closing tag of an element that is not void starts
			// the element, as the HTML parser reads it.
			switch {
			case tt == html.EndTagToken:
				if a == skip {
					skip = 0
				}
			case rawText[a]:
				// The tokenizer returns the raw text as one text token.
				if z.Next() == html.TextToken {
					continue
				}
			case skip == 0 && skipped[a]:
				skip = a
			}
		}
	}
}

var htmlCases = []string{
	"",
	"plain text",
	"<p>Critical <b>infra</b>structure &amp; more</p>",
	"<P CLASS=x>Upper case tags</P>",
	`<a href="x>y" title='a>b'>link text</a> after`,
	`<img alt="a > b" src=x.png>caption`,
	"a < b and c > d",
	"x <3 y",
	"<!-- comment <p> -->visible",
	"<!---->a<!-->b<!--->c",
	"<!DOCTYPE html><p>doc</p>",
	"<?xml version=1?>after",
	"<![CDATA[data]]>after",
	"</>after",
	"</ not a tag>after",
	"<script>if (a<b) { x = '</p>' }</script>after",
	"<SCRIPT>x</SCRIPT >after",
	"<style>p { color: red }</style>styled",
	"<textarea><p>raw</p></textarea>after",
	"<title>t</title>body",
	"<noscript><p>enable js</p></noscript>after",
	"<template><p>tpl</p></template>after",
	"<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字</ruby>",
	"<p>unclosed <b attr=\"x",
	"<p>text<",
	"<p>text</",
	"&lt;p&gt; &#x41;&#66; &copy; &notanentity; &amp",
	"<ul><li>one</li><li>two</li></ul>",
	"<br/>a<br />b<hr>c",
	"<custom-el>x</custom-el>y",
	"<p>Japan&rsquo;s cyber&shy;security</p>",
	"<!--a--!>b",
	"<!--a--b-->c",
	"<script>a</scriptx>b</script>c",
	"<p>a</p\n>b",
	"<a\nhref=x\ttitle = \"t\">t</a>",
	"<a =\">0",
	"0<C",
	"&#0",
	"<a b=c d='e'f>g",
	"<p/>a<p / >b",
	"<plaintext>rest<p>x",
	"<xmp><b>x</b></xmp>y",
	"<iframe>x</iframe>y",
	"<noembed>x</noembed>y",
	"<noframes>x</noframes>y",
	"<textarea>a</textarea\n>b",
	"<math><![CDATA[x]]></math>y",
	"&#0; &#x110000; &#128512; &nbsp;x",
	"a<averyveryverylongelementname>b</averyveryverylongelementname>c",
	"<acronym>NATO</acronym>s",
	"<script/>x</script>y",
	"<noscript/>x</noscript>y",
}

func TestWalk(t *testing.T) {
	for _, h := range htmlCases {
		if got, want := walkWords(h), referenceWords(h); got != want {
			t.Errorf("Walk(%q): words %q, want %q", h, got, want)
		}
	}
	// What is and is not article text, and where runs end.
	tests := []struct{ in, want string }{
		{"<p>Critical <b>infra</b>structure &amp; more</p>", "Critical infrastructure more |"},
		{"<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>字</ruby>", "漢字"},
		{"<p>seen</p><iframe src=x>framed</iframe><noembed>embedded</noembed><noframes>f</noframes>", "seen |"},
		{"a<script>s</script><style>s</style><template>t</template><noscript>n</noscript><textarea>t</textarea><title>t</title><xmp>x</xmp>b", "a | b"},
		{"cyber<wbr>security <acronym>NATO</acronym>s", "cybersecurity NATOs"},
		{"critical<br>infrastructure<img src=x>grid", "critical | infrastructure | grid"},
	}
	for _, tt := range tests {
		if got := walkWords(tt.in); got != tt.want {
			t.Errorf("Walk(%q): words %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzWalk checks that Walk finds the same words as the x/net/html
// tokenizer on input made of real tags, attributes and text.
func FuzzWalk(f *testing.F) {
	for _, h := range htmlCases {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got, want := walkWords(h), referenceWords(h); got != want {
			t.Errorf("Walk(%q): words %q, want %q", h, got, want)
		}
	})
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AT&amp;T &lt;b&gt;", "AT&T <b>"},
		{"<p>One</p><p>Two<br>Three</p>", "One Two Three"},
		{"a <script>alert(1)</script>b <style>p{}</style>c", "a b c"},
		{"  spaced \n\t out  ", "spaced out"},
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
		{"<p>cyber<strong>security</strong></p>", "cybersecurity"},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a b"},
		{"a\x00b\u00a0c", "a b c"},
		{"<p>seen</p><iframe>framed</iframe><noembed>embedded</noembed>", "seen"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		r    rune
		want Class
	}{
		{'a', Letter}, {'Z', Letter}, {'7', Letter}, {'é', Letter}, {'ß', Letter}, {'한', Letter}, {'\ue000', Letter},
		{'漢', Unspaced}, {'か', Unspaced}, {'カ', Unspaced}, {'ー', Unspaced}, {'々', Unspaced}, {'ไ', Unspaced},
		{'\u0301', Mark}, {'\u093e', Mark},
		{'\u00ad', Ignored}, {'\u200d', Ignored}, {'\ufeff', Ignored},
		{' ', Sep}, {'-', Sep}, {'*', Sep}, {'’', Sep}, {'・', Sep}, {'、', Sep}, {'\u2029', Sep}, {0, Sep},
	}
	for _, tt := range tests {
		if got := Classify(tt.r); got != tt.want {
			t.Errorf("Classify(%q) = %d, want %d", tt.r, got, tt.want)
		}
	}
}
