package feed

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestSourceEdit(t *testing.T) {
	polled := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	s := &Source{ID: 7, URL: "https://agency.example/feed", Name: "Agency", Tags: []string{"grid"}, Enabled: true,
		ETag: `"e1"`, PendingURL: "https://agency.example/moved", PendingCount: 2, ConsecutiveErrors: 3,
		NextFetch: polled.Add(time.Hour), LastAttempt: polled, Hint: time.Hour, Items: 4}
	renamed, err := s.Edit(func(e *Source) error {
		e.Name, e.Tags, e.Every = "Agency press", append(e.Tags, "water", "grid"), 90*time.Second+time.Millisecond
		e.ETag, e.Hint, e.ID = "", 0, 99 // not a person's to change
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if renamed.ID != 7 || renamed.Name != "Agency press" || !slices.Equal(renamed.Tags, []string{"grid", "water"}) ||
		renamed.Every != 90*time.Second || renamed.ETag != `"e1"` || renamed.Hint != time.Hour || renamed.Items != 4 ||
		renamed.PendingCount != 2 || !renamed.NextFetch.Equal(s.NextFetch) {
		t.Errorf("a new name: got %+v, want the person's fields changed and the rest kept", renamed)
	}
	if !slices.Equal(s.Tags, []string{"grid"}) {
		t.Errorf("Edit changed s: tags %v", s.Tags)
	}
	moved, err := s.Edit(func(e *Source) error { e.URL = "https://agency.example/v2"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if moved.ETag != "" || moved.PendingURL != "" || moved.PendingCount != 0 || moved.ConsecutiveErrors != 0 ||
		!moved.NextFetch.IsZero() || !moved.LastAttempt.Equal(polled) {
		t.Errorf("a new URL: got %+v, want its validators, redirect and errors cleared, due at once", moved)
	}
	s.Enabled = false
	if on, err := s.Edit(func(e *Source) error { e.Enabled = true; return nil }); err != nil || !on.NextFetch.IsZero() {
		t.Errorf("enabled: got %+v, %v; want due at once", on, err)
	}
	stop := errors.New("stop")
	if _, err := s.Edit(func(*Source) error { return stop }); err != stop {
		t.Errorf("edit's error: got %v, want it as it is", err)
	}
	if _, err := s.Edit(func(e *Source) error { e.URL = "ftp://x"; return nil }); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad URL: got %v, want ErrInvalid", err)
	}
}

func TestArchivePage(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		page int
	}{{1, 1}, {ArchiveSpan, 1}, {ArchiveSpan + 1, 2}, {3 * ArchiveSpan, 3}} {
		if got := ArchivePage(tc.n); got != tc.page {
			t.Errorf("ArchivePage(%d): got %d, want %d", tc.n, got, tc.page)
		}
		if first, last := ArchiveRange(tc.page); tc.n < first || tc.n > last || last-first+1 != ArchiveSpan {
			t.Errorf("ArchiveRange(%d): got %d to %d, which does not hold %d", tc.page, first, last, tc.n)
		}
	}
}
