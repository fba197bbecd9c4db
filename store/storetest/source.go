package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
)

func (c *contract) testSources(t *testing.T) {
	t.Run("CreateReadUpdate", c.testSourceCreateReadUpdate)
	t.Run("CreateStoresAsGiven", c.testSourceCreateStoresAsGiven)
	t.Run("EnableAndDue", c.testSourceEnableAndDue)
	t.Run("RecordPoll", c.testRecordPoll)
	t.Run("RecordPollRaces", c.testRecordPollRaces)
	t.Run("RecordPollNothingStored", c.testRecordPollNothingStored)
	t.Run("PollStateKept", c.testSourcePollStateKept)
	t.Run("ItemsBySource", c.testSourceItems)
	t.Run("DeleteKeepsArticles", c.testDeleteSourceKeepsArticles)
}

// newSource is an enabled source of the feed at url, with tags.
func newSource(url string, tags ...string) feed.Source {
	return feed.Source{URL: url, Name: "Agency", Tags: tags, Enabled: true}
}

// externalArticle is item guid of source src, as the aggregate package
// would make it; published zero means the feed gave no date (the fetch
// time, fetched, stands in).
func externalArticle(src *feed.Source, guid, title string, published, fetched time.Time) feed.Article {
	pub := published
	if pub.IsZero() {
		pub = fetched
	}
	return feed.Article{
		ID:        fmt.Sprintf("src%d-%s", src.ID, guid),
		Title:     title,
		Content:   "<p>" + title + "</p>",
		Published: pub,
		Updated:   pub,
		URL:       "https://agency.example/" + guid,
		Tags:      []feed.ArticleTag{{Slug: "external"}},
		Origin:    feed.OriginExternal,
		Provenance: &feed.Provenance{
			SourceID:   src.ID,
			SourceName: src.Name,
			FeedURL:    src.URL,
			FeedTitle:  "Agency press releases",
			Link:       "https://agency.example/" + guid,
			OriginalID: guid,
			Published:  published,
		},
	}
}

