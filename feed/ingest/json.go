package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/sanitize"
)

// jsonFields are the keys of a JSON article, in the order errors list them.
var jsonFields = []string{
	"id", "slug", "title", "summary", "content", "content_text",
	"authors", "published", "updated", "url", "language", "tags",
	"embargo_until", "correction",
}

// JSONFields returns the keys of a JSON article, in the order errors list
// them.
func JSONFields() []string { return slices.Clone(jsonFields) }

// ParseJSON reads a JSON file holding one article object or an array of
// them. Object keys:
//
//	id, slug, title, summary, url, language   strings
//	content                                   HTML (sanitized)
//	content_text                              plain text; blank lines separate paragraphs
//	authors, tags                             arrays of strings
//	published, updated                        RFC 3339, "2006-01-02 15:04" or "2006-01-02"
//	embargo_until                             a time, as published; null or absent for none
//	correction                                a public correction note for this edit (see feed.Correction)
//
// Keys match exactly: an unknown key, a key in the wrong case ("Title") or a
// repeated key is an error naming it and its line, as is a value of the
// wrong type. (json.Decoder.DisallowUnknownFields is not enough: it matches
// keys case-insensitively and lets a repeated key overwrite the first.)
//
// In an array every article must have an id, since the file name can name
// only one, and ids must not repeat. Each item is parsed on its own: ParseJSON
// returns the good articles together with an error joining one *Error per
// bad item (errors.Join), so a caller can store the good ones and report the
// rest. A file that is not valid JSON, or holds no articles, yields no
// articles.
func ParseJSON(name string, data []byte, opt Options) ([]feed.Article, error) {
	if err := checkSize(name, data); err != nil {
		return nil, err
	}
	data = trimBOM(data)
	lines := newLineIndex(data)
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		line := 0
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			line = lines.at(int(se.Offset))
		}
		return nil, &Error{File: name, Line: line, Err: fmt.Errorf("not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))}
	}
	start := skipSpace(data, 0)
	if data[start] != '[' {
		a, err := parseJSONItem(name, 0, data, start, lines, opt)
		if err != nil {
			return nil, err
		}
		return []feed.Article{a}, nil
	}

	items, err := jsonElements(data, start)
	if err != nil {
		return nil, &Error{File: name, Line: lines.at(start), Err: err}
	}
	switch {
	case len(items) == 0:
		return nil, &Error{File: name, Line: lines.at(start), Err: errors.New("the array holds no articles")}
	case len(items) > MaxArticles:
		return nil, &Error{File: name, Line: lines.at(start), Err: fmt.Errorf("the array holds %d articles; the limit is %d", len(items), MaxArticles)}
	}
	var (
		arts []feed.Article
		errs []error
	)
	ids := make(map[string]int)
	for i, off := range items {
		a, err := parseJSONItem(name, i+1, data, off, lines, opt)
		if err == nil {
			if prev, ok := ids[a.ID]; ok {
				err = &Error{File: name, Item: i + 1, Line: lines.at(off), Err: feed.Invalid("id", "%q repeats item %d", a.ID, prev)}
			} else {
				ids[a.ID] = i + 1
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		arts = append(arts, a)
	}
	return arts, errors.Join(errs...)
}

// jsonArticle holds the raw values of one JSON article.
type jsonArticle struct {
	id, slug, title, summary, content, contentText, url, language string
	published, updated, embargoUntil, correction                  string
	authors, tags                                                 []string
}

// parseJSONItem parses the object at data[off:]. item is its position in
// an array, or 0.
func parseJSONItem(name string, item int, data []byte, off int, lines lineIndex, opt Options) (feed.Article, error) {
	loc := opt.location()
	var a feed.Article
	errAt := func(off int, err error) error {
		return &Error{File: name, Item: item, Line: lines.at(off), Err: err}
	}
	if data[off] != '{' {
		return a, errAt(off, fmt.Errorf("want an article object, got %s", jsonKind(data[off])))
	}
	members, err := jsonMembers(data, off)
	if err != nil {
		return a, errAt(off, err)
	}
	var j jsonArticle
	at := make(map[string]int) // key -> offset of its value
	for _, m := range members {
		if !slices.Contains(jsonFields, m.key) {
			return a, errAt(m.keyOff, feed.Invalid(m.key, "unknown field (known: %s)", strings.Join(jsonFields, ", ")))
		}
		if _, ok := at[m.key]; ok {
			return a, errAt(m.keyOff, feed.Invalid(m.key, "given twice"))
		}
		at[m.key] = m.valOff
		raw := data[m.valOff:m.end]
		var err error
		var badItem int
		switch m.key {
		case "id":
			err = jsonString(raw, &j.id)
		case "slug":
			err = jsonString(raw, &j.slug)
		case "title":
			err = jsonString(raw, &j.title)
		case "summary":
			err = jsonString(raw, &j.summary)
		case "content":
			err = jsonString(raw, &j.content)
		case "content_text":
			err = jsonString(raw, &j.contentText)
		case "url":
			err = jsonString(raw, &j.url)
		case "language":
			err = jsonString(raw, &j.language)
		case "published":
			err = jsonString(raw, &j.published)
		case "updated":
			err = jsonString(raw, &j.updated)
		case "embargo_until":
			err = jsonString(raw, &j.embargoUntil)
		case "correction":
			err = jsonString(raw, &j.correction)
		case "authors":
			j.authors, badItem, err = jsonStrings(data, m.valOff)
		case "tags":
			j.tags, badItem, err = jsonStrings(data, m.valOff)
		}
		if err != nil {
			if badItem > 0 {
				return a, errAt(badItem, feed.Invalid(m.key, "%s", err))
			}
			return a, errAt(m.valOff, feed.Invalid(m.key, "%s", err))
		}
	}
	if j.content != "" && j.contentText != "" {
		return a, errAt(at["content_text"], feed.Invalid("content_text", "give content (HTML) or content_text, not both"))
	}

	if item > 0 && j.id == "" {
		return a, errAt(off, feed.Invalid("id", "is required in an array (the file name can name only one article)"))
	}
	a.ID, a.Slug, a.Title, a.URL, a.Language = j.id, j.slug, strings.TrimSpace(j.title), j.url, j.language
	a.Summary = strings.TrimSpace(j.summary)
	a.Correction = strings.TrimSpace(j.correction)
	a.Authors = j.authors
	for _, f := range []struct {
		key string
		s   string
		t   *time.Time
	}{{"published", j.published, &a.Published}, {"updated", j.updated, &a.Updated},
		{"embargo_until", j.embargoUntil, &a.EmbargoUntil}} {
		if f.s == "" {
			continue
		}
		parse := parseTime
		if f.key == "embargo_until" {
			parse = parseEmbargo
		}
		t, err := parse(f.s, loc)
		if err != nil {
			return a, errAt(at[f.key], feed.Invalid(f.key, "%s", err))
		}
		*f.t = t
	}
	tags, bad := tagsFrom(j.tags)
	if bad >= 0 {
		return a, errAt(at["tags"], feed.Invalid("tags", "%q has no letters or digits to make a tag slug from", j.tags[bad]))
	}
	a.Tags = tags
	if j.contentText != "" {
		a.Content = sanitize.Newsroom(paragraphsHTML(splitParagraphs(j.contentText)))
	} else {
		a.Content = strings.TrimSpace(sanitize.Newsroom(j.content))
	}
	if a.Summary == "" {
		a.Summary = summarize(htmlText(a.Content, true))
	}
	if err := finish(&a, name, item, opt); err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			e.Line = lines.at(off)
		}
		return a, err
	}
	return a, nil
}

