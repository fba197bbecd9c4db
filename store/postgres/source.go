package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/micros"
	"herald/store/internal/poll"
)

const sourceColumns = `s.id, s.url, s.name, s.tags, s.every, s.enabled, s.use_categories, s.etag, s.last_modified,
	s.last_attempt, s.last_success, s.last_status, s.consecutive_errors, s.last_error, s.next_fetch,
	s.pending_url, s.pending_count, s.created, s.hint`

// sourceItems counts the stored articles credited to a source.
const sourceItems = `(SELECT COUNT(*) FROM article_sources c WHERE c.source_id = s.id)`

// CreateSource stores a new source and returns it as stored: with its ID,
// Created, and its tags without repeats. The poll status fields of s are
// ignored; a new source is due at once. Enabled is stored as given.
//
// Errors: a *feed.ValidationError for bad fields; feed.ErrConflict when
// another source has the same URL.
func (db *DB) CreateSource(ctx context.Context, s feed.Source) (*feed.Source, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("create source %s: %w", s.URL, err)
	}
	out := s.Settings()
	out.Created = db.now()
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// From counters, not a sequence: a source refused for its URL
		// takes no id, so the same writes number sources (and so their
		// articles) as on SQLite.
		id, err := nextID(ctx, tx, "sources", 1)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO sources (id, url, name, tags, every, enabled, use_categories, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, out.URL, out.Name, nonNil(out.Tags), int64(out.Every/time.Second), out.Enabled, out.UseCategories,
			micros.Of(out.Created))
		if isUnique(err) {
			return fmt.Errorf("another source has this URL: %w", feed.ErrConflict)
		}
		out.ID = id
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create source %s: %w", s.URL, err)
	}
	return &out, nil
}

// Source returns the source with the given ID, with its Items count.
// It returns feed.ErrNotFound when there is none.
func (db *DB) Source(ctx context.Context, id int64) (*feed.Source, error) {
	row := db.pool.QueryRow(ctx, "SELECT "+sourceColumns+", "+sourceItems+" FROM sources s WHERE s.id = $1", id)
	s, err := scanSource(row, true)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("source %d", id))
	}
	return s, nil
}

// Sources returns every source, by ID, with its Items count.
func (db *DB) Sources(ctx context.Context) ([]feed.Source, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+sourceColumns+", "+sourceItems+" FROM sources s ORDER BY s.id")
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	out, err := scanSources(rows, true)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return out, nil
}

