package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"herald/feed"
	"herald/store/postgres"
)

// TestQuietPollBatch checks one statement of quiet polls (see
// quietpoll.go): it writes each source's own state, leaves alone a source
// whose URL changed or that was removed during the poll (RecordPoll then
// says why), and, when a state cannot be stored, writes none of the batch
// and leaves RecordPoll to report that one alone.
func TestQuietPollBatch(t *testing.T) {
	ctx := context.Background()
	db, _, clk := openTest(t)
	srcs := addSources(t, db, 5)
	if _, err := db.UpdateSource(ctx, srcs[1].ID, func(s *feed.Source) error {
		s.URL += "/moved"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSource(ctx, srcs[2].ID); err != nil {
		t.Fatal(err)
	}
	polled := slices.Clone(srcs)
	polled = append(polled, polled[0]) // polled twice: written once, the second alone
	for i := range polled {
		polled[i] = quietState(polled[i], i, clk.Now())
	}
	got := db.WriteQuiet(ctx, polled)
	if want := []bool{true, false, false, true, true, false}; !slices.Equal(got, want) {
		t.Fatalf("written: got %v, want %v", got, want)
	}
	for i, s := range srcs {
		stored, err := db.Source(ctx, s.ID)
		switch {
		case i == 2:
			if !errors.Is(err, feed.ErrNotFound) {
				t.Errorf("removed source: got %v, %v", stored, err)
			}
		case err != nil:
			t.Fatal(err)
		case i == 1 && stored.ETag != "":
			t.Errorf("moved source: etag %q written", stored.ETag)
		case i != 1 && (stored.ETag != polled[i].ETag || !stored.NextFetch.Equal(polled[i].NextFetch) ||
			stored.LastError != polled[i].LastError || stored.ConsecutiveErrors != i):
			t.Errorf("source %d: got %+v, want the state %+v", i, stored, polled[i])
		}
	}
	if _, err := db.RecordPoll(ctx, srcs[1].URL, polled[1], nil); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("poll of the moved source: got %v, want ErrConflict", err)
	}
	if _, err := db.RecordPoll(ctx, srcs[2].URL, polled[2], nil); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("poll of the removed source: got %v, want ErrNotFound", err)
	}

	// A NUL, which PostgreSQL's text cannot hold, fails the statement: none
	// of the batch is written, and RecordPoll reports it of that source.
	next := []feed.Source{quietState(srcs[0], 10, clk.Now()), quietState(srcs[3], 11, clk.Now())}
	next[1].LastError = "bad\x00byte"
	if got := db.WriteQuiet(ctx, next); !slices.Equal(got, []bool{false, false}) {
		t.Fatalf("batch with a NUL: written %v", got)
	}
	if s, _ := db.Source(ctx, srcs[0].ID); s.ETag != polled[0].ETag {
		t.Errorf("a failed batch wrote source 0: etag %q", s.ETag)
	}
	if _, err := db.RecordPoll(ctx, next[0].URL, next[0], nil); err != nil {
		t.Errorf("source 0 alone: %v", err)
	}
	var invalid *feed.ValidationError
	if _, err := db.RecordPoll(ctx, next[1].URL, next[1], nil); !errors.As(err, &invalid) {
		t.Errorf("source 3 alone: got %v, want a *feed.ValidationError", err)
	}
}

// TestQuietPollsConcurrent polls many sources at once, as the poller's
// workers do, each answering 304 several times: every call returns, and
// every source ends with its own last state.
func TestQuietPollsConcurrent(t *testing.T) {
	ctx := context.Background()
	db, _, clk := openTest(t)
	srcs := addSources(t, db, 64)
	var wg sync.WaitGroup
	errs := make(chan error, len(srcs))
	for i, s := range srcs {
		wg.Go(func() {
			for round := range 5 {
				st := quietState(s, i*10+round, clk.Now())
				if _, err := db.RecordPoll(ctx, s.URL, st, nil); err != nil {
					errs <- fmt.Errorf("source %d, round %d: %w", i, round, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, s := range srcs {
		stored, err := db.Source(ctx, s.ID)
		want := quietState(s, i*10+4, clk.Now())
		if err != nil || stored.ETag != want.ETag || stored.ConsecutiveErrors != want.ConsecutiveErrors {
			t.Errorf("source %d: got %+v, %v; want etag %q", i, stored, err, want.ETag)
		}
	}
}

// addSources creates n sources on a loopback host.
func addSources(t *testing.T, db *postgres.DB, n int) []feed.Source {
	t.Helper()
	var out []feed.Source
	for i := range n {
		s, err := db.CreateSource(context.Background(), feed.Source{
			URL: fmt.Sprintf("http://127.0.0.1:9/feed/%d", i), Name: fmt.Sprintf("Source %d", i), Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *s)
	}
	return out
}

// quietState is s after a quiet poll numbered i at now: validators,
// times and counts of its own.
func quietState(s feed.Source, i int, now time.Time) feed.Source {
	s.ETag = fmt.Sprintf(`"e%d"`, i)
	s.LastModified = now.Format(time.RFC1123)
	s.LastAttempt = now
	s.LastStatus = 304
	s.ConsecutiveErrors = i
	s.LastError = fmt.Sprintf("error %d", i)
	s.NextFetch = now.Add(time.Duration(i+1) * time.Minute)
	s.Hint = time.Duration(i) * time.Second
	return s
}
