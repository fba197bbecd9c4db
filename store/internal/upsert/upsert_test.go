package upsert

import (
	"errors"
	"slices"
	"testing"
	"time"

	"herald/feed"
)

func TestNew(t *testing.T) {
	pub := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	a := &feed.Article{ID: "a1", Title: "Grid drill, day two", Published: pub, Updated: pub.Add(-time.Hour)}
	guid, slug, updated := New(a, "news.example.org", now)
	if guid != "tag:news.example.org,2026-11-01:article:a1" || slug != "grid-drill-day-two" || !updated.Equal(pub) {
		t.Errorf("New: got %q, %q, %v; want the GUID of now, the title's slug, the published time", guid, slug, updated)
	}
	if a.GUID != "" || a.Slug != "" {
		t.Errorf("New changed the article: %+v", a)
	}
	a.Slug, a.Updated = "own-slug", pub.Add(time.Hour)
	if _, slug, updated := New(a, "news.example.org", now); slug != "own-slug" || !updated.Equal(pub.Add(time.Hour)) {
		t.Errorf("New with a slug and a later Updated: got %q, %v; want them kept", slug, updated)
	}
}

func TestRevise(t *testing.T) {
	stored := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	old := Stored{GUID: "tag:x,2026-10-01:article:a1", Slug: "old-slug", Updated: stored, Hash: []byte("h1")}
	for _, tc := range []struct {
		name        string
		slug        string
		updated     time.Time
		hash        string
		want        feed.Change
		wantEdited  bool
		wantSlug    string
		wantUpdated time.Time
	}{
		{"unchanged", "", now, "h1", feed.Unchanged, false, "old-slug", stored},
		{"same slug given", "old-slug", time.Time{}, "h1", feed.Unchanged, false, "old-slug", stored},
		{"slug moved", "new-slug", now, "h1", feed.Updated, false, "new-slug", stored},
		{"edited, later", "", stored.Add(time.Hour), "h2", feed.Updated, true, "old-slug", stored.Add(time.Hour)},
		{"edited, not later", "", stored, "h2", feed.Updated, true, "old-slug", now},
	} {
		a := &feed.Article{ID: "a1", Slug: tc.slug, Updated: tc.updated}
		c, edited := Revise(a, old, []byte(tc.hash), now)
		if c != tc.want || edited != tc.wantEdited || a.Slug != tc.wantSlug || !a.Updated.Equal(tc.wantUpdated) || a.GUID != old.GUID {
			t.Errorf("%s: got %v, edited %v, %+v; want %v, edited %v, slug %q, updated %v", tc.name, c, edited, a,
				tc.want, tc.wantEdited, tc.wantSlug, tc.wantUpdated)
		}
	}
}

func TestTags(t *testing.T) {
	ids := map[string]int64{"grid": 1, "power-grid": 1, "water": 2, "hand": 3}
	resolve := func(slug string) (int64, string, error) {
		if slug == "power-grid" {
			return ids[slug], "grid", nil // an old slug of grid
		}
		id, ok := ids[slug]
		if !ok {
			return 0, "", errors.New("no such tag")
		}
		return id, slug, nil
	}
	a := &feed.Article{Tags: []feed.ArticleTag{
		{Slug: "water", Rule: "water", Matched: []string{"water"}},
		{Slug: "grid", Rule: "grid", Matched: []string{"grid"}},
		{Slug: "power-grid"},
		{Slug: "hand"},
	}}
	want, err := Tags(a, resolve)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 || want[1].Rule != "" || want[1].Slug != "grid" || want[2].Rule != "water" {
		t.Errorf("tags to store: got %+v, want grid by hand, water by its rule, hand", want)
	}
	var slugs []string
	for _, tg := range a.Tags {
		slugs = append(slugs, tg.Slug)
	}
	if !slices.Equal(slugs, []string{"grid", "hand", "water"}) {
		t.Errorf("a.Tags: got %v, want the hand tags first, by slug", slugs)
	}
	have := map[int64]string{1: "\x00", 2: "water\x00[\"water\"]", 3: "\x00"}
	if !Same(have, want) {
		t.Errorf("Same(%v): got false, want true", have)
	}
	have[2] = "water\x00[]"
	if Same(have, want) {
		t.Errorf("Same(%v): got true for other matched words", have)
	}
	if _, err := Tags(&feed.Article{Tags: []feed.ArticleTag{{Slug: "gone"}}}, resolve); err == nil {
		t.Error("Tags with a slug that does not resolve: got no error")
	}
}
