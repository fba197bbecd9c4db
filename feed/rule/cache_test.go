package rule_test

import (
	"context"
	"testing"

	"herald/feed"
	"herald/feed/rule"
)

type fakeStore struct {
	version int64
	tags    []feed.Tag
	reads   int
}

func (f *fakeStore) Version(context.Context) (int64, error) { return f.version, nil }
func (f *fakeStore) Tags(context.Context) ([]feed.Tag, error) {
	f.reads++
	return f.tags, nil
}

func TestCacheRecompilesOnNewVersion(t *testing.T) {
	st := &fakeStore{version: 1, tags: []feed.Tag{{Slug: "grid", Name: "Grid", Rule: `"power grid"`}}}
	var c rule.Cache
	for range 3 {
		if _, err := c.Set(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	if st.reads != 1 {
		t.Errorf("tags read %d times for one version, want 1", st.reads)
	}
	st.version, st.tags = 2, []feed.Tag{{Slug: "water", Name: "Water", Rule: "wastewater"}}
	set, err := c.Set(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	a := feed.Article{Title: "Wastewater plants", Content: "<p>On the power grid.</p>"}
	set.Apply(&a)
	if got := a.TagSlugs(); len(got) != 1 || got[0] != "water" {
		t.Errorf("after a new version: got tags %v, want [water]", got)
	}
	st.version, st.tags = 3, []feed.Tag{{Slug: "bad", Name: "Bad", Rule: "(("}}
	if _, err := c.Set(context.Background(), st); err == nil {
		t.Errorf("a bad rule compiled without error")
	}
}
