package rule_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"herald/feed"
	"herald/feed/rule"
)

func TestNewSetError(t *testing.T) {
	tests := []struct {
		name string
		tags []feed.Tag
		want string
	}{
		{"bad rule", []feed.Tag{
			{Slug: "good", Rule: "cyber"},
			{Slug: "ransomware", Rule: "ransomware AND"},
		}, `tag "ransomware": rule: position 11: AND without a term after it`},
		{"two bad rules", []feed.Tag{
			{Slug: "a", Rule: "(a"},
			{Slug: "b", Rule: `"b`},
		}, "tag \"a\": rule: position 0: unbalanced \"(\"\ntag \"b\": rule: position 0: the phrase has no closing quote"},
		{"whitespace rule", []feed.Tag{{Slug: "a", Rule: " "}}, `tag "a": rule: position 0: empty query`},
		{"bad slug", []feed.Tag{{Slug: "Cyber Policy", Rule: "cyber"}}, `tag "Cyber Policy": slug: is not a tag slug`},
		{"duplicate slug", []feed.Tag{{Slug: "a", Rule: "a"}, {Slug: "a", Rule: "b"}}, `tag "a": slug: has more than one rule`},
	}
	for _, tt := range tests {
		s, err := rule.NewSet(tt.tags)
		if err == nil {
			t.Errorf("%s: NewSet = %v, want error %q", tt.name, s, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s: NewSet error = %q, want %q", tt.name, got, tt.want)
		}
		if !errors.Is(err, feed.ErrInvalid) {
			t.Errorf("%s: NewSet error %v does not match feed.ErrInvalid", tt.name, err)
		}
	}
}

func TestSetApply(t *testing.T) {
	set, err := rule.NewSet([]feed.Tag{
		{Slug: "policy", Rule: "policy"},
		{Slug: "hand-only", Name: "Hand only"},
		{Slug: "cyber", Rule: "cyber*"},
		{Slug: "crime", Rule: "crime"},
		{Slug: "japan", Rule: "Japan OR 日本"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		article feed.Article
		want    []feed.ArticleTag
	}{
		{
			name:    "rule tags by slug",
			article: feed.Article{Title: "Japan policy", Content: "<p>Cybersecurity</p>"},
			want: []feed.ArticleTag{
				{Slug: "cyber", Rule: "cyber*", Matched: []string{"cybersecurity"}},
				{Slug: "japan", Rule: "Japan OR 日本", Matched: []string{"Japan"}},
				{Slug: "policy", Rule: "policy", Matched: []string{"policy"}},
			},
		},
		{
			name: "hand tags kept first, in order",
			article: feed.Article{Title: "Japan", Content: "<p>cyber</p>", Tags: []feed.ArticleTag{
				{Slug: "zeta"}, {Slug: "hand-only"}, {Slug: "alpha"},
			}},
			want: []feed.ArticleTag{
				{Slug: "zeta"}, {Slug: "hand-only"}, {Slug: "alpha"},
				{Slug: "cyber", Rule: "cyber*", Matched: []string{"cyber"}},
				{Slug: "japan", Rule: "Japan OR 日本", Matched: []string{"Japan"}},
			},
		},
		{
			name: "hand tag stays hand tag when the rule matches",
			article: feed.Article{Title: "Japan", Content: "<p>cyber</p>", Tags: []feed.ArticleTag{
				{Slug: "japan"},
			}},
			want: []feed.ArticleTag{
				{Slug: "japan"},
				{Slug: "cyber", Rule: "cyber*", Matched: []string{"cyber"}},
			},
		},
		{
			name: "stale rule tags replaced",
			article: feed.Article{Title: "Japan", Content: "<p>crime</p>", Tags: []feed.ArticleTag{
				{Slug: "policy", Rule: "policy", Matched: []string{"policy"}},
				{Slug: "japan", Rule: "old rule", Matched: []string{"old"}},
				{Slug: "hand-only"},
				{Slug: "removed-tag", Rule: "gone", Matched: []string{"gone"}},
			}},
			want: []feed.ArticleTag{
				{Slug: "hand-only"},
				{Slug: "crime", Rule: "crime", Matched: []string{"crime"}},
				{Slug: "japan", Rule: "Japan OR 日本", Matched: []string{"Japan"}},
			},
		},
		{
			name:    "summary when there is no content",
			article: feed.Article{Title: "Talks", Summary: "Crime <and> policy"},
			want: []feed.ArticleTag{
				{Slug: "crime", Rule: "crime", Matched: []string{"crime"}},
				{Slug: "policy", Rule: "policy", Matched: []string{"policy"}},
			},
		},
		{
			name:    "nothing matches",
			article: feed.Article{Title: "Weather", Content: "<p>Rain</p>", Tags: []feed.ArticleTag{{Slug: "cyber", Rule: "cyber*"}}},
			want:    nil,
		},
	}
	for _, tt := range tests {
		a := tt.article
		set.Apply(&a)
		if !reflect.DeepEqual(a.Tags, tt.want) {
			t.Errorf("%s: tags = %+v, want %+v", tt.name, a.Tags, tt.want)
		}
		// Applying again changes nothing.
		before := a.Tags
		set.Apply(&a)
		if !reflect.DeepEqual(a.Tags, before) {
			t.Errorf("%s: second Apply: tags = %+v, want %+v", tt.name, a.Tags, before)
		}
	}
}

func TestSetEmpty(t *testing.T) {
	set, err := rule.NewSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	a := feed.Article{Title: "cyber", Tags: []feed.ArticleTag{{Slug: "x"}, {Slug: "y", Rule: "y"}}}
	set.Apply(&a)
	if want := []feed.ArticleTag{{Slug: "x"}}; !reflect.DeepEqual(a.Tags, want) {
		t.Errorf("tags = %+v, want %+v", a.Tags, want)
	}
}

// benchArticle is about 5 KB of HTML: original prose on cyber policy with
// the markup and entities a newsroom's content has.
func benchArticle() feed.Article {
	paras := []string{
		`Officials from the two allies met in Washington this week for their annual cyber consultations, ` +
			`which covered norms for state behavior in cyberspace, the protection of power grids and ports, ` +
			`and how quickly each government passes warnings about intrusions to the other.`,
		`&ldquo;We are past the stage of declarations,&rdquo; one participant said. &ldquo;The question now ` +
			`is whether our agencies can exchange indicators within hours rather than weeks.&rdquo;`,
		`The talks follow a <a href="https://example.org/report">report</a> by the national audit office ` +
			`that found <em>critical infrastructure</em> operators in the water and energy sectors still rely ` +
			`on decades-old control systems that were never designed to be connected to the internet.`,
		`Lawmakers have pressed the administration to fund apprenticeships and scholarships, arguing that ` +
			`the shortage of trained defenders &mdash; estimated in the hundreds of thousands &mdash; ` +
			`leaves utilities and hospitals exposed.`,
		`Meanwhile, a ransomware gang claimed responsibility for an attack on a regional hospital chain, ` +
			`posting samples of patient records on its leak site and demanding payment in cryptocurrency.`,
		`Election officials in several states said they had tightened access to voter registration ` +
			`databases ahead of the primaries and were rehearsing responses to influence operations.`,
	}
	var b strings.Builder
	for b.Len() < 5000 {
		for _, p := range paras {
			b.WriteString("<p>")
			b.WriteString(p)
			b.WriteString("</p>\n")
		}
	}
	return feed.Article{
		Title:   "Allies weigh faster threat sharing as attacks on utilities mount",
		Content: b.String(),
		Tags:    []feed.ArticleTag{{Slug: "analysis"}},
	}
}

func BenchmarkApplyDefaults(b *testing.B) {
	set, err := rule.NewSet(rule.Defaults())
	if err != nil {
		b.Fatal(err)
	}
	a := benchArticle()
	b.SetBytes(int64(len(a.Title) + len(a.Content)))
	b.ReportAllocs()
	for b.Loop() {
		set.Apply(&a)
	}
	b.Logf("%d-byte article, tags %v", len(a.Content), a.TagSlugs())
}

func BenchmarkNewDoc(b *testing.B) {
	a := benchArticle()
	b.SetBytes(int64(len(a.Title) + len(a.Content)))
	b.ReportAllocs()
	for b.Loop() {
		rule.NewDoc(a.Title, a.Content)
	}
}

func BenchmarkMatchDefaults(b *testing.B) {
	var qs []*rule.Query
	for _, tag := range rule.Defaults() {
		q, err := rule.Parse(tag.Rule)
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q)
	}
	a := benchArticle()
	d := rule.NewDoc(a.Title, a.Content)
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range qs {
			q.Match(d)
		}
	}
}

// TestSetApplyConcurrent shares one Set between goroutines; run with -race.
func TestSetApplyConcurrent(t *testing.T) {
	set, err := rule.NewSet(rule.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	want := benchArticle()
	set.Apply(&want)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			a := benchArticle()
			set.Apply(&a)
			if !reflect.DeepEqual(a.Tags, want.Tags) {
				t.Errorf("tags = %+v, want %+v", a.Tags, want.Tags)
			}
		})
	}
	wg.Wait()
}