// jsonString decodes a JSON string (or null, which leaves *s alone).
func jsonString(raw []byte, s *string) error {
	if raw[0] != '"' && raw[0] != 'n' {
		return fmt.Errorf("want a string, got %s", jsonKind(raw[0]))
	}
	return json.Unmarshal(raw, s)
}

// jsonStrings decodes the array of strings at data[off:] (or null). On a
// bad item it also returns the item's offset.
func jsonStrings(data []byte, off int) ([]string, int, error) {
	switch data[off] {
	case 'n':
		return nil, 0, nil
	case '[':
	default:
		return nil, 0, fmt.Errorf("want an array of strings, got %s", jsonKind(data[off]))
	}
	items, err := jsonElements(data, off)
	if err != nil {
		return nil, 0, err
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		if data[item] != '"' {
			return nil, item, fmt.Errorf("item %d: want a string, got %s", i+1, jsonKind(data[item]))
		}
		var s string
		dec := json.NewDecoder(bytes.NewReader(data[item:]))
		if err := dec.Decode(&s); err != nil {
			return nil, item, fmt.Errorf("item %d: %w", i+1, err)
		}
		out = append(out, s)
	}
	return out, 0, nil
}

func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// A jsonMember is one key of an object and where it and its value are.
type jsonMember struct {
	key            string
	keyOff, valOff int
	end            int // just past the value
}

// jsonMembers lists the members of the object at data[off:], which must be
// valid JSON.
func jsonMembers(data []byte, off int) ([]jsonMember, error) {
	dec := json.NewDecoder(bytes.NewReader(data[off:]))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var ms []jsonMember
	for dec.More() {
		keyOff := skipSpace(data, off+int(dec.InputOffset()))
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		end := off + int(dec.InputOffset())
		ms = append(ms, jsonMember{key: key, keyOff: keyOff, valOff: end - len(raw), end: end})
	}
	return ms, nil
}

// jsonElements returns the offsets of the elements of the array at
// data[off:], which must be valid JSON.
func jsonElements(data []byte, off int) ([]int, error) {
	dec := json.NewDecoder(bytes.NewReader(data[off:]))
	if _, err := dec.Token(); err != nil { // [
		return nil, err
	}
	var offs []int
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		offs = append(offs, off+int(dec.InputOffset())-len(raw))
		if len(offs) > MaxArticles {
			break
		}
	}
	return offs, nil
}

// skipSpace returns the offset of the first byte at or after off that is not
// JSON white space, a comma or a colon.
func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// A lineIndex maps byte offsets to line numbers.
type lineIndex []int // offsets at which lines start

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

// at returns the line, counting from 1, holding the byte at off.
func (idx lineIndex) at(off int) int {
	return sort.Search(len(idx), func(i int) bool { return idx[i] > off })
}
