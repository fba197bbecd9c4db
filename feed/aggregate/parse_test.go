package aggregate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"

	"herald/feed"
)

func TestParseRSS2(t *testing.T) {
	r := pollFixture(t, "rss2.xml", "application/rss+xml")
	if r.Format != "rss" || r.TTL != 90*time.Minute || r.Language != "en-us" {
		t.Errorf("format, ttl, language = %q, %v, %q; want rss, 1h30m, en-us", r.Format, r.TTL, r.Language)
	}
	if want := "Office of the Spokesperson & Press Releases"; r.Title != want {
		t.Errorf("feed title = %q, want %q", r.Title, want)
	}
	if got, want := len(r.Articles), 5; got != want {
		t.Fatalf("got %d articles, want %d", got, want)
	}

	t.Run("full item", func(t *testing.T) {
		a := article(t, r, "press-2024-0109-001")
		if want := "U.S.–Japan Cyber Dialogue: Joint Statement & Fact Sheet"; a.Title != want {
			t.Errorf("title = %q, want %q", a.Title, want)
		}
		if want := "The United States and Japan held the eighth Cyber Dialogue."; a.Summary != want {
			t.Errorf("summary = %q, want %q (from the description, not the content)", a.Summary, want)
		}
		for _, want := range []string{
			`<a href="https://www.example.gov/press/2023/cyber-dialogue/" rel="nofollow noopener noreferrer">Cyber Dialogue</a>`,
			`<img src="https://www.example.gov/press/images/flags.png" alt="Flags">`,
		} {
			if !strings.Contains(a.Content, want) {
				t.Errorf("content lacks %s:\n%s", want, a.Content)
			}
		}
		if want := time.Date(2024, 1, 9, 19, 30, 0, 0, time.UTC); !a.Published.Equal(want) || !a.Updated.Equal(want) {
			t.Errorf("published, updated = %v, %v; want both %v", a.Published, a.Updated, want)
		}
		if got, want := a.TagSlugs(), []string{"cyber", "external", "cyber-diplomacy", "japan"}; !reflect.DeepEqual(got, want) {
			t.Errorf("tags = %q, want %q (a category with no ASCII letters is dropped)", got, want)
		}
		if want := []string{"Office of the Spokesperson"}; !reflect.DeepEqual(a.Authors, want) {
			t.Errorf("authors = %q, want %q", a.Authors, want)
		}
		if a.Origin != feed.OriginExternal || a.Language != "en-us" {
			t.Errorf("origin, language = %q, %q; want external, en-us", a.Origin, a.Language)
		}
		if !strings.HasPrefix(a.ID, "src7-") || !feed.ValidID(a.ID) {
			t.Errorf("id = %q, want a valid id starting src7-", a.ID)
		}
		p := a.Provenance
		if p.SourceID != 7 || p.SourceName != "Example Agency" || p.FeedID != "https://www.example.gov/press/" ||
			p.FeedTitle != r.Title || p.Link != a.URL || !p.Published.Equal(a.Published) ||
			!strings.HasSuffix(p.FeedURL, "/feed") || p.FeedUpdated.IsZero() {
			t.Errorf("provenance = %+v", p)
		}
	})

	t.Run("relative link, no guid, no date", func(t *testing.T) {
		const link = "https://www.example.gov/press/2024/01/ransomware-hospitals/"
		a := article(t, r, link)
		if a.URL != link || a.Provenance.OriginalID != link {
			t.Errorf("url, original id = %q, %q; want the link resolved against the feed's link", a.URL, a.Provenance.OriginalID)
		}
		if !a.Published.Equal(fetchedAt) || !a.Provenance.Published.IsZero() {
			t.Errorf("published = %v (provenance %v), want fetch time and zero", a.Published, a.Provenance.Published)
		}
	})

	t.Run("no guid, no link, future date", func(t *testing.T) {
		var a feed.Article
		for _, x := range r.Articles {
			if x.Title == "Designation of a Cyber Threat Actor" {
				a = x
			}
		}
		if !strings.HasPrefix(a.Provenance.OriginalID, "sha256:") || a.URL != "" {
			t.Errorf("original id, url = %q, %q; want a synthetic sha256 id and no url", a.Provenance.OriginalID, a.URL)
		}
		if !a.Published.Equal(fetchedAt) {
			t.Errorf("published = %v, want it clamped to the fetch time %v", a.Published, fetchedAt)
		}
		if a.Provenance.Published.Year() != 2100 {
			t.Errorf("provenance published = %v, want the feed's own 2100 date", a.Provenance.Published)
		}
	})

	t.Run("untitled", func(t *testing.T) {
		a := article(t, r, "https://www.example.gov/press/2024/01/remarks-geneva/")
		if !strings.HasPrefix(a.Title, "Deputy Secretary remarks at the International") || !strings.HasSuffix(a.Title, "…") ||
			utf8.RuneCountInString(a.Title) > titleRunes {
			t.Errorf("title = %q, want the content's first words, cut at %d runes", a.Title, titleRunes)
		}
	})

	t.Run("title and link only", func(t *testing.T) {
		a := article(t, r, "https://www.example.gov/press/2024/01/travel-brussels/")
		if a.Summary != a.Title || a.Content != "" {
			t.Errorf("summary, content = %q, %q; want the title as summary", a.Summary, a.Content)
		}
		if !a.Published.Equal(fetchedAt) {
			t.Errorf("published = %v, want fetch time for an unparseable date", a.Published)
		}
	})

	t.Run("skipped", func(t *testing.T) {
		if len(r.Skipped) != 2 {
			t.Fatalf("skipped = %+v, want 2", r.Skipped)
		}
		if s := r.Skipped[0]; s.Index != 5 || !errors.Is(s.Err, errDuplicate) {
			t.Errorf("skipped[0] = %+v, want item 5 as a duplicate", s)
		}
		if s := r.Skipped[1]; s.Index != 6 || s.GUID != "press-2024-0109-empty" || !errors.Is(s.Err, feed.ErrInvalid) {
			t.Errorf("skipped[1] = %+v, want item 6 as invalid", s)
		}
	})
}

