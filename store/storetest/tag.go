package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/rule"
	"herald/store"
)

func (c *contract) testTags(t *testing.T) {
	t.Run("RenameKeepsOldSlug", c.testTagRenameKeepsOldSlug)
	t.Run("SeedTagsOnlyOnCreate", c.testSeedTagsOnlyOnCreate)
	t.Run("Retag", c.testRetagArticles)
	t.Run("RetagReport", c.testRetagReport)
	t.Run("RuleEffects", c.testTagRuleEffects)
	t.Run("CountsAndNames", c.testTagCountsAndNames)
	t.Run("Errors", c.testTagErrors)
}

func (c *contract) testTagRenameKeepsOldSlug(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{SeedTags: []feed.Tag{{Slug: "cyber", Name: "Cyber", Rule: "cyber*"}}})
	a := Article("a1", "T", "cyber")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	newSlug := "cyber-policy"
	tag, err := db.UpdateTag(ctx, "cyber", feed.TagUpdate{Slug: &newSlug})
	if err != nil {
		t.Fatal(err)
	}
	if tag.Slug != newSlug || tag.Articles != 1 || tag.Rule != "cyber*" {
		t.Errorf("renamed tag: got %+v", tag)
	}
	old, err := db.Tag(ctx, "cyber")
	if err != nil || old.Slug != newSlug {
		t.Fatalf("old slug: got %+v, %v; want the renamed tag", old, err)
	}
	// An article still tagged with the old slug lands on the renamed tag.
	b := Article("b1", "T", "cyber")
	if _, err := db.UpsertArticle(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if got := b.TagSlugs(); !slices.Equal(got, []string{newSlug}) {
		t.Errorf("tags: got %v, want [%s]", got, newSlug)
	}
	if err := db.CreateTag(ctx, feed.Tag{Slug: "cyber", Name: "Again"}); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("reusing an old slug: got %v, want ErrConflict", err)
	}
	if err := db.CreateTag(ctx, feed.Tag{Slug: "Bad Slug", Name: "x"}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("bad slug: got %v, want ErrInvalid", err)
	}
	for _, slug := range []string{newSlug, "cyber"} {
		if got, err := db.TagAliases(ctx, slug); err != nil || !slices.Equal(got, []string{"cyber"}) {
			t.Errorf("aliases by %s: got %q, %v; want [cyber]", slug, got, err)
		}
	}
	third := "cyber-affairs"
	if _, err := db.UpdateTag(ctx, newSlug, feed.TagUpdate{Slug: &third}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.TagAliases(ctx, third); err != nil || !slices.Equal(got, []string{"cyber", newSlug}) {
		t.Errorf("aliases after a second rename: got %q, %v; want [cyber %s]", got, err, newSlug)
	}
	back := "cyber"
	if _, err := db.UpdateTag(ctx, third, feed.TagUpdate{Slug: &back}); err != nil {
		t.Fatalf("renaming back: %v", err)
	}
	if got, err := db.TagAliases(ctx, "cyber"); err != nil || !slices.Equal(got, []string{third, newSlug}) {
		t.Errorf("aliases after renaming back: got %q, %v; want [%s %s] (an old slug taken back is no alias)", got, err, third, newSlug)
	}
	if got, err := db.TagAliases(ctx, "nope"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("aliases of an unknown tag: got %q, %v; want ErrNotFound", got, err)
	}
	if err := db.DeleteTag(ctx, "cyber"); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{newSlug, third} {
		if _, err := db.Tag(ctx, slug); !errors.Is(err, feed.ErrNotFound) {
			t.Errorf("alias %s outlived its tag: %v", slug, err)
		}
	}
}

