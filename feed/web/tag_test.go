package web_test

import (
	"encoding/json"
	"encoding/xml"
	"reflect"
	"slices"
	"strings"
	"testing"

	"herald/feed/rule"
)

type retagAnswer struct {
	DryRun bool `json:"dry_run"`
	Tag    *struct {
		Slug string `json:"slug"`
		Rule string `json:"rule"`
	} `json:"tag"`
	Retag rule.Report `json:"retag"`
}

// TestTagRuleDryRun narrows a rule the way the README's example does: the
// dry run of the PATCH lists what re-applying the rules would change and
// stores nothing; the PATCH stores the rule, the dry run of the apply says
// the same again, and the apply does it and says so.
func TestTagRuleDryRun(t *testing.T) {
	f := newFixture(t)
	f.put("talks", "Cyber dialogue with Japan resumes", "officials held a bilateral cyber dialogue")
	f.put("norms", "Diplomats discuss cyber norms at the UN", "a multilateral meeting on the rules states keep online")
	auth := []string{"Authorization", "Bearer " + f.token}
	tagsOf := func(id string) []string {
		t.Helper()
		_, body := f.do("GET", "/api/articles/"+id, "")
		var a struct{ Tags []struct{ Slug string } }
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tag := range a.Tags {
			out = append(out, tag.Slug)
		}
		return out
	}
	if got := tagsOf("norms"); !slices.Equal(got, []string{"cyber-diplomacy"}) {
		t.Fatalf("norms before: got tags %v, want [cyber-diplomacy]", got)
	}
	decode := func(what string, body []byte) retagAnswer {
		t.Helper()
		var a retagAnswer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("%s: %v: %s", what, err, body)
		}
		return a
	}

	narrow := `{"rule":"\"cyber dialogue\" OR (cyber AND diplomacy)"}`
	resp, body := f.do("PATCH", "/api/tags/cyber-diplomacy?dry_run=1", narrow, auth...)
	if resp.StatusCode != 200 {
		t.Fatalf("PATCH ?dry_run=1: got %d %s, want 200", resp.StatusCode, body)
	}
	preview := decode("PATCH ?dry_run=1", body)
	norms := rule.ArticleRef{ID: "norms", Title: "Diplomats discuss cyber norms at the UN"}
	want := rule.Report{Articles: 2, Changed: 2, // talks keeps its tag, by other words
		Tags:     []rule.TagChange{{Slug: "cyber-diplomacy", Gained: []rule.ArticleRef{}, Lost: []rule.ArticleRef{norms}}},
		Untagged: []rule.ArticleRef{norms}}
	if !preview.DryRun || preview.Tag == nil || preview.Tag.Rule != `"cyber dialogue" OR (cyber AND diplomacy)` ||
		!reflect.DeepEqual(preview.Retag, want) {
		t.Errorf("PATCH ?dry_run=1:\n got %+v\nwant a dry run of the new rule with %+v", preview, want)
	}
	if _, body := f.do("GET", "/api/tags/cyber-diplomacy", ""); strings.Contains(string(body), `(cyber AND diplomacy)`) {
		t.Errorf("the dry run stored the rule: %s", body)
	}

	if resp, body := f.do("PATCH", "/api/tags/cyber-diplomacy", narrow, auth...); resp.StatusCode != 200 {
		t.Fatalf("PATCH: got %d %s", resp.StatusCode, body)
	}
	_, body = f.do("POST", "/api/tags/apply?dry_run=1", "", auth...)
	if got := decode("apply ?dry_run=1", body); !got.DryRun || !reflect.DeepEqual(got.Retag, want) {
		t.Errorf("apply ?dry_run=1: got %+v, want %+v", got, want)
	}
	if got := tagsOf("norms"); !slices.Equal(got, []string{"cyber-diplomacy"}) {
		t.Errorf("norms after the dry runs: got tags %v, want them unchanged", got)
	}
	resp, body = f.do("POST", "/api/tags/apply", "", auth...)
	if got := decode("apply", body); resp.StatusCode != 200 || got.DryRun || !reflect.DeepEqual(got.Retag, want) {
		t.Errorf("apply: got %d %+v, want what the dry runs said, %+v", resp.StatusCode, got, want)
	}
	if got := tagsOf("norms"); len(got) != 0 {
		t.Errorf("norms after the apply: got tags %v, want none", got)
	}
	_, body = f.do("POST", "/api/tags/apply", "", auth...)
	if got := decode("apply again", body); got.Retag.Changed != 0 || got.Retag.Tags == nil || got.Retag.Untagged == nil {
		t.Errorf("apply again: got %+v (%s), want nothing changed, as empty lists", got, body)
	}

	for _, tt := range []struct {
		method, path, body string
		auth               bool
		status             int
	}{
		{"POST", "/api/tags/apply?dry_run=1", "", false, 401},
		{"POST", "/api/tags/apply?dry_run=maybe", "", true, 422},
		{"PATCH", "/api/tags/cyber-diplomacy?dry_run=1", `{"rule":"(cyber"}`, true, 422},
		{"PATCH", "/api/tags/cyber-diplomacy?dry_run=1", `{"name":""}`, true, 422},
		{"PATCH", "/api/tags/cyber-diplomacy?dry_run=1", `{"slug":"ransomware"}`, true, 409},
		{"PATCH", "/api/tags/nosuch?dry_run=1", `{"rule":"x"}`, true, 404},
	} {
		var h []string
		if tt.auth {
			h = auth
		}
		if resp, body := f.do(tt.method, tt.path, tt.body, h...); resp.StatusCode != tt.status {
			t.Errorf("%s %s %s: got %d %s, want %d", tt.method, tt.path, tt.body, resp.StatusCode, body, tt.status)
		}
	}
}

