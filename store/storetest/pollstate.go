package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

// testRecordPollNothingStored checks a poll that gives no articles (a 304,
// a failure), which writes the source's row only: it ends the claim and
// stores the poll state, and is refused, writing nothing, when the source's
// URL changed or the source was removed while it ran.
func (c *contract) testRecordPollNothingStored(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimDueSources(ctx, "worker-1", clk.T, time.Minute, 1, 0)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}

	polled := *src
	polled.LastAttempt, polled.LastStatus = clk.T, 304
	polled.ETag, polled.NextFetch = `"v1"`, clk.T.Add(time.Hour)
	changes, err := db.RecordPoll(ctx, src.URL, polled, nil)
	if err != nil || len(changes) != 0 {
		t.Fatalf("304: got %v, %v; want no changes", changes, err)
	}
	s, err := db.Source(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.LastStatus != 304 || s.ETag != `"v1"` || !s.NextFetch.Equal(polled.NextFetch) {
		t.Errorf("304: stored %+v, want status 304, etag \"v1\", next fetch %v", s, polled.NextFetch)
	}
	// The claim ended: once due, the source is another claimer's at once.
	again, err := db.ClaimDueSources(ctx, "worker-2", polled.NextFetch, time.Minute, 1, 0)
	if err != nil || len(again) != 1 {
		t.Errorf("claim after the poll: got %v, %v; want the source", again, err)
	}

	// The URL changed while the poll ran: refused, nothing written.
	if _, err := db.UpdateSource(ctx, src.ID, func(s *feed.Source) error { s.URL = "https://agency.example/v2"; return nil }); err != nil {
		t.Fatal(err)
	}
	stale := polled
	stale.LastStatus, stale.ETag = 500, `"stale"`
	if _, err := db.RecordPoll(ctx, src.URL, stale, nil); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("stale URL: got %v, want ErrConflict", err)
	}
	if s, _ := db.Source(ctx, src.ID); s.LastStatus == 500 || s.ETag == `"stale"` || s.URL != "https://agency.example/v2" {
		t.Errorf("a stale poll wrote the source: %+v", s)
	}

	// Removed while the poll ran.
	if err := db.DeleteSource(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	gone := polled
	gone.URL = "https://agency.example/v2"
	if _, err := db.RecordPoll(ctx, gone.URL, gone, nil); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("removed source: got %v, want ErrNotFound", err)
	}
}
