package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"

	"herald/feed"
	"herald/feed/sanitize"
)

// MaxFrontMatter is the largest front matter ParseMarkdown reads, in bytes.
const MaxFrontMatter = 64 << 10

// markdown renders GitHub-flavoured Markdown. Raw HTML is passed through
// because sanitize.Newsroom, not the Markdown renderer, is the one place
// that decides what HTML is safe; dropping it here would silently lose
// <sup> and friends.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.Linkify,
	),
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

// ParseMarkdown reads a Markdown file with optional YAML front matter
// between "---" lines and returns one article. Front-matter keys:
//
//	id, slug, title, summary, url, language   strings
//	authors                                   list of names (or author: one name)
//	published (or date), updated              RFC 3339, "2006-01-02 15:04" or "2006-01-02"
//	embargo_until (or embargo)                a time, as published: held back until then
//	tags                                      list of tag names or slugs
//	correction                                a public correction note for this edit (see feed.Correction)
//
// A key not in this list is an error naming it and its line: a misspelt
// "publised:" must stop the ingest, not drop the date. When there is no
// title, a leading level-1 heading supplies it and leaves the body; a leading
// heading that repeats the title is dropped too, since readers show the
// title already. The summary defaults to the first paragraph, shortened.
//
// Errors are *Error values with the line of the offending key or value.
func ParseMarkdown(name string, data []byte, opt Options) ([]feed.Article, error) {
	if err := checkSize(name, data); err != nil {
		return nil, err
	}
	data = trimBOM(data)
	if err := checkUTF8(name, data); err != nil {
		return nil, err
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	fm, fmLine, body, err := splitFrontMatter(data)
	if err != nil {
		return nil, &Error{File: name, Line: 1, Err: err}
	}
	if err := checkNesting(body, fmLine+bytes.Count(fm, []byte("\n"))+1); err != nil {
		err.File = name
		return nil, err
	}
	var a feed.Article
	if fm != nil {
		if err := readFrontMatter(&a, fm, fmLine, opt.location()); err != nil {
			err.File = name
			return nil, err
		}
	}
	if err := renderBody(&a, body); err != nil {
		return nil, &Error{File: name, Err: err}
	}
	if err := finish(&a, name, 0, opt); err != nil {
		return nil, err
	}
	return []feed.Article{a}, nil
}

// splitFrontMatter returns the front matter (nil if there is none), the line
// it starts on, and the body.
func splitFrontMatter(data []byte) (fm []byte, line int, body []byte, err error) {
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	if string(bytes.TrimRight(first, " \t")) != "---" {
		return nil, 0, data, nil
	}
	off := 0
	for {
		l, next, found := bytes.Cut(rest[off:], []byte("\n"))
		if s := string(bytes.TrimRight(l, " \t")); s == "---" || s == "..." {
			fm = rest[:off]
			body = rest[len(rest)-len(next):]
			if !found {
				body = nil
			}
			break
		}
		if !found {
			return nil, 0, nil, errors.New(`front matter: no closing "---" line`)
		}
		off += len(l) + 1
	}
	if len(fm) > MaxFrontMatter {
		return nil, 0, nil, fmt.Errorf("front matter: longer than %d KiB", MaxFrontMatter>>10)
	}
	return fm, 2, body, nil
}

// maxNesting is how deeply block quotes and lists may nest: markers on one
// line ("> > - > ..."), or markers indented past column 4*maxNesting (lists
// nested by indentation). goldmark takes time quadratic in the depth, so a
// hostile file could otherwise stall ingest for hours; real articles nest a
// few levels at most.
const maxNesting = 32

// checkNesting rejects a body nested deeper than maxNesting. first is the
// file line the body starts on.
func checkNesting(body []byte, first int) *Error {
	n := first
	for line := range bytes.Lines(body) {
		depth, col := 0, 0
		for i := 0; i < len(line); {
			switch c := line[i]; {
			case c == ' ':
				i, col = i+1, col+1
				continue
			case c == '\t':
				i, col = i+1, col+4-col%4
				continue
			case c == '>':
				i++
			case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
				i += 2
			case isDigit(c):
				j := i
				for j < len(line) && isDigit(line[j]) {
					j++
				}
				if j+1 >= len(line) || (line[j] != '.' && line[j] != ')') || (line[j+1] != ' ' && line[j+1] != '\t') {
					i = len(line)
					continue
				}
				i = j + 2
			default:
				i = len(line)
				continue
			}
			if depth++; depth > maxNesting || col > 4*maxNesting {
				return &Error{Line: n, Err: fmt.Errorf("block quotes or lists nested more than %d deep", maxNesting)}
			}
		}
		n++
	}
	return nil
}

// synonyms are front-matter keys that set the same field.
var synonyms = map[string]string{"author": "authors", "authors": "author", "date": "published", "published": "date"}

// yamlLine finds the line number yaml.v3 puts in its messages. It counts
// from 1 in scanner errors but from 0 in parser errors, which have these
// messages (gopkg.in/yaml.v3 parserc.go).
var (
	yamlLine           = regexp.MustCompile(`^yaml: line (\d+): `)
	yamlParserProblems = regexp.MustCompile(`^(?:did not find expected (?:<|node content|'-' indicator|key|',' or)|found undefined tag handle|found duplicate %|found incompatible YAML document)`)
)

// readFrontMatter sets a's fields from YAML front matter that starts on
// line first of the file. It walks the YAML nodes rather than decoding into
// a struct so that it can name the line of each problem, reject unknown and
// repeated keys, and read dates itself (YAML would make "2014-04-04"
// midnight UTC, not midnight in the newsroom).
func readFrontMatter(a *feed.Article, fm []byte, first int, loc *time.Location) *Error {
	errAt := func(line int, err error) *Error {
		return &Error{Line: line, Err: fmt.Errorf("front matter: %w", err)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		msg, line := err.Error(), 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
			if yamlParserProblems.MatchString(msg) {
				line++
			}
			line += first - 1
		}
		return errAt(line, errors.New(strings.TrimPrefix(msg, "yaml: ")))
	}
	if len(doc.Content) == 0 {
		return nil // empty front matter
	}
	root := doc.Content[0]
	line := func(n *yaml.Node) int { return n.Line + first - 1 }
	if root.Kind != yaml.MappingNode {
		return errAt(line(root), errors.New("want key: value lines"))
	}
	seen := make(map[string]int)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return errAt(line(k), errors.New("keys must be plain words"))
		}
		key := k.Value
		if prev, ok := seen[key]; ok {
			return errAt(line(k), feed.Invalid(key, "given twice (first on line %d)", prev))
		}
		seen[key] = line(k)
		if other, ok := synonyms[key]; ok {
			if prev, ok := seen[other]; ok {
				return errAt(line(k), feed.Invalid(key, "give %s or %s, not both (%s is on line %d)", other, key, other, prev))
			}
		}
		var (
			err error
			at  *yaml.Node // the list item at fault, if not v
		)
		switch key {
		case "id":
			a.ID, err = yamlString(v)
		case "slug":
			a.Slug, err = yamlString(v)
		case "title":
			a.Title, err = yamlString(v)
		case "summary":
			a.Summary, err = yamlString(v)
		case "correction":
			a.Correction, err = yamlString(v)
		case "url":
			a.URL, err = yamlString(v)
		case "language":
			a.Language, err = yamlString(v)
		case "author":
			var s string
			if s, err = yamlString(v); err == nil && s != "" {
				a.Authors = []string{s}
			}
		case "authors":
			a.Authors, at, err = yamlStrings(v)
		case "tags":
			var names []string
			if names, at, err = yamlStrings(v); err != nil {
				break
			}
			var bad int
			if a.Tags, bad = tagsFrom(names); bad >= 0 {
				at, err = v.Content[bad], fmt.Errorf("%q has no letters or digits to make a tag slug from", names[bad])
			}
		case "embargo_until", "embargo":
			var s string
			if s, err = yamlString(v); err != nil || s == "" {
				break
			}
			a.EmbargoUntil, err = parseEmbargo(s, loc)
		case "published", "date", "updated":
			var s string
			if s, err = yamlString(v); err != nil || s == "" {
				break
			}
			var t time.Time
			if t, err = parseTime(s, loc); err != nil {
				break
			}
			if key == "updated" {
				a.Updated = t
			} else {
				a.Published = t
			}
		default:
			return errAt(line(k), feed.Invalid(key, "unknown key (known: id, slug, title, summary, authors, author, published, date, updated, url, language, tags, embargo_until, correction)"))
		}
		if err != nil {
			if at != nil {
				v = at
			}
			return errAt(line(v), feed.Invalid(key, "%s", err))
		}
	}
	return nil
}