func (c *contract) testSourceCreateReadUpdate(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed", "cyber", "cyber", "asia"))
	if err != nil {
		t.Fatal(err)
	}
	if src.ID == 0 || !src.Created.Equal(clk.T) || !slices.Equal(src.Tags, []string{"cyber", "asia"}) {
		t.Errorf("created: got %+v, want an id, created now, tags without repeats", src)
	}
	if _, err := db.CreateSource(ctx, newSource("https://agency.example/feed")); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("same URL again: got %v, want ErrConflict", err)
	}
	bad := newSource("ftp://agency.example/feed", "Not A Slug")
	bad.Every = time.Second
	var ve *feed.ValidationError
	if _, err := db.CreateSource(ctx, bad); !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Errorf("bad source: got %v, want a ValidationError naming url, every and tags", err)
	}

	got, err := db.Source(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != src.URL || !got.Enabled || got.Items != 0 || !got.NextFetch.IsZero() {
		t.Errorf("read back: got %+v", got)
	}
	if _, err := db.Source(ctx, src.ID+100); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}

	// Give it some poll state, then change what a person sets.
	polled := *got
	polled.ETag, polled.LastModified, polled.LastAttempt, polled.NextFetch = `"v1"`, "Mon, 01 Jan 2024 00:00:00 GMT", clk.T, clk.T.Add(time.Hour)
	polled.ConsecutiveErrors, polled.LastError, polled.LastStatus = 2, "500 Internal Server Error", 500
	polled.Hint = 90 * time.Minute
	if _, err := db.RecordPoll(ctx, polled.URL, polled, nil); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.Source(ctx, src.ID); again.Hint != 90*time.Minute {
		t.Errorf("hint: got %v, want 1h30m kept", again.Hint)
	}
	upd, err := db.UpdateSource(ctx, src.ID, func(s *feed.Source) error {
		s.Name, s.Tags, s.Every = "State Department", []string{"diplomacy"}, 2*time.Hour
		s.ETag = "ignored"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Name != "State Department" || !slices.Equal(upd.Tags, []string{"diplomacy"}) || upd.Every != 2*time.Hour ||
		upd.ETag != `"v1"` || upd.ConsecutiveErrors != 2 || !upd.NextFetch.Equal(clk.T.Add(time.Hour)) {
		t.Errorf("update: got %+v, want the new name, tags and interval and the poll state kept", upd)
	}
	// A new URL starts afresh.
	upd, err = db.UpdateSource(ctx, src.ID, func(s *feed.Source) error { s.URL = "https://agency.example/new"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if upd.ETag != "" || upd.LastModified != "" || upd.ConsecutiveErrors != 0 || !upd.NextFetch.IsZero() || upd.LastError == "" {
		t.Errorf("new URL: got %+v, want validators, errors and next fetch cleared, last error kept", upd)
	}
	if reread, _ := db.Source(ctx, src.ID); reread.URL != upd.URL || reread.Name != upd.Name {
		t.Errorf("stored: got %+v, want %+v", reread, upd)
	}
	other, err := db.CreateSource(ctx, newSource("https://other.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateSource(ctx, other.ID, func(s *feed.Source) error { s.URL = upd.URL; return nil }); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("taking another source's URL: got %v, want ErrConflict", err)
	}
	if _, err := db.UpdateSource(ctx, other.ID, func(s *feed.Source) error { s.Name = ""; return nil }); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("empty name: got %v, want ErrInvalid", err)
	}
	stop := errors.New("changed my mind")
	if _, err := db.UpdateSource(ctx, other.ID, func(s *feed.Source) error { s.Name = "x"; return stop }); !errors.Is(err, stop) {
		t.Errorf("update func error: got %v, want it returned", err)
	}
	if _, err := db.UpdateSource(ctx, 999, func(*feed.Source) error { return nil }); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}

	list, err := db.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != src.ID || list[1].ID != other.ID || list[1].Name != "Agency" {
		t.Errorf("sources: got %+v", list)
	}
}

func (c *contract) testSourceEnableAndDue(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	now := clk.T
	var ids []int64
	for i, next := range []time.Duration{30 * time.Minute, -time.Hour, 0, -time.Minute} {
		s, err := db.CreateSource(ctx, newSource(fmt.Sprintf("https://agency.example/%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		s.NextFetch = now.Add(next)
		s.LastAttempt = now
		if _, err := db.RecordPoll(ctx, s.URL, *s, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	due := func(limit int) []int64 {
		t.Helper()
		srcs, err := db.DueSources(ctx, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, s := range srcs {
			got = append(got, s.ID)
		}
		return got
	}
	if got, want := due(0), []int64{ids[1], ids[3], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("due: got %v, want %v (most overdue first)", got, want)
	}
	if got, want := due(2), []int64{ids[1], ids[3]}; !slices.Equal(got, want) {
		t.Errorf("due, limit 2: got %v, want %v", got, want)
	}
	s, err := db.SetSourceEnabled(ctx, ids[1], false)
	if err != nil || s.Enabled {
		t.Fatalf("disable: got %+v, %v", s, err)
	}
	if got, want := due(0), []int64{ids[3], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("due after disabling %d: got %v, want %v", ids[1], got, want)
	}
	// Enabling makes a source due at once, even one not due before.
	if _, err := db.SetSourceEnabled(ctx, ids[0], false); err != nil {
		t.Fatal(err)
	}
	if s, err := db.SetSourceEnabled(ctx, ids[0], true); err != nil || !s.Enabled || !s.NextFetch.IsZero() {
		t.Fatalf("enable: got %+v, %v", s, err)
	}
	if got, want := due(0), []int64{ids[0], ids[3], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("due after enabling %d: got %v, want %v", ids[0], got, want)
	}
	if _, err := db.SetSourceEnabled(ctx, 999, true); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}
}

func (c *contract) testRecordPoll(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed", "external"))
	if err != nil {
		t.Fatal(err)
	}
	dated := time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC)
	fetched := clk.T
	poll := func(at time.Time, arts ...feed.Article) ([]feed.Change, error) {
		t.Helper()
		s := *src
		s.LastAttempt, s.LastSuccess, s.LastStatus, s.ETag, s.NextFetch = at, at, 200, `"e1"`, at.Add(30*time.Minute)
		return db.RecordPoll(ctx, src.URL, s, arts)
	}
	changes, err := poll(fetched,
		externalArticle(src, "one", "First release", dated, fetched),
		externalArticle(src, "two", "Undated release", time.Time{}, fetched))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changes, []feed.Change{feed.Created, feed.Created}) {
		t.Errorf("first poll: got %v, want two created", changes)
	}
	got, err := db.Source(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Items != 2 || got.ETag != `"e1"` || got.LastStatus != 200 || !got.LastSuccess.Equal(fetched) ||
		!got.NextFetch.Equal(fetched.Add(30*time.Minute)) {
		t.Errorf("source after a poll: got %+v", got)
	}
	a, err := db.Article(ctx, fmt.Sprintf("src%d-one", src.ID))
	if err != nil {
		t.Fatal(err)
	}
	if a.Origin != feed.OriginExternal || a.Provenance.SourceID != src.ID || !a.HasTag("external") {
		t.Errorf("stored article: got %+v", a)
	}
	v1, _ := db.Version(ctx)

	// The same items an hour later: nothing changes, though the undated one
	// is dated by the new fetch.
	clk.Add(time.Hour)
	later := clk.T
	changes, err = poll(later,
		externalArticle(src, "one", "First release", dated, later),
		externalArticle(src, "two", "Undated release", time.Time{}, later))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changes, []feed.Change{feed.Unchanged, feed.Unchanged}) {
		t.Errorf("same items again: got %v, want unchanged", changes)
	}
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Errorf("content version moved on an unchanged poll: %d -> %d", v1, v2)
	}
	if two, _ := db.Article(ctx, fmt.Sprintf("src%d-two", src.ID)); !two.Published.Equal(fetched) {
		t.Errorf("undated item: published %v, want its first fetch %v", two.Published, fetched)
	}
	if s, _ := db.Source(ctx, src.ID); !s.LastAttempt.Equal(later) {
		t.Errorf("last attempt: got %v, want %v", s.LastAttempt, later)
	}

	// An edited item is updated, and a new one created.
	changes, err = poll(later,
		externalArticle(src, "one", "First release, corrected", dated, later),
		externalArticle(src, "three", "Third", dated, later))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(changes, []feed.Change{feed.Updated, feed.Created}) {
		t.Errorf("edit and add: got %v, want updated, created", changes)
	}
	if v3, _ := db.Version(ctx); v3 <= v1 {
		t.Errorf("content version did not move: %d -> %d", v1, v3)
	}
	if s, _ := db.Source(ctx, src.ID); s.Items != 3 {
		t.Errorf("items: got %d, want 3 (items that left the feed stay)", s.Items)
	}

	// An article that is not the source's fails the whole poll.
	stranger := externalArticle(&feed.Source{ID: src.ID + 1, Name: "Other", URL: "https://other.example/"}, "x", "X", dated, later)
	before, _ := db.Source(ctx, src.ID)
	s := *before
	s.LastError, s.ConsecutiveErrors = "boom", 1
	if _, err := db.RecordPoll(ctx, src.URL, s, []feed.Article{externalArticle(src, "four", "Four", dated, later), stranger}); !errors.Is(err, feed.ErrInvalid) {
		t.Errorf("foreign article: got %v, want ErrInvalid", err)
	}
	if after, _ := db.Source(ctx, src.ID); after.Items != 3 || after.LastError != "" {
		t.Errorf("a failed poll stored something: %+v", after)
	}
}

func (c *contract) testRecordPollRaces(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	art := externalArticle(src, "one", "One", clk.T, clk.T)

	// Disabled while the poll ran: a successful poll does not enable it.
	if _, err := db.SetSourceEnabled(ctx, src.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordPoll(ctx, src.URL, *src, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.Source(ctx, src.ID); s.Enabled {
		t.Error("a poll re-enabled a source disabled while it ran")
	}
	// A 410 disables.
	if _, err := db.SetSourceEnabled(ctx, src.ID, true); err != nil {
		t.Fatal(err)
	}
	gone := *src
	gone.Enabled, gone.LastStatus = false, 410
	if _, err := db.RecordPoll(ctx, src.URL, gone, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.Source(ctx, src.ID); s.Enabled || s.LastStatus != 410 {
		t.Errorf("after a 410: got %+v, want disabled", s)
	}

	// The URL changed while the poll ran: nothing is stored.
	if _, err := db.UpdateSource(ctx, src.ID, func(s *feed.Source) error { s.URL = "https://agency.example/v2"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordPoll(ctx, src.URL, *src, []feed.Article{art}); !errors.Is(err, feed.ErrConflict) {
		t.Errorf("stale URL: got %v, want ErrConflict", err)
	}
	if _, err := db.Article(ctx, art.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("a stale poll stored its article: %v", err)
	}

	// A permanent redirect to another source's URL does not move it there.
	other, err := db.CreateSource(ctx, newSource("https://agency.example/other"))
	if err != nil {
		t.Fatal(err)
	}
	moved, _ := db.Source(ctx, src.ID)
	polledURL := moved.URL
	moved.URL = other.URL
	if _, err := db.RecordPoll(ctx, polledURL, *moved, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.Source(ctx, src.ID); s.URL != polledURL {
		t.Errorf("redirect onto another source's URL: got %s, want it to stay %s", s.URL, polledURL)
	}
	moved.URL = "https://agency.example/v3"
	if _, err := db.RecordPoll(ctx, polledURL, *moved, nil); err != nil {
		t.Fatal(err)
	}
	if s, _ := db.Source(ctx, src.ID); s.URL != moved.URL {
		t.Errorf("redirect: got %s, want %s", s.URL, moved.URL)
	}

	// Removed while the poll ran.
	if err := db.DeleteSource(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordPoll(ctx, moved.URL, *moved, nil); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("removed source: got %v, want ErrNotFound", err)
	}
}

func (c *contract) testDeleteSourceKeepsArticles(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	art := externalArticle(src, "one", "One", clk.T, clk.T)
	if _, err := db.RecordPoll(ctx, src.URL, *src, []feed.Article{art}); err != nil {
		t.Fatal(err)
	}
	v1, _ := db.Version(ctx)
	if err := db.DeleteSource(ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSource(ctx, src.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	if _, err := db.Source(ctx, src.ID); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("deleted source: got %v, want ErrNotFound", err)
	}
	a, err := db.Article(ctx, art.ID)
	if err != nil {
		t.Fatalf("the article went with its source: %v", err)
	}
	if a.Provenance == nil || a.Provenance.SourceName != "Agency" {
		t.Errorf("provenance: got %+v, want it kept", a.Provenance)
	}
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Errorf("removing a source changed published content: version %d -> %d", v1, v2)
	}
	// The same feed added again is a new source, with an id of its own.
	again, err := db.CreateSource(ctx, newSource(src.URL))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == src.ID {
		t.Errorf("a removed source's id %d was given again", src.ID)
	}
	if s, _ := db.Source(ctx, again.ID); s.Items != 0 {
		t.Errorf("new source's items: got %d, want 0", s.Items)
	}
}

// testSourceCreateStoresAsGiven checks that a new source keeps what a
// person set, Enabled included, drops any poll state it was given, and is
// due at once if enabled.
func (c *contract) testSourceCreateStoresAsGiven(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	off := newSource("https://agency.example/off", "alpha")
	off.Enabled, off.UseCategories, off.Every = false, true, 2*time.Hour
	off.ETag, off.LastStatus, off.ConsecutiveErrors, off.NextFetch = `"given"`, 500, 3, clk.T.Add(time.Hour)
	s, err := db.CreateSource(ctx, off)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Source(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || !got.UseCategories || got.Every != 2*time.Hour || got.Name != "Agency" || !slices.Equal(got.Tags, []string{"alpha"}) {
		t.Errorf("stored: got %+v, want it disabled, with categories, every 2h", got)
	}
	if got.ETag != "" || got.LastStatus != 0 || got.ConsecutiveErrors != 0 || !got.NextFetch.IsZero() || !got.LastAttempt.IsZero() {
		t.Errorf("poll state of a new source: got %+v, want none", got)
	}
	on, err := db.CreateSource(ctx, newSource("https://agency.example/on"))
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.DueSources(ctx, clk.T, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ID != on.ID || due[0].URL != on.URL {
		t.Errorf("due: got %+v, want the enabled new source only", due)
	}
	// Enabling the other makes it due at once.
	if _, err := db.SetSourceEnabled(ctx, s.ID, true); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueSources(ctx, clk.T, 0); len(due) != 2 {
		t.Errorf("due after enabling: got %+v, want both", due)
	}
}

// testSourcePollStateKept checks that the poll state RecordPoll writes (a
// pending redirect, the feed's hint, validators) survives a person's edit
// of the source, and that a new URL clears the redirect and validators.
func (c *contract) testSourcePollStateKept(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	src, err := db.CreateSource(ctx, newSource("https://agency.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	polled := *src
	polled.PendingURL, polled.PendingCount = "https://agency.example/moved", 2
	polled.ETag, polled.LastModified, polled.Hint = `"e1"`, "Mon, 02 Nov 2026 00:00:00 GMT", time.Hour
	polled.LastAttempt, polled.LastSuccess, polled.LastStatus, polled.NextFetch = clk.T, clk.T, 301, clk.T.Add(time.Hour)
	if _, err := db.RecordPoll(ctx, src.URL, polled, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Source(ctx, src.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != src.URL || got.PendingURL != polled.PendingURL || got.PendingCount != 2 || got.ETag != `"e1"` ||
		got.LastModified != polled.LastModified || got.Hint != time.Hour || got.LastStatus != 301 ||
		!got.LastAttempt.Equal(clk.T) || !got.LastSuccess.Equal(clk.T) || !got.NextFetch.Equal(clk.T.Add(time.Hour)) {
		t.Errorf("after a poll: got %+v, want the poll state of %+v", got, polled)
	}
	renamed, err := db.UpdateSource(ctx, src.ID, func(s *feed.Source) error { s.Name = "Agency press"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if renamed.PendingURL != polled.PendingURL || renamed.PendingCount != 2 || renamed.ETag != `"e1"` || renamed.Hint != time.Hour {
		t.Errorf("after a new name: got %+v, want the poll state kept", renamed)
	}
	moved, err := db.UpdateSource(ctx, src.ID, func(s *feed.Source) error { s.URL = "https://agency.example/v2"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if moved.PendingURL != "" || moved.PendingCount != 0 || moved.ETag != "" || moved.LastModified != "" {
		t.Errorf("after a new URL: got %+v, want no pending redirect and no validators", moved)
	}
	if reread, _ := db.Source(ctx, src.ID); reread.PendingURL != "" || reread.ETag != "" || reread.URL != moved.URL {
		t.Errorf("stored after a new URL: got %+v", reread)
	}
}

// testSourceItems checks that each source counts its own articles, and
// that a listing by source holds them.
func (c *contract) testSourceItems(t *testing.T) {
	ctx := context.Background()
	db, clk := c.openClocked(t, store.Options{})
	one, err := db.CreateSource(ctx, newSource("https://one.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	two, err := db.CreateSource(ctx, newSource("https://two.example/feed"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		src   *feed.Source
		guids []string
	}{{one, []string{"a", "b", "c"}}, {two, []string{"a"}}} {
		var arts []feed.Article
		for _, g := range p.guids {
			arts = append(arts, externalArticle(p.src, g, "Item "+g, clk.T, clk.T))
		}
		if _, err := db.RecordPoll(ctx, p.src.URL, *p.src, arts); err != nil {
			t.Fatal(err)
		}
	}
	list, err := db.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != one.ID || list[0].Items != 3 || list[1].ID != two.ID || list[1].Items != 1 {
		t.Errorf("sources: got %+v, want %d with 3 items, %d with 1", list, one.ID, two.ID)
	}
	// Item a of source two is item a of source one (the same link): one
	// article, credited to both.
	got := ids(t, db, feed.ArticleFilter{Source: two.ID})
	if want := []string{fmt.Sprintf("src%d-a", one.ID)}; !slices.Equal(got, want) {
		t.Errorf("articles of source %d: got %q, want %q", two.ID, got, want)
	}
	if n := len(ids(t, db, feed.ArticleFilter{Source: one.ID})); n != 3 {
		t.Errorf("articles of source %d: got %d, want 3", one.ID, n)
	}
}