func TestReportAdd(t *testing.T) {
	var r rule.Report
	hand := feed.ArticleTag{Slug: "hand"}
	grid := feed.ArticleTag{Slug: "grid", Rule: "grid", Matched: []string{"grid"}}
	water := feed.ArticleTag{Slug: "water", Rule: "water", Matched: []string{"water"}}
	steps := []struct {
		id            string
		before, after []feed.ArticleTag
		changed       bool
	}{
		{"same", []feed.ArticleTag{hand, grid}, []feed.ArticleTag{grid, hand}, false},
		{"other words", []feed.ArticleTag{grid}, []feed.ArticleTag{{Slug: "grid", Rule: "grid", Matched: []string{"Grid"}}}, true},
		{"other rule", []feed.ArticleTag{grid}, []feed.ArticleTag{{Slug: "grid", Rule: "grid*", Matched: []string{"grid"}}}, true},
		{"hand wins", []feed.ArticleTag{{Slug: "grid"}}, []feed.ArticleTag{{Slug: "grid"}, grid}, false},
		{"swap", []feed.ArticleTag{grid}, []feed.ArticleTag{water}, true},
		{"emptied", []feed.ArticleTag{water, hand}, nil, true},
		{"never tagged", nil, nil, false},
		{"first tag", nil, []feed.ArticleTag{grid}, true},
	}
	for _, s := range steps {
		a := &feed.Article{ID: s.id, Title: "T " + s.id, Tags: s.after}
		if got := r.Add(a, s.before); got != s.changed {
			t.Errorf("%s: Add = %t, want %t", s.id, got, s.changed)
		}
	}
	ref := func(id string) rule.ArticleRef { return rule.ArticleRef{ID: id, Title: "T " + id} }
	want := rule.Report{
		Articles: len(steps),
		Changed:  5,
		Tags: []rule.TagChange{ // by slug, whatever the order they came in
			{Slug: "grid", Gained: []rule.ArticleRef{ref("first tag")}, Lost: []rule.ArticleRef{ref("swap")}},
			{Slug: "hand", Gained: []rule.ArticleRef{}, Lost: []rule.ArticleRef{ref("emptied")}},
			{Slug: "water", Gained: []rule.ArticleRef{ref("swap")}, Lost: []rule.ArticleRef{ref("emptied")}},
		},
		Untagged: []rule.ArticleRef{ref("emptied")},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report:\n got %+v\nwant %+v", r, want)
	}
}
