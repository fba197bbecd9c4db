package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/stats"
	"herald/store"
)

// testCopy checks the Copier: a database exported and imported into a new
// one of the same engine reads the same, record for record and through
// every read of store.DB, and writes go on there as they would in the
// source; an import refuses a database that is not empty and stores nothing
// when it fails.
func (c *contract) testCopy(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) { CopyBetween(t, c.engine, c.engine) })
	t.Run("RefusesNonEmpty", c.testCopyRefusesNonEmpty)
	t.Run("FailureStoresNothing", c.testCopyFailureStoresNothing)
	t.Run("ExportStopsEarly", c.testCopyExportStopsEarly)
}

// CopyBetween fills a database of engine from (Fill), copies it to a new
// database of engine to and from there to a new one of engine from, and
// checks that the three read the same (Observe) and hold the same records.
// Then it makes the same writes to the first and the last, which must give
// the same ids, article numbers, GUIDs and change log, and still read the
// same. Engines' tests call it with another engine, both ways.
func CopyBetween(t *testing.T, from, to Opener) {
	ctx := context.Background()
	clk := &Clock{T: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	// The databases written to share one clock, so that the same writes
	// store the same times.
	src := from.Open(t, from.Create(t), store.Options{Authority: "news.example.org", Now: clk.Now,
		SeedTags: []feed.Tag{{Slug: "cyber", Name: "Cyber", Rule: "cyber*"}}})
	Fill(t, src, clk)
	want := Observe(t, src)
	wantRecords := Records(t, src)

	// Opened with another authority and no seed tags: the import brings the
	// source's identity.
	mid := to.Open(t, to.Create(t), store.Options{Authority: "other.example", Now: clk.Now})
	if err := mid.Import(ctx, src.Export(ctx)); err != nil {
		t.Fatalf("import into the second engine: %v", err)
	}
	back := from.Open(t, from.Create(t), store.Options{Now: clk.Now})
	if err := back.Import(ctx, mid.Export(ctx)); err != nil {
		t.Fatalf("import back: %v", err)
	}
	for _, db := range []struct {
		name   string
		db     store.DB
		ranked bool
	}{{"the copy", mid, false}, {"the copy of the copy", back, true}} {
		if got, want := db.db.Site(), src.Site(); got.Authority != want.Authority || !got.Created.Equal(want.Created) {
			t.Errorf("site of %s: got %+v, want %+v", db.name, got, src.Site())
		}
		sameLines(t, db.name+" (records)", Records(t, db.db), wantRecords)
		// Ranking is the engine's: another engine may order the matches of
		// a search otherwise, and its cursors hold its own scores. The copy
		// back, on the source's engine, must rank as the source does.
		observed, expected := Observe(t, db.db), want
		if !db.ranked {
			observed, expected = unranked(observed), unranked(expected)
		}
		sameLines(t, db.name, observed, expected)
		n, err := db.db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := src.Counts(ctx); !maps.Equal(n, m) {
			t.Errorf("counts of %s: got %v, want %v", db.name, n, m)
		}
	}

	// The same writes after the copy give the same results.
	for _, db := range []store.DB{src, back} {
		writeAfterCopy(t, db, clk)
	}
	sameLines(t, "after further writes", Observe(t, back), Observe(t, src))
}

// writeAfterCopy makes writes that depend on the numbers a copy must carry
// on from: a new source (never the id of a removed one), a new article (its
// seq and rev), a deletion and an edit, a new tag, token and subscriber.
func writeAfterCopy(t *testing.T, db store.DB, clk *Clock) {
	t.Helper()
	ctx := context.Background()
	at := clk.T
	defer func() { clk.T = at }()
	clk.T = at.Add(time.Hour)
	src, err := db.CreateSource(ctx, feed.Source{URL: "https://after.example/feed", Name: "After", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if src.ID != 4 {
		t.Errorf("a source created after the copy: got id %d, want 4 (3 was removed)", src.ID)
	}
	a := copyArticle(900, clk.T)
	a.Tags = append(a.Tags, feed.ArticleTag{Slug: "brand-new"})
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	edit := copyArticle(20, clk.T)
	edit.Title = "Edited after the copy"
	if _, err := db.UpsertArticle(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteArticle(ctx, "own-021"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTag(ctx, feed.Tag{Slug: "later", Name: "Later"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateToken(ctx, "after", []byte("token-after-copy-hash-0123456789")); err != nil {
		t.Fatal(err)
	}
	s := &feed.Subscriber{Name: "after", Plan: feed.PlanSummary}
	if err := db.CreateSubscriber(ctx, s, []byte("subscriber-after-copy-hash-01234")); err != nil {
		t.Fatal(err)
	}
}

// copyArticle is the own article number i, published i hours before at.
func copyArticle(i int, at time.Time) feed.Article {
	a := feed.Article{
		ID:        fmt.Sprintf("own-%03d", i),
		Title:     fmt.Sprintf("Grid security brief %d", i),
		Summary:   fmt.Sprintf("Summary %d of the power grid.", i),
		Content:   fmt.Sprintf("<p>Body %d: utilities &amp; <b>regulators</b>.</p>", i),
		Authors:   []string{"Ana Reporter", "Bo Editor"},
		Published: at.Add(-time.Duration(i) * time.Hour),
		Language:  "en",
	}
	switch i % 4 {
	case 0:
		a.Tags = []feed.ArticleTag{{Slug: "energy"}, {Slug: "cyber", Rule: "cyber*", Matched: []string{"cyberattack"}}}
		a.Content += "<p>A cyberattack.</p>"
	case 1:
		a.Tags = []feed.ArticleTag{{Slug: "water"}}
	case 2:
		a.Title, a.Language = fmt.Sprintf("サイバー攻撃の報告 %d", i), "ja"
		a.Tags = []feed.ArticleTag{{Slug: "cyber", Rule: "cyber* OR サイバー", Matched: []string{"サイバー"}}}
	}
	return a
}

// Fill writes to db (whose clock is clk) a database with some of
// everything a copy must carry: tags with rules, one renamed and one
// removed; sources with their poll state, one removed (its articles stay);
// own articles over two archive pages, hand-tagged and rule-tagged, some
// edited (with versions), retagged, or deleted (with tombstones), one
// deleted and created again; API tokens, one revoked and one used;
// subscribers with usage, one revoked; WebSub subscriptions with delivery
// logs. It fails the test on any error.
func Fill(t testing.TB, db store.DB, clk *Clock) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tick := func() { clk.Add(time.Minute) }

	// Tags.
	must(db.CreateTag(ctx, feed.Tag{Slug: "energy", Name: "Energy", Description: "The grid.", Rule: "grid OR power"}))
	must(db.CreateTag(ctx, feed.Tag{Slug: "water", Name: "Water"}))
	must(db.CreateTag(ctx, feed.Tag{Slug: "doomed", Name: "Doomed"}))
	tick()

	// Sources: the last created is removed, so that its id is given to no
	// other after a copy either.
	var sources []*feed.Source
	for i, u := range []string{"https://agency.example/feed", "https://ministry.example/rss", "https://gone.example/atom"} {
		s, err := db.CreateSource(ctx, feed.Source{URL: u, Name: fmt.Sprintf("Source %d", i+1), Tags: []string{"external", "energy"},
			Every: time.Duration(i+1) * 15 * time.Minute, Enabled: true, UseCategories: i == 0})
		must(err)
		sources = append(sources, s)
	}
	for i, s := range sources {
		tick()
		state := *s
		state.LastAttempt, state.LastSuccess, state.LastStatus = clk.T, clk.T, 200
		state.ETag, state.LastModified = fmt.Sprintf(`"etag-%d"`, i), "Mon, 02 Nov 2026 10:00:00 GMT"
		state.NextFetch, state.Hint = clk.T.Add(time.Duration(i+1)*time.Hour), time.Duration(i)*time.Hour
		var arts []feed.Article
		for j := range 3 {
			guid := fmt.Sprintf("item-%d", j)
			arts = append(arts, feed.Article{
				ID: fmt.Sprintf("src%d-%s", s.ID, guid), Title: fmt.Sprintf("Release %d of %s on grid power", j, s.Name),
				Content: "<p>Released.</p>", Published: clk.T.Add(-time.Duration(j) * time.Hour), URL: "https://agency.example/" + guid,
				Origin: feed.OriginExternal, Tags: []feed.ArticleTag{{Slug: "external"}},
				Provenance: &feed.Provenance{SourceID: s.ID, SourceName: s.Name, FeedURL: s.URL, FeedTitle: "Releases",
					Link: "https://agency.example/" + guid, OriginalID: guid, Published: clk.T.Add(-time.Duration(j) * time.Hour),
					FeedUpdated: clk.T},
			})
		}
		_, err := db.RecordPoll(ctx, s.URL, state, arts)
		must(err)
	}
	// The second source now fails, with a redirect not yet trusted.
	tick()
	failing, err := db.Source(ctx, sources[1].ID)
	must(err)
	failing.LastAttempt, failing.LastStatus, failing.ConsecutiveErrors = clk.T, 503, 2
	failing.LastError, failing.NextFetch = "503 Service Unavailable", clk.T.Add(2*time.Hour)
	failing.PendingURL, failing.PendingCount = "https://ministry.example/new-rss", 1
	_, err = db.RecordPoll(ctx, failing.URL, *failing, nil)
	must(err)
	_, err = db.SetSourceEnabled(ctx, sources[1].ID, false)
	must(err)
	must(db.DeleteSource(ctx, sources[2].ID))

	// Own articles, over two archive pages (250 articles each), in batches.
	for start := 0; start < 270; start += 90 {
		tick()
		var batch []feed.Article
		for i := start; i < start+90; i++ {
			batch = append(batch, copyArticle(i, clk.T))
		}
		_, err := db.UpsertArticles(ctx, batch)
		must(err)
	}
	// Edits: content twice (two versions kept), a slug, tags only.
	for _, title := range []string{"Grid security brief 5, corrected", "Grid security brief 5, corrected again"} {
		tick()
		a := copyArticle(5, clk.T)
		a.Published = a.Published.Add(-time.Duration(len(title)) * time.Minute)
		a.Title = title
		a.Correction = "The title named the wrong brief: " + title // public corrections, kept by copies
		_, err := db.UpsertArticle(ctx, &a)
		must(err)
	}
	tick()
	slugged := copyArticle(6, clk.T.Add(-4*time.Minute))
	slugged.Slug = "a-better-slug"
	_, err = db.UpsertArticle(ctx, &slugged)
	must(err)
	tick()
	retagged := copyArticle(7, clk.T.Add(-5*time.Minute))
	retagged.Tags = append(retagged.Tags, feed.ArticleTag{Slug: "doomed"}, feed.ArticleTag{Slug: "energy", Rule: "grid OR power", Matched: []string{"grid"}})
	_, err = db.UpsertArticle(ctx, &retagged)
	must(err)
	// Deletions, the newest article among them; one created again a day
	// later, under a GUID of its own.
	for _, id := range []string{"own-000", "own-010", "own-011", "own-100", "own-269"} {
		tick()
		must(db.DeleteArticle(ctx, id))
	}
	clk.Add(24 * time.Hour)
	again := copyArticle(10, clk.T)
	again.Title = "Back again"
	_, err = db.UpsertArticle(ctx, &again)
	must(err)
	// A rename (the old slug resolves), a tag removed (tombstones keep
	// its id), a rule changed.
	tick()
	renamed := "water-utilities"
	_, err = db.UpdateTag(ctx, "water", feed.TagUpdate{Slug: &renamed})
	must(err)
	tick()
	must(db.DeleteArticle(ctx, "own-007"))
	must(db.DeleteTag(ctx, "doomed"))
	rule := "grid OR power OR utilities"
	_, err = db.UpdateTag(ctx, "energy", feed.TagUpdate{Rule: &rule})
	must(err)

	// Tokens.
	tick()
	_, err = db.CreateToken(ctx, "ci", hash("ci"))
	must(err)
	_, err = db.CreateToken(ctx, "old", hash("old"))
	must(err)
	must(db.RevokeToken(ctx, "old"))
	tick()
	_, err = db.Authenticate(ctx, hash("ci"))
	must(err)

	// Subscribers and their usage.
	tick()
	partner := &feed.Subscriber{Name: "partner", Plan: feed.PlanFull, Tags: []string{"energy", "cyber"}, RatePerMinute: 60, Attribution: true}
	must(db.CreateSubscriber(ctx, partner, hash("partner")))
	reader := &feed.Subscriber{Name: "reader", Plan: feed.PlanSummary}
	must(db.CreateSubscriber(ctx, reader, hash("reader")))
	gone := &feed.Subscriber{Name: "gone", Plan: feed.PlanFull}
	must(db.CreateSubscriber(ctx, gone, hash("gone")))
	early := &feed.Subscriber{Name: "early", Plan: feed.PlanFull, EarlyAccess: true}
	must(db.CreateSubscriber(ctx, early, hash("early")))
	// An embargoed article, held until next year.
	held := Article("held", "Held until next year", "cyber")
	held.Published, held.EmbargoUntil = time.Time{}, time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	_, err = db.UpsertArticle(ctx, &held)
	must(err)
	must(db.RevokeSubscriber(ctx, "gone"))
	must(db.AddUsage(ctx, map[int64]feed.Usage{
		partner.ID: {Polls: 12, NotModified: 5, LastSeen: clk.T, UserAgents: map[string]int64{"Feedly/1.0": 7, "NetNewsWire/6": 5}},
		reader.ID:  {Polls: 1, LastSeen: clk.T.Add(-time.Minute), UserAgents: map[string]int64{"curl/8": 1}},
	}))

	// Readership statistics: a public and a partner's row, and a report.
	must(db.AddStats(ctx, statsBatch(clk.T, 3)))

	// WebSub subscriptions and their logs.
	tick()
	for i, cb := range []string{"https://reader.example/cb", "https://other.example/hook?x=1"} {
		s := feed.Subscription{Topic: "https://news.example.org/feed.atom", Callback: cb, Secret: fmt.Sprintf("secret-%d", i),
			Lease: feed.DefaultLease, Expires: clk.T.Add(feed.DefaultLease), DeliveredETag: `"e1"`}
		stored, err := db.UpsertSubscription(ctx, s)
		must(err)
		must(db.LogDelivery(ctx, feed.Delivery{SubscriptionID: stored.ID, Time: clk.T, Kind: feed.Verify, Attempt: 1, Status: 200,
			Duration: 40 * time.Millisecond}))
		stored.Failures, stored.NextAttempt = i, clk.T.Add(time.Duration(i)*time.Minute)
		must(db.RecordDelivery(ctx, stored, feed.Delivery{SubscriptionID: stored.ID, Time: clk.T, Kind: feed.Content,
			Attempt: i + 1, Status: 500 * i, Duration: 3 * time.Millisecond, Error: strings.Repeat("refused ", i)}))
	}
}

// hash is the hash of a token secret, as feed.NewTokenSecret makes them.
func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Observe returns, one line per read, what db gives to every read of
// store.DB a reader of feeds, pages or the API can make: the site and
// content version, tags (by old slugs too), listings in every order with
// their cursors, archive pages, counts, search results, the change log and
// tombstones, every article's versions, tokens, subscribers, sources,
// subscriptions and delivery logs. Two databases that serve the same bytes
// observe the same.
func Observe(t testing.TB, db store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	note := func(label string, v any, err error) {
		t.Helper()
		if err != nil {
			out = append(out, fmt.Sprintf("%s: error %v", label, err))
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, label+": "+string(b))
	}
	note("site", db.Site(), nil)
	v, err := db.Version(ctx)
	note("version", v, err)
	tags, err := db.Tags(ctx)
	note("tags", tags, err)
	for _, slug := range []string{"water", "water-utilities", "doomed", "energy"} {
		tag, err := db.Tag(ctx, slug)
		note("tag "+slug, tag, err)
	}
	names, err := db.TagNames(ctx)
	note("tag names", names, err)
	corrections, err := db.Corrections(ctx, feed.CorrectionFilter{})
	note("corrections", corrections, err)
	for _, c := range corrections {
		d, err := db.CorrectionDiff(ctx, c.ID)
		note(fmt.Sprintf("correction %d", c.ID), d, err)
	}

	var ids []string
	for _, f := range []feed.ArticleFilter{
		{Order: feed.OrderChanged},
		{Order: feed.OrderPublished},
		{Tags: []string{"energy"}},
		{Tags: []string{"water"}, Order: feed.OrderChanged},
		{Origin: feed.OriginExternal},
		{Source: 1},
		{Query: "grid"},
		{Query: "サイバー", Order: feed.OrderChanged},
	} {
		f.Limit = 40
		for page := 0; ; page++ {
			p, err := db.ArticlePage(ctx, f)
			label := fmt.Sprintf("listing %+v page %d", f, page)
			if f.Query != "" && (f.Order == "" || f.Order == feed.OrderRank) {
				label = "ranked " + label
			}
			if err != nil {
				note(label, nil, err)
				break
			}
			note(label, p, nil)
			if f.Order == feed.OrderChanged && len(f.Tags) == 0 && f.Query == "" {
				for _, a := range p.Articles {
					ids = append(ids, a.ID)
				}
			}
			if !p.More {
				break
			}
			f.Cursor = p.NextCursor
		}
	}
	for _, f := range []feed.ArticleFilter{{}, {Tags: []string{"cyber"}}, {Origin: feed.OriginOwn}} {
		n, err := db.CountArticles(ctx, f)
		note(fmt.Sprintf("count %+v", f), n, err)
	}
	for _, q := range []struct {
		tags   []string
		origin feed.Origin
	}{{nil, ""}, {[]string{"energy"}, ""}, {nil, feed.OriginExternal}} {
		pages, open, err := db.ArchivePages(ctx, q.tags, q.origin)
		note(fmt.Sprintf("archive pages %v %q", q.tags, q.origin), []any{pages, open}, err)
		for _, n := range pages {
			arts, err := db.ArchivePage(ctx, q.tags, q.origin, n)
			note(fmt.Sprintf("archive page %v %q %d", q.tags, q.origin, n), arts, err)
		}
	}
	for cursor := ""; ; {
		p, err := db.Changes(ctx, cursor, 60)
		note("changes after "+cursor, p, err)
		if err != nil || !p.More {
			break
		}
		cursor = p.NextCursor
	}
	for _, f := range []feed.TombstoneFilter{{Limit: 100}, {Tags: []string{"energy"}}, {Origin: feed.OriginOwn, Since: time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)}} {
		ts, err := db.Tombstones(ctx, f)
		note(fmt.Sprintf("tombstones %+v", f), ts, err)
	}
	for _, id := range ids {
		vs, err := db.ArticleVersions(ctx, id, 50)
		note("versions of "+id, vs, err)
	}
	tokens, err := db.Tokens(ctx)
	note("tokens", tokens, err)
	subs, err := db.Subscribers(ctx)
	note("subscribers", subs, err)
	held, err := db.EmbargoedArticles(ctx)
	note("embargoed articles", held, err)
	next, ok, err := db.NextEmbargo(ctx)
	note("next embargo", []any{next, ok}, err)
	for _, name := range []string{"partner", "reader", "gone"} {
		s, err := db.SubscriberByToken(ctx, hash(name))
		note("subscriber by token "+name, s, err)
	}
	sources, err := db.Sources(ctx)
	note("sources", sources, err)
	due, err := db.DueSources(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	note("due sources", due, err)
	subscriptions, err := db.Subscriptions(ctx)
	note("subscriptions", subscriptions, err)
	for _, s := range subscriptions {
		note(fmt.Sprintf("secret of subscription %d", s.ID), s.Secret, nil)
		log, err := db.Deliveries(ctx, s.ID, 0)
		note(fmt.Sprintf("deliveries of subscription %d", s.ID), log, err)
	}
	read, err := db.Stats(ctx, stats.Filter{From: "2000-01-01", To: "2100-01-01"})
	note("stats", read, err)
	return out
}

// unranked returns the lines of Observe that are not ranked searches.
func unranked(lines []string) []string {
	return slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return strings.HasPrefix(l, "ranked ") })
}

// Records returns db's export, one line per record, with what is nil and
// what is empty written alike (engines store an empty list as they do).
func Records(t testing.TB, db store.DB) []string {
	t.Helper()
	var out []string
	for r, err := range db.Export(context.Background()) {
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		out = append(out, r.Kind()+": "+recordString(reflect.ValueOf(r)))
	}
	return out
}

func recordString(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "nil"
		}
		return recordString(v.Elem())
	case reflect.Struct:
		var fields []string
		for i := range v.NumField() {
			fields = append(fields, v.Type().Field(i).Name+"="+recordString(v.Field(i)))
		}
		return "{" + strings.Join(fields, " ") + "}"
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("%x", v.Bytes())
		}
		var items []string
		for i := range v.Len() {
			items = append(items, recordString(v.Index(i)))
		}
		return "[" + strings.Join(items, " ") + "]"
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	default:
		return fmt.Sprint(v.Interface()) // maps print sorted
	}
}

// sameLines reports the first differences between got and want.
func sameLines(t testing.TB, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, want %d", what, len(got), len(want))
	}
	diffs := 0
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			if diffs++; diffs > 5 {
				t.Errorf("%s: more differences", what)
				return
			}
			t.Errorf("%s, line %d:\n got %s\nwant %s", what, i, clip(got[i]), clip(want[i]))
		}
	}
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// testCopyRefusesNonEmpty imports into databases that hold something: each
// import fails with feed.ErrConflict and changes nothing.
func (c *contract) testCopyRefusesNonEmpty(t *testing.T) {
	ctx := context.Background()
	src, clk := c.openClocked(t, store.Options{})
	a := Article("a1", "An article", "energy")
	if _, err := src.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) store.DB
	}{
		{"seed tags", func(t *testing.T) store.DB {
			return c.engine.Open(t, c.engine.Create(t), store.Options{Authority: "dest.example", Now: clk.Now,
				SeedTags: []feed.Tag{{Slug: "cyber", Name: "Cyber"}}})
		}},
		{"a token", func(t *testing.T) store.DB {
			db := c.engine.Open(t, c.engine.Create(t), store.Options{Authority: "dest.example", Now: clk.Now})
			if _, err := db.CreateToken(ctx, "t", hash("t")); err != nil {
				t.Fatal(err)
			}
			return db
		}},
		{"the source itself", func(*testing.T) store.DB { return src }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := tc.db(t)
			before := Records(t, dst)
			err := dst.Import(ctx, src.Export(ctx))
			if !errors.Is(err, feed.ErrConflict) {
				t.Errorf("import into a database holding %s: got %v, want feed.ErrConflict", tc.name, err)
			}
			sameLines(t, "after a refused import", Records(t, dst), before)
		})
	}
}

