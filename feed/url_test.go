package feed

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// uriPattern is RFC 3986's URI grammar, much as JSON Feed's schema checker
// (ajv-formats "uri") has it: ASCII only, every '%' an escape.
var uriPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:` +
	`(//(([A-Za-z0-9._~!$&'()*+,;=:-]|%[0-9A-F]{2})*@)?(\[[0-9a-f:.]+\]|([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(:[0-9]*)?)?` +
	`([A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-F]{2})*` +
	`(\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*)?` +
	`(#([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-F]{2})*)?$`)

func TestNormalizeURL(t *testing.T) {
	base, _ := url.Parse("https://www.example.gov/press/releases.xml")
	for _, tt := range []struct{ in, want string }{
		// Junk seen in production feeds: characters a URI may not hold.
		{`https://agency.example/news?id=1&q="quoted"`, "https://agency.example/news?id=1&q=%22quoted%22"},
		{`https://agency.example/a<b>c`, "https://agency.example/a%3Cb%3Ec"},
		{`https://agency.example/search?q=<script>`, "https://agency.example/search?q=%3Cscript%3E"},
		{`https://agency.example/p#<top>`, "https://agency.example/p#%3Ctop%3E"},
		{"https://agency.example/a b/c", "https://agency.example/a%20b/c"},
		{"  https://agency.example/x\n\t/y  ", "https://agency.example/x/y"},
		{"https://agency.example/100%/done", "https://agency.example/100%25/done"},
		{"https://agency.example/{a}|b^`c\\d", "https://agency.example/%7Ba%7D%7Cb%5E%60c%5Cd"},
		{"https://agency.example/a?list[]=1", "https://agency.example/a?list%5B%5D=1"},
		{"https://agency.example/a#b#c", "https://agency.example/a#b%23c"},
		{"https://agency.example/報道?q=発表#節", "https://agency.example/%E5%A0%B1%E9%81%93?q=%E7%99%BA%E8%A1%A8#%E7%AF%80"},
		{"https://例え.jp/", "https://%e4%be%8b%e3%81%88.jp/"},
		{"https://%E4%BE%8B%E3%81%88.JP/", "https://%e4%be%8b%e3%81%88.jp/"},
		// Normal form (RFC 3986 section 6).
		{"HTTP://WWW.Example.GOV:80", "http://www.example.gov/"},
		{"https://www.example.gov:443/a", "https://www.example.gov/a"},
		{"https://www.example.gov:0443/a", "https://www.example.gov/a"},
		{"https://www.example.gov:/a", "https://www.example.gov/a"},
		{"http://www.example.gov:8080/a", "http://www.example.gov:8080/a"},
		{"https://www.example.gov./a", "https://www.example.gov/a"},
		{"https://www.example.gov/a/./b/../c/%2e%2E/d", "https://www.example.gov/a/d"},
		{"https://www.example.gov/%7euser/%2fx%3a?%41=%3d%3D", "https://www.example.gov/~user/%2Fx%3A?A=%3D%3D"},
		{"https://www.example.gov/a?", "https://www.example.gov/a?"},
		{"https://user:secret@www.example.gov/a", "https://www.example.gov/a"},
		{"https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"},
		// Relative references resolve against the base.
		{"/press/2024/1", "https://www.example.gov/press/2024/1"},
		{"2024/1?x=<y>", "https://www.example.gov/press/2024/1?x=%3Cy%3E"},
		{"//cdn.example.gov/x", "https://cdn.example.gov/x"},
		{"../../../x", "https://www.example.gov/x"},
		// What cannot be an absolute http(s) URL.
		{"", ""},
		{"   ", ""},
		{"javascript:alert(1)", ""},
		{"mailto:press@example.gov", ""},
		{"ftp://ftp.example.gov/x", ""},
		{"http:relative", ""},
		{"http://", ""},
		{"http://a<b>.example/", ""},
		{"http://host:99999/", ""},
		{"http://[fe80::1%25eth0]/", ""},
	} {
		got := NormalizeURL(base, tt.in)
		if got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" {
			checkNormal(t, got, func(s string) string { return NormalizeURL(nil, s) })
		}
	}
	if got := NormalizeURL(nil, "/id/1234"); got != "" {
		t.Errorf("a relative URL without a base: got %q, want \"\"", got)
	}
}

