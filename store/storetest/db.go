package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testDatabase(t *testing.T) {
	t.Run("Site", c.testSite)
	t.Run("ContentVersion", c.testContentVersion)
	t.Run("VersionSeenAcrossHandles", c.testVersionSeenAcrossHandles)
	t.Run("WritersOnTwoHandles", c.testWritersOnTwoHandles)
}

// testSite checks that the identity every GUID is built on is the one the
// database was created with, whatever a later opening says.
func (c *contract) testSite(t *testing.T) {
	ctx := context.Background()
	db, name, clk := c.openNamed(t, store.Options{})
	site := db.Site()
	if got, want := site.TagURI("feed:all"), "tag:news.example.org,2026-11-01:feed:all"; got != want {
		t.Errorf("site: got %s, want %s", got, want)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	later := &Clock{T: clk.T.AddDate(1, 0, 0)}
	db = c.engine.Open(t, name, store.Options{Authority: "other.example.com", Now: later.Now})
	if got := db.Site(); got.Authority != site.Authority || got.TagURI("x") != site.TagURI("x") {
		t.Errorf("site after opening with another authority: got %+v, want %+v", got, site)
	}
	a := Article("a1", "T")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if want := "tag:news.example.org,2027-11-01:article:a1"; a.GUID != want {
		t.Errorf("GUID: got %s, want %s (the site's authority, the article's date)", a.GUID, want)
	}
}

// testContentVersion checks the number that feed caches and the WebSub hub
// watch: it grows with every change to what feeds show (articles and
// tags), and with nothing else, so that usage counts, polls that bring
// nothing and deliveries do not make every cached feed stale.
func (c *contract) testContentVersion(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "One", "alpha")
	src := &feed.Source{}
	var sub *feed.Subscription
	_, tokenHash := feed.NewTokenSecret()
	_, feedHash := feed.NewFeedToken()
	subscriber := &feed.Subscriber{Name: "partner", Plan: feed.PlanFull}
	steps := []struct {
		what  string
		moves bool
		write func() error
	}{
		{"create an article", true, func() error { _, err := db.UpsertArticle(ctx, &a); return err }},
		{"upsert it unchanged", false, func() error { b := a; _, err := db.UpsertArticle(ctx, &b); return err }},
		{"edit it", true, func() error { a.Title = "One, edited"; _, err := db.UpsertArticle(ctx, &a); return err }},
		{"tag it", true, func() error {
			a.Tags = append(a.Tags, feed.ArticleTag{Slug: "beta"})
			_, err := db.UpsertArticle(ctx, &a)
			return err
		}},
		{"fail an upsert", false, func() error {
			_, err := db.UpsertArticles(ctx, []feed.Article{Article("a2", "Two"), Article("bad/id", "Bad")})
			if err == nil {
				return fmt.Errorf("an invalid article was stored")
			}
			return nil
		}},
		{"create a tag", true, func() error { return db.CreateTag(ctx, feed.Tag{Slug: "gamma", Name: "Gamma"}) }},
		{"name a tag", true, func() error {
			n := "Gamma rays"
			_, err := db.UpdateTag(ctx, "gamma", feed.TagUpdate{Name: &n})
			return err
		}},
		{"rename a tag", true, func() error { s := "beta-2"; _, err := db.UpdateTag(ctx, "beta", feed.TagUpdate{Slug: &s}); return err }},
		{"retag with a change", true, func() error {
			_, err := db.RetagArticles(ctx, func(x *feed.Article) { x.Tags = append(x.Tags, feed.ArticleTag{Slug: "gamma"}) })
			return err
		}},
		{"retag without one", false, func() error { _, err := db.RetagArticles(ctx, func(*feed.Article) {}); return err }},
		{"delete a tag", true, func() error { return db.DeleteTag(ctx, "gamma") }},
		{"create a token", false, func() error { _, err := db.CreateToken(ctx, "newsroom", tokenHash); return err }},
		{"authenticate", false, func() error { _, err := db.Authenticate(ctx, tokenHash); return err }},
		{"revoke a token", false, func() error { return db.RevokeToken(ctx, "newsroom") }},
		{"create a subscriber", false, func() error { return db.CreateSubscriber(ctx, subscriber, feedHash) }},
		{"add usage", false, func() error {
			return db.AddUsage(ctx, map[int64]feed.Usage{subscriber.ID: {Polls: 1, LastSeen: clk.T}})
		}},
		{"rotate a subscriber", false, func() error { return db.RotateSubscriber(ctx, "partner", []byte("another hash")) }},
		{"revoke a subscriber", false, func() error { return db.RevokeSubscriber(ctx, "partner") }},
		{"create a source", false, func() error {
			var err error
			src, err = db.CreateSource(ctx, newSource("https://agency.example/feed", "agency"))
			return err
		}},
		{"update a source", false, func() error {
			_, err := db.UpdateSource(ctx, src.ID, func(s *feed.Source) error { s.Name = "Agency press"; return nil })
			return err
		}},
		{"disable a source", false, func() error { _, err := db.SetSourceEnabled(ctx, src.ID, false); return err }},
		{"record a poll that brought nothing", false, func() error {
			s := *src
			s.LastAttempt, s.LastStatus = clk.T, 304
			_, err := db.RecordPoll(ctx, s.URL, s, nil)
			return err
		}},
		{"record a poll that brought an item", true, func() error {
			_, err := db.RecordPoll(ctx, src.URL, *src, []feed.Article{externalArticle(src, "one", "One", clk.T, clk.T)})
			return err
		}},
		{"record the same item again", false, func() error {
			_, err := db.RecordPoll(ctx, src.URL, *src, []feed.Article{externalArticle(src, "one", "One", clk.T, clk.T)})
			return err
		}},
		{"delete a source", false, func() error { return db.DeleteSource(ctx, src.ID) }},
		{"subscribe", false, func() error {
			var err error
			sub, err = db.UpsertSubscription(ctx, subscription("https://a.example.com/cb", clk.T.Add(time.Hour)))
			return err
		}},
		{"record a delivery", false, func() error {
			sub.Failures = 1
			return db.RecordDelivery(ctx, sub, feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 1, Status: 500})
		}},
		{"log a delivery", false, func() error {
			return db.LogDelivery(ctx, feed.Delivery{SubscriptionID: sub.ID, Time: clk.T, Kind: feed.Verify, Attempt: 1, Status: 200})
		}},
		{"prune subscriptions", false, func() error { _, err := db.PruneSubscriptions(ctx, clk.T.Add(2*time.Hour)); return err }},
		{"delete an article", true, func() error { return db.DeleteArticle(ctx, "a1") }},
	}
	for _, s := range steps {
		before := version(t, db)
		if err := s.write(); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		after := version(t, db)
		switch {
		case s.moves && after <= before:
			t.Errorf("%s: version %d -> %d, want it to grow", s.what, before, after)
		case !s.moves && after != before:
			t.Errorf("%s: version %d -> %d, want it kept", s.what, before, after)
		}
	}
}

