package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/postgres"
	"herald/store/sqlite"
	"herald/store/storetest"
)

// TestSameOutputAsSQLite makes the same writes, at the same times, to an
// SQLite file and a PostgreSQL database, and reads back everything a reader
// of herald's feeds and API sees: articles with their ids, GUIDs and slugs,
// listing cursors, the change log, archive pages, tombstones, versions,
// tags, sources, tokens, subscribers and subscriptions. The two must be the
// same, byte for byte.
func TestSameOutputAsSQLite(t *testing.T) {
	ctx := context.Background()
	seed := []feed.Tag{{Slug: "cyber", Name: "Cyber", Rule: "cyber*"}}
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

	liteClock := &storetest.Clock{T: start}
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"),
		sqlite.Options{Authority: "news.example.org", SeedTags: seed, Now: liteClock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pgClock := &storetest.Clock{T: start}
	pg := openURL(t, storetest.PostgresURL(t), postgres.Options{Authority: "news.example.org", SeedTags: seed, Now: pgClock.Now})

	want := transcript(t, lite, liteClock)
	got := transcript(t, pg, pgClock)
	if len(got) != len(want) {
		t.Errorf("PostgreSQL's transcript has %d entries, SQLite's %d", len(got), len(want))
	}
	diffs := 0
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] && diffs < 10 {
			diffs++
			t.Errorf("entry %d:\nPostgreSQL: %s\n    SQLite: %s", i, got[i], want[i])
		}
	}
	t.Logf("%d entries compared", len(want))
}

