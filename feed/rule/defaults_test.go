package rule_test

import (
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"herald/feed"
	"herald/feed/rule"
)

func TestDefaultsValid(t *testing.T) {
	tags := rule.Defaults()
	var slugs []string
	for _, tag := range tags {
		if err := tag.Validate(); err != nil {
			t.Errorf("tag %q: %v", tag.Slug, err)
		}
		if tag.Rule == "" || tag.Description == "" {
			t.Errorf("tag %q: rule %q, description %q; want both", tag.Slug, tag.Rule, tag.Description)
		}
		if !strings.HasSuffix(tag.Description, ".") || strings.Count(tag.Description, ". ") > 0 {
			t.Errorf("tag %q: description %q is not one sentence", tag.Slug, tag.Description)
		}
		if got := feed.Slugify(tag.Name); got != tag.Slug {
			t.Errorf("tag %q: name %q slugifies to %q", tag.Slug, tag.Name, got)
		}
		slugs = append(slugs, tag.Slug)
	}
	for _, want := range []string{"cyber-diplomacy", "critical-infrastructure", "information-sharing"} {
		if !slices.Contains(slugs, want) {
			t.Errorf("Defaults() lacks %q", want)
		}
	}
	if _, err := rule.NewSet(tags); err != nil {
		t.Fatal(err)
	}
	// Callers may change what they get.
	tags[0].Rule = "changed"
	if rule.Defaults()[0].Rule == "changed" {
		t.Error("Defaults() shares its slice between calls")
	}
}

// defaultTags applies the default rules to an article and returns the rule
// tags it gets.
func defaultTags(t *testing.T, title, body string) []feed.ArticleTag {
	t.Helper()
	set, err := rule.NewSet(rule.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	a := &feed.Article{Title: title, Content: body}
	set.Apply(a)
	return a.Tags
}

func slugsOf(tags []feed.ArticleTag) []string {
	var s []string
	for _, t := range tags {
		s = append(s, t.Slug)
	}
	return s
}

// TestDefaultsExamples runs the default rules over short made-up articles,
// including ones that mention a rule's words in another sense.
func TestDefaultsExamples(t *testing.T) {
	tests := []struct {
		title, body string
		want        []string
	}{
		// critical-infrastructure
		{"Grid operators brace for intrusions", "<p>Regulators warned that hackers had probed the electric grid in three states.</p>", []string{"critical-infrastructure"}},
		{"CISA names new sector risk leads", "<p>The agency updated its list of critical infrastructure sectors.</p>", []string{"critical-infrastructure"}},
		{"Utilities patch SCADA flaw", "<p>Water utilities rushed to fix the bug.</p>", []string{"critical-infrastructure"}},
		{"City council approves road budget", "<p>The plan funds infrastructure repairs: roads, bridges and a new water main.</p>", nil},
		{"Cloud costs soar", "<p>Startups say cloud infrastructure now eats half their budget, a critical problem.</p>", nil},
		{"Critics call the infrastructure bill critical", "<p>The infrastructure bill is critical, critics say.</p>", nil},
		{"New pipeline approved", "<p>The oil pipeline will carry crude to the coast.</p>", nil},

		// cyber-diplomacy
		{"Envoys agree on norms for cyberspace", "<p>The foreign ministry said the bilateral talks on cybersecurity would continue.</p>", []string{"cyber-diplomacy"}},
		{"UN group adopts report", "<p>The open-ended working group agreed on confidence-building measures.</p>", []string{"cyber-diplomacy"}},
		{"Diplomatic row over tariffs", "<p>The ambassador's diplomatic visit focused on trade and farm subsidies.</p>", nil},
		{"Bilateral trade deal signed", "<p>The bilateral agreement lowers tariffs on steel.</p>", nil},

		// information-sharing
		{"Banks join threat exchange", "<p>The ISAC will pass indicators to members within minutes.</p>", []string{"information-sharing"}},
		{"Senate revisits 2015 law", "<p>Lawmakers debated information-sharing protections for companies.</p>", []string{"information-sharing"}},
		{"Agencies pledge to share data on cyber threats", "<p>Officials said they would share data faster.</p>", []string{"information-sharing"}},
		{"Hospital signs research deal", "<p>The data sharing agreement covers anonymized patient records for cancer research.</p>", nil},
		{"Investors share views", "<p>Fund managers are sharing their outlook for the year.</p>", nil},
		{"App under fire", "<p>The app shares information about its users with advertisers.</p>", nil},
		{"Agencies to share information on intrusions", "<p>The cybersecurity agency will share information within a day.</p>", []string{"information-sharing"}},

		// ransomware
		{"Ransomware hits county offices", "<p>Files were encrypted overnight.</p>", []string{"ransomware"}},
		{"Gang demands payment", "<p>Hackers who encrypted the school's servers asked for a ransom in bitcoin.</p>", []string{"ransomware"}},
		{"Kidnappers free executive", "<p>Police said the family had paid a ransom.</p>", nil},

		// cyber-workforce
		{"Agencies struggle to hire", "<p>The federal cybersecurity workforce is short of 30,000 people.</p>", []string{"cyber-workforce"}},
		{"Colleges expand programs", "<p>New cyber apprenticeships aim to close the skills gap in information security.</p>", []string{"cyber-workforce"}},
		{"Hospitals face nursing shortage", "<p>The talent shortage and skills gap in nursing worsened.</p>", nil},
		{"Firm trains staff", "<p>Annual cybersecurity training cut phishing clicks by half.</p>", nil},

		// election-security
		{"States audit voting machines", "<p>Officials tested the equipment before the primaries.</p>", []string{"election-security"}},
		{"Hackers targeted election offices", "<p>Two counties reported intrusion attempts.</p>", []string{"election-security"}},
		{"Turnout hits record", "<p>The election results were certified on Tuesday.</p>", nil},
		{"Retailer breached", "<p>Hackers stole card numbers from the chain.</p>", nil},

		// Several at once.
		{"Ransomware on the grid", "<p>Ransomware shut the power plant's billing system; critical infrastructure owners met.</p>", []string{"critical-infrastructure", "ransomware"}},
	}
	for _, tt := range tests {
		got := slugsOf(defaultTags(t, tt.title, tt.body))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: tags %q, want %q", tt.title, got, tt.want)
		}
	}
}

