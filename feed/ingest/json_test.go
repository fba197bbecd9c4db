package ingest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseJSONObject(t *testing.T) {
	const file = "json/election-security-grants.json"
	a := parseOne(t, file, readFile(t, file), Options{Location: newYork})
	checkArticle(t, a)
	if a.ID != "2018-03-23-election-security-grants" || a.Title != "Spending bill sends $380 million to states for election security" {
		t.Errorf("got id %q, title %q", a.ID, a.Title)
	}
	if want := time.Date(2018, 3, 23, 0, 0, 0, 0, newYork); !a.Published.Equal(want) {
		t.Errorf("got published %v, want %v", a.Published, want)
	}
	if want := []string{"election-security", "appropriations"}; !slices.Equal(a.TagSlugs(), want) {
		t.Errorf("got tags %q, want %q", a.TagSlugs(), want)
	}
	if want := "The spending bill signed Friday includes $380 million in grants"; !strings.HasPrefix(a.Summary, want) {
		t.Errorf("got summary %q, want it to start %q (the first paragraph as text)", a.Summary, want)
	}
	for _, want := range []string{"<strong>$380 million</strong>", `<a href="https://www.example.gov/grants">Grant guidance</a>`,
		`<img src="https://www.example.gov/map.png" alt="Map of allocations">`} {
		if !strings.Contains(a.Content, want) {
			t.Errorf("content lacks %q:\n%s", want, a.Content)
		}
	}
	for _, bad := range []string{"<script", "document.cookie", "<style", "display", "onclick", "javascript:", "target="} {
		if strings.Contains(a.Content, bad) {
			t.Errorf("content contains %q:\n%s", bad, a.Content)
		}
	}
}

func TestParseJSONArray(t *testing.T) {
	const file = "json/weekly-briefs.json"
	arts, err := Parse(file, readFile(t, file), Options{Location: newYork})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range arts {
		checkArticle(t, a)
		ids = append(ids, a.ID)
	}
	if want := []string{"2019-01-07-brief-drones", "2019-01-08-brief-5g", "2019-01-09-brief-ics"}; !slices.Equal(ids, want) {
		t.Fatalf("got ids %q, want %q", ids, want)
	}
	drones, fiveG, ics := arts[0], arts[1], arts[2]
	if want := "<p>The Federal Aviation Administration proposed that most drones broadcast an identification signal that police and airport operators could read.</p>\n<p>Comments are due in sixty days.</p>"; drones.Content != want {
		t.Errorf("got content %q, want %q", drones.Content, want)
	}
	if want := time.Date(2019, 1, 7, 10, 0, 0, 0, newYork); !drones.Published.Equal(want) {
		t.Errorf("got published %v, want %v", drones.Published, want)
	}
	// Line breaks inside a content_text paragraph are joined.
	if want := "<p>A House panel asked three wireless carriers to describe how they vet equipment from foreign suppliers for hidden vulnerabilities.</p>"; fiveG.Content != want {
		t.Errorf("got content %q, want %q", fiveG.Content, want)
	}
	if fiveG.Language != "en-GB" || drones.Language != "en" {
		t.Errorf("got languages %q and %q, want en-GB and the default en", fiveG.Language, drones.Language)
	}
	if ics.Slug != "ics-advisories-2018" || ics.Summary != "A count of public advisories shows a steady rise." {
		t.Errorf("got slug %q, summary %q", ics.Slug, ics.Summary)
	}
}

func TestParseJSONArrayPartial(t *testing.T) {
	const file = "json/mixed-batch.json"
	arts, err := ParseJSON(file, readFile(t, file), Options{})
	var ids []string
	for _, a := range arts {
		checkArticle(t, a)
		ids = append(ids, a.ID)
	}
	if want := []string{"2020-02-03-good-one", "2020-02-07-good-two"}; !slices.Equal(ids, want) {
		t.Errorf("got ids %q, want the good items %q", ids, want)
	}
	wantParseError(t, err, file)
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("got %T, want an errors.Join of one error per bad item", err)
	}
	want := []struct {
		item, line int
		text       string
	}{
		{2, 12, "item 2: line 12: publised: unknown field"},
		{3, 18, `item 3: line 18: published: cannot parse "Febuary 5, 2020" as a date`},
		{4, 20, "item 4: line 20: id: is required in an array"},
	}
	errs := joined.Unwrap()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(errs), len(want), err)
	}
	for i, e := range errs {
		pe, ok := errors.AsType[*Error](e)
		if !ok {
			t.Errorf("error %d is %T, want *Error", i, e)
			continue
		}
		if pe.Item != want[i].item || pe.Line != want[i].line || !strings.Contains(e.Error(), want[i].text) {
			t.Errorf("got item %d, line %d, %q; want item %d, line %d, containing %q", pe.Item, pe.Line, e, want[i].item, want[i].line, want[i].text)
		}
	}
}

