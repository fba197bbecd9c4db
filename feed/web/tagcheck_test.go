package web_test

import (
	"strings"
	"testing"
)

// TestUnknownTagsRefused checks that the API makes no tag by a typo: an
// article's or a source's tags must exist unless ?create_tags=1.
func TestUnknownTagsRefused(t *testing.T) {
	f := newFixture(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	article := `{"title":"Regional talks","content":"<p>Talks.</p>","published":"2026-11-20","tags":["Cyber Diplomacy","asai-pacific"]}`
	for _, tt := range []struct{ method, path string }{{"POST", "/api/articles"}, {"PUT", "/api/articles/talks"}} {
		resp, body := f.do(tt.method, tt.path, article, auth...)
		if resp.StatusCode != 422 || !strings.Contains(string(body), `"field": "tags"`) ||
			!strings.Contains(string(body), `\"asai-pacific\" is not a tag`) || !strings.Contains(string(body), "information-sharing, ransomware") {
			t.Errorf("%s %s with an unknown tag: got %d %s, want 422 naming it and the tags", tt.method, tt.path, resp.StatusCode, body)
		}
	}
	if resp, _ := f.do("GET", "/api/articles/talks", ""); resp.StatusCode != 404 {
		t.Errorf("a refused article was stored: GET got %d", resp.StatusCode)
	}
	if resp, _ := f.do("GET", "/api/tags/asai-pacific", ""); resp.StatusCode != 404 {
		t.Errorf("a refused tag was made: GET got %d", resp.StatusCode)
	}
	// Old slugs and names of tags that exist are tags.
	if resp, body := f.do("PUT", "/api/articles/talks", strings.Replace(article, `,"asai-pacific"`, "", 1), auth...); resp.StatusCode != 201 {
		t.Errorf("PUT with known tags: got %d %s, want 201", resp.StatusCode, body)
	}
	if resp, body := f.do("PUT", "/api/articles/talks?create_tags=1", article, auth...); resp.StatusCode != 200 {
		t.Errorf("PUT ?create_tags=1: got %d %s, want 200", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/tags/asai-pacific", ""); resp.StatusCode != 200 {
		t.Errorf("the tag ?create_tags=1 asked for: GET got %d, want 200", resp.StatusCode)
	}
	if resp, body := f.do("PUT", "/api/articles/talks?create_tags=yes", article, auth...); resp.StatusCode != 422 || !strings.Contains(string(body), `"field": "create_tags"`) {
		t.Errorf("?create_tags=yes: got %d %s, want 422 naming the parameter", resp.StatusCode, body)
	}

	// Sources: their tags are made at once when asked for.
	source := `{"url":"https://agency.example/feed","tags":["ransomware","enrgy"]}`
	if resp, body := f.do("POST", "/api/sources", source, auth...); resp.StatusCode != 422 ||
		!strings.Contains(string(body), `\"enrgy\" is not a tag`) {
		t.Errorf("POST /api/sources with an unknown tag: got %d %s, want 422 naming it", resp.StatusCode, body)
	}
	if resp, body := f.do("POST", "/api/sources?create_tags=1", source, auth...); resp.StatusCode != 201 {
		t.Fatalf("POST /api/sources?create_tags=1: got %d %s, want 201", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/tags/enrgy", ""); resp.StatusCode != 200 {
		t.Errorf("the source's tag ?create_tags=1 asked for: GET got %d, want 200 (it has feeds at once)", resp.StatusCode)
	}
	if resp, body := f.do("PATCH", "/api/sources/1", `{"tags":["ransomwre"]}`, auth...); resp.StatusCode != 422 ||
		!strings.Contains(string(body), `\"ransomwre\" is not a tag`) {
		t.Errorf("PATCH with an unknown tag: got %d %s, want 422", resp.StatusCode, body)
	}
	if resp, body := f.do("PATCH", "/api/sources/1", `{"name":"Agency"}`, auth...); resp.StatusCode != 200 {
		t.Errorf("PATCH that leaves the tags: got %d %s, want 200", resp.StatusCode, body)
	}

	// Removing: ?purge=1 says how many articles went.
	if resp, body := f.do("DELETE", "/api/sources/1?purge=maybe", "", auth...); resp.StatusCode != 422 || !strings.Contains(string(body), `"field": "purge"`) {
		t.Errorf("DELETE ?purge=maybe: got %d %s, want 422", resp.StatusCode, body)
	}
	if resp, body := f.do("DELETE", "/api/sources/1?purge=1", "", auth...); resp.StatusCode != 200 || !strings.Contains(string(body), `"deleted": 0`) {
		t.Errorf("DELETE ?purge=1: got %d %s, want 200 and the count", resp.StatusCode, body)
	}
	if resp, _ := f.do("DELETE", "/api/sources/1?purge=1", "", auth...); resp.StatusCode != 404 {
		t.Errorf("DELETE of a removed source: got %d, want 404", resp.StatusCode)
	}
}
