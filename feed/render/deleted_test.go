package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"testing"

	"herald/feed"
	"herald/feed/conformance"
)

// TestAtomDeletedEntries renders RFC 6721 tombstones and checks them by
// namespace, as a reader would, and with jing.
func TestAtomDeletedEntries(t *testing.T) {
	f := testFeed(".atom")
	f.Deleted = []feed.Tombstone{
		{ArticleID: "gone", GUID: "tag:herald.example,2024-04-01:article/gone", Deleted: date("2030-01-02T03:04:05.678Z")},
		{ArticleID: "old", GUID: "tag:herald.example,2024-03-01:article/old", Deleted: date("2024-03-02T00:00:00Z")},
	}
	doc := render(t, Atom, f)
	var parsed struct {
		Updated string `xml:"http://www.w3.org/2005/Atom updated"`
		Deleted []struct {
			Ref  string `xml:"ref,attr"`
			When string `xml:"when,attr"`
		} `xml:"http://purl.org/atompub/tombstones/1.0 deleted-entry"`
		Entries []struct{} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal(doc, &parsed); err != nil {
		t.Fatal(err)
	}
	if len(parsed.Deleted) != 2 || parsed.Deleted[0].Ref != f.Deleted[0].GUID || parsed.Deleted[0].When != "2030-01-02T03:04:05Z" {
		t.Errorf("deleted entries: got %+v", parsed.Deleted)
	}
	if len(parsed.Entries) != len(f.Items) {
		t.Errorf("entries: got %d, want %d", len(parsed.Entries), len(f.Items))
	}
	// A deletion is a change to the feed.
	if parsed.Updated != "2030-01-02T03:04:05Z" {
		t.Errorf("feed updated: got %s, want the latest deletion", parsed.Updated)
	}
	if !bytes.Contains(doc, []byte(`xmlns:at="http://purl.org/atompub/tombstones/1.0"`)) {
		t.Errorf("the at: prefix is not declared")
	}
	t.Run("atom/jing", func(t *testing.T) { conformance.Atom(t, doc) })

	// Without tombstones nothing of the kind is written.
	if plain := render(t, Atom, testFeed(".atom")); bytes.Contains(plain, []byte("tombstones")) {
		t.Errorf("a feed without deletions declares the tombstone namespace")
	}
	// RSS and JSON Feed leave them out.
	for _, fm := range []format{{"rss", ".rss", RSS}, {"json", ".json", JSON}} {
		g := testFeed(fm.ext)
		g.Deleted = f.Deleted
		if out := render(t, fm.render, g); bytes.Contains(out, []byte("article/gone")) {
			t.Errorf("%s carries a deleted entry", fm.name)
		}
	}
	bad := testFeed(".atom")
	bad.Deleted = []feed.Tombstone{{ArticleID: "x"}}
	if err := Atom(&bytes.Buffer{}, bad); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("a tombstone without GUID: got %v, want ErrInvalid", err)
	}
}
