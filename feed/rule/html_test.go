package rule

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// referenceWords splits body the way addHTML should, using the
// golang.org/x/net/html tokenizer to find the text.
func referenceWords(body string) string {
	s := &splitter{}
	z := html.NewTokenizer(strings.NewReader(body))
	var skip atom.Atom
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			s.endWord(false)
			d := &Doc{}
			return d.fill(s).words()
		case html.TextToken:
			if skip == 0 {
				s.add(string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if !inline[a] {
				s.boundary()
			}
			switch {
			case tt == html.EndTagToken:
				if a == skip {
					skip = 0
				}
			case rawText[a]:
				// The tokenizer returns the raw text as one text token.
				if tt == html.StartTagToken && z.Next() == html.TextToken {
					continue
				}
			case tt == html.StartTagToken && skip == 0 && skipped[a]:
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
	"<textarea>a</textarea\n>b",
	"<math><![CDATA[x]]></math>y",
	"&#0; &#x110000; &#128512; &nbsp;x",
	"a<averyveryverylongelementname>b</averyveryverylongelementname>c",
}

func TestAddHTML(t *testing.T) {
	for _, h := range htmlCases {
		s := &splitter{}
		s.addHTML(h)
		s.endWord(false)
		got := (&Doc{}).fill(s).words()
		if want := referenceWords(h); got != want {
			t.Errorf("addHTML(%q): words %q, want %q", h, got, want)
		}
	}
}

// FuzzAddHTML checks that addHTML finds the same words as the x/net/html
// tokenizer on input made of real tags, attributes and text.
func FuzzAddHTML(f *testing.F) {
	for _, h := range htmlCases {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		s := &splitter{}
		s.addHTML(h)
		s.endWord(false)
		got := (&Doc{}).fill(s).words()
		if want := referenceWords(h); got != want {
			t.Errorf("addHTML(%q): words %q, want %q", h, got, want)
		}
	})
}