// yamlString returns the text of a scalar as written, so that "id: 2014" and
// "title: 1.10" keep their digits. An empty value or null gives "".
func yamlString(n *yaml.Node) (string, error) {
	switch {
	case n.Kind == yaml.AliasNode:
		return "", errors.New("aliases (*name) are not supported")
	case n.Kind != yaml.ScalarNode:
		return "", fmt.Errorf("want a single value, got a %s", yamlKind(n))
	case n.Tag == "!!null":
		return "", nil
	}
	return strings.TrimSpace(n.Value), nil
}

// yamlStrings returns the items of a list of scalars. On error it also
// returns the offending item, for its line.
func yamlStrings(n *yaml.Node) ([]string, *yaml.Node, error) {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil, nil, nil
	case n.Kind != yaml.SequenceNode:
		return nil, nil, fmt.Errorf("want a list (one \"- item\" per line), got a %s", yamlKind(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		s, err := yamlString(item)
		if err != nil {
			return nil, item, fmt.Errorf("item %d: %w", i+1, err)
		}
		out = append(out, s)
	}
	return out, nil, nil
}

func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "map"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// renderBody renders the Markdown body into a.Content, taking the title from
// a leading heading if a has none, and fills a.Summary if it is empty.
func renderBody(a *feed.Article, body []byte) error {
	doc := markdown.Parser().Parse(text.NewReader(body))
	if h, ok := doc.FirstChild().(*ast.Heading); ok && h.Level == 1 {
		var buf bytes.Buffer
		if err := markdown.Renderer().Render(&buf, body, h); err != nil {
			return fmt.Errorf("render heading: %w", err)
		}
		heading := htmlText(sanitize.Newsroom(buf.String()), false)
		switch {
		case a.Title == "":
			a.Title = heading
			doc.RemoveChild(doc, h)
		case strings.EqualFold(strings.Join(strings.Fields(a.Title), " "), heading):
			doc.RemoveChild(doc, h)
		}
	}
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, body, doc); err != nil {
		return fmt.Errorf("render body: %w", err)
	}
	a.Content = strings.TrimSpace(sanitize.Newsroom(buf.String()))
	if a.Summary == "" {
		a.Summary = summarize(htmlText(a.Content, true))
	}
	return nil
}
