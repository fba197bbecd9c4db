package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"herald/feed"
)

// TestCreditsMigration checks what the migration that made credits does
// to a database holding two copies of one item, stored by two sources
// before items were matched: each keeps a credit of its own source, the
// first stored holds the item's keys, and a third source carrying the item
// credits that one.
func TestCreditsMigration(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t, Options{})
	var srcs []*feed.Source
	for _, u := range []string{"https://a.example/feed", "https://b.example/feed", "https://c.example/feed"} {
		s, err := db.CreateSource(ctx, feed.Source{URL: u, Name: u, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s)
	}
	item := func(s *feed.Source, link string) feed.Article {
		return feed.Article{ID: "src" + string(rune('0'+s.ID)) + "-x", Title: "Release", Content: "<p>Release</p>",
			Published: clk.t, Updated: clk.t, URL: link, Origin: feed.OriginExternal,
			Provenance: &feed.Provenance{SourceID: s.ID, SourceName: s.Name, FeedURL: s.URL, Link: link, OriginalID: "r-1"}}
	}
	// Stored apart (their links differ), then made the duplicates that
	// herald stored before: same link, no keys, no credits.
	for i, s := range srcs[:2] {
		if _, err := db.RecordPoll(ctx, s.URL, *s, []feed.Article{item(s, "https://a.example/r/"+string(rune('1'+i)))}); err != nil {
			t.Fatal(err)
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE articles SET provenance = json_set(provenance, '$.link', 'https://a.example/r/1');
			DELETE FROM article_keys; DELETE FROM article_sources;`)
		if err != nil {
			return err
		}
		// The migration again: its SQL, then its Go step.
		body, err := migrations.ReadFile("migrations/0008_credits.sql")
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DROP TABLE article_keys; DROP TABLE article_sources;`+string(body))
		if err != nil {
			return err
		}
		return fillArticleKeys(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	first, second := item(srcs[0], "").ID, item(srcs[1], "").ID
	for _, tc := range []struct {
		id   string
		want []int64
	}{{first, []int64{srcs[0].ID}}, {second, []int64{srcs[1].ID}}} {
		credits, err := db.Credits(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range credits {
			got = append(got, c.SourceID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("credits of %s: got %v, want %v", tc.id, got, tc.want)
		}
	}
	var owner string
	if err := db.read.QueryRowContext(ctx, `SELECT article_id FROM article_keys WHERE key = 'link:a.example/r/1'`).Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if owner != first {
		t.Errorf("the link's key is held by %s, want the first stored, %s", owner, first)
	}
	c := srcs[2]
	if _, err := db.RecordPoll(ctx, c.URL, *c, []feed.Article{item(c, "https://a.example/r/1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Article(ctx, item(c, "").ID); err == nil {
		t.Error("a third source's copy was stored as an article of its own")
	}
	credits, _ := db.Credits(ctx, first)
	if len(credits) != 2 || credits[1].SourceID != c.ID {
		t.Errorf("credits of %s after a third source's poll: got %+v, want its source's and %d", first, credits, c.ID)
	}
}