// testVersionSeenAcrossHandles checks that a second handle on the same
// database (another instance of herald) sees the first's writes at once:
// its version and its articles.
func (c *contract) testVersionSeenAcrossHandles(t *testing.T) {
	ctx := context.Background()
	one, name, _ := c.openNamed(t, store.Options{})
	two := c.engine.Open(t, name, store.Options{Authority: "news.example.org"})
	v1 := version(t, one)
	a := Article("a1", "T")
	if _, err := two.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if v2 := version(t, one); v2 <= v1 {
		t.Errorf("another handle's write not seen: %d -> %d", v1, v2)
	}
	if got, err := one.Article(ctx, "a1"); err != nil || got.GUID != a.GUID {
		t.Errorf("another handle's article: got %+v, %v", got, err)
	}
	if v1, v2 := version(t, one), version(t, two); v1 != v2 {
		t.Errorf("two handles on one database disagree on its version: %d and %d", v1, v2)
	}
}

// testWritersOnTwoHandles writes through two handles on one database at
// once, as two instances of herald would, creating the same new tag from
// both: no write is lost and none fails.
func (c *contract) testWritersOnTwoHandles(t *testing.T) {
	ctx := context.Background()
	one, name, _ := c.openNamed(t, store.Options{})
	two := c.engine.Open(t, name, store.Options{Authority: "news.example.org"})
	const each = 30
	var wg sync.WaitGroup
	for h, db := range []store.DB{one, two} {
		wg.Go(func() {
			for i := range each {
				a := Article(fmt.Sprintf("h%d-%02d", h, i), "Story", "shared", fmt.Sprintf("only-%d", h))
				if _, err := db.UpsertArticle(ctx, &a); err != nil {
					t.Errorf("handle %d: %v", h, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for h, db := range []store.DB{one, two} {
		tag, err := db.Tag(ctx, "shared")
		if err != nil || tag.Articles != 2*each {
			t.Errorf("handle %d: tag shared: got %+v, %v; want %d articles", h, tag, err, 2*each)
		}
		if n, err := db.CountArticles(ctx, feed.ArticleFilter{}); err != nil || n != 2*each {
			t.Errorf("handle %d: got %d articles, %v; want %d", h, n, err, 2*each)
		}
	}
	log := changeLog(t, one)
	if len(log) != 2*each || !strings.HasPrefix(log[0], "created ") {
		t.Errorf("change log: got %d entries, want %d creations", len(log), 2*each)
	}
}
