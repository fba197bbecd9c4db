package feed

import (
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// URLs and ids copied from other publishers' feeds are often not valid:
// relative ids, malformed urn:uuid, links with spaces, '<', '>' or '"'.
// NormalizeURL and NormalizeIRI turn what can be saved into a URI in the
// normal form of RFC 3986 section 6, which is also what the W3C feed
// validator takes as canonical, and reject the rest, so that a feed herald
// republishes never carries an invalid one. The result is always ASCII:
// a URI is an IRI too, and JSON Feed's schema and RSS want URIs.

// NormalizeURL returns ref as an absolute http or https URL in normal form,
// resolved against base when it is relative (base may be nil), or "" when
// it cannot be made one.
//
// Before parsing, tabs and newlines are removed and spaces and controls at
// either end trimmed, as browsers do; characters that a URI may not hold
// (spaces, '<', '>', '"', '{', '}', '|', '\', '^', '`', non-ASCII) are
// percent-encoded as UTF-8, and so is a '%' that starts no escape. Then the
// normal form: scheme and host in lower case, a default or empty port
// dropped, a trailing dot of a domain dropped, an empty path made "/", dot
// segments removed, escapes of unreserved characters decoded and the others
// in upper case. A user name or password is dropped: it is a credential.
func NormalizeURL(base *url.URL, ref string) string {
	ref = escapeRef(ref)
	if ref == "" {
		return "" // not a reference to the base
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		if base == nil {
			return ""
		}
		u = base.ResolveReference(u)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Opaque != "" {
		return ""
	}
	u.User = nil
	s, ok := normalizeHierarchical(scheme, "", u)
	if !ok {
		return ""
	}
	return s
}

// NormalizeIRI returns id, which should be an absolute IRI (an Atom id, say),
// as a URI in normal form, or "" when it is not one. A relative reference
// ("/id/1234"), a urn:uuid that is not a UUID and a URN without a namespace
// are rejected; http and https ids are normalized as by NormalizeURL;
// other schemes (tag:, urn:) have the scheme in lower case and their
// escapes normalized. Characters not allowed in a URI are percent-encoded.
func NormalizeIRI(id string) string {
	s := escapeRef(id)
	m := schemePrefix.FindString(s)
	if m == "" || len(m) == len(s) {
		return ""
	}
	scheme := strings.ToLower(m[:len(m)-1])
	rest := s[len(m):]
	switch {
	case scheme == "http" || scheme == "https":
		return NormalizeURL(nil, s)
	case scheme == "urn":
		return normalizeURN(rest)
	case strings.HasPrefix(rest, "//"):
		u, err := url.Parse(s)
		if err != nil || u.Opaque != "" {
			return ""
		}
		// The user information is kept, as part of the id, but in normal
		// form, written as it is: url.User would escape it once more.
		var userinfo string
		if u.User != nil {
			userinfo = normalizeComponent(u.User.String(), ":")
		}
		out, ok := normalizeHierarchical(scheme, userinfo, u)
		if !ok {
			return ""
		}
		return out
	}
	return scheme + ":" + normalizeOpaque(rest)
}

// schemePrefix matches a URI's scheme and its colon.
var schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

var (
	urnNID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]$`)
	uuid   = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

// normalizeURN normalizes the part of a URN after "urn:" (RFC 8141): the
// namespace is case-insensitive, so it is written in lower case, and a
// UUID (RFC 9562) must be one, in lower case.
func normalizeURN(rest string) string {
	nid, nss, ok := strings.Cut(rest, ":")
	if !ok || !urnNID.MatchString(nid) || nss == "" {
		return ""
	}
	nid = strings.ToLower(nid)
	if nid == "uuid" {
		if !uuid.MatchString(nss) {
			return ""
		}
		return "urn:uuid:" + strings.ToLower(nss)
	}
	return "urn:" + nid + ":" + normalizeOpaque(nss)
}

// normalizeOpaque normalizes what follows the scheme of a URI that has no
// authority: a path, then maybe a query and a fragment.
func normalizeOpaque(s string) string {
	s, frag, hasFrag := strings.Cut(s, "#")
	path, query, hasQuery := strings.Cut(s, "?")
	out := normalizeComponent(path, "/")
	if hasQuery {
		out += "?" + normalizeComponent(query, "/?")
	}
	if hasFrag {
		out += "#" + normalizeComponent(frag, "/?")
	}
	return out
}

// defaultPorts are the ports a URL of the scheme need not name.
var defaultPorts = map[string]string{"http": "80", "https": "443"}

// normalizeHierarchical writes u, a URL with an authority, in normal form
// under scheme (already in lower case), with userinfo (already normal; ""
// for none) in place of u's. It reports false when the host is missing or
// not a valid one.
func normalizeHierarchical(scheme, userinfo string, u *url.URL) (string, bool) {
	host, ok := normalizeHost(u.Hostname())
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if userinfo != "" {
		b.WriteString(userinfo)
		b.WriteByte('@')
	}
	b.WriteString(host)
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return "", false
		}
		if p = strconv.FormatUint(n, 10); p != defaultPorts[scheme] {
			b.WriteByte(':')
			b.WriteString(p)
		}
	}
	path := removeDotSegments(normalizeComponent(u.EscapedPath(), "/"))
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	if u.ForceQuery || u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(normalizeComponent(u.RawQuery, "/?"))
	}
	if f := u.EscapedFragment(); f != "" {
		b.WriteByte('#')
		b.WriteString(normalizeComponent(f, "/?"))
	}
	return b.String(), true
}

// normalizeHost returns host (as url.URL.Hostname gives it: unescaped,
// without brackets) in normal form: an IPv6 address as RFC 5952 writes it,
// in brackets; a name in lower case, without the trailing dot of a domain
// name, non-ASCII bytes percent-encoded (browsers read an internationalized
// name so written as they read it in Unicode). It reports false for an empty host,
// an IPv6 zone and characters no host may hold.
func normalizeHost(host string) (string, bool) {
	if host == "" {
		return "", false
	}
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		return "[" + a.String() + "]", true
	}
	host = strings.ToLower(host)
	// As the W3C feed validator has it: "example.org." but not "org.".
	if len(host) > 2 && host[len(host)-1] == '.' && strings.Contains(host[:len(host)-2], ".") {
		host = host[:len(host)-1]
	}
	var b strings.Builder
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c >= 0x80:
			// In lower case, like the rest of the host: the W3C validator
			// lower-cases all of it.
			b.WriteString(strings.ToLower(escape(c)))
		case unreserved(c) || subDelim(c):
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// normalizeComponent normalizes the escaping of a path, query or fragment:
// an escape of an unreserved character is decoded, other escapes are
// written in upper case, a '%' that starts no escape becomes "%25", and
// any character that is neither unreserved, a sub-delimiter, ':', '@' nor
// in extra is percent-encoded.
func normalizeComponent(s, extra string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(v) {
				b.WriteByte(v)
			} else {
				writeEscape(&b, v)
			}
			i += 2
		case unreserved(c) || subDelim(c) || c == ':' || c == '@' || (c != '%' && strings.IndexByte(extra, c) >= 0):
			b.WriteByte(c)
		default:
			writeEscape(&b, c)
		}
	}
	return b.String()
}

// removeDotSegments removes "." and ".." segments from an absolute path
// (RFC 3986 section 5.2.4). Escapes must be normalized first, so that an
// escaped dot counts as one.
func removeDotSegments(path string) string {
	if !strings.Contains(path, ".") {
		return path
	}
	segs := strings.Split(path, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}

// escapeRef prepares a reference copied from a feed for url.Parse: tabs and
// newlines removed and the ends trimmed, as browsers do, and every byte that
// no part of a URI may hold percent-encoded. A '#' after the first, which
// would start a second fragment, is encoded too.
func escapeRef(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	var b strings.Builder
	b.Grow(len(s))
	hash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t' || c == '\n' || c == '\r':
			// dropped
		case c == '%' && !(i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])):
			b.WriteString("%25")
		case c == '#' && hash:
			b.WriteString("%23")
		case c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0:
			writeEscape(&b, c)
		default:
			hash = hash || c == '#'
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func subDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func writeEscape(b *strings.Builder, c byte) { b.WriteString(escape(c)) }

func escape(c byte) string {
	const hex = "0123456789ABCDEF"
	return string([]byte{'%', hex[c>>4], hex[c&15]})
}

// Redacted stands for a secret left out of a log line.
const Redacted = "REDACTED"

// RedactURL returns raw fit for a log line: the value of every query
// parameter, any user name and password, and the fragment replaced by
// REDACTED; parameter names, host and path kept, so that the line still
// says which URL it is about. Source and callback URLs can carry API keys
// and tokens in their queries; the people who read logs need not see them.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactUnparsed(raw)
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	u.RawQuery = redactQuery(u.RawQuery)
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = Redacted, ""
	}
	return u.String()
}

// redactQuery replaces each non-empty value of a raw query.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	params := strings.Split(q, "&")
	for i, p := range params {
		if name, value, ok := strings.Cut(p, "="); ok && value != "" {
			params[i] = name + "=" + Redacted
		}
	}
	return strings.Join(params, "&")
}

// redactUnparsed redacts what url.Parse rejected: everything after the
// first '?' or '#', and the user information.
func redactUnparsed(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i+1] + Redacted
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		auth := raw[i+3:]
		end := strings.IndexAny(auth, "/?#")
		if end < 0 {
			end = len(auth)
		}
		if at := strings.LastIndexByte(auth[:end], '@'); at >= 0 {
			raw = raw[:i+3] + Redacted + auth[at:]
		}
	}
	return raw
}

// urlInText matches a URL in free text, such as an error message, up to a
// space or quote.
var urlInText = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+`)

// RedactURLs returns text with every URL in it redacted as by RedactURL:
// for errors, which name the URLs they are about.
func RedactURLs(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	return urlInText.ReplaceAllStringFunc(text, func(u string) string {
		// Punctuation that ends a sentence or a parenthesis is not the URL's.
		trimmed := strings.TrimRight(u, ".,;:!?)]}")
		return RedactURL(trimmed) + u[len(trimmed):]
	})
}