func TestNormalizeIRI(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// Atom ids seen in production feeds that are not IRIs.
		{"/id/1234", ""},
		{"1234", ""},
		{"urn:uuid:1234", ""},
		{"urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af", ""},
		{"urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6x", ""},
		{"urn:uuid:{60a76c80-d399-11d9-b93c-0003939e0af6}", ""},
		{"urn:", ""},
		{"urn:isbn", ""},
		{"urn::x", ""},
		{"tag:", ""},
		{"//example.org/feed", ""},
		// Valid ids, in normal form.
		{"urn:uuid:60A76C80-D399-11D9-B93C-0003939E0AF6", "urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6"},
		{"URN:UUID:60a76c80-d399-11d9-b93c-0003939e0af6", "urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6"},
		{"urn:ISBN:0-395-36341-1", "urn:isbn:0-395-36341-1"},
		{"tag:state.gov,2005:press-releases", "tag:state.gov,2005:press-releases"},
		{"TAG:example.org,2024:a b<c>", "tag:example.org,2024:a%20b%3Cc%3E"},
		{"tag:example.org,2024:%7e%2f", "tag:example.org,2024:~%2F"},
		{"HTTPS://Example.ORG:443", "https://example.org/"},
		{" http://example.org/feed?a=\"b\" ", "http://example.org/feed?a=%22b%22"},
		{"info:doi/10.1000/182", "info:doi/10.1000/182"},
		{"ftp://FTP.Example.org/pub", "ftp://ftp.example.org/pub"},
	} {
		got := NormalizeIRI(tt.in)
		if got != tt.want {
			t.Errorf("NormalizeIRI(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" {
			checkNormal(t, got, NormalizeIRI)
		}
	}
}

// checkNormal fails t unless s is a URI that normalize leaves as it is.
func checkNormal(t *testing.T, s string, normalize func(string) string) {
	t.Helper()
	if !uriPattern.MatchString(s) {
		t.Errorf("%q is not a URI", s)
	}
	if again := normalize(s); again != s {
		t.Errorf("normalizing %q again gives %q", s, again)
	}
}

func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{"https://a.example/x?y=<z>#\"", "/id/1234", "HTTP://A:80/%7e/../b", "urn:uuid:1234", "http://[::1]/", "https://例え.jp/報道"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://www.example.gov/press/")
	f.Fuzz(func(t *testing.T, s string) {
		if got := NormalizeURL(base, s); got != "" {
			u, err := url.Parse(got)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("NormalizeURL(%q) = %q, not an absolute http(s) URL (%v)", s, got, err)
			}
			checkNormal(t, got, func(s string) string { return NormalizeURL(nil, s) })
		}
		if got := NormalizeIRI(s); got != "" {
			checkNormal(t, got, NormalizeIRI)
		}
	})
}

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://agency.example/feed.xml", "https://agency.example/feed.xml"},
		{"https://agency.example/feed?api_key=s3cret&format=rss", "https://agency.example/feed?api_key=REDACTED&format=REDACTED"},
		{"https://agency.example/feed?flag&empty=&k=v", "https://agency.example/feed?flag&empty=&k=REDACTED"},
		{"https://user:pass@agency.example/feed", "https://REDACTED@agency.example/feed"},
		{"https://token@agency.example/feed", "https://REDACTED@agency.example/feed"},
		{"https://sub.example/cb#access_token=x", "https://sub.example/cb#REDACTED"},
		{"https://sub.example/cb?token=a%20b;c", "https://sub.example/cb?token=REDACTED"},
		// url.Parse refuses these; they are redacted all the same.
		{"https://user:pass@agency.example/%zz?key=v", "https://REDACTED@agency.example/%zz?REDACTED"},
		{"http://x/\x7f?key=secret", "http://x/\x7f?REDACTED"},
	} {
		got := RedactURL(tt.in)
		if got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "secret") || strings.Contains(got, "s3cret") || strings.Contains(got, "pass") {
			t.Errorf("RedactURL(%q) = %q still holds the secret", tt.in, got)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"no url here", "no url here"},
		{
			"fetch https://a.example/feed?key=abc: redirected to https://b.example/x?sig=def: 404 Not Found",
			"fetch https://a.example/feed?key=REDACTED: redirected to https://b.example/x?sig=REDACTED: 404 Not Found",
		},
		{`Post "https://sub.example/cb?token=abc": EOF`, `Post "https://sub.example/cb?token=REDACTED": EOF`},
		{"parse https://u:p@a.example/f (line 3).", "parse https://REDACTED@a.example/f (line 3)."},
	} {
		if got := RedactURLs(tt.in); got != tt.want {
			t.Errorf("RedactURLs(%q) =\n %q, want\n %q", tt.in, got, tt.want)
		}
	}
}
