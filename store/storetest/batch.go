package storetest

import (
	"context"
	"slices"
	"testing"

	"herald/feed"
	"herald/store"
)

// testUpsertMixedBatch writes one batch mixing what a bulk ingest meets:
// new articles (with hand and rule tags), one of them twice; a stored
// article unchanged, one edited, one retagged; and one created again the
// day it was deleted. Each must end as if written alone, in the batch's
// order: the changes, the stored tags and their counts, the search index,
// the tombstones and the change log. (An engine may write a batch's new
// articles its own way: this holds it to the one-by-one path.)
func (c *contract) testUpsertMixedBatch(t *testing.T) {
	ctx := context.Background()
	db, _ := c.openClocked(t, store.Options{})
	edit := Article("edit", "Edit me")
	edit.Content = "<p>A zebra was seen.</p>"
	before := []feed.Article{Article("same", "Same", "alpha"), edit, Article("retag", "Retag", "alpha"), Article("gone", "Gone", "alpha")}
	if _, err := db.UpsertArticles(ctx, before); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	logBefore := len(changeLog(t, db))

	new1 := Article("new1", "New one", "alpha", "beta")
	new1.Tags = append(new1.Tags, feed.ArticleTag{Slug: "cyber", Rule: "cyber*", Matched: []string{"cyberspace", "cyber"}})
	new1.Content = "<p>Talks on cyberspace.</p>"
	new1again := new1
	new1again.Tags = append(slices.Clone(new1.Tags), feed.ArticleTag{Slug: "gamma"})
	new1again.Content = "<p>Talks on cyberspace, and a pangolin.</p>"
	new2 := Article("new2", "New two", "beta")
	new2.Content = "<p>An okapi appeared.</p>"
	edited := Article("edit", "Edit me")
	edited.Content = "<p>A giraffe was seen.</p>"
	batch := []feed.Article{new1, Article("same", "Same", "alpha"), edited, new2, Article("retag", "Retag", "beta"),
		Article("gone", "Gone", "alpha"), new1again}
	changes, err := db.UpsertArticles(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Change{feed.Created, feed.Unchanged, feed.Updated, feed.Created, feed.Updated, feed.Created, feed.Updated}
	if !slices.Equal(changes, want) {
		t.Errorf("changes: got %v, want %v", changes, want)
	}
	for i, a := range batch {
		if a.GUID == "" {
			t.Errorf("batch[%d] (%s): no GUID filled in", i, a.ID)
		}
	}

	got, err := db.Article(ctx, "new1")
	if err != nil {
		t.Fatal(err)
	}
	if slugs := slices.Sorted(slices.Values(got.TagSlugs())); !slices.Equal(slugs, []string{"alpha", "beta", "cyber", "gamma"}) {
		t.Errorf("new1's tags: got %v, want alpha, beta, cyber and gamma", got.TagSlugs())
	}
	for _, tg := range got.Tags {
		if tg.Slug == "cyber" && (tg.Rule != "cyber*" || !slices.Equal(tg.Matched, []string{"cyberspace", "cyber"})) {
			t.Errorf("new1's rule tag: got %+v, want rule cyber* matching [cyberspace cyber]", tg)
		}
	}
	if got, err := db.Article(ctx, "retag"); err != nil || !slices.Equal(got.TagSlugs(), []string{"beta"}) {
		t.Errorf("retag: got %v, %v; want [beta]", got, err)
	}

	tags, err := db.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tg := range tags {
		counts[tg.Slug] = tg.Articles
	}
	for slug, n := range map[string]int{"alpha": 3, "beta": 3, "cyber": 1, "gamma": 1} {
		if counts[slug] != n {
			t.Errorf("tag %s counts %d articles, want %d", slug, counts[slug], n)
		}
	}

	for q, ids := range map[string][]string{"giraffe": {"edit"}, "zebra": nil, "okapi": {"new2"}, "pangolin": {"new1"}, "gone": {"gone"}} {
		p, err := db.ArticlePage(ctx, feed.ArticleFilter{Query: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var found []string
		for _, a := range p.Articles {
			found = append(found, a.ID)
		}
		if !slices.Equal(found, ids) {
			t.Errorf("search %q: got %v, want %v", q, found, ids)
		}
	}

	if ts, err := db.Tombstones(ctx, feed.TombstoneFilter{}); err != nil || len(ts) != 0 {
		t.Errorf("tombstones: got %+v, %v; want none (gone was created again with its GUID)", ts, err)
	}
	log := changeLog(t, db)[logBefore:]
	wantLog := []string{"created new1 v1", "updated edit v2", "created new2 v1", "updated retag v1", "created gone v1", "updated new1 v2"}
	if !slices.Equal(log, wantLog) {
		t.Errorf("change log of the batch: got %q, want %q", log, wantLog)
	}
}