func TestParseAtom(t *testing.T) {
	r := pollFixture(t, "atom.xml", "application/atom+xml")
	if r.Format != "atom" || r.ID != "tag:example.gov,2024:advisories" || r.Language != "en" {
		t.Errorf("format, id, language = %q, %q, %q", r.Format, r.ID, r.Language)
	}
	if len(r.Articles) != 3 || len(r.Skipped) != 0 {
		t.Fatalf("got %d articles, %d skipped; want 3, 0", len(r.Articles), len(r.Skipped))
	}

	a := article(t, r, "tag:example.gov,2024:aa24-010a")
	if want := "Advisory AA24-010A: Phishing Campaign"; a.Title != want {
		t.Errorf("title = %q, want %q", a.Title, want)
	}
	if want := "https://www.example.gov/news/advisories/aa24-010a"; a.URL != want {
		t.Errorf("url = %q, want %q (xml:base)", a.URL, want)
	}
	for _, want := range []string{`href="https://www.example.gov/news/advisories/aa24-010a.pdf"`, `src="https://www.example.gov/img/aa24.png"`} {
		if !strings.Contains(a.Content, want) {
			t.Errorf("content lacks %s:\n%s", want, a.Content)
		}
	}
	if !a.Published.Equal(time.Date(2024, 1, 10, 10, 0, 0, 0, time.UTC)) || !a.Updated.Equal(time.Date(2024, 1, 10, 11, 30, 0, 0, time.UTC)) {
		t.Errorf("published, updated = %v, %v", a.Published, a.Updated)
	}
	if want := []string{"Cybersecurity Agency"}; !reflect.DeepEqual(a.Authors, want) {
		t.Errorf("authors = %q, want the feed's %q", a.Authors, want)
	}

	b := article(t, r, "tag:example.gov,2024:alert-vpn")
	if b.URL != "https://www.example.gov/alerts/2024/01/vpn" || !strings.Contains(b.Content, `href="https://www.example.gov/alerts/patch"`) {
		t.Errorf("entry xml:base not applied: url %q, content %s", b.URL, b.Content)
	}

	c := article(t, r, "tag:example.gov,2024:notice")
	if want := "<p>Use &lt;b&gt; tags sparingly &amp; wisely.</p>"; c.Content != want {
		t.Errorf("type=text content = %q, want it escaped: %q", c.Content, want)
	}
}