// testSeedTagsOnlyOnCreate opens the same database twice: seed tags are
// created with the database, and a deleted one does not come back.
func (c *contract) testSeedTagsOnlyOnCreate(t *testing.T) {
	ctx := context.Background()
	seed := []feed.Tag{{Slug: "one", Name: "One"}}
	db, name, _ := c.openNamed(t, store.Options{SeedTags: seed})
	if tag, err := db.Tag(ctx, "one"); err != nil || tag.Name != "One" {
		t.Fatalf("seed tag: got %+v, %v", tag, err)
	}
	if err := db.DeleteTag(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = c.engine.Open(t, name, store.Options{Authority: "news.example.org", SeedTags: seed})
	tags, err := db.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 0 {
		t.Errorf("deleted seed tag came back: %+v", tags)
	}
}

func (c *contract) testRetagArticles(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	a := Article("a1", "Cyber talks", "hand")
	b := Article("b1", "Other")
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b}); err != nil {
		t.Fatal(err)
	}
	before, err := db.Article(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.RetagArticles(ctx, func(x *feed.Article) {
		if x.Title == "Cyber talks" {
			x.Tags = append(x.HandTags(), feed.ArticleTag{Slug: "cyber", Rule: "cyber", Matched: []string{"cyber"}})
		}
	})
	if err != nil || r.Changed != 1 || r.Articles != 2 {
		t.Fatalf("got %+v, %v; want 1 of 2 changed", r, err)
	}
	got, err := db.Article(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.ArticleTag{{Slug: "hand"}, {Slug: "cyber", Rule: "cyber", Matched: []string{"cyber"}}}
	if len(got.Tags) != 2 || got.Tags[0].Slug != want[0].Slug || got.Tags[1].Rule != "cyber" || !slices.Equal(got.Tags[1].Matched, want[1].Matched) {
		t.Errorf("tags: got %+v, want %+v", got.Tags, want)
	}
	if !got.Updated.Equal(before.Updated) {
		t.Errorf("retag moved updated: %v -> %v", before.Updated, got.Updated)
	}
	if r, err := db.RetagArticles(ctx, func(*feed.Article) {}); err != nil || r.Changed != 0 || len(r.Tags) != 0 {
		// The func leaves tags as loaded, so nothing changes.
		t.Errorf("idempotent retag: got %+v, %v; want nothing changed", r, err)
	}
}

// testRetagReport changes two rules and checks what PreviewRetag says a
// retag would do (per tag, the articles gaining and losing it; the articles
// left with no tag), that it writes nothing and holds up no writer, and that
// RetagArticles then does exactly that and says so.
func (c *contract) testRetagReport(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{SeedTags: []feed.Tag{
		{Slug: "grid", Name: "Grid", Rule: "grid"},
		{Slug: "water", Name: "Water", Rule: "water"},
		{Slug: "hand", Name: "Hand"},
	}})
	arts := []feed.Article{
		Article("a1", "Grid drill"),
		Article("a2", "Water plant"),
		Article("a3", "Grid and water", "hand"),
		Article("a4", "Nothing to see"),
		Article("a5", "Flood warning"),
	}
	set := ruleSet(t, db)
	for i := range arts {
		set.Apply(&arts[i])
	}
	if _, err := db.UpsertArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	drill, flood := "drill", "flood"
	for slug, r := range map[string]*string{"grid": &drill, "water": &flood} {
		if _, err := db.UpdateTag(ctx, slug, feed.TagUpdate{Rule: r}); err != nil {
			t.Fatal(err)
		}
	}

	ref := func(id, title string) rule.ArticleRef { return rule.ArticleRef{ID: id, Title: title} }
	want := &rule.Report{
		Articles: 5,
		Changed:  4, // a1 keeps grid by another rule; a2, a3 and a5 gain or lose a tag
		Tags: []rule.TagChange{
			{Slug: "grid", Gained: []rule.ArticleRef{}, Lost: []rule.ArticleRef{ref("a3", "Grid and water")}},
			{Slug: "water", Gained: []rule.ArticleRef{ref("a5", "Flood warning")},
				Lost: []rule.ArticleRef{ref("a2", "Water plant"), ref("a3", "Grid and water")}},
		},
		Untagged: []rule.ArticleRef{ref("a2", "Water plant")},
	}
	v := version(t, db)
	newRules := ruleSet(t, db)
	wrote := false
	preview, err := db.PreviewRetag(ctx, func(a *feed.Article) {
		if !wrote {
			// A writer goes on while the preview reads.
			wrote = true
			w := Article("w1", "Written meanwhile")
			if _, err := db.UpsertArticle(ctx, &w); err != nil {
				t.Errorf("a write during a preview: %v", err)
			}
		}
		newRules.Apply(a)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(preview, want) {
		t.Errorf("preview:\n got %+v\nwant %+v", preview, want)
	}
	if a, err := db.Article(ctx, "a2"); err != nil || !slices.Equal(a.TagSlugs(), []string{"water"}) {
		t.Errorf("a2 after the preview: got %v, %v; want water still", a.TagSlugs(), err)
	}
	if err := db.DeleteArticle(ctx, "w1"); err != nil {
		t.Fatal(err)
	}
	v2 := version(t, db)
	if v2 == v {
		t.Fatalf("the write during the preview did not move the version")
	}

	got, err := db.RetagArticles(ctx, newRules.Apply)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("retag after the preview:\n got %+v\nwant %+v (what the preview said)", got, want)
	}
	if version(t, db) == v2 {
		t.Errorf("a retag that changed tags did not move the version")
	}
	for id, slugs := range map[string][]string{"a1": {"grid"}, "a2": nil, "a3": {"hand"}, "a4": nil, "a5": {"water"}} {
		if a, err := db.Article(ctx, id); err != nil || !slices.Equal(a.TagSlugs(), slugs) {
			t.Errorf("%s after the retag: got %v, %v; want %v", id, a.TagSlugs(), err, slugs)
		}
	}
	again, err := db.PreviewRetag(ctx, ruleSet(t, db).Apply)
	if err != nil || again.Articles != 5 || again.Changed != 0 || len(again.Tags) != 0 || len(again.Untagged) != 0 {
		t.Errorf("preview after the retag: got %+v, %v; want 5 articles, nothing to change", again, err)
	}
}

// testTagRuleEffects runs tag rules the way herald does (rule.NewSet over
// the stored tags, Apply before an upsert and through RetagArticles) and
// checks what the store makes of them: rule tags with their rule and
// matches, hand tags that win over rules, counts and listings, rules that
// change nothing stored until a retag, and retags that leave content and
// Updated alone.
func (c *contract) testTagRuleEffects(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{SeedTags: []feed.Tag{
		{Slug: "grid", Name: "Grid", Rule: "grid"},
		{Slug: "water", Name: "Water", Rule: "water OR flood"},
		{Slug: "hand", Name: "Hand"},
	}})
	retag := func(want int) {
		t.Helper()
		v := version(t, db)
		r, err := db.RetagArticles(ctx, ruleSet(t, db).Apply)
		if err != nil || r.Changed != want {
			t.Fatalf("retag: got %+v, %v; want %d changed", r, err, want)
		}
		if moved := version(t, db) != v; moved != (want > 0) {
			t.Errorf("retag of %d articles: version moved %t", want, moved)
		}
	}
	tagsOf := func(id string) []feed.ArticleTag {
		t.Helper()
		a, err := db.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.Tags
	}

	arts := []feed.Article{
		Article("a1", "Grid drill"),
		{ID: "a2", Title: "River update", Summary: "A flood warning for the river.", Published: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)},
		Article("a3", "Grid and water", "grid"),
		Article("a4", "Nothing to see"),
	}
	set := ruleSet(t, db)
	for i := range arts {
		set.Apply(&arts[i])
	}
	applied := slices.Clone(arts)
	for i := range applied {
		applied[i].Tags = slices.Clone(arts[i].Tags) // the upsert may rewrite arts' tags in place
	}
	if _, err := db.UpsertArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	for _, a := range applied {
		got := tagsOf(a.ID)
		if len(got) != len(a.Tags) {
			t.Errorf("%s: got tags %+v, want %+v", a.ID, got, a.Tags)
			continue
		}
		for _, w := range a.Tags {
			i := slices.IndexFunc(got, func(g feed.ArticleTag) bool { return g.Slug == w.Slug })
			if i < 0 || got[i].Rule != w.Rule || !slices.Equal(got[i].Matched, w.Matched) {
				t.Errorf("%s: got tags %+v, want %+v", a.ID, got, a.Tags)
			}
		}
	}
	if got := tagsOf("a1"); len(got) != 1 || got[0].Slug != "grid" || got[0].Rule != "grid" || len(got[0].Matched) == 0 {
		t.Errorf("a1: got %+v, want grid by its rule, with what matched", got)
	}
	if got := tagsOf("a3"); len(got) != 2 || !handTag(got[0], "grid") || got[1].Slug != "water" || got[1].Rule == "" {
		t.Errorf("a3: got %+v, want grid by hand, then water by rule", got)
	}
	for slug, want := range map[string]int{"grid": 2, "water": 2, "hand": 0} {
		if tag, err := db.Tag(ctx, slug); err != nil || tag.Articles != want {
			t.Errorf("tag %s: got %+v, %v; want %d articles", slug, tag, err, want)
		}
	}
	if got := ids(t, db, feed.ArticleFilter{Tags: []string{"grid"}}); !slices.Equal(got, []string{"a3", "a1"}) {
		t.Errorf("grid feed: got %q, want [a3 a1] (same date: the later stored first)", got)
	}
	updated := map[string]time.Time{}
	for _, a := range applied {
		got, _ := db.Article(ctx, a.ID)
		updated[a.ID] = got.Updated
	}

	// A new rule changes no stored article until a retag.
	clk.Add(time.Hour)
	drill := "drill"
	if tag, err := db.UpdateTag(ctx, "grid", feed.TagUpdate{Rule: &drill}); err != nil || tag.Rule != "drill" || tag.Articles != 2 {
		t.Fatalf("new rule: got %+v, %v", tag, err)
	}
	if got := tagsOf("a1"); got[0].Rule != "grid" {
		t.Errorf("a1 after the rule changed: got %+v, want the old rule kept until a retag", got)
	}
	// a1 is tagged by the new rule; a2's summary still gives it water; a3
	// keeps grid by hand.
	retag(1)
	if got := tagsOf("a1"); len(got) != 1 || got[0].Rule != "drill" {
		t.Errorf("a1 after the retag: got %+v, want grid by the rule drill", got)
	}
	if got := tagsOf("a2"); len(got) != 1 || got[0].Slug != "water" {
		t.Errorf("a2 after the retag: got %+v, want water (its summary says flood: the retag must see it)", got)
	}
	if got := tagsOf("a3"); len(got) != 2 || !handTag(got[0], "grid") {
		t.Errorf("a3 after the retag: got %+v, want grid kept by hand", got)
	}
	retag(0)

	// A rule removed takes its tag off at the next retag; hand tags stay.
	none := ""
	if _, err := db.UpdateTag(ctx, "water", feed.TagUpdate{Rule: &none}); err != nil {
		t.Fatal(err)
	}
	retag(2)
	if got := tagsOf("a3"); len(got) != 1 || !handTag(got[0], "grid") {
		t.Errorf("a3 without the water rule: got %+v, want grid by hand only", got)
	}
	if tag, err := db.Tag(ctx, "water"); err != nil || tag.Articles != 0 {
		t.Errorf("water without its rule: got %+v, %v; want 0 articles", tag, err)
	}
	for id, want := range updated {
		if got, _ := db.Article(ctx, id); !got.Updated.Equal(want) {
			t.Errorf("%s: retags moved updated %v -> %v", id, want, got.Updated)
		}
	}
}