// DueSources returns up to limit enabled sources whose next fetch is at or
// before now, the longest overdue first; limit <= 0 means all of them. Their
// Items are not counted (left 0): the poller has no use for them.
func (db *DB) DueSources(ctx context.Context, now time.Time, limit int) ([]feed.Source, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	rows, err := db.pool.Query(ctx, "SELECT "+sourceColumns+` FROM sources s
		WHERE s.enabled AND s.next_fetch <= $1 ORDER BY s.next_fetch, s.id LIMIT $2`, micros.Of(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	out, err := scanSources(rows, false)
	if err != nil {
		return nil, fmt.Errorf("due sources: %w", err)
	}
	return out, nil
}

// UpdateSource changes the fields of the source with the given ID that a
// person sets: update is called, inside the transaction, with the source as
// stored, and what it leaves in URL, Name, Tags, Every, Enabled and
// UseCategories is stored; its changes to other fields are ignored. An error
// from update is returned as it is and changes nothing.
//
// A new URL starts afresh: its cache validators, pending redirect and error
// count are cleared and it is due at once, as is a source being enabled; a
// claim on the source ends (its fetch was of the old URL).
//
// Errors: feed.ErrNotFound; a *feed.ValidationError for bad fields;
// feed.ErrConflict when another source has the new URL.
func (db *DB) UpdateSource(ctx context.Context, id int64, update func(*feed.Source) error) (*feed.Source, error) {
	var out *feed.Source
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// Locked: a poll recording its result meanwhile waits, then sees
		// the new URL.
		row := tx.QueryRow(ctx, "SELECT "+sourceColumns+", "+sourceItems+" FROM sources s WHERE s.id = $1 FOR UPDATE", id)
		old, err := scanSource(row, true)
		if errors.Is(err, pgx.ErrNoRows) {
			return feed.ErrNotFound
		}
		if err != nil {
			return err
		}
		s, err := old.Edit(update)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE sources SET url = $1, name = $2, tags = $3, every = $4, enabled = $5,
			use_categories = $6, etag = $7, last_modified = $8, pending_url = $9, pending_count = $10,
			consecutive_errors = $11, next_fetch = $12 WHERE id = $13`,
			s.URL, s.Name, nonNil(s.Tags), int64(s.Every/time.Second), s.Enabled, s.UseCategories,
			s.ETag, s.LastModified, s.PendingURL, s.PendingCount, s.ConsecutiveErrors, micros.Of(s.NextFetch), id)
		if isUnique(err) {
			return fmt.Errorf("another source has the URL %s: %w", s.URL, feed.ErrConflict)
		}
		if err != nil {
			return err
		}
		if s.URL != old.URL {
			// A claimed fetch was of the old URL: its RecordPoll is refused.
			if _, err := tx.Exec(ctx, `UPDATE sources SET claim_owner = '', claimed_until = 0 WHERE id = $1`, id); err != nil {
				return err
			}
		}
		out = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update source %d: %w", id, err)
	}
	return out, nil
}

// SetSourceEnabled enables or disables the source with the given ID and
// returns it as stored. A source being enabled is due at once.
// It returns feed.ErrNotFound when there is none.
func (db *DB) SetSourceEnabled(ctx context.Context, id int64, enabled bool) (*feed.Source, error) {
	return db.UpdateSource(ctx, id, func(s *feed.Source) error {
		s.Enabled = enabled
		return nil
	})
}

// DeleteSource removes the source with the given ID and its credits. Its
// articles stay published, with their provenance (which names the source
// and its feed), but are no longer linked to it: they count towards no
// source's Items. An item of theirs that a source carries later (the same
// feed added again, say) is credited to the stored article, which no
// source updates any more. PurgeSource deletes the articles too.
// It returns feed.ErrNotFound when there is no such source.
func (db *DB) DeleteSource(ctx context.Context, id int64) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// articles.source_id is set to NULL by its foreign key, which locks
		// the articles: the transaction may meet a writer's and run again.
		tag, err := tx.Exec(ctx, `DELETE FROM sources WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return feed.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete source %d: %w", id, err)
	}
	return nil
}

// RecordPoll stores what one poll of a source came to, in one transaction:
// the source's poll state as s has it (as aggregate.Update leaves it) and the
// articles the poll gave, upserted by ID (which the aggregate package derives
// from the source and the item's GUID). Either all of it is stored or none.
// An item that another source carried first is not stored again: it credits
// s (see Credits), and is reported unchanged.
// It reports what happened to each article; unchanged articles change
// nothing, not even the content version.
//
// polledURL is the URL that was fetched. Of s, only the poll state is
// written: validators, times, status, error, next fetch and pending
// redirect; its URL when the redirect rule moved it (unless another source
// has that URL: then it stays); and Enabled only when false (a 410). The
// fields a person sets may have been changed while the poll ran, and stay.
//
// An article whose date the feed did not give (Provenance.Published and
// Updated zero), or gave in the future, is dated by its fetch; once stored,
// it keeps its first date, so that such a feed does not look changed at
// every fetch.
//
// Errors: feed.ErrNotFound when the source was removed during the poll;
// feed.ErrConflict when its URL was changed during the poll (the poll is
// then of a feed it no longer follows, and nothing is stored); a
// *feed.ValidationError naming the first invalid article, or one that is not
// an external article of s.
//
// It also ends any claim on the source (see ClaimDueSources), whoever holds
// it.
func (db *DB) RecordPoll(ctx context.Context, polledURL string, s feed.Source, arts []feed.Article) ([]feed.Change, error) {
	if err := poll.Check(&s, arts); err != nil {
		return nil, fmt.Errorf("record poll of source %d: %w", s.ID, err)
	}
	if len(arts) == 0 && s.URL == polledURL {
		// A poll that gave nothing to store (a 304, a failure) writes the
		// source's row alone, in one statement with the other such polls
		// being written (see quietpoll.go), which locks the row and
		// rechecks its URL as the transaction below would. When it was not
		// written, the transaction does it, or says why not.
		if db.quiet.write(ctx, db.pool, &s) {
			return []feed.Change{}, nil
		}
	}
	var (
		changes []feed.Change
		stored  []feed.Article
	)
	err := db.tx(ctx, func(tx pgx.Tx) error {
		work := cloneArticles(arts)
		changes = make([]feed.Change, len(work))
		if _, err := tx.Exec(ctx, relaxCommit); err != nil {
			return err
		}
		if err := writePollState(ctx, tx, polledURL, s); err != nil {
			return err
		}

		w := db.newWriter(tx)
		if err := w.lockArticles(ctx, work); err != nil {
			return err
		}
		targets, err := placePoll(ctx, tx, s.ID, work)
		if err != nil {
			return err
		}
		// The rows of the articles this poll writes (not those it only
		// credits), read at once rather than one by one, and their search
		// documents made meanwhile.
		defer w.stopDocuments()
		if err := w.readAhead(ctx, written(work, targets)); err != nil {
			return err
		}
		var linked []string
		for i := range work {
			a := &work[i]
			if targets[i] == a.ID {
				if err := keepFirstDate(ctx, tx, w, a); err != nil {
					return fmt.Errorf("article %s: %w", a.ID, err)
				}
				c, err := w.upsert(ctx, a)
				if err != nil {
					return fmt.Errorf("article %s: %w", a.ID, err)
				}
				changes[i] = c
				if c != feed.Unchanged {
					linked = append(linked, a.ID)
				}
			} else {
				changes[i] = feed.Unchanged // another source carried it first: it only adds credit
			}
		}
		credited, err := credit(ctx, tx, s.ID, targets, work, micros.Of(w.now))
		if err != nil {
			return err
		}
		stored = work
		if len(linked) > 0 {
			_, err = tx.Exec(ctx, `UPDATE articles SET source_id = $1
				WHERE id = ANY($2) AND source_id IS DISTINCT FROM $1`, s.ID, linked)
			if err != nil {
				return err
			}
		}
		return w.finish(ctx, len(linked) > 0 || credited)
	})
	if err != nil {
		return nil, fmt.Errorf("record poll of source %d: %w", s.ID, textError(err))
	}
	copy(arts, stored)
	return changes, nil
}

// written returns those of arts that a poll writes: each whose target (see
// placePoll) is itself.
func written(arts []feed.Article, targets []string) []feed.Article {
	out := make([]feed.Article, 0, len(arts))
	for i := range arts {
		if targets[i] == arts[i].ID {
			out = append(out, arts[i])
		}
	}
	return out
}

// updatePoll writes the poll state of a source (see pollArgs); callers add
// to its WHERE clause.
const updatePoll = `UPDATE sources SET url = $1, enabled = enabled AND $2, etag = $3, last_modified = $4,
	last_attempt = $5, last_success = $6, last_status = $7, consecutive_errors = $8, last_error = $9,
	next_fetch = $10, pending_url = $11, pending_count = $12, hint = $13, claim_owner = '', claimed_until = 0
	WHERE id = $14`

// A poll's transaction commits without waiting for its WAL to reach the
// disk (synchronous_commit off, for it alone): what a poll stores, the
// feed gives again, and a crash of the server loses at most its last few
// hundred milliseconds of polls, which the next pass makes again, never
// half of one. Waiting instead costs a flush per poll, and the polls of
// all workers take turns at it behind the content version's row. The
// newsroom's own writes keep waiting: an article the API acknowledged is
// on disk. relaxCommit is the statement that says so in a transaction,
// or, as a subquery, for a statement of its own (see writeQuiet).
const relaxCommit = `SELECT set_config('synchronous_commit', 'off', true)`

// pollArgs are the arguments of updatePoll for s, stored at url with the
// given pending redirect, then extra.
func pollArgs(s *feed.Source, url, pendingURL string, pendingCount int, extra ...any) []any {
	return append([]any{url, s.Enabled, s.ETag, s.LastModified, micros.Of(s.LastAttempt), micros.Of(s.LastSuccess),
		s.LastStatus, s.ConsecutiveErrors, s.LastError, micros.Of(s.NextFetch), pendingURL, pendingCount,
		int64(s.Hint / time.Second), s.ID}, extra...)
}

// writePollState writes, in tx, the poll state of s, polled at polledURL,
// for RecordPoll, having locked the source's row: poll.ErrRemoved when
// there is no such source, feed.ErrConflict when its URL is no longer
// polledURL. When s keeps its URL, the row is locked, checked and written
// by one statement; otherwise the redirect's URL is checked first.
func writePollState(ctx context.Context, tx pgx.Tx, polledURL string, s feed.Source) error {
	if s.URL == polledURL {
		tag, err := tx.Exec(ctx, updatePoll+` AND url = $15`, pollArgs(&s, s.URL, s.PendingURL, s.PendingCount, polledURL)...)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
	}
	var current string
	// Locked: a person changing the source meanwhile waits for the poll.
	err := tx.QueryRow(ctx, `SELECT url FROM sources WHERE id = $1 FOR UPDATE`, s.ID).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		return poll.ErrRemoved
	}
	if err != nil {
		return err
	}
	if err := poll.CheckURL(current, polledURL); err != nil {
		return err
	}
	var taken bool
	if s.URL != polledURL {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sources WHERE url = $1 AND id != $2)`, s.URL, s.ID).Scan(&taken); err != nil {
			return err
		}
	}
	url, pendingURL, pendingCount := poll.Redirect(&s, polledURL, taken)
	_, err = tx.Exec(ctx, updatePoll, pollArgs(&s, url, pendingURL, pendingCount)...)
	return err
}

// keepFirstDate gives a, when the feed did not date it (or dated it in the
// future) and it is stored already, the published time it was stored with:
// as w read it ahead (the row is locked, and unwritten so far), else read
// now.
func keepFirstDate(ctx context.Context, tx pgx.Tx, w *articleWriter, a *feed.Article) error {
	if !poll.Undated(a) {
		return nil // the feed's own date
	}
	if r := w.ahead[a.ID]; r != nil {
		poll.KeepDate(a, micros.Time(r.published))
		return nil
	}
	var published int64
	err := tx.QueryRow(ctx, `SELECT published FROM articles WHERE id = $1`, a.ID).Scan(&published)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	poll.KeepDate(a, micros.Time(published))
	return nil
}

// scanSource reads one row of sourceColumns, followed by the Items count
// when withItems is set.
func scanSource(r pgx.Row, withItems bool) (*feed.Source, error) {
	var (
		s                                            feed.Source
		every, hint                                  int64
		lastAttempt, lastSuccess, nextFetch, created int64
		dest                                         []any
	)
	dest = append(dest, &s.ID, &s.URL, &s.Name, &s.Tags, &every, &s.Enabled, &s.UseCategories, &s.ETag, &s.LastModified,
		&lastAttempt, &lastSuccess, &s.LastStatus, &s.ConsecutiveErrors, &s.LastError, &nextFetch,
		&s.PendingURL, &s.PendingCount, &created, &hint)
	if withItems {
		dest = append(dest, &s.Items)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	s.Every = time.Duration(every) * time.Second
	s.Hint = time.Duration(hint) * time.Second
	s.LastAttempt, s.LastSuccess = micros.Time(lastAttempt), micros.Time(lastSuccess)
	s.NextFetch, s.Created = micros.Time(nextFetch), micros.Time(created)
	return &s, nil
}

func scanSources(rows pgx.Rows, withItems bool) ([]feed.Source, error) {
	defer rows.Close()
	var out []feed.Source
	for rows.Next() {
		s, err := scanSource(rows, withItems)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}