// samplesDir finds the newsroom's sample articles: $HERALD_SAMPLES, or the
// shared samples next to the repository.
func samplesDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("HERALD_SAMPLES"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "..", "shared", "samples")
	if _, err := os.Stat(d); err == nil {
		return d
	}
	if os.Getenv("CI") != "" {
		t.Fatal("sample articles not found: set HERALD_SAMPLES")
	}
	t.Skip("sample articles not found; set HERALD_SAMPLES to run this test")
	return ""
}

// seedArticle returns the title and body of the real newsroom article, body
// as HTML paragraphs, without the subscription marketing that follows it.
func seedArticle(t *testing.T) (title, body string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir(t), "seed-article.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Posted:") {
			for j := i - 1; j >= 0 && title == ""; j-- {
				title = strings.TrimSpace(lines[j])
			}
			break
		}
	}
	const startAfter, endAt = "Bookmark and Share", "the way ahead on education and training."
	start := strings.Index(text, startAfter)
	end := strings.Index(text, endAt)
	if title == "" || start < 0 || end < start {
		t.Fatalf("seed-article.txt: title %q, %q at %d, %q at %d", title, startAfter, start, endAt, end)
	}
	var h strings.Builder
	var paras int
	for p := range strings.SplitSeq(text[start+len(startAfter):end+len(endAt)], "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			h.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
			paras++
		}
	}
	if paras != 8 {
		t.Fatalf("seed-article.txt: %d body paragraphs, want 8", paras)
	}
	return title, h.String()
}

func TestDefaultsSeedArticle(t *testing.T) {
	title, body := seedArticle(t)
	tags := defaultTags(t, title, body)
	want := []string{"critical-infrastructure", "cyber-diplomacy", "information-sharing"}
	if got := slugsOf(tags); !slices.Equal(got, want) {
		t.Fatalf("tags %q, want %q", got, want)
	}
	for _, tag := range tags {
		t.Logf("%s: %q", tag.Slug, tag.Matched)
		if len(tag.Matched) == 0 {
			t.Errorf("%s: no matched terms recorded", tag.Slug)
		}
		// The footer's "the debate over information sharing" is not part of
		// the body, so the tag must stand on the article's own words.
		if slices.Contains(tag.Matched, "information sharing") {
			t.Errorf("%s: matched %q, which only the footer says", tag.Slug, "information sharing")
		}
	}
}

// Japanese press releases are tagged by the ministries' own terms.
func TestDefaultsJapanese(t *testing.T) {
	set, err := rule.NewSet(rule.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	a := feed.Article{Title: "重要インフラ事業者向けの指針を改定",
		Content: "<p>事業者間の情報共有の手順を明確にし、日米サイバー対話で説明した。</p>"}
	set.Apply(&a)
	for _, slug := range []string{"critical-infrastructure", "information-sharing", "cyber-diplomacy"} {
		if !a.HasTag(slug) {
			t.Errorf("got tags %v, want %s among them", a.TagSlugs(), slug)
		}
	}
	other := feed.Article{Title: "インフラ整備の予算", Content: "<p>道路と橋の補修に関する発表。</p>"}
	set.Apply(&other)
	if len(other.Tags) != 0 {
		t.Errorf("an unrelated Japanese article got tags %v", other.TagSlugs())
	}
}
