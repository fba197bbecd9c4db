package poll

import (
	"errors"
	"testing"
	"time"

	"herald/feed"
)

func TestUndatedAndKeepDate(t *testing.T) {
	fetched := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name               string
		published, updated time.Time // the feed's
		want               bool
	}{
		{"no date", time.Time{}, time.Time{}, true},
		{"published", fetched.Add(-time.Hour), time.Time{}, false},
		{"updated only", time.Time{}, fetched.Add(-time.Hour), false},
		{"in the future", fetched.Add(time.Hour), time.Time{}, true},
	} {
		a := &feed.Article{Published: fetched, Provenance: &feed.Provenance{Published: tc.published, Updated: tc.updated}}
		if got := Undated(a); got != tc.want {
			t.Errorf("%s: Undated got %v, want %v", tc.name, got, tc.want)
		}
	}
	first := fetched.Add(-24 * time.Hour)
	a := &feed.Article{Published: fetched, Updated: first.Add(-time.Hour)}
	KeepDate(a, first)
	if !a.Published.Equal(first) || !a.Updated.Equal(first) {
		t.Errorf("KeepDate: got published %v, updated %v; want both %v", a.Published, a.Updated, first)
	}
}

func TestRedirect(t *testing.T) {
	s := &feed.Source{ID: 1, URL: "https://new.example/feed", PendingURL: "https://next.example/feed", PendingCount: 1}
	if url, p, n := Redirect(s, "https://old.example/feed", false); url != s.URL || p != s.PendingURL || n != 1 {
		t.Errorf("moved to a free URL: got %q, %q, %d; want s's", url, p, n)
	}
	if url, p, n := Redirect(s, "https://old.example/feed", true); url != "https://old.example/feed" || p != "" || n != 0 {
		t.Errorf("moved to a taken URL: got %q, %q, %d; want the polled URL, no redirect", url, p, n)
	}
	if err := CheckURL("https://a.example/", "https://b.example/"); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("CheckURL of a changed URL: got %v, want ErrConflict", err)
	}
	if err := Check(s, []feed.Article{{ID: "x", Title: "T", Content: "c", Published: time.Now(), Origin: feed.OriginOwn}}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("Check of an own article: got %v, want ErrInvalid", err)
	}
}
