package web

import (
	"net/url"
	"strings"
)

// The security header fields of HTML pages. Every answer also says
// X-Content-Type-Options: nosniff (see ServeHTTP).
//
// The pages have no inline script or style (templates/ and static/ hold
// none, and both sanitizers drop scripts, event handlers and style
// attributes from articles), so the policy allows scripts from herald's own
// files only (static/copy.js, the "Copy URL" buttons) and nothing inline or
// evaluated: a sanitizer bug that let a script through would still not run
// it. Articles
// show images from anywhere, the newsroom's and other publishers' (their
// HTML keeps its <img src>), so images may come from any http or https
// address, and data: URLs. Style sheets come from herald only; forms post
// to herald only; no page may be framed (clickjacking). The site's own
// origin is named besides 'self' because the pages link the style sheet,
// the script and the search form by the public URL (Config.BaseURL), which may be
// another origin than the one a browser used to reach herald directly.
//
// Referrer-Policy: strict-origin-when-cross-origin (browsers' default,
// stated): a publisher whose link a reader follows learns that the reader
// came from this site, not from which page.

// pageSecurity returns the header fields of every HTML page of the site at
// base.
func pageSecurity(base *url.URL) []field {
	self := "'self'"
	if base != nil && base.Host != "" {
		self += " " + base.Scheme + "://" + base.Host
	}
	csp := strings.Join([]string{
		"default-src 'none'",
		"script-src " + self,
		"style-src " + self,
		"img-src " + self + " https: http: data:",
		"form-action " + self,
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	return []field{
		{"Content-Security-Policy", []string{csp}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Referrer-Policy", []string{"strict-origin-when-cross-origin"}},
	}
}