func TestSubscriberCreateRefusesUnknownTags(t *testing.T) {
	f := newFixture(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	resp, body := f.do("POST", "/api/subscribers", `{"name":"partner","tags":["cyber-diplomacy","nosuchtag"]}`, auth...)
	if resp.StatusCode != 422 || !strings.Contains(string(body), `\"nosuchtag\" is not a tag`) ||
		!strings.Contains(string(body), "critical-infrastructure, cyber-diplomacy") {
		t.Errorf("unknown tag: got %d %s, want 422 naming it and the tags there are", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/subscribers/partner", "", auth...); resp.StatusCode != 404 {
		t.Errorf("the refused subscriber was stored: GET answers %d", resp.StatusCode)
	}
	if resp, body := f.do("PATCH", "/api/tags/cyber-diplomacy", `{"slug":"cyber-policy"}`, auth...); resp.StatusCode != 200 {
		t.Fatalf("rename: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do("POST", "/api/subscribers", `{"name":"partner","tags":["cyber-diplomacy"]}`, auth...)
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"cyber-policy"`) {
		t.Errorf("an old slug: got %d %s, want 201 with the tag's slug now", resp.StatusCode, body)
	}
}

// TestOPMLFolders checks the folder of tag feeds in /feeds.opml: text only,
// which the feed validators take without a warning (see opml.Folder).
func TestOPMLFolders(t *testing.T) {
	f := newFixture(t)
	_, body := f.do("GET", "/feeds.opml", "")
	var doc struct {
		Outlines []struct {
			Attrs    []xml.Attr `xml:",any,attr"`
			Outlines []struct{} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	folders := 0
	for _, o := range doc.Outlines {
		if len(o.Outlines) == 0 {
			continue
		}
		folders++
		if len(o.Attrs) != 1 || o.Attrs[0].Name.Local != "text" {
			t.Errorf("folder outline: got attributes %+v, want text alone", o.Attrs)
		}
	}
	if folders != 1 {
		t.Errorf("got %d folders, want the one of tag feeds:\n%s", folders, body)
	}
}