func TestParseRDF(t *testing.T) {
	r := pollFixture(t, "rdf.xml", "application/rdf+xml")
	if r.Format != "rss" || r.Language != "en" || len(r.Articles) != 2 {
		t.Fatalf("format, language, articles = %q, %q, %d; want rss, en, 2", r.Format, r.Language, len(r.Articles))
	}
	a := article(t, r, "https://www.example.go.jp/press/2024/0110.html")
	if want := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published = %v, want %v (dc:date)", a.Published, want)
	}
	if !a.HasTag("cyber-security") {
		t.Errorf("tags = %q, want cyber-security from dc:subject", a.TagSlugs())
	}
}

func TestParseJSONFeed(t *testing.T) {
	r := pollFixture(t, "jsonfeed.json", "application/feed+json")
	if r.Format != "json" || r.Language != "en-US" || len(r.Articles) != 2 {
		t.Fatalf("format, language, articles = %q, %q, %d", r.Format, r.Language, len(r.Articles))
	}
	a := article(t, r, "https://blog.example.gov/2024/01/ai-security")
	if !strings.Contains(a.Content, `href="https://blog.example.gov/guidance/ai"`) || a.Summary != "Guidance on securing AI systems." {
		t.Errorf("content, summary = %q, %q", a.Content, a.Summary)
	}
	if got, want := a.TagSlugs(), []string{"cyber", "external", "ai", "security-guidance"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}
	if !a.Updated.Equal(time.Date(2024, 1, 10, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("updated = %v", a.Updated)
	}
	b := article(t, r, "note-2")
	if want := "<p>Plain text with &lt;script&gt;alert(1)&lt;/script&gt; shown as text.</p><p>Second paragraph.</p>"; b.Content != want {
		t.Errorf("content_text = %q, want %q", b.Content, want)
	}
	if want := []string{"Digital Policy Team"}; !reflect.DeepEqual(b.Authors, want) {
		t.Errorf("authors = %q, want the feed's %q", b.Authors, want)
	}
}

func TestParseCharsets(t *testing.T) {
	tests := []struct {
		fixture, contentType string
		encoding             string
		feedTitle, title     string
		text                 string // in the summary
	}{
		{"sjis-meti.xml", "application/rss+xml", "shift_jis",
			"経済産業省 ニュースリリース（架空）", "「サイバーセキュリティ経営ガイドライン」を改訂しました",
			"企業経営者向けの「サイバーセキュリティ経営ガイドライン」を改訂しました。～重要インフラ事業者の皆様へ～"},
		// The header's charset must not override the prolog.
		{"sjis-meti.xml", "text/xml; charset=ISO-8859-1", "shift_jis",
			"経済産業省 ニュースリリース（架空）", "「サイバーセキュリティ経営ガイドライン」を改訂しました", "サイバーセキュリティ"},
		{"latin1-wrong-prolog.xml", "application/rss+xml", "windows-1252",
			"Ministère des Affaires étrangères", "Déclaration sur la cybersécurité", "coût estimé : « 5 000 euros »"},
		{"latin1-wrong-prolog.xml", "text/xml; charset=iso-8859-1", "windows-1252",
			"Ministère des Affaires étrangères", "Déclaration sur la cybersécurité", "Présentation"},
		{"latin1-no-prolog.xml", "text/xml; charset=ISO-8859-1", "windows-1252",
			"Bundesamt für Sicherheit", "Größere Störung behoben", "Grüße aus Köln"},
		{"latin1-no-prolog.xml", "text/xml", "windows-1252",
			"Bundesamt für Sicherheit", "Größere Störung behoben", "Grüße aus Köln"},
		{"utf8-labelled-latin1.xml", "text/xml; charset=windows-1252", "utf-8",
			"Café Cyber – サイバー", "Naïve résumé of “smart quotes”", "Ünïcödé survives."},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.contentType, func(t *testing.T) {
			r := pollFixture(t, tt.fixture, tt.contentType)
			if r.Encoding != tt.encoding {
				t.Errorf("decoded from %q, want %q", r.Encoding, tt.encoding)
			}
			if r.Title != tt.feedTitle {
				t.Errorf("feed title = %q, want %q", r.Title, tt.feedTitle)
			}
			if len(r.Articles) != 1 {
				t.Fatalf("got %d articles, want 1", len(r.Articles))
			}
			a := r.Articles[0]
			if a.Title != tt.title || !strings.Contains(a.Summary, tt.text) {
				t.Errorf("title, summary = %q, %q; want %q and text %q", a.Title, a.Summary, tt.title, tt.text)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="UTF-16"?><rss><channel><title>Ça va</title></channel></rss>`
	le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(doc))
	be, _ := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewEncoder().Bytes([]byte(doc))
	want := strings.Replace(doc, "UTF-16", "UTF-8", 1)
	tests := []struct {
		name         string
		in           []byte
		contentType  string
		want, wantCS string
	}{
		{"utf-16le with bom", le, "", want, "utf-16le"},
		{"utf-16be without bom", be, "", want, "utf-16be"},
		{"utf-8 bom", append([]byte("\xEF\xBB\xBF"), `<?xml version="1.0"?><a>é</a>`...), "", `<?xml version="1.0"?><a>é</a>`, "utf-8"},
		{"label koi8-r", []byte("<?xml version='1.0' encoding='KOI8-R'?><a>\xf0\xd2\xc9\xd7\xc5\xd4</a>"), "",
			`<?xml version='1.0' encoding="UTF-8"?><a>Привет</a>`, "koi8-r"},
		{"unknown label", []byte(`<?xml version="1.0" encoding="x-nonsense"?><a>caf` + "\xe9</a>"), "",
			`<?xml version="1.0" encoding="UTF-8"?><a>café</a>`, "windows-1252"},
		{"json with charset header", []byte("{\"title\":\"caf\xe9\"}"), "application/json; charset=iso-8859-1",
			`{"title":"café"}`, "windows-1252"},
		{"ascii with lying prolog", []byte(`<?xml version="1.0" encoding="Shift_JIS"?><a>x</a>`), "",
			`<?xml version="1.0" encoding="UTF-8"?><a>x</a>`, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cs := toUTF8(tt.in, tt.contentType)
			if string(got) != tt.want || cs != tt.wantCS {
				t.Errorf("got %q from %q, want %q from %q", got, cs, tt.want, tt.wantCS)
			}
		})
	}
}

func TestParseXSS(t *testing.T) {
	r := pollFixture(t, "xss.xml", "application/rss+xml")
	if len(r.Articles) != 1 {
		t.Fatalf("got %d articles, want 1", len(r.Articles))
	}
	a := r.Articles[0]
	if a.Title != "Payloads" || a.Summary != "summary text" || r.Title != "Hostile Feed" {
		t.Errorf("title, summary, feed title = %q, %q, %q; want the text without markup", a.Title, a.Summary, r.Title)
	}
	content := strings.ToLower(a.Content)
	for _, bad := range []string{
		"<script", "alert(", "onerror", "onload", "onclick", "onmouseover", "javascript:", "vbscript:", "data:",
		"style=", "<style", "<form", "<input", "<button", "<iframe", "srcdoc", "<svg", "<math", "<object", "<embed",
		"<meta", "<base", "<link", "evil.example", `target=`, "opener\"",
	} {
		if strings.Contains(content, bad) {
			t.Errorf("content contains %q:\n%s", bad, a.Content)
		}
	}
	for _, good := range []string{
		`<a href="https://ok.example/page" rel="nofollow noopener noreferrer">a fine link</a>`,
		`<a href="https://www.example.gov/relative/page" rel="nofollow noopener noreferrer">a relative one</a>`,
		`<img src="https://www.example.gov/images/ok.png" alt="fine image">`,
		`<p>styled paragraph</p>`,
		`hover text`,
	} {
		if !strings.Contains(a.Content, good) {
			t.Errorf("content lacks %s:\n%s", good, a.Content)
		}
	}
}

func TestParseIdempotent(t *testing.T) {
	for _, name := range []string{"rss2.xml", "atom.xml", "rdf.xml", "jsonfeed.json", "sjis-meti.xml", "xss.xml"} {
		t.Run(name, func(t *testing.T) {
			body := fixture(t, name)
			src := testSource("https://feeds.example.gov/feed")
			r1, err := Parse(body, "", src.URL, fetchedAt, src)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := Parse(body, "", src.URL, fetchedAt, src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r1, r2) {
				t.Errorf("two parses of the same bytes differ")
			}
			// A later fetch changes only the dates the feed does not give.
			r3, err := Parse(body, "", src.URL, fetchedAt.Add(time.Hour), src)
			if err != nil {
				t.Fatal(err)
			}
			if len(r3.Articles) != len(r1.Articles) {
				t.Fatalf("got %d articles, then %d", len(r1.Articles), len(r3.Articles))
			}
			for i := range r1.Articles {
				if r1.Articles[i].ID != r3.Articles[i].ID {
					t.Errorf("article %d: id %q, then %q", i, r1.Articles[i].ID, r3.Articles[i].ID)
				}
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	srv := serveBody(t, fixture(t, "malformed.xml"), "application/rss+xml")
	src := testSource(srv.URL + "/feed")
	o := newFetcher(t, Options{}).Poll(t.Context(), src)
	var pe *ParseError
	if !errors.As(o.Err, &pe) || !errors.Is(o.Err, feed.ErrInvalid) {
		t.Fatalf("err = %v, want a *ParseError matching feed.ErrInvalid", o.Err)
	}
	want := "parse " + src.URL + ": XML syntax error on line 9: expected element name after </"
	if o.Err.Error() != want {
		t.Errorf("err = %q\nwant %q", o.Err, want)
	}
	if o.Result != nil {
		t.Errorf("result = %+v, want none", o.Result)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"html page", "<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>",
			"parse https://x.example/feed: not an RSS, Atom or JSON feed: got an HTML page"},
		{"empty", "", "parse https://x.example/feed: not an RSS, Atom or JSON feed"},
		{"truncated", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n<title>x</title>\n<item><title>a",
			"parse https://x.example/feed: XML syntax error on line 5: unexpected EOF"},
		{"json syntax", "{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n  \"items\": [}\n",
			"parse https://x.example/feed: JSON syntax error on line 3, column 13: invalid character '}' looking for beginning of value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.body), "", "https://x.example/feed", fetchedAt, testSource(""))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
			if !errors.Is(err, feed.ErrInvalid) {
				t.Errorf("err does not match feed.ErrInvalid")
			}
		})
	}
}

func TestParseCaps(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>Big</title><link>https://big.example/</link>`)
	long := strings.Repeat("word ", 600_000) // 3 MB, over feed.MaxContentLen
	fmt.Fprintf(&b, "<item><guid>long</guid><title>%s</title><description>&lt;p&gt;%s&lt;/p&gt;</description></item>",
		strings.Repeat("Long title ", 200), long)
	for i := range MaxItems + 4 {
		fmt.Fprintf(&b, "<item><guid>g%d</guid><title>Item %d</title><description>Body %d</description></item>", i, i, i)
	}
	b.WriteString("</channel></rss>")

	r, err := Parse([]byte(b.String()), "", "https://big.example/feed", fetchedAt, testSource(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Articles) != MaxItems || r.Dropped != 5 {
		t.Errorf("articles, dropped = %d, %d; want %d, 5", len(r.Articles), r.Dropped, MaxItems)
	}
	a := r.Articles[0]
	if len(a.Title) > feed.MaxTitleLen || len(a.Summary) > feed.MaxSummaryLen || len(a.Content) > feed.MaxContentLen {
		t.Errorf("title, summary, content lengths = %d, %d, %d; over the limits", len(a.Title), len(a.Summary), len(a.Content))
	}
	if utf8.RuneCountInString(a.Summary) > SummaryRunes || !strings.HasSuffix(a.Summary, "…") {
		t.Errorf("summary = %d runes ending %q, want at most %d ending in an ellipsis",
			utf8.RuneCountInString(a.Summary), a.Summary[max(0, len(a.Summary)-10):], SummaryRunes)
	}
	if !strings.HasPrefix(a.Content, "<p>word word") {
		t.Errorf("content starts %q", a.Content[:min(len(a.Content), 40)])
	}
}

func TestTruncateText(t *testing.T) {
	tests := []struct {
		in           string
		runes, bytes int
		want         string
	}{
		{"short", 10, 100, "short"},
		{"one two three four", 10, 100, "one two…"},
		{"サイバーセキュリティ経営", 5, 100, "サイバー…"},
		{"サイバーセキュリティ", 100, 10, "サイ…"},
		{"abcdefghij", 5, 100, "abcd…"},
	}
	for _, tt := range tests {
		got := truncateText(tt.in, tt.runes, tt.bytes)
		if got != tt.want || utf8.RuneCountInString(got) > tt.runes || len(got) > tt.bytes {
			t.Errorf("truncateText(%q, %d, %d) = %q, want %q", tt.in, tt.runes, tt.bytes, got, tt.want)
		}
	}
}

func TestParseItemLanguage(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"dc:language on the item", `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>
<item><title>a</title><description>b</description><dc:language>ja</dc:language></item></channel></rss>`, "ja"},
		{"feed language wins", `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title><language>en_GB</language>
<item><title>a</title><description>b</description><dc:language>ja</dc:language></item></channel></rss>`, "en-GB"},
		{"json item language", `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[
{"id":"1","title":"a","content_text":"b","language":"fr-CA"}]}`, "fr-CA"},
		{"not a language tag", `<rss version="2.0"><channel><title>T</title><language>English (US)</language>
<item><title>a</title><description>b</description></item></channel></rss>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.body), "", "https://x.example/feed", fetchedAt, testSource(""))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Articles) != 1 || r.Articles[0].Language != tt.want {
				t.Errorf("articles %+v, want one in language %q", r.Articles, tt.want)
			}
		})
	}
}

// TestParseJunkIDsAndLinks parses feeds with what production feeds gave:
// Atom ids that are not IRIs and links holding characters a URI may not.
// Provenance must hold only valid, normalized URIs, or nothing.
func TestParseJunkIDsAndLinks(t *testing.T) {
	const feedURL = "https://Feeds.Example.GOV:443/press/atom.xml?key=k"
	src := testSource(feedURL)
	atomFeed := func(id string) []byte {
		return []byte(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Agency</title><id>` + id + `</id><link href="HTTP://WWW.Example.GOV:80"/>
<entry><id>e1</id><title>One</title><updated>2024-01-09T10:00:00Z</updated><summary>s</summary>
<link href="https://www.example.gov/news?id=1&amp;q=&quot;quoted&quot;"/></entry>
<entry><id>e2</id><title>Two</title><updated>2024-01-09T10:00:00Z</updated><summary>s</summary>
<link href="/news/a&lt;b&gt;c d"/></entry>
<entry><id>e3</id><title>Three</title><updated>2024-01-09T10:00:00Z</updated><summary>s</summary>
<link href="javascript:alert(1)"/></entry>
</feed>`)
	}
	for _, tt := range []struct{ id, want string }{
		{"/id/1234", "http://www.example.gov/"}, // relative: the feed's link instead
		{"urn:uuid:1234", "http://www.example.gov/"},
		{"urn:uuid:60A76C80-D399-11D9-B93C-0003939E0AF6", "urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6"},
		{"tag:example.gov,2024:press", "tag:example.gov,2024:press"},
	} {
		r, err := Parse(atomFeed(tt.id), "application/atom+xml", feedURL, fetchedAt, src)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != tt.want || r.Link != "http://www.example.gov/" {
			t.Errorf("feed id %q: got id %q and link %q, want %q and http://www.example.gov/", tt.id, r.ID, r.Link, tt.want)
		}
		if len(r.Articles) != 3 {
			t.Fatalf("got %d articles, want 3", len(r.Articles))
		}
		for _, a := range r.Articles {
			p := a.Provenance
			if p.FeedID != tt.want || p.FeedURL != "https://feeds.example.gov/press/atom.xml?key=k" {
				t.Errorf("%s: provenance feed id %q and URL %q", p.OriginalID, p.FeedID, p.FeedURL)
			}
			if !p.FeedUpdated.Equal(fetchedAt) {
				t.Errorf("%s: feed updated %v, want the fetch time %v for a feed without a date", p.OriginalID, p.FeedUpdated, fetchedAt)
			}
		}
		wantLinks := map[string]string{
			"e1": "https://www.example.gov/news?id=1&q=%22quoted%22",
			"e2": "http://www.example.gov/news/a%3Cb%3Ec%20d",
			"e3": "",
		}
		for _, a := range r.Articles {
			want := wantLinks[a.Provenance.OriginalID]
			if a.Provenance.Link != want || a.URL != want {
				t.Errorf("%s: link %q, url %q; want %q", a.Provenance.OriginalID, a.Provenance.Link, a.URL, want)
			}
		}
	}
}

// TestParseKeepsLinkGUIDs checks that an item without a GUID keeps the ID
// it had before links were normalized: its GUID is its link as resolved
// then, and its ID a hash of that.
func TestParseKeepsLinkGUIDs(t *testing.T) {
	body := []byte(`<rss version="2.0"><channel><title>T</title><link>https://WWW.Example.gov/</link>
<item><title>A</title><description>d</description><link>/press/a?q=読む&amp;x=&quot;y&quot;</link></item>
</channel></rss>`)
	r, err := Parse(body, "", "https://www.example.gov/rss", fetchedAt, testSource("https://www.example.gov/rss"))
	if err != nil || len(r.Articles) != 1 {
		t.Fatalf("parse: %v, %d articles", err, len(r.Articles))
	}
	a := r.Articles[0]
	// The IDs stored before: Go's url.URL.String of the resolved link.
	const guid = `https://WWW.Example.gov/press/a?q=読む&x="y"`
	sum := sha256.Sum256([]byte(guid))
	if want := "src7-" + hex.EncodeToString(sum[:10]); a.ID != want || a.Provenance.OriginalID != guid {
		t.Errorf("id, original id = %q, %q; want %q, %q", a.ID, a.Provenance.OriginalID, want, guid)
	}
	if want := "https://www.example.gov/press/a?q=%E8%AA%AD%E3%82%80&x=%22y%22"; a.URL != want {
		t.Errorf("url = %q, want %q", a.URL, want)
	}
}