// transcript makes the writes of TestSameOutputAsSQLite to db and returns
// what reading it gives, one entry per read.
func transcript(t *testing.T, db store.DB, clk *storetest.Clock) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	note := func(label string, v any, err error) {
		t.Helper()
		b, jerr := json.Marshal(v)
		if jerr != nil {
			t.Fatal(jerr)
		}
		out = append(out, fmt.Sprintf("%s: %s %s", label, b, kind(err)))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	note("site", db.Site(), nil)

	// Sources: one refused for its URL takes no id.
	a, err := db.CreateSource(ctx, feed.Source{URL: "https://agency.example/feed", Name: "Agency", Tags: []string{"external"}, Enabled: true})
	note("source a", a, err)
	_, err = db.CreateSource(ctx, feed.Source{URL: "https://agency.example/feed", Name: "Again"})
	note("source again", nil, err)
	b, err := db.CreateSource(ctx, feed.Source{URL: "https://other.example/feed", Name: "Other", Enabled: true})
	note("source b", b, err)
	must(err)

	// A poll of each.
	poll := func(src *feed.Source, guids ...string) {
		t.Helper()
		var arts []feed.Article
		for _, g := range guids {
			arts = append(arts, feed.Article{
				ID: fmt.Sprintf("src%d-%s", src.ID, g), Title: "Item " + g + " on cyber security", Content: "<p>" + g + "</p>",
				Published: clk.T.Add(-time.Hour), Origin: feed.OriginExternal, Tags: []feed.ArticleTag{{Slug: "external"}},
				Provenance: &feed.Provenance{SourceID: src.ID, SourceName: src.Name, FeedURL: src.URL, OriginalID: g,
					Published: clk.T.Add(-time.Hour), FeedUpdated: clk.T},
			})
		}
		s := *src
		s.LastAttempt, s.LastSuccess, s.LastStatus, s.ETag, s.NextFetch = clk.T, clk.T, 200, `"e"`, clk.T.Add(30*time.Minute)
		changes, err := db.RecordPoll(ctx, src.URL, s, arts)
		note("poll "+src.Name, changes, err)
		must(err)
	}
	poll(a, "x1", "x2", "x3")
	poll(b, "y1")

	// A batch of own articles spanning archive pages, one named twice.
	var batch []feed.Article
	for i := range 530 {
		x := feed.Article{ID: fmt.Sprintf("own-%03d", i), Title: fmt.Sprintf("Story %d", i), Summary: "S",
			Published: start(i), Authors: []string{"Ana", "Bo"}}
		switch {
		case i%3 == 0:
			x.Tags = []feed.ArticleTag{{Slug: "alpha"}, {Slug: "beta"}}
		case i%3 == 1:
			x.Tags = []feed.ArticleTag{{Slug: "beta"}, {Slug: "cyber", Rule: "cyber*", Matched: []string{"cyberspace"}}}
		}
		batch = append(batch, x)
	}
	batch = append(batch, feed.Article{ID: "own-007", Title: "Story 7, again", Summary: "S", Published: start(7)})
	changes, err := db.UpsertArticles(ctx, batch)
	note("batch", changes, err)
	must(err)
	note("batch as stored", batch[len(batch)-3:], nil)

	// An hour later: edits, retags, deletions (the newest among them, whose
	// number the next article takes on SQLite), new articles, a renamed and a
	// deleted tag, a retag run, a removed source.
	clk.Add(time.Hour)
	for _, id := range []string{"own-010", "own-011"} {
		x, err := db.Article(ctx, id)
		must(err)
		x.Content = "<p>Edited</p>"
		c, err := db.UpsertArticle(ctx, x)
		note("edit "+id, c, err)
	}
	x, err := db.Article(ctx, "own-012")
	must(err)
	x.Tags = append(x.Tags, feed.ArticleTag{Slug: "gamma"})
	c, err := db.UpsertArticle(ctx, x)
	note("retag own-012", c, err)
	for _, id := range []string{"own-100", "own-529", "own-200"} {
		note("delete "+id, nil, db.DeleteArticle(ctx, id))
	}
	note("delete again", nil, db.DeleteArticle(ctx, "own-100"))
	n := feed.Article{ID: "late", Title: "Late story", Summary: "S", Published: start(600), Tags: []feed.ArticleTag{{Slug: "alpha"}}}
	c, err = db.UpsertArticle(ctx, &n)
	note("late", []any{c, n}, err)
	created := feed.Article{ID: "made", Title: "Made once", Summary: "S", Published: start(601)}
	note("create", created, db.CreateArticle(ctx, &created))
	note("create again", nil, db.CreateArticle(ctx, &feed.Article{ID: "made", Title: "Made twice", Summary: "S", Published: start(602)}))
	slug := "alpha-renamed"
	tag, err := db.UpdateTag(ctx, "alpha", feed.TagUpdate{Slug: &slug})
	note("rename alpha", tag, err)
	note("delete gamma", nil, db.DeleteTag(ctx, "gamma"))
	retagged, err := db.RetagArticles(ctx, func(x *feed.Article) {
		if x.ID == "own-020" || x.ID == "late" {
			x.Tags = append(x.HandTags(), feed.ArticleTag{Slug: "delta", Rule: "story", Matched: []string{"Story"}})
		}
	})
	note("retag", retagged, err)
	note("delete source b", nil, db.DeleteSource(ctx, b.ID))
	c3, err := db.CreateSource(ctx, feed.Source{URL: "https://third.example/feed", Name: "Third"})
	note("source c", c3, err)
	poll(a, "x1", "x4")

	// Tokens, subscribers, subscriptions; refused ones in between.
	tok, err := db.CreateToken(ctx, "newsroom", []byte("h1"))
	note("token", tok, err)
	_, err = db.CreateToken(ctx, "newsroom", []byte("h2"))
	note("token again", nil, err)
	tok, err = db.CreateToken(ctx, "desk", []byte("h3"))
	note("token 2", tok, err)
	for _, name := range []string{"partner", "partner", "reader"} {
		s := &feed.Subscriber{Name: name, Plan: feed.PlanSummary, Tags: []string{"beta"}}
		err := db.CreateSubscriber(ctx, s, []byte("s-"+name+fmt.Sprint(len(out))))
		note("subscriber "+name, s, err)
		if err == nil {
			agents := map[string]int64{"A/1": 3, "B/1": 3}
			note("usage", nil, db.AddUsage(ctx, map[int64]feed.Usage{s.ID: {Polls: 5, NotModified: 2, LastSeen: clk.T, UserAgents: agents}}))
		}
	}
	subscribe := func(cb string) {
		s, err := db.UpsertSubscription(ctx, feed.Subscription{Topic: "https://news.example.org/feed.atom", Callback: cb,
			Lease: feed.DefaultLease, Expires: clk.T.Add(feed.DefaultLease)})
		note("subscribe "+cb, s, err)
		if err == nil {
			note("deliver", nil, db.RecordDelivery(ctx, s, feed.Delivery{Time: clk.T, Kind: feed.Content, Attempt: 1, Status: 204}))
		}
	}
	subscribe("https://a.example/cb")
	subscribe("https://b.example/cb")
	note("unsubscribe", nil, db.DeleteSubscription(ctx, "https://news.example.org/feed.atom", "https://b.example/cb"))
	subscribe("https://c.example/cb")
	subscribe("https://a.example/cb")

	searchTranscript(t, db, note)

	// What readers see.
	v, err := db.Version(ctx)
	note("version", v, err)
	for cursor := ""; ; {
		page, err := db.Changes(ctx, cursor, 97)
		must(err)
		note("changes", page, err)
		if !page.More {
			break
		}
		cursor = page.NextCursor
	}
	for _, f := range []feed.ArticleFilter{
		{Order: feed.OrderPublished, Limit: 101},
		{Order: feed.OrderChanged, Limit: 101},
		{Tags: []string{"beta"}, Limit: 77},
		{Tags: []string{"alpha", "beta"}, Order: feed.OrderChanged, Limit: 77},
		{Tags: []string{"alpha"}, Limit: 77}, // the old slug
		{Origin: feed.OriginExternal},
		{Source: a.ID, Order: feed.OrderChanged},
		{Since: clk.T, Order: feed.OrderChanged},
		{Offset: 10, Limit: 5},
	} {
		for {
			page, err := db.ArticlePage(ctx, f)
			must(err)
			note(fmt.Sprintf("articles %+v", f), page, err)
			if !page.More || f.Offset > 0 {
				break
			}
			f.Cursor = page.NextCursor
		}
		n, err := db.CountArticles(ctx, f)
		note("count", n, err)
	}
	for _, tags := range [][]string{nil, {"beta"}, {"alpha-renamed", "beta"}, {"external"}} {
		for _, origin := range []feed.Origin{"", feed.OriginOwn} {
			pages, open, err := db.ArchivePages(ctx, tags, origin)
			note(fmt.Sprintf("archive %q %q", tags, origin), []any{pages, open}, err)
			for _, p := range pages {
				arts, err := db.ArchivePage(ctx, tags, origin, p)
				note(fmt.Sprintf("archive page %d", p), arts, err)
			}
		}
	}
	for _, f := range []feed.TombstoneFilter{{}, {Tags: []string{"alpha-renamed"}}, {Tags: []string{"gamma"}}, {Origin: feed.OriginExternal}} {
		ts, err := db.Tombstones(ctx, f)
		note("tombstones", ts, err)
	}
	vs, err := db.ArticleVersions(ctx, "own-010", 0)
	note("versions", vs, err)
	_, err = db.ArticleVersions(ctx, "own-100", 0)
	note("versions of a deleted article", nil, err)
	tags, err := db.Tags(ctx)
	note("tags", tags, err)
	names, err := db.TagNames(ctx)
	note("tag names", names, err)
	tg, err := db.Tag(ctx, "alpha")
	note("tag by old slug", tg, err)
	srcs, err := db.Sources(ctx)
	note("sources", srcs, err)
	due, err := db.DueSources(ctx, clk.T, 0)
	note("due", due, err)
	toks, err := db.Tokens(ctx)
	note("tokens", toks, err)
	subs, err := db.Subscribers(ctx)
	note("subscribers", subs, err)
	hub, err := db.Subscriptions(ctx)
	note("subscriptions", hub, err)
	for _, s := range hub {
		log, err := db.Deliveries(ctx, s.ID, 0)
		note("deliveries", log, err)
	}
	return out
}

