package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"herald/feed"
)

func TestSearchText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cyber dialogue", "Cyber dialogue"},
		{"サイバー攻撃", " サイ イバ バー ー攻 攻撃 撃 "},
		{"税", " 税 "},
		// Separators between two unspaced letters go; spaced words stay apart.
		{"サイバー・攻撃", " サイ イバ バー ー攻 攻撃 撃 "},
		{"AI規制法", "AI 規制 制法 法 "},
		// NFKC: full-width Latin and half-width katakana.
		{"ｃｙｂｅｒ ｻｲﾊﾞｰ", "cyber  サイ イバ バー ー "},
	}
	for _, tt := range tests {
		if got := searchText(tt.in); got != tt.want {
			t.Errorf("searchText(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	htmlTests := []struct{ in, want string }{
		{"<p>Grid <b>drill</b></p><p>Next</p>", "\nGrid drill\n\nNext\n"},
		// Ruby annotations are not text; the base is one run.
		{"<p>漢<rt>かん</rt>字</p>", "\n 漢字 字 \n"},
		// A block boundary ends a run.
		{"<p>政府</p><p>規制</p>", "\n 政府 府 \n\n 規制 制 \n"},
		{"<p>a &amp; b<script>var x</script></p>", "\na & b\n\n\n"},
	}
	for _, tt := range htmlTests {
		if got := searchHTML(tt.in); got != tt.want {
			t.Errorf("searchHTML(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseSearch(t *testing.T) {
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
		{"NOT NOT cyber", `"cyber"`},
		// x AND (a OR NOT b) is x AND NOT (b AND NOT a).
		{"x (a OR NOT b)", `("x" NOT ("b" NOT "a"))`},
		{"cyber*", `"cyber"*`},
		{`"threat intel"*`, `"threat intel"*`},
		{"サイバー", `"サイ イバ バー"`},
		{"政府", `"政府"`},
		{"税", `"税"*`},
		{"AI規制", `"AI 規制"`},
		{"cyber-attack", `"cyber-attack"`},
		{`a"b"`, `("a" AND "b")`},
		{"“curly quotes”", `"curly quotes"`},
		{"and or not", `("and" AND "or" AND "not")`},
		{"C++", `"C++"`},
	}
	for _, tt := range tests {
		got, err := parseSearch(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseSearch(%q): got %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "nothing to search for"},
		{"   ", "nothing to search for"},
		{"NOT spam", "NOT only excludes"},
		{"a OR NOT b", "NOT only excludes"},
		{`"unclosed`, "position 0: the phrase has no closing quote"},
		{"(cyber", `position 0: unbalanced "("`},
		{"cyber)", `position 5: unbalanced ")"`},
		{"()", "position 0: empty parentheses"},
		{"OR cyber", "position 0: OR needs a word before it"},
		{"cyber AND", "position 9: the query ends where a word was expected"},
		{"cy*ber", `"*" can only end a word`},
		{"c*", `"*" needs at least two letters`},
		{"!!!", `"!!!" has no letters or digits`},
		{strings.Repeat("a ", 40), "more than 32 terms"},
		{strings.Repeat("(", 20) + "a" + strings.Repeat(")", 20), "more than 16 deep"},
		{strings.Repeat("x", 1001), "longer than 1000 bytes"},
	}
	for _, tt := range bad {
		_, err := parseSearch(tt.in)
		var ve *feed.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "q" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseSearch(%q): got %v, want a q error containing %q", tt.in, err, tt.want)
		}
	}
}

// FuzzParseSearch checks that no input makes the translation produce an
// expression that FTS5 rejects: a query either fails with a
// *feed.ValidationError or runs.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{`cyber`, `"a b"*`, `a OR NOT (b c)`, `サイバー NOT 政府`, `x (a OR NOT b)`, `""`, `(`, `*`, `NEAR(a b)`, `a:b`, `^a`, `{a b}`} {
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

// searchFixture stores articles in English and Japanese for the search tests.
func searchFixture(t *testing.T) *DB {
	t.Helper()
	db, _ := openTest(t, Options{})
	at := func(day int) time.Time { return time.Date(2026, 10, day, 9, 0, 0, 0, time.UTC) }
	arts := []feed.Article{
		{ID: "dialogue", Title: "Cyber dialogue opens in Tokyo", Content: "<p>Officials met to discuss norms.</p>", Published: at(1)},
		{ID: "phrase", Title: "Water plants", Content: "<p>A report on critical infrastructure and water.</p>", Published: at(2)},
		{ID: "words", Title: "Power lines", Content: "<p>Infrastructure that is critical to the grid.</p>", Published: at(3)},
		{ID: "sanctions", Title: "Treasury sanctions hackers", Content: "<p>The sanctioned group attacked hospitals.</p>", Published: at(4)},
		{ID: "meti", Title: "経済産業省、対策を強化", Summary: "プレスリリース", Content: "<p>経済産業省は、サイバーセキュリティ対策の強化を発表しました。</p>",
			Published: at(5), Language: "ja", Origin: feed.OriginExternal,
			Provenance: &feed.Provenance{SourceID: 1, SourceName: "METI", FeedURL: "https://www.meti.go.jp/rss.xml", OriginalID: "x1"}},
		{ID: "seifu", Title: "政府の方針", Content: "<p>政府は新しい規制を検討している。税制も。</p>", Published: at(6), Language: "ja"},
	}
	if _, err := db.UpsertArticles(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	return db
}

func searchIDs(t *testing.T, db *DB, f feed.ArticleFilter) []string {
	t.Helper()
	arts, err := db.Articles(context.Background(), f)
	if err != nil {
		t.Fatalf("search %q: %v", f.Query, err)
	}
	ids := []string{}
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestSearch(t *testing.T) {
	db := searchFixture(t)
	tests := []struct {
		q    string
		want []string // in rank order
	}{
		{"サイバー", []string{"meti"}},                        // inside サイバーセキュリティ
		{"セキュリティ対策", []string{"meti"}},                    // across what would be two words
		{"政府", []string{"seifu"}},                         // two letters
		{"税", []string{"seifu"}},                          // one letter, at the start of 税制
		{"策", []string{"meti"}},                           // one letter, inside a run
		{"ｻｲﾊﾞｰ", []string{"meti"}},                       // half-width katakana
		{`"critical infrastructure"`, []string{"phrase"}}, // a phrase, not the words apart
		{"critical infrastructure", []string{"words", "phrase"}},
		{"sanction", []string{"sanctions"}}, // stemmed
		{"cyber NOT dialogue", []string{}},
		{"cyber OR サイバー", []string{"dialogue", "meti"}},
		{"(water OR grid) NOT plants", []string{"words"}},
		{"hospital*", []string{"sanctions"}},
		{"Tokyo", []string{"dialogue"}},
		{"CYBER", []string{"dialogue"}},
	}
	for _, tt := range tests {
		got := searchIDs(t, db, feed.ArticleFilter{Query: tt.q})
		if tt.q == "critical infrastructure" || tt.q == "cyber OR サイバー" {
			slices.Sort(got) // same rank order is not what this checks
			slices.Sort(tt.want)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("search %q: got %q, want %q", tt.q, got, tt.want)
		}
	}
	// Filters combine with the query.
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "サイバー OR 政府", Origin: feed.OriginExternal}); !slices.Equal(got, []string{"meti"}) {
		t.Errorf("search with origin: got %q, want [meti]", got)
	}
	_, err := db.Articles(context.Background(), feed.ArticleFilter{Query: "NOT spam"})
	if !errors.Is(err, feed.ErrInvalid) || !strings.Contains(err.Error(), "q: NOT only excludes") {
		t.Errorf("negative-only query: got %v, want a q validation error", err)
	}
}

func TestSearchRanking(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	pub := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	filler := strings.Repeat("Officials spoke about many other matters at length. ", 20)
	arts := []feed.Article{
		{ID: "body-once", Title: "Weekly notes", Content: "<p>" + filler + "The grid came up once.</p>", Published: pub},
		{ID: "in-title", Title: "Grid operators drill", Content: "<p>" + filler + "</p>", Published: pub},
		{ID: "body-thrice", Title: "Weekly notes", Content: "<p>" + filler + "Grid, grid and grid again.</p>", Published: pub},
		// Two the same: the later stored comes first, every time.
		{ID: "twin-1", Title: "Substation", Content: "<p>grid</p>", Published: pub},
		{ID: "twin-2", Title: "Substation", Content: "<p>grid</p>", Published: pub},
	}
	for i := range arts {
		if _, err := db.UpsertArticle(ctx, &arts[i]); err != nil {
			t.Fatal(err)
		}
	}
	got := searchIDs(t, db, feed.ArticleFilter{Query: "grid"})
	rank := func(id string) int { return slices.Index(got, id) }
	if !(rank("in-title") < rank("body-thrice") && rank("body-thrice") < rank("body-once")) {
		t.Errorf("rank order: got %q, want in-title before body-thrice before body-once", got)
	}
	if rank("twin-2") != rank("twin-1")-1 {
		t.Errorf("tie: got %q, want twin-2 right before twin-1", got)
	}
	// Paging through the ranked list gives the same order.
	var paged []string
	f := feed.ArticleFilter{Query: "grid", Limit: 2}
	for {
		p, err := db.ArticlePage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Articles {
			paged = append(paged, a.ID)
		}
		if !p.More {
			break
		}
		f.Cursor = p.NextCursor
	}
	if !slices.Equal(paged, got) {
		t.Errorf("paged rank order: got %q, want %q", paged, got)
	}
}

// TestSearchIndexFollowsWrites checks that edits and deletions reach the
// index in the same transaction.
func TestSearchIndexFollowsWrites(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	a := article("a1", "Pipeline directive")
	a.Content = "<p>The pipeline operators must report incidents.</p>"
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	a.Content = "<p>The refinery operators must report incidents.</p>"
	if _, err := db.UpsertArticle(ctx, &a); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "refinery"}); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("new word after an edit: got %q, want [a1]", got)
	}
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "operators NOT pipeline*"}); len(got) != 0 {
		// "pipeline" is still in the title.
		t.Errorf("title word: got %q, want nothing", got)
	}
	if got := searchIDs(t, db, feed.ArticleFilter{Query: `"pipeline operators"`}); len(got) != 0 {
		t.Errorf("old phrase after an edit: got %q, want nothing", got)
	}
	if err := db.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "refinery"}); len(got) != 0 {
		t.Errorf("after deletion: got %q, want nothing", got)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM article_search`).Scan(&n); err != nil || n != 0 {
		t.Errorf("index rows after deletion: got %d, %v; want 0", n, err)
	}
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

// benchCorpus stores n articles of about 3 KB: sentences of policy news in
// random order (so that common words are in most articles and rarer ones
// in fewer), keywords at known rates, and one article in twenty in
// Japanese, one in five tagged cyber-diplomacy.
func benchCorpus(b *testing.B, n int) *DB {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	sentences := strings.Split(`Officials from both governments discussed norms for state behaviour in cyberspace.
The agency published guidance for operators of water utilities after a series of intrusions.
Lawmakers questioned the director about the budget for the coming fiscal year.
The ministry said the exercise tested how quickly operators could restore power to the grid.
Analysts warned that criminal groups were selling access to hospital networks.
A spokesperson declined to comment on the details of the investigation.
The committee will hold a hearing on information sharing between companies and the government.
Regulators proposed rules requiring pipeline operators to report incidents within hours.
The report found that many small municipalities lacked basic security controls.
Diplomats met in Geneva to discuss a draft treaty on cybercrime.
The bill would extend liability protections for firms that share threat indicators.
Experts said the vulnerability had been exploited for months before it was disclosed.
The department announced grants for election offices to upgrade their systems.
Industry groups asked for more time to comply with the new requirements.
The alliance agreed to coordinate its response to attacks on critical infrastructure.
Satellite operators were told to encrypt command links by the end of the year.
Investigators traced the intrusion to a contractor with remote access.
The treasury added several individuals to its list of sanctioned persons.
Telecommunications carriers must now notify customers of breaches within thirty days.
The summit ended with a joint statement on the security of undersea cables.`, "\n")
	japanese := []string{"経済産業省は、サイバーセキュリティ対策の強化を発表しました。", "政府は重要インフラの防護に関する新たな方針を示した。",
		"電力会社は停電を想定した訓練を実施した。", "内閣官房は情報共有の枠組みについて説明した。"}
	keywords := []struct {
		word  string
		every int
	}{{"ransomware", 100}, {"sanctions", 20}, {"quantum", 1000}, {"semiconductor", 7}}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]feed.Article, 0, 1000)
	for i := range n {
		var body strings.Builder
		for body.Len() < 3000 {
			body.WriteString("<p>")
			for range 4 {
				body.WriteString(sentences[rng.IntN(len(sentences))])
				body.WriteByte(' ')
			}
			for _, k := range keywords {
				if rng.IntN(k.every) == 0 {
					body.WriteString("It concerned " + k.word + ". ")
				}
			}
			if i%20 == 0 {
				body.WriteString(japanese[rng.IntN(len(japanese))])
			}
			body.WriteString("</p>")
		}
		a := feed.Article{
			ID: fmt.Sprintf("a%06d", i), Title: fmt.Sprintf("Policy brief number %d", i), Summary: "A summary.",
			Content: body.String(), Published: start.Add(time.Duration(i) * time.Hour),
		}
		if i%5 == 0 {
			a.Tags = []feed.ArticleTag{{Slug: "cyber-diplomacy"}}
		}
		batch = append(batch, a)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := db.UpsertArticles(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return db
}

// BenchmarkSearch measures one page (50 results) of searches over 100,000
// articles of about 3 KB. The figure to reach is 50 ms.
func BenchmarkSearch(b *testing.B) {
	db := benchCorpus(b, 100_000)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		f    feed.ArticleFilter
	}{
		{"rare-word", feed.ArticleFilter{Query: "quantum"}},              // 0.1% of articles
		{"word", feed.ArticleFilter{Query: "ransomware"}},                // 1%
		{"common-word", feed.ArticleFilter{Query: "sanctions"}},          // 5%
		{"very-common-word", feed.ArticleFilter{Query: "semiconductor"}}, // 14%
		{"phrase", feed.ArticleFilter{Query: `"undersea cables"`}},       // most
		{"boolean", feed.ArticleFilter{Query: "(ransomware OR quantum) NOT hospital"}},
		{"prefix", feed.ArticleFilter{Query: "semicon*"}},
		{"japanese", feed.ArticleFilter{Query: "サイバー"}}, // 1.3%
		{"japanese-2-letters", feed.ArticleFilter{Query: "政府"}},
		{"in-tag", feed.ArticleFilter{Query: "sanctions", Tags: []string{"cyber-diplomacy"}}},
		{"newest-first", feed.ArticleFilter{Query: "sanctions", Order: feed.OrderPublished}},
		{"in-every-article", feed.ArticleFilter{Query: "officials"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := db.ArticlePage(ctx, bc.f)
			if err != nil || len(p.Articles) == 0 {
				b.Fatalf("got %v, %v", p, err)
			}
			for b.Loop() {
				if _, err := db.ArticlePage(ctx, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRankWindow checks the bound on ranking work: a query matching more
// articles than the window is ranked among its most recent matches, and
// filters that none of those pass widen the window to every match.
func TestRankWindow(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t, Options{})
	defer func(w int) { rankWindow = w }(rankWindow)
	rankWindow = 3
	for i := range 6 {
		a := article(fmt.Sprintf("a%d", i), "Grid report")
		a.Content = "<p>grid " + strings.Repeat("and other words ", 10-i) + "</p>" // later, shorter: better
		if i < 2 {
			a.Tags = []feed.ArticleTag{{Slug: "old"}}
			a.Content = "<p>grid</p>"
		}
		if _, err := db.UpsertArticle(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "grid"}); !slices.Equal(got, []string{"a5", "a4", "a3"}) {
		t.Errorf("ranked in the window: got %q, want [a5 a4 a3]", got)
	}
	// Every match in the other orders.
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "grid", Order: feed.OrderChanged}); len(got) != 6 {
		t.Errorf("changed order: got %q, want all 6", got)
	}
	// None of the window's matches carry "old": the window widens.
	if got := searchIDs(t, db, feed.ArticleFilter{Query: "grid", Tags: []string{"old"}}); !slices.Equal(got, []string{"a1", "a0"}) {
		t.Errorf("filtered beyond the window: got %q, want [a1 a0]", got)
	}
	// Pages of the window follow its floor.
	var paged []string
	f := feed.ArticleFilter{Query: "grid", Limit: 1}
	for range 10 {
		p, err := db.ArticlePage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Articles {
			paged = append(paged, a.ID)
		}
		if !p.More {
			break
		}
		f.Cursor = p.NextCursor
	}
	if !slices.Equal(paged, []string{"a5", "a4", "a3"}) {
		t.Errorf("paged: got %q, want [a5 a4 a3]", paged)
	}
}

// TestArticlePageConcurrent runs more listings at once than the read pool
// has connections: a listing must not hold one connection while waiting for
// another.
func TestArticlePageConcurrent(t *testing.T) {
	db := searchFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 4 * max(4, runtime.NumCPU()) {
		wg.Go(func() {
			for range 5 {
				f := feed.ArticleFilter{Query: "サイバー OR critical", Tags: nil}
				if i%2 == 0 {
					f = feed.ArticleFilter{Order: feed.OrderChanged}
				}
				if _, err := db.ArticlePage(ctx, f); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
