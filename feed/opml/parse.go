package opml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// The limits of Parse. A subscription list of thousands of feeds, in folders
// a few levels deep, is a few hundred kilobytes.
const (
	MaxSize     = 10 << 20 // bytes read at most
	MaxDepth    = 64       // elements open at once at most, opml included
	MaxOutlines = 100_000  // outlines at most, folders included
)

// An Error is why Parse refused a document, and where.
type Error struct {
	// Line and Column are where the decoder was, both from 1; Line is 0 when
	// the problem is the document as a whole.
	Line, Column int
	Err          error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return "opml: " + e.Err.Error()
	}
	return fmt.Sprintf("opml: line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is the Err of an *Error for a document longer than MaxSize.
var ErrTooLarge = fmt.Errorf("larger than %d bytes", MaxSize)

// A CharsetReader returns a reader of input decoded to UTF-8 from the
// encoding that an XML declaration names, like xml.Decoder.CharsetReader;
// golang.org/x/net/html/charset.NewReaderLabel is one.
type CharsetReader func(label string, input io.Reader) (io.Reader, error)

// Parse reads an OPML document (any version) from r, in UTF-8, US-ASCII or
// ISO-8859-1. It returns an *Error for anything it refuses: malformed XML, a
// root element other than opml, a missing body, a DTD or other <!...>
// declaration, a document beyond MaxSize, MaxDepth or MaxOutlines.
//
// Elements and attributes it does not know are ignored; attribute names are
// matched regardless of case (xmlURL, xmlurl), as some exporters write them.
func Parse(r io.Reader) (*Document, error) {
	return ParseCharset(r, nil)
}

// ParseCharset is Parse with cr decoding the encodings other than UTF-8,
// US-ASCII and ISO-8859-1; with a nil cr they are refused.
func ParseCharset(r io.Reader, cr CharsetReader) (*Document, error) {
	p := &parser{dec: xml.NewDecoder(&limitReader{r: r, n: MaxSize})}
	p.dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(strings.TrimSpace(label)) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return input, nil // ASCII is UTF-8; the decoder checks UTF-8
		case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1":
			return &latin1Reader{r: input}, nil
		}
		if cr == nil {
			return nil, fmt.Errorf("encoding %q not supported", label)
		}
		return cr(label, input)
	}
	doc, err := p.document()
	if err != nil {
		return nil, err
	}
	return doc, nil
}

type parser struct {
	dec   *xml.Decoder
	depth int // elements open
	count int // outlines read
}

// errorf returns an *Error at the decoder's position.
func (p *parser) errorf(format string, args ...any) error {
	line, col := p.dec.InputPos()
	return &Error{Line: line, Column: col, Err: fmt.Errorf(format, args...)}
}

