package postgres_test

import (
	"context"
	"strings"
	"testing"

	"herald/feed"
	"herald/store/postgres"
	"herald/store/storetest"
)

// TestSearchIndexRows checks the search index's rows through writes: one
// per article, at its place, with the vector of its fields as they are
// now; none for a deleted article.
func TestSearchIndexRows(t *testing.T) {
	ctx := context.Background()
	db, _, _ := openTest(t)
	a, b := storetest.Article("a1", "Pipeline directive"), storetest.Article("b1", "Grid report")
	// Created and edited in one write: its row is the last version's.
	b2 := b
	b2.Content = "<p>The refinery operators must report incidents.</p>"
	if _, err := db.UpsertArticles(ctx, []feed.Article{a, b, b2}); err != nil {
		t.Fatal(err)
	}
	check := func(want map[string]string) {
		t.Helper()
		rows, err := db.Pool().Query(ctx, `SELECT a.id, s.seq = a.seq, s.document::text, s.words
			FROM article_search s LEFT JOIN articles a ON a.seq = s.seq ORDER BY s.seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]string{}
		for rows.Next() {
			var (
				id     *string
				placed bool
				doc    string
				words  int
			)
			if err := rows.Scan(&id, &placed, &doc, &words); err != nil {
				t.Fatal(err)
			}
			if id == nil || !placed {
				t.Errorf("a row of the index for no article: %s", doc)
				continue
			}
			got[*id] = doc
			if words <= 0 {
				t.Errorf("%s: words %d, want more than 0", *id, words)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for id, fields := range want {
			var doc string
			if err := db.Pool().QueryRow(ctx, `SELECT $1::tsvector::text`, fields).Scan(&doc); err != nil {
				t.Fatal(err)
			}
			if got[id] != doc {
				t.Errorf("%s: got vector %s, want %s", id, got[id], doc)
			}
		}
		if len(got) != len(want) {
			t.Errorf("rows: got %d, want %d", len(got), len(want))
		}
	}
	check(map[string]string{
		"a1": postgres.Document(a.Title, a.Summary, a.Content),
		"b1": postgres.Document(b2.Title, b2.Summary, b2.Content),
	})
	a.Title = "Refinery directive"
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	check(map[string]string{
		"a1": postgres.Document(a.Title, a.Summary, a.Content),
		"b1": postgres.Document(b2.Title, b2.Summary, b2.Content),
	})
	if err := db.DeleteArticle(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	check(map[string]string{"a1": postgres.Document(a.Title, a.Summary, a.Content)})
}

// TestVectorIsDocument checks that the search vector the writer sends in
// binary is, once the server has it, the one its text form gives: the
// same lexemes, positions and weights, through quoting, the letters of
// Japanese, the clamp at the last position and the cap on positions.
func TestVectorIsDocument(t *testing.T) {
	ctx := context.Background()
	db, _, _ := openTest(t)
	tests := []struct{ title, summary, content string }{
		{"Grid report", "", "<p>grid</p>"},
		{"Grid", "Grid sanctions", "<p>The grids.</p><p>Grid</p>"},
		{"政府の方針", "サイバー外交", "<p>重要インフラの防護</p>"},
		{"It's", "", `<p>a\b 'quoted' "words"</p>`},
		{"", "", ""},
		{"Title words", "summary", strings.Repeat("grid ", 20_000)},
		{"Grid", "grid", strings.Repeat("x y ", 10_000) + "grid grid report grid"},
	}
	for _, tt := range tests {
		var same bool
		var got string
		err := db.Pool().QueryRow(ctx, `SELECT $1::text::tsvector = $2::tsvector, $2::tsvector::text`,
			postgres.Document(tt.title, tt.summary, tt.content), postgres.Vector(tt.title, tt.summary, tt.content)).
			Scan(&same, &got)
		if err != nil {
			t.Fatalf("%q: %v", tt.title, err)
		}
		if !same {
			t.Errorf("%q: the binary vector %.200s differs from the text one", tt.title, got)
		}
	}
}