// searchTranscript stores articles written for search and notes what
// searches of every class find in them and in the articles stored before:
// words, stems, prefixes, phrases, booleans, the letter pairs of Japanese,
// widths, accents and case, words that PostgreSQL's english configuration
// would drop, filters, every order and their cursors, and queries that do
// not parse. Ranks are each engine's own (bm25 and ts_rank), so a ranked
// listing is noted as the set of what it finds, walked page by page; the
// other orders as they are, cursors and all.
func searchTranscript(t *testing.T, db store.DB, note func(string, any, error)) {
	t.Helper()
	ctx := context.Background()
	arts := []feed.Article{
		{ID: "s-cyber", Title: "Cyber dialogue opens in Tokyo", Summary: "Officials met.",
			Content: "<p>Officials met to discuss norms for state behaviour in cyberspace.</p>", Published: start(700)},
		{ID: "s-phrase", Title: "Water plants", Content: "<p>A report on critical infrastructure and water.</p>",
			Published: start(701), Tags: []feed.ArticleTag{{Slug: "beta"}}},
		{ID: "s-words", Title: "Power lines", Content: "<p>Infrastructure that is critical to the grid.</p>", Published: start(702)},
		{ID: "s-sanctions", Title: "Treasury sanctions hackers", Content: "<p>The sanctioned group attacked hospitals.</p>",
			Published: start(703), Tags: []feed.ArticleTag{{Slug: "beta"}}},
		{ID: "s-meti", Title: "経済産業省、対策を強化", Summary: "プレスリリース",
			Content: "<p>経済産業省は、サイバーセキュリティ対策の強化を発表しました。</p>", Published: start(704), Language: "ja"},
		{ID: "s-seifu", Title: "政府の方針", Content: "<p>政府は新しい規制を検討している。税制も。AI規制の議論。</p>",
			Published: start(705), Language: "ja"},
		{ID: "s-accents", Title: "Résumé of the naïve café", Content: "<p>ＦＵＬＬ width, ｶﾀｶﾅ and Ωmega ſtraße.</p>", Published: start(706)},
		{ID: "s-short", Title: "E-mail from the U.S. on C++", Content: "<p>It's the us-based team: IT security, 3.14 and x².</p>",
			Published: start(707)},
		{ID: "s-story", Title: "A story of stories", Summary: "Storied storytelling.", Content: "<p>Story, story, story.</p>", Published: start(708)},
	}
	changes, err := db.UpsertArticles(ctx, arts)
	note("search articles", changes, err)
	if err != nil {
		t.Fatal(err)
	}
	ranked := func(f feed.ArticleFilter) {
		t.Helper()
		var got []string
		f.Limit = 7
		for pages := 0; ; pages++ {
			p, err := db.ArticlePage(ctx, f)
			if err != nil || pages > 200 {
				note(fmt.Sprintf("search %+v", f), nil, err)
				return
			}
			for _, a := range p.Articles {
				got = append(got, a.ID)
			}
			if !p.More {
				break
			}
			f.Cursor = p.NextCursor
		}
		slices.Sort(got)
		f.Cursor = ""
		note(fmt.Sprintf("search %+v", f), got, nil)
	}
	for _, q := range []string{
		"cyber", "Tokyo", "CYBER", "sanction", "hospital*", "cyber*", "stor*", "officials", "story",
		`"critical infrastructure"`, "critical infrastructure", `"infrastructure critical"`, `"cyber security"`,
		"cyber NOT dialogue", "cyber OR サイバー", "(water OR grid) NOT plants", "x (a OR NOT b)", "story NOT (edited OR late)",
		"サイバー", "セキュリティ対策", "政府", "税", "策", "ｻｲﾊﾞｰ", "AI規制", `"日米* サイバー"`, "経済産業省",
		"resume", "NAÏVE", "full", "カタカナ", "omega", "strasse", "straße",
		"e-mail", "us", "it", "the", "c++", "3.14", "x2", "item", "edited", "x1 OR y1",
		// tsquery's syntax, which must stay text.
		"it's", "'it'", `it\s`, "us&it", "c:A", "!it us", "x1|y1", "based:*",
	} {
		ranked(feed.ArticleFilter{Query: q})
	}
	ranked(feed.ArticleFilter{Query: "cyber", Origin: feed.OriginExternal})
	ranked(feed.ArticleFilter{Query: "story OR sanctions", Tags: []string{"beta"}})
	ranked(feed.ArticleFilter{Query: "story", Tags: []string{"alpha-renamed", "beta"}, Origin: feed.OriginOwn})
	for _, f := range []feed.ArticleFilter{
		{Query: "story", Order: feed.OrderPublished, Limit: 50},
		{Query: "story OR cyber*", Order: feed.OrderChanged, Limit: 64},
		{Query: "story", Order: feed.OrderPublished, Tags: []string{"beta"}, Limit: 30},
		{Query: "サイバー OR 政府", Order: feed.OrderPublished},
		{Query: "story", Order: feed.OrderPublished, Offset: 100, Limit: 5},
		{Query: "story", Order: feed.OrderChanged, Offset: 7, Limit: 3},
	} {
		for {
			page, err := db.ArticlePage(ctx, f)
			note(fmt.Sprintf("search %+v", f), page, err)
			if err != nil || !page.More || f.Offset > 0 {
				break
			}
			f.Cursor = page.NextCursor
		}
	}
	for _, q := range []string{"NOT spam", `"unbalanced`, "(cyber", "a*", strings.Repeat("word ", 70)} {
		_, err := db.ArticlePage(ctx, feed.ArticleFilter{Query: q})
		note(fmt.Sprintf("search %q", q), nil, err)
	}
}

// start returns the publication time of the i-th article of the batch:
// hours apart, some at the same time.
func start(i int) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i/2) * time.Hour)
}

// kind names the kind of err that callers branch on.
func kind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, feed.ErrNotFound):
		return "(not found)"
	case errors.Is(err, feed.ErrConflict):
		return "(conflict)"
	case errors.Is(err, feed.ErrInvalid):
		return "(invalid)"
	}
	return "(error: " + err.Error() + ")"
}