// testCopyFailureStoresNothing imports sequences that fail: one that yields
// an error midway, one whose records do not add up to the site's counts,
// one that does not begin with the site. Each import returns an error and
// leaves the database empty, and an import that works may follow.
func (c *contract) testCopyFailureStoresNothing(t *testing.T) {
	ctx := context.Background()
	src, clk := c.openClocked(t, store.Options{})
	Fill(t, src, clk)
	dst := c.engine.Open(t, c.engine.Create(t), store.Options{Authority: "dest.example", Now: clk.Now})
	empty := Records(t, dst)
	boom := errors.New("the source went away")

	// through passes src's records on, changed by edit; edit returns false
	// to end the sequence with boom instead.
	through := func(edit func(i int, r store.Record) bool) iter.Seq2[store.Record, error] {
		return func(yield func(store.Record, error) bool) {
			i := 0
			for r, err := range src.Export(ctx) {
				if err == nil && !edit(i, r) {
					yield(nil, boom)
					return
				}
				if !yield(r, err) {
					return
				}
				i++
			}
		}
	}
	for _, tc := range []struct {
		name    string
		records iter.Seq2[store.Record, error]
		want    error
	}{
		{"an error midway", through(func(_ int, r store.Record) bool { return r.Kind() != "versions" }), boom},
		{"counts that do not add up", through(func(i int, r store.Record) bool {
			if s, ok := r.(*store.SiteRecord); ok {
				s.Counts["articles"]++
			}
			return true
		}), nil},
		{"no site first", func(yield func(store.Record, error) bool) {
			yield(&store.TagRecord{ID: 1, Slug: "x", Name: "X"}, nil)
		}, nil},
		{"nothing", func(yield func(store.Record, error) bool) {}, nil},
	} {
		err := dst.Import(ctx, tc.records)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("import of %s: got %v, want an error (%v)", tc.name, err, tc.want)
		}
		sameLines(t, "after the import of "+tc.name, Records(t, dst), empty)
	}
	if err := dst.Import(ctx, src.Export(ctx)); err != nil {
		t.Fatalf("an import after failed ones: %v", err)
	}
	sameLines(t, "after failed imports", Observe(t, dst), Observe(t, src))
}

