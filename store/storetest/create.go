package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"herald/feed"
	"herald/store"
)

// testCreateArticle checks CreateArticle: it stores a new article as
// UpsertArticle would, refuses an ID that exists without changing it, and
// of concurrent creations of one ID, through one handle or two (two
// instances of herald), lets exactly one succeed.
func (c *contract) testCreateArticle(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	v0, _ := db.Version(ctx)
	a := Article("c1", "Created once", "cyber-diplomacy")
	if err := db.CreateArticle(ctx, &a); err != nil {
		t.Fatalf("create: %v", err)
	}
	if want := "tag:news.example.org,2026-11-01:article:c1"; a.GUID != want {
		t.Errorf("GUID: got %q, want %q", a.GUID, want)
	}
	if a.Slug != "created-once" || !a.Updated.Equal(a.Published) || a.Origin != feed.OriginOwn {
		t.Errorf("got slug %q, updated %v, origin %q; want created-once, %v, own", a.Slug, a.Updated, a.Origin, a.Published)
	}
	got, err := db.Article(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Created once" || !slices.Equal(got.TagSlugs(), []string{"cyber-diplomacy"}) {
		t.Errorf("stored: got %q %v, want the article with its tag", got.Title, got.TagSlugs())
	}
	v1, _ := db.Version(ctx)
	if v1 <= v0 {
		t.Errorf("version did not move on create: %d -> %d", v0, v1)
	}

	again := Article("c1", "Created twice")
	if err := db.CreateArticle(ctx, &again); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("create of an existing ID: got %v, want feed.ErrConflict", err)
	}
	if got, _ := db.Article(ctx, "c1"); got == nil || got.Title != "Created once" {
		t.Errorf("a refused create changed the article: %+v", got)
	}
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Errorf("version moved on a refused create: %d -> %d", v1, v2)
	}

	bad := Article("c2", "")
	var ve *feed.ValidationError
	if err := db.CreateArticle(ctx, &bad); !errors.As(err, &ve) || !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("create without a title: got %v, want a *feed.ValidationError", err)
	}
	if _, err := db.Article(ctx, "c2"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("an invalid article was stored: %v", err)
	}

	t.Run("Concurrent", func(t *testing.T) {
		opt := store.Options{Authority: "news.example.org", Now: clk.Now}
		name := c.engine.Create(t)
		handles := []store.DB{c.engine.Open(t, name, opt), c.engine.Open(t, name, opt)}
		const n = 8
		errs := make([]error, n)
		start := make(chan struct{}) // all at once, as far as the scheduler lets them
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				a := Article("race", "Raced")
				<-start
				errs[i] = handles[i%2].CreateArticle(ctx, &a)
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, feed.ErrConflict):
				t.Errorf("create %d: got %v, want nil or feed.ErrConflict", i, err)
			}
		}
		if created != 1 {
			t.Errorf("%d concurrent creations of one ID: %d succeeded, want exactly 1", n, created)
		}
		page, err := handles[0].Changes(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes) != 1 || page.Changes[0].Change != feed.Created {
			t.Errorf("change log: got %+v, want one creation", page.Changes)
		}
	})
}
