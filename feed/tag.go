package feed

import (
	"strings"
)

// A Tag names a group of articles that herald publishes as its own feed.
type Tag struct {
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Rule is a query over title and body (see package feed/rule); articles
	// it matches carry the tag. Empty means the tag is given by hand only.
	Rule string `json:"rule,omitempty"`
	// Articles is how many articles carry the tag, where a listing counts them.
	Articles int `json:"articles"`
}

// Validate checks t's fields.
func (t *Tag) Validate() error {
	v := &ValidationError{}
	if !ValidSlug(t.Slug) {
		v.Add("slug", "must be lower-case letters and digits joined by single hyphens, at most 100 bytes")
	}
	if strings.TrimSpace(t.Name) == "" {
		v.Add("name", "is required")
	}
	checkText(v, "name", t.Name, 200)
	checkText(v, "description", t.Description, 2000)
	checkText(v, "rule", t.Rule, 10_000)
	return v.Err()
}

// Slugify turns a name into a tag slug: "Cyber Diplomacy" becomes
// "cyber-diplomacy" and "Japan's" becomes "japans". Only ASCII letters and
// digits survive, since tag slugs are feed paths that people type; a name
// with none gives "". The result is at most about 80 bytes. Article slugs
// keep every script: see ArticleSlug.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', 'A' <= r && r <= 'Z':
			if b.Len() >= 80 {
				return b.String()
			}
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r | 0x20) // ASCII lower case
		case r == '\'', r == '\u2019':
			// Apostrophes join: "Japan's" -> "japans".
		default:
			dash = true
		}
	}
	return b.String()
}

// TagName returns the name of a tag that a store makes for slug when an
// article names a tag that does not exist: its words capitalized, so that
// "cyber-diplomacy" becomes "Cyber Diplomacy". slug must be a tag slug
// (ValidSlug).
func TagName(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// A TagUpdate changes the fields of a tag that are not nil.
type TagUpdate struct {
	Slug        *string `json:"slug,omitempty"` // a rename; the old slug keeps redirecting
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Rule        *string `json:"rule,omitempty"`
}

// Apply changes t as u says: each field of u that is not nil replaces t's.
func (u *TagUpdate) Apply(t *Tag) {
	if u.Slug != nil {
		t.Slug = *u.Slug
	}
	if u.Name != nil {
		t.Name = *u.Name
	}
	if u.Description != nil {
		t.Description = *u.Description
	}
	if u.Rule != nil {
		t.Rule = *u.Rule
	}
}
