package poll

import (
	"slices"
	"testing"

	"herald/feed"
)

func TestLinkKey(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{"https://agency.example/news/1", "agency.example/news/1"},
		{"http://agency.example/news/1", "agency.example/news/1"},
		{"HTTPS://WWW.Agency.Example:443/news/1/", "agency.example/news/1"},
		{"https://agency.example/a/../news/1#section-2", "agency.example/news/1"},
		{"https://agency.example/news/%7Euser", "agency.example/news/~user"},
		{"https://agency.example/news?id=7&lang=en", "agency.example/news?id=7&lang=en"},
		{"https://agency.example/news?lang=en&id=7", "agency.example/news?id=7&lang=en"},
		{"https://agency.example/news?id=7&utm_source=rss&UTM_Medium=x&fbclid=abc&gclid=1", "agency.example/news?id=7"},
		// Query values select content: kept.
		{"https://agency.example/news?id=8", "agency.example/news?id=8"},
		// A home page names no item; nor does what is no http(s) URL.
		{"https://agency.example/", ""},
		{"https://www.agency.example/?utm_source=rss", ""},
		{"ftp://agency.example/news/1", ""},
		{"/news/1", ""},
		{"", ""},
	} {
		if got := LinkKey(tc.link); got != tc.want {
			t.Errorf("LinkKey(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}

func TestGUIDKey(t *testing.T) {
	for _, tc := range []struct{ guid, want string }{
		{"tag:agency.example,2026:release-1", "tag:agency.example,2026:release-1"},
		{"urn:uuid:0F8FAD5B-D9CB-469F-A165-70867728950E", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"HTTPS://Agency.Example/r/1", "https://agency.example/r/1"},
		{"12345", ""},               // unique only in its own feed
		{"release-1", ""},           // ditto
		{"sha256:0123456789ab", ""}, // herald's digest of an item with neither GUID nor link
		{"", ""},
	} {
		if got := GUIDKey(tc.guid); got != tc.want {
			t.Errorf("GUIDKey(%q) = %q, want %q", tc.guid, got, tc.want)
		}
	}
}

func TestTarget(t *testing.T) {
	item := func(id, guid, link string) *feed.Article {
		return &feed.Article{ID: id, Provenance: &feed.Provenance{OriginalID: guid, Link: link}}
	}
	a := item("src2-x", "https://agency.example/r/1", "https://mirror.example/r/1")
	guidKey, linkKey := "guid:https://agency.example/r/1", "link:mirror.example/r/1"
	for _, tc := range []struct {
		name   string
		a      *feed.Article
		exists bool
		claims map[string]Claim
		want   string
	}{
		{"new", a, false, nil, "src2-x"},
		{"claimed by itself", a, false, map[string]Claim{guidKey: {ArticleID: "src2-x"}}, "src2-x"},
		{"GUID of a stored article", a, false, map[string]Claim{guidKey: {ArticleID: "src1-y", Exists: true}}, "src1-y"},
		{"GUID of a deleted article", a, false, map[string]Claim{guidKey: {ArticleID: "src1-y"}}, "src2-x"},
		{"link of a stored article", a, false, map[string]Claim{linkKey: {ArticleID: "src1-y", Exists: true}}, "src1-y"},
		{"link of an article of the same source", a, false,
			map[string]Claim{linkKey: {ArticleID: "src2-z", Exists: true, Credited: true}}, "src2-x"},
		{"GUID first", a, false, map[string]Claim{guidKey: {ArticleID: "src1-y", Exists: true},
			linkKey: {ArticleID: "src3-w", Exists: true}}, "src1-y"},
		{"stored already", a, true, map[string]Claim{guidKey: {ArticleID: "src1-y", Exists: true}}, "src2-x"},
		{"GUID that is no IRI", item("src2-x", "42", ""), false,
			map[string]Claim{"guid:42": {ArticleID: "src1-y", Exists: true}}, "src2-x"},
	} {
		if got := Target(tc.a, tc.exists, tc.claims); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestClaimOrder(t *testing.T) {
	arts := []feed.Article{
		{ID: "b", Provenance: &feed.Provenance{OriginalID: "z1", Link: "https://x.example/2"}},
		{ID: "a", Provenance: &feed.Provenance{OriginalID: "tag:x.example,2026:1", Link: "https://x.example/2"}},
	}
	keys, ids := ClaimOrder(arts)
	if want := []string{"guid:tag:x.example,2026:1", "link:x.example/2"}; !slices.Equal(keys, want) {
		t.Errorf("keys: got %q, want %q", keys, want)
	}
	if want := []string{"a", "b"}; !slices.Equal(ids, want) {
		t.Errorf("claimants: got %q, want %q (the first article claiming each key)", ids, want)
	}
}

// FuzzLinkKey checks that any link, as a feed may carry it, gives a key
// without a panic, and that a key read back as a link is the same key: two
// spellings of one page cannot drift apart.
func FuzzLinkKey(f *testing.F) {
	for _, s := range []string{"https://www.agency.example/news/1/?b=2&a=1&utm_source=x#top", "http://agency.example/%7Ea?id=%41",
		"https://agency.example/?", "https://agency.example/a?&&", "https://[::1]:8080/x?y", "HTTP://AGENCY.EXAMPLE/./a/../b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		k := LinkKey(link)
		if k == "" {
			return
		}
		if again := LinkKey("https://" + k); again != k {
			t.Errorf("LinkKey(%q) = %q, but LinkKey of that = %q", link, k, again)
		}
	})
}
