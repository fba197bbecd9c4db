package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/rule"
)

// TestMatchExpr checks the FTS5 expressions that searches compile to.
// (rule.TestParseSearch checks the queries that do not parse.)
func TestMatchExpr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cyber", `"cyber"`},
		{"cyber policy", `("cyber" AND "policy")`},
		{"cyber AND policy", `("cyber" AND "policy")`},
		{`"critical infrastructure" OR grid`, `("critical infrastructure" OR "grid")`},
		{"a OR b c", `("a" OR ("b" AND "c"))`},
		{"(a OR b) c", `(("a" OR "b") AND "c")`},
		{"cyber NOT dialogue", `("cyber" NOT "dialogue")`},
		{"NOT dialogue cyber", `("cyber" NOT "dialogue")`},
		{"cyber NOT (a OR b)", `("cyber" NOT ("a" OR "b"))`},
		{"cyber NOT a NOT b", `(("cyber" NOT "a") NOT "b")`},
		// NOT NOT a is a, where a query may have it.
		{"x NOT NOT cyber", `("x" AND "cyber")`},
		// x AND (a OR NOT b) is x AND NOT (b AND NOT a).
		{"x (a OR NOT b)", `("x" NOT ("b" NOT "a"))`},
		{"cyber*", `"cyber"*`},
		{`"threat intel"*`, `"threat intel"*`},
		{`"threat intel*"`, `"threat intel"*`},
		{`"cyber* policy"`, `"cyber"* + "policy"`},
		{"サイバー", `"サイ イバ バー"`},
		{"政府", `"政府"`},
		{"税", `"税"*`},
		{"AI規制", `"AI 規制"`},
		{`"日米* サイバー"`, `"日米 米サ サイ イバ バー"`},
		{"cyber-attack", `"cyber-attack"`},
		{`a"b"`, `("a" AND "b")`},
		{"“curly quotes”", `"curly quotes"`},
		{"and or not", `("and" AND "or" AND "not")`},
		{"C++", `"C++"`},
		{"ｃｙｂｅｒ （ｓａｎｃｔｉｏｎ＊）", `("cyber" AND "sanction"*)`},
		{"a\x00b", `("a" AND "b")`},
	}
	for _, tt := range tests {
		q, err := rule.ParseSearch(tt.in)
		if err != nil {
			t.Errorf("ParseSearch(%q): %v", tt.in, err)
			continue
		}
		if got := matchExpr(q); got != tt.want {
			t.Errorf("matchExpr(%q): got %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestRulesAndSearchAgree checks that tag rules and search read the same
// text in an article's HTML, and the same query language: what stands in
// for a frame, an embed or a script is neither matched nor indexed; the
// article's text is both.
func TestRulesAndSearchAgree(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	hidden := map[string]string{
		"iframe": "framed", "noembed": "embedded", "noframes": "unframed", "noscript": "scriptless",
		"script": "scripted", "style": "styled", "template": "templated", "textarea": "typed",
		"title": "titled", "xmp": "example", "rt": "annotated", "rp": "parenthesized",
	}
	var body strings.Builder
	body.WriteString("<p>visible</p><p>The cybersecurity policy of the 日米サイバー対話 on threat intelligence.</p>")
	for el, word := range hidden {
		fmt.Fprintf(&body, "<%s>%s</%s>", el, word, el)
	}
	a := feed.Article{ID: "a1", Title: "Agreement", Content: body.String(),
		Published: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)}
	if _, err := db.UpsertArticles(ctx, []feed.Article{a}); err != nil {
		t.Fatal(err)
	}
	doc := rule.NewDoc(a.Title, a.Content)
	check := func(query string, want bool) {
		t.Helper()
		q, err := rule.Parse(query)
		if err != nil {
			t.Fatal(err)
		}
		_, matched := q.Match(doc)
		found := len(searchIDs(t, db, feed.ArticleFilter{Query: query})) > 0
		if matched != want || found != want {
			t.Errorf("%s: rule matches %v, search finds %v; want %v for both", query, matched, found, want)
		}
	}
	for _, q := range []string{"visible", `"cyber* policy"`, `"threat intel*"`, `"threat intel"*`, `"日米* サイバー"`, "サイバー対話", "cyber* 日米"} {
		check(q, true)
	}
	for _, q := range []string{`"cyber* intelligence"`, `"policy cyber*"`, "cyber", "米国"} {
		check(q, false)
	}
	for _, word := range hidden {
		check(word, false)
	}
}

// FuzzParseSearch checks that no input makes the translation produce an
// expression that FTS5 rejects: a query either fails with a
// *feed.ValidationError or runs.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{`cyber`, `"a b"*`, `a OR NOT (b c)`, `サイバー NOT 政府`, `x (a OR NOT b)`, `""`, `(`, `*`, `NEAR(a b)`, `a:b`, `^a`, `{a b}`,
		`"ab* cd* ef"`, `"日米* サイバー*"`, `税*`, `"x\x00y"`, `"a""b"`} {
		f.Add(s)
	}
	db, err := Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, q string) {
		_, err := db.ArticlePage(context.Background(), feed.ArticleFilter{Query: q, Limit: 1})
		var ve *feed.ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Fatalf("query %q: %v", q, err)
		}
	})
}

// TestMigrationBackfill opens a file at schema version 3 holding articles
// and checks that migration 4 indexes them and logs them as created.
func TestMigrationBackfill(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	slices.Sort(names)
	for _, name := range names {
		if path.Base(name) >= "0004" {
			break
		}
		body, _ := migrations.ReadFile(name)
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	created := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for _, q := range []string{
		"PRAGMA user_version = 3",
		fmt.Sprintf("INSERT INTO site (id, authority, created) VALUES (1, 'news.example.org', %d)", created),
		fmt.Sprintf(`INSERT INTO articles (id, guid, slug, title, summary, content, published, updated, created, origin, content_hash)
			VALUES ('old-1', 'tag:x,2026:old-1', 'old', 'Old grid story', '', '<p>サイバー攻撃</p>', %d, %d, %d, 'own', x'01'),
			('old-2', 'tag:x,2026:old-2', 'old', 'Old water story', '', '<p>water</p>', %d, %d, %d, 'own', x'02')`,
			created, created, created, created, created, created),
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "サイバー OR grid"}); !slices.Equal(got, []string{"old-1"}) {
		t.Errorf("backfilled index: got %q, want [old-1]", got)
	}
	page, err := db.Changes(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for _, c := range page.Changes {
		log = append(log, fmt.Sprintf("%s %s v%d", c.Change, c.ArticleID, c.Version))
	}
	if want := []string{"created old-1 v1", "created old-2 v1"}; !slices.Equal(log, want) {
		t.Errorf("backfilled change log: got %q, want %q", log, want)
	}
	// The polling order holds them too.
	if got := searchIDs(t, db, feed.ArticleFilter{Order: feed.OrderChanged}); !slices.Equal(got, []string{"old-1", "old-2"}) {
		t.Errorf("changed order: got %q, want [old-1 old-2]", got)
	}
}
