package render

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"

	"herald/feed/conformance"
)

// serve serves doc on loopback for the length of the test.
func serve(t *testing.T, contentType string, doc []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/feed"
}

// TestConformance runs the golden feeds, an own-only feed and an empty one
// through third-party validators and readers.
func TestConformance(t *testing.T) {
	empty := func(ext string) *Feed {
		f := testFeed(ext)
		f.Items = nil
		return f
	}
	for _, tc := range []struct {
		name string
		feed func(ext string) *Feed
	}{
		{"golden", testFeed},
		{"own-only", ownOnly},
		{"empty", empty},
		{"embargoed", embargoedFeed},
		{"corrected", correctedFeed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.feed(".rss").Items
			rss := render(t, RSS, tc.feed(".rss"))
			atom := render(t, Atom, tc.feed(".atom"))
			jsonDoc := render(t, JSON, tc.feed(".json"))

			t.Run("atom/jing", func(t *testing.T) {
				t.Parallel()
				conformance.Atom(t, atom)
			})
			for _, doc := range []struct {
				name, contentType string
				doc               []byte
			}{
				{"rss", "application/rss+xml; charset=utf-8", rss},
				{"atom", "application/atom+xml; charset=utf-8", atom},
			} {
				t.Run(doc.name+"/feedparser", func(t *testing.T) {
					t.Parallel()
					p := conformance.FeedParser(t, doc.doc, len(want))
					for i, e := range p.Entries {
						if e.ID != want[i].GUID {
							t.Errorf("entry %d: id = %q, want %q", i, e.ID, want[i].GUID)
						}
						if wantTitle := clean(want[i].Title); e.Title != wantTitle {
							t.Errorf("entry %d: title = %q, want %q", i, e.Title, wantTitle)
						}
						if wantTags := want[i].TagSlugs(); !slices.Equal(e.Tags, wantTags) {
							t.Errorf("entry %d: tags = %q, want %q", i, e.Tags, wantTags)
						}
						if !e.Published.Equal(want[i].Published) {
							t.Errorf("entry %d: published = %v, want %v", i, e.Published, want[i].Published)
						}
					}
				})
				t.Run(doc.name+"/newsboat", func(t *testing.T) {
					t.Parallel()
					conformance.Newsboat(t, serve(t, doc.contentType, doc.doc), len(want))
				})
			}
			t.Run("json/ajv", func(t *testing.T) {
				t.Parallel()
				conformance.JSONFeed(t, jsonDoc)
			})
		})
	}
}

// TestConformanceCatchesBrokenFeeds breaks the golden documents in ways a
// renderer bug could, and checks that each validator says so: a check that
// cannot fail proves nothing.
func TestConformanceCatchesBrokenFeeds(t *testing.T) {
	rss := render(t, RSS, testFeed(".rss"))
	atom := render(t, Atom, testFeed(".atom"))
	jsonDoc := render(t, JSON, testFeed(".json"))

	// Removes the first match of re from doc.
	cut := func(t *testing.T, doc []byte, re string) []byte {
		t.Helper()
		loc := regexp.MustCompile(re).FindIndex(doc)
		if loc == nil {
			t.Fatalf("%s not found in the document", re)
		}
		return append(bytes.Clone(doc[:loc[0]]), doc[loc[1]:]...)
	}

	t.Run("atom/jing/entry-without-id", func(t *testing.T) {
		t.Parallel()
		conformance.Rejects(t, conformance.CheckAtom(t.Context(), removeFirstEntryID(t, atom)))
	})
	t.Run("atom/jing/no-author", func(t *testing.T) {
		t.Parallel()
		// The grammar allows this; RFC 4287's Schematron rule does not.
		broken := cut(t, atom, `(?s)\s*<author>.*?</author>`) // the feed's
		broken = cut(t, broken, `(?s)\s*<author>.*?</author>`)
		broken = cut(t, broken, `(?s)\s*<author>.*?</author>`) // the first entry's two
		conformance.Rejects(t, conformance.CheckAtom(t.Context(), broken))
	})
	t.Run("rss/feedparser/not-well-formed", func(t *testing.T) {
		t.Parallel()
		_, err := conformance.CheckFeedParser(t.Context(), rss[:len(rss)/2], 4)
		conformance.Rejects(t, err)
	})
	t.Run("atom/feedparser/wrong-count", func(t *testing.T) {
		t.Parallel()
		_, err := conformance.CheckFeedParser(t.Context(), atom, 5)
		conformance.Rejects(t, err)
	})
	t.Run("rss/newsboat/not-a-feed", func(t *testing.T) {
		t.Parallel()
		// newsboat recovers from a truncated document, but not from this.
		url := serve(t, "application/rss+xml", []byte("<html>502 Bad Gateway"))
		conformance.Rejects(t, conformance.CheckNewsboat(t.Context(), url, 4))
	})
	t.Run("rss/newsboat/duplicate-guid", func(t *testing.T) {
		t.Parallel()
		// A reader keeps one item per guid.
		f := testFeed(".rss")
		f.Items[1].GUID = f.Items[0].GUID
		url := serve(t, "application/rss+xml", render(t, RSS, f))
		conformance.Rejects(t, conformance.CheckNewsboat(t.Context(), url, 4))
	})
	t.Run("atom/newsboat/wrong-count", func(t *testing.T) {
		t.Parallel()
		url := serve(t, "application/atom+xml", atom)
		conformance.Rejects(t, conformance.CheckNewsboat(t.Context(), url, 3))
	})
	t.Run("json/ajv/item-without-id", func(t *testing.T) {
		t.Parallel()
		broken := cut(t, jsonDoc, `"id":"tag:herald.example,2024-05-01:article/cdata-edge",`)
		conformance.Rejects(t, conformance.CheckJSONFeed(t.Context(), broken))
	})
}

// removeFirstEntryID returns doc without the id of its first entry.
func removeFirstEntryID(t *testing.T, doc []byte) []byte {
	t.Helper()
	entry := bytes.Index(doc, []byte("<entry"))
	if entry < 0 {
		t.Fatal("no entry in the document")
	}
	re := regexp.MustCompile(`\s*<id>[^<]*</id>`)
	loc := re.FindIndex(doc[entry:])
	if loc == nil {
		t.Fatal("first entry has no id")
	}
	return append(bytes.Clone(doc[:entry+loc[0]]), doc[entry+loc[1]:]...)
}
