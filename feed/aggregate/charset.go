package aggregate

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// toUTF8 returns body as UTF-8, with any XML declaration rewritten to say
// so, so that gofeed never converts it a second time.
//
// The rules, in order:
//  1. a byte order mark decides (UTF-8, UTF-16LE, UTF-16BE), and so does
//     the unmistakable "<\x00" or "\x00<" start of UTF-16 without one;
//  2. bytes that are valid UTF-8 are UTF-8, whatever the labels say: a
//     server that transcodes but keeps an old prolog ("ISO-8859-1" over UTF-8
//     text) is common, and legacy text that happens to be valid UTF-8 is not;
//  3. otherwise the XML declaration's encoding, then the charset parameter of
//     the Content-Type header, then windows-1252 (which decodes every byte
//     and is what "ISO-8859-1" means on the web). A label of UTF-8 is skipped
//     here, since the bytes have just been shown not to be UTF-8.
//
// It returns the name of the encoding it decoded from.
func toUTF8(body []byte, contentType string) ([]byte, string) {
	var enc encoding.Encoding
	name := "utf-8"
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}), len(body) > 1 && body[0] == '<' && body[1] == 0:
		enc, name = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), len(body) > 1 && body[0] == 0 && body[1] == '<':
		enc, name = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	}
	if enc == nil && !utf8.Valid(body) {
		enc, name = legacyEncoding(prologEncoding(body), headerCharset(contentType))
	}
	if enc != nil {
		if bytes.HasPrefix(body, []byte{0xFF, 0xFE}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) {
			body = body[2:]
		}
		out, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			// Only a truncated multi-byte sequence gets here; keep what
			// decodes and mark the rest.
			out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
		}
		body = out
	}
	return rewriteProlog(body), name
}

// legacyEncoding picks the encoding for bytes that are not UTF-8.
func legacyEncoding(labels ...string) (encoding.Encoding, string) {
	for _, label := range labels {
		if label == "" {
			continue
		}
		enc, err := htmlindex.Get(label)
		if err != nil {
			continue
		}
		name, _ := htmlindex.Name(enc)
		if name == "utf-8" || strings.HasPrefix(name, "utf-16") {
			continue
		}
		return enc, name
	}
	enc, _ := htmlindex.Get("windows-1252")
	return enc, "windows-1252"
}

// headerCharset returns the charset parameter of a Content-Type value.
func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

var encodingAttr = regexp.MustCompile(`encoding\s*=\s*(?:"[^"]*"|'[^']*')`)

// xmlDecl returns the span of the XML declaration at the start of b
// (after white space), or -1, -1.
func xmlDecl(b []byte) (start, end int) {
	start = len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
	if !bytes.HasPrefix(b[start:], []byte("<?xml")) {
		return -1, -1
	}
	i := bytes.Index(b[start:], []byte("?>"))
	if i < 0 || i > 512 {
		return -1, -1
	}
	return start, start + i + 2
}

// prologEncoding returns the encoding named by b's XML declaration, or "".
func prologEncoding(b []byte) string {
	start, end := xmlDecl(b)
	if start < 0 {
		return ""
	}
	m := encodingAttr.Find(b[start:end])
	if m == nil {
		return ""
	}
	_, v, _ := bytes.Cut(m, []byte("="))
	return string(bytes.Trim(bytes.TrimSpace(v), `"'`))
}

// rewriteProlog makes b's XML declaration, if any, declare UTF-8. b is
// modified only when the declaration names another encoding.
func rewriteProlog(b []byte) []byte {
	start, end := xmlDecl(b)
	if start < 0 {
		return b
	}
	decl := b[start:end]
	loc := encodingAttr.FindIndex(decl)
	if loc == nil || strings.EqualFold(prologEncoding(b), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:start+loc[0]]...)
	out = append(out, `encoding="UTF-8"`...)
	out = append(out, b[start+loc[1]:]...)
	return out
}