// testCopyExportStopsEarly stops reading an export after a few records: the
// export ends with no error and holds nothing, and writes go on.
func (c *contract) testCopyExportStopsEarly(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	Fill(t, db, clk)
	var kinds []string
	for r, err := range db.Export(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if kinds = append(kinds, r.Kind()); len(kinds) == 3 {
			break
		}
	}
	if want := []string{"site", "tags", "tags"}; !slices.Equal(kinds, want) {
		t.Errorf("first records: got %v, want %v", kinds, want)
	}
	a := Article("late", "Written after the export stopped")
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Errorf("write after a stopped export: %v", err)
	}
}

// BenchmarkCopy measures a copy (Export into Import) of a database of
// 100,000 articles of about 3 KB from engine from to a new database of
// engine to, in articles per second, and the peak of the heap while it
// runs. With -short the database holds 5,000 articles.
func BenchmarkCopy(b *testing.B, from, to Opener) {
	n := 100_000
	if testing.Short() {
		n = 5_000
	}
	ctx := context.Background()
	src := benchCorpus(b, from, n)
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		dst := to.Open(b, to.Create(b), store.Options{})
		runtime.GC()
		b.StartTimer()
		records := func(yield func(store.Record, error) bool) {
			i := 0
			for r, err := range src.Export(ctx) {
				if i++; i%1000 == 0 {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
				if !yield(r, err) {
					return
				}
			}
		}
		if err := dst.Import(ctx, records); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