func TestParseJSONErrors(t *testing.T) {
	const name = "in/b.json"
	tests := []struct {
		desc string
		doc  string
		line int
		want string
	}{
		{"empty", "", 1, "not valid JSON: unexpected end of JSON input"},
		{"syntax error", "{\n  \"title\": \"T\",\n  \"published\": 2014-04-04\n}", 3, "line 3: not valid JSON: invalid character '-' after object key:value pair"},
		{"trailing comma", "[\n  {\"id\": \"a\"},\n]", 3, "line 3: not valid JSON"},
		{"not an object", "42", 1, "line 1: want an article object, got a number"},
		{"unknown field", "{\n \"title\": \"T\",\n \"body\": \"x\"\n}", 3, "line 3: body: unknown field (known: id, slug, title, summary, content, content_text, authors, published, updated, url, language, tags, embargo_until, correction)"},
		{"wrong case", "{\"Title\": \"T\"}", 1, "Title: unknown field"},
		{"repeated key", "{\"title\": \"T\",\n\"title\": \"U\"}", 2, "line 2: title: given twice"},
		{"title a number", "{\n\"title\": 7}", 2, "line 2: title: want a string, got a number"},
		{"authors a string", "{\"title\": \"T\",\n \"authors\":\n   \"Jane Doe\"}", 3, "line 3: authors: want an array of strings, got a string"},
		{"author item a number", "{\"title\": \"T\", \"authors\": [\n\"Jane Doe\",\n 7]}", 3, "line 3: authors: item 2: want a string, got a number"},
		{"tags an object", "{\"title\": \"T\", \"tags\": {\"a\": 1}}", 1, "tags: want an array of strings, got an object"},
		{"empty tag", "{\"title\": \"T\", \"published\": \"2014-04-04\", \"content_text\": \"x\",\n \"tags\": [\"ok\", \"???\"]}", 2, `line 2: tags: "???" has no letters or digits`},
		{"bad date", "{\"title\": \"T\",\n \"published\": \"04-04-2014\"}", 2, `line 2: published: cannot parse "04-04-2014" as a date`},
		{"bad updated", "{\"title\": \"T\", \"published\": \"2014-04-04\",\n\n \"updated\": \"soon\"}", 3, `line 3: updated: cannot parse "soon" as a date`},
		{"both contents", "{\"title\": \"T\", \"content\": \"<p>x</p>\",\n \"content_text\": \"x\"}", 2, "line 2: content_text: give content (HTML) or content_text, not both"},
		{"missing fields", "{\"content\": \"<script>only()</script>\"}", 1, "title: is required; content: is required when there is no summary; published: is required"},
		{"empty array", "  [ ]", 1, "line 1: the array holds no articles"},
		{"array of non-objects", "[\n\"a\"]", 2, "item 1: line 2: want an article object, got a string"},
		{"repeated id", "[{\"id\": \"x\", \"title\": \"T\", \"published\": \"2014-04-04\", \"content_text\": \"a\"},\n {\"id\": \"x\", \"title\": \"U\", \"published\": \"2014-04-04\", \"content_text\": \"b\"}]", 2, `item 2: line 2: id: "x" repeats item 1`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := ParseJSON(name, []byte(tt.doc), Options{})
			wantParseError(t, err, name, tt.want)
			if joined, ok := err.(interface{ Unwrap() []error }); ok {
				err = joined.Unwrap()[0]
			}
			if e, ok := errors.AsType[*Error](err); ok && e.Line != tt.line {
				t.Errorf("got line %d, want %d", e.Line, tt.line)
			}
		})
	}
}

func TestParseJSONDefaults(t *testing.T) {
	doc := "\ufeff{\"title\": \" T \", \"content_text\": \"One.\\n\\nTwo.\", \"published\": \"2014-04-04\", \"authors\": [\" Jane Doe \"], \"summary\": null}"
	a := parseOne(t, "exports/2014-04-04-Talks.json", []byte(doc), Options{})
	checkArticle(t, a)
	if a.ID != "2014-04-04-talks" || a.Title != "T" || a.Language != "en" || a.Slug != "" || !a.Updated.IsZero() || a.Summary != "One." {
		t.Errorf("got id %q, title %q, language %q, slug %q, updated %v, summary %q; want 2014-04-04-talks, T, en, empty, zero, One.",
			a.ID, a.Title, a.Language, a.Slug, a.Updated, a.Summary)
	}
	if want := []string{"Jane Doe"}; !slices.Equal(a.Authors, want) {
		t.Errorf("got authors %q, want %q", a.Authors, want)
	}
	if want := time.Date(2014, 4, 4, 0, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("got published %v, want %v (nil Location means UTC)", a.Published, want)
	}
}

func TestParseJSONTooManyArticles(t *testing.T) {
	doc := "[" + strings.Repeat("{},", MaxArticles) + "{}]"
	arts, err := ParseJSON("many.json", []byte(doc), Options{})
	if len(arts) != 0 {
		t.Errorf("got %d articles, want none", len(arts))
	}
	wantParseError(t, err, "many.json", "the limit is 10000")
}
