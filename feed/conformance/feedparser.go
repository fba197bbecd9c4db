package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// python is Debian's interpreter, which has Debian's python3-feedparser; a
// python3 earlier on PATH (pyenv, a virtualenv) may have another or none.
var python = "/usr/bin/python3"

// feedparserScript prints what feedparser made of the file named by its
// argument as JSON, or exits 3 when feedparser cannot be imported.
const feedparserScript = `
import calendar, json, sys
try:
    import feedparser
except ImportError:
    sys.exit(3)
with open(sys.argv[1], "rb") as f:
    d = feedparser.parse(f.read())
def when(e, key):
    t = e.get(key + "_parsed")
    return calendar.timegm(t) if t else None
json.dump({
    "bozo": 1 if d.get("bozo") else 0,
    "bozo_exception": repr(d.get("bozo_exception")) if d.get("bozo") else "",
    "version": d.get("version", ""),
    "title": d.feed.get("title", ""),
    "entries": [{
        "id": e.get("id", ""),
        "title": e.get("title", ""),
        "link": e.get("link", ""),
        "published": when(e, "published"),
        "updated": when(e, "updated"),
        "authors": [a.get("name", "") for a in e.get("authors", [])],
        "tags": [t.get("term", "") for t in e.get("tags", [])],
    } for e in d.entries],
}, sys.stdout)
`

// Parsed is what feedparser read from a feed.
type Parsed struct {
	Version string // feedparser's name for the format: "rss20", "atom10"
	Title   string
	Entries []Entry
}

// An Entry is one item as feedparser read it.
type Entry struct {
	ID, Title, Link string
	// Published and Updated are zero when feedparser found no such date.
	Published, Updated time.Time
	Authors            []string
	Tags               []string // category terms
}

// FeedParser fails t unless Python's feedparser reads doc, an RSS or Atom
// document, without complaint (bozo 0) and finds wantItems entries. It
// returns what feedparser read, so that tests can check ids and dates.
func FeedParser(t testing.TB, doc []byte, wantItems int) *Parsed {
	t.Helper()
	ctx, cancel := checkContext(t)
	defer cancel()
	p, err := CheckFeedParser(ctx, doc, wantItems)
	report(t, err)
	return p
}

// CheckFeedParser parses doc with Debian's python3-feedparser and returns
// what it read. The error says why feedparser flagged the document (bozo),
// or that it found a number of entries other than wantItems, or is a
// *MissingError when feedparser is not installed.
func CheckFeedParser(ctx context.Context, doc []byte, wantItems int) (*Parsed, error) {
	if _, err := os.Stat(python); err != nil {
		return nil, &MissingError{Tool: python, Install: "install Debian packages python3 and python3-feedparser"}
	}
	dir, err := writeTemp("feed.xml", doc)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// -I: ignore PYTHON* variables and the user's site-packages.
	stdout, stderr, code, err := run(ctx, dir, nil, python, "-I", "-c", feedparserScript, filepath.Join(dir, "feed.xml"))
	switch {
	case err != nil:
		return nil, err
	case code == 3:
		return nil, &MissingError{Tool: "feedparser for " + python, Install: "install Debian package python3-feedparser"}
	case code != 0:
		return nil, fmt.Errorf("feedparser: exit %d: %s", code, stderr)
	}
	var out struct {
		Bozo          int    `json:"bozo"`
		BozoException string `json:"bozo_exception"`
		Version       string `json:"version"`
		Title         string `json:"title"`
		Entries       []struct {
			ID        string   `json:"id"`
			Title     string   `json:"title"`
			Link      string   `json:"link"`
			Published *int64   `json:"published"`
			Updated   *int64   `json:"updated"`
			Authors   []string `json:"authors"`
			Tags      []string `json:"tags"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		return nil, fmt.Errorf("feedparser: reading its output: %w", err)
	}
	p := &Parsed{Version: out.Version, Title: out.Title}
	for _, e := range out.Entries {
		p.Entries = append(p.Entries, Entry{
			ID:        e.ID,
			Title:     e.Title,
			Link:      e.Link,
			Published: unix(e.Published),
			Updated:   unix(e.Updated),
			Authors:   e.Authors,
			Tags:      e.Tags,
		})
	}
	if out.Bozo != 0 {
		return p, fmt.Errorf("feedparser: bozo 1: %s", out.BozoException)
	}
	if len(p.Entries) != wantItems {
		return p, fmt.Errorf("feedparser: got %d entries, want %d", len(p.Entries), wantItems)
	}
	return p, nil
}

func unix(sec *int64) time.Time {
	if sec == nil {
		return time.Time{}
	}
	return time.Unix(*sec, 0).UTC()
}