// testTagCountsAndNames checks the tag list that pages and feed titles are
// built from.
func (c *contract) testTagCountsAndNames(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	if err := db.CreateTag(ctx, feed.Tag{Slug: "empty", Name: "Empty", Description: "Nothing yet.", Rule: "nothing*"}); err != nil {
		t.Fatal(err)
	}
	arts := []feed.Article{Article("a1", "One", "cyber-diplomacy", "x"), Article("a2", "Two", "cyber-diplomacy")}
	if _, err := db.UpsertArticles(ctx, arts); err != nil {
		t.Fatal(err)
	}
	tags, err := db.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tag := range tags {
		got = append(got, tag.Slug)
	}
	if !slices.Equal(got, []string{"cyber-diplomacy", "empty", "x"}) || tags[0].Articles != 2 || tags[1].Articles != 0 || tags[2].Articles != 1 {
		t.Errorf("tags: got %+v, want cyber-diplomacy (2), empty (0), x (1), by slug", tags)
	}
	if tags[0].Name == "" || tags[2].Name == "" {
		t.Errorf("tags created by an upsert have no name: %+v", tags)
	}
	if e := tags[1]; e.Name != "Empty" || e.Description != "Nothing yet." || e.Rule != "nothing*" {
		t.Errorf("created tag: got %+v", e)
	}
	names, err := db.TagNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || names["empty"] != "Empty" || names["cyber-diplomacy"] != tags[0].Name {
		t.Errorf("tag names: got %v", names)
	}
	name := "Cyber diplomacy"
	if _, err := db.UpdateTag(ctx, "cyber-diplomacy", feed.TagUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if names, _ := db.TagNames(ctx); names["cyber-diplomacy"] != name {
		t.Errorf("renamed tag's name: got %q, want %q", names["cyber-diplomacy"], name)
	}
	if err := db.DeleteArticle(ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	if tag, err := db.Tag(ctx, "cyber-diplomacy"); err != nil || tag.Articles != 1 {
		t.Errorf("count after a deletion: got %+v, %v; want 1", tag, err)
	}
	if err := db.DeleteTag(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if a, err := db.Article(ctx, "a1"); err != nil || !slices.Equal(a.TagSlugs(), []string{"cyber-diplomacy"}) {
		t.Errorf("a1 after its tag x was deleted: got %v, %v", a.TagSlugs(), err)
	}
	if names, _ := db.TagNames(ctx); len(names) != 2 {
		t.Errorf("tag names after a deletion: got %v", names)
	}
	if got := ids(t, db, feed.ArticleFilter{Tags: []string{"x"}}); len(got) != 0 {
		t.Errorf("feed of a deleted tag: got %q, want nothing", got)
	}
}

// testTagErrors checks the errors the API maps to 404, 409 and 422, and
// that a failed change changes nothing.
func (c *contract) testTagErrors(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{SeedTags: []feed.Tag{{Slug: "one", Name: "One"}, {Slug: "two", Name: "Two"}}})
	var ve *feed.ValidationError
	if err := db.CreateTag(ctx, feed.Tag{Slug: "one", Name: "Again"}); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("taken slug: got %v, want ErrConflict", err)
	}
	if err := db.CreateTag(ctx, feed.Tag{Slug: "three"}); !errors.As(err, &ve) {
		t.Errorf("no name: got %v, want a ValidationError", err)
	}
	if _, err := db.Tag(ctx, "three"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("a failed create stored the tag: %v", err)
	}
	slug, empty := "two", ""
	if _, err := db.UpdateTag(ctx, "one", feed.TagUpdate{Slug: &slug}); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("rename onto a taken slug: got %v, want ErrConflict", err)
	}
	if _, err := db.UpdateTag(ctx, "one", feed.TagUpdate{Name: &empty}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("empty name: got %v, want ErrInvalid", err)
	}
	if tag, err := db.Tag(ctx, "one"); err != nil || tag.Slug != "one" || tag.Name != "One" {
		t.Errorf("after failed updates: got %+v, %v; want it unchanged", tag, err)
	}
	if _, err := db.UpdateTag(ctx, "nope", feed.TagUpdate{Name: &slug}); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("update of an unknown tag: got %v, want ErrNotFound", err)
	}
	if err := db.DeleteTag(ctx, "nope"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("delete of an unknown tag: got %v, want ErrNotFound", err)
	}
	if _, err := db.Tag(ctx, "nope"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown tag: got %v, want ErrNotFound", err)
	}
}

// handTag reports whether t is the tag slug given by hand.
func handTag(t feed.ArticleTag, slug string) bool {
	return t.Slug == slug && t.Rule == "" && len(t.Matched) == 0
}

// ruleSet returns the tag rules of the tags stored in db, as herald runs
// them.
func ruleSet(t *testing.T, db store.DB) *rule.Set {
	t.Helper()
	tags, err := db.Tags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	set, err := rule.NewSet(tags)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