// next returns the next start element, end element or text, having checked
// the limits. It skips comments and processing instructions.
func (p *parser) next() (xml.Token, error) {
	for {
		tok, err := p.dec.Token()
		switch {
		case errors.Is(err, ErrTooLarge):
			return nil, &Error{Err: ErrTooLarge}
		case err == io.EOF:
			return nil, err
		case err != nil:
			var syntax *xml.SyntaxError
			if errors.As(err, &syntax) {
				err = errors.New(syntax.Msg) // without its own "on line N"
			}
			return nil, p.errorf("%w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, p.errorf("<!%s> not allowed: OPML needs no DTD", firstWord(t))
		case xml.StartElement:
			if p.depth++; p.depth > MaxDepth {
				return nil, p.errorf("elements nested more than %d deep", MaxDepth)
			}
		case xml.EndElement:
			p.depth--
		case xml.Comment, xml.ProcInst:
			continue
		}
		return tok, nil
	}
}

func firstWord(d xml.Directive) string {
	w, _, _ := strings.Cut(strings.TrimSpace(string(d)), " ")
	if len(w) > 20 || !utf8.ValidString(w) {
		return "..."
	}
	return w
}

// document reads the whole input: one opml element with a body, and nothing
// but space, comments and processing instructions around it.
func (p *parser) document() (*Document, error) {
	var doc *Document
	for {
		tok, err := p.next()
		if err == io.EOF {
			if doc == nil {
				return nil, &Error{Err: errors.New("no opml element")}
			}
			return doc, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if doc != nil {
				return nil, p.errorf("<%s> after the opml element", t.Name.Local)
			}
			if t.Name.Local != "opml" {
				return nil, p.errorf("root element <%s>, want <opml>", t.Name.Local)
			}
			if doc, err = p.opml(); err != nil {
				return nil, err
			}
		case xml.CharData:
			// A UTF-8 byte order mark is text before the declaration.
			if len(bytes.TrimSpace(bytes.TrimPrefix(t, []byte("\uFEFF")))) == 0 {
				break
			}
			if doc == nil {
				return nil, p.errorf("text before the opml element")
			}
			return nil, p.errorf("text after the opml element")
		}
	}
}

// opml reads the children of the opml element up to its end.
func (p *parser) opml() (*Document, error) {
	doc := &Document{}
	body := false
	for {
		tok, err := p.child()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case nil:
			if !body {
				return nil, p.errorf("no <body> in the opml element")
			}
			return doc, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "head":
				err = p.head(doc)
			case "body":
				body = true
				var outlines []Outline
				outlines, err = p.outlines()
				doc.Outlines = append(doc.Outlines, outlines...)
			default:
				err = p.skip()
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// child returns the next start element or text inside the current element,
// or nil at its end.
func (p *parser) child() (xml.Token, error) {
	tok, err := p.next()
	if err == io.EOF {
		return nil, p.errorf("document ends inside an element")
	}
	if _, end := tok.(xml.EndElement); end {
		return nil, err
	}
	return tok, err
}

// skip reads up to the end of the current element.
func (p *parser) skip() error {
	for {
		tok, err := p.child()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case nil:
			return nil
		case xml.StartElement:
			if err := p.skip(); err != nil {
				return err
			}
		}
	}
}

// text returns the text of the current element, up to its end, with that
// of any elements inside it but not their markup, trimmed of space.
func (p *parser) text() (string, error) {
	var b strings.Builder
	if err := p.appendText(&b); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

func (p *parser) appendText(b *strings.Builder) error {
	for {
		tok, err := p.child()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case nil:
			return nil
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			if err := p.appendText(b); err != nil {
				return err
			}
		}
	}
}

// dateLayouts are the forms of RFC 822 dates that exporters write.
var dateLayouts = []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 MST", time.RFC822Z, time.RFC822}

func (p *parser) head(doc *Document) error {
	for {
		tok, err := p.child()
		if err != nil {
			return err
		}
		t, ok := tok.(xml.StartElement)
		switch {
		case tok == nil:
			return nil
		case !ok:
			continue
		case t.Name.Local == "title":
			doc.Title, err = p.text()
		case t.Name.Local == "dateCreated":
			var s string
			s, err = p.text()
			doc.Created = parseDate(s)
		default:
			err = p.skip()
		}
		if err != nil {
			return err
		}
	}
}

// parseDate returns the time s names, or zero. A year that Marshal could
// not write back in four digits is no date.
func parseDate(s string) time.Time {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

// outlines reads the outline elements inside the current element, up to
// its end.
func (p *parser) outlines() ([]Outline, error) {
	var out []Outline
	for {
		tok, err := p.child()
		if err != nil {
			return nil, err
		}
		t, ok := tok.(xml.StartElement)
		switch {
		case tok == nil:
			return out, nil
		case !ok:
			continue
		case t.Name.Local != "outline":
			if err := p.skip(); err != nil {
				return nil, err
			}
			continue
		}
		if p.count++; p.count > MaxOutlines {
			return nil, p.errorf("more than %d outlines", MaxOutlines)
		}
		o := Outline{}
		for _, a := range t.Attr {
			var field *string
			switch strings.ToLower(a.Name.Local) {
			case "text":
				field = &o.Text
			case "title":
				field = &o.Title
			case "type":
				field = &o.Type
			case "xmlurl":
				field = &o.XMLURL
			case "htmlurl":
				field = &o.HTMLURL
			case "category":
				field = &o.Category
			}
			if field != nil && *field == "" && a.Name.Space == "" {
				*field = a.Value
			}
		}
		if o.Outlines, err = p.outlines(); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
}

// limitReader reads at most n bytes of r, then fails with ErrTooLarge.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(b)) > l.n+1 {
		b = b[:l.n+1] // one past the limit tells a longer input from one that just fits
	}
	n, err := l.r.Read(b)
	if l.n -= int64(n); l.n < 0 {
		return 0, ErrTooLarge
	}
	return n, err
}

// latin1Reader decodes ISO-8859-1, whose bytes are the first 256 code
// points, to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(b []byte) (int, error) {
	if len(b) < utf8.UTFMax {
		return 0, io.ErrShortBuffer
	}
	if cap(l.buf) < len(b)/2 {
		l.buf = make([]byte, len(b)/2) // each byte becomes two at most
	}
	n, err := l.r.Read(l.buf[:len(b)/2])
	out := b[:0]
	for _, c := range l.buf[:n] {
		out = utf8.AppendRune(out, rune(c))
	}
	return len(out), err
}
