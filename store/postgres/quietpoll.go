package postgres

// Quiet polls: the writes of polls that stored nothing.
//
// Most polls of a pass store nothing: the feed answered 304, or failed,
// and all there is to write is the source's poll state, one row. The
// poller's workers make those writes at once, each a statement of its own,
// and on PostgreSQL each costs a round trip and the server's work of a
// statement, which on SQLite (in the process, one writer) cost far less.
// So the writes that arrive while one is being made wait for it, and go
// together in the next statement: one UPDATE over the arrays of their
// states (a group commit). A write waits at most for the statement before
// its own; a pass of 304s costs as many statements as there were moments
// when some worker was writing, not one per source.
//
// A write the batch did not make (the source's URL changed or the source
// was removed during the poll, or the statement failed: a deadlock with
// another writer, a cancelled context, a NUL in an error text) is made
// again by RecordPoll on its own, as every write was before batching, and
// any error is that write's own.

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"herald/feed"
	"herald/store/internal/micros"
)

// quietPolls queues the writes of quiet polls. The zero value is ready.
type quietPolls struct {
	mu      sync.Mutex
	queue   []*quietPoll
	writing bool // a caller is writing; the others wait in queue
}

// A quietPoll is one source's poll state waiting to be written.
type quietPoll struct {
	s    *feed.Source
	done chan struct{} // closed once written is set
	lead chan struct{} // closed when this caller is to write the queue
	// written reports that the batch wrote the state; false sends the
	// caller to write it on its own.
	written bool
}

// write writes the poll state of s (polled at s.URL), with the states that
// other callers queue meanwhile, and reports whether it was written; when
// it was not, the caller writes it on its own.
//
// The first caller writes; those that arrive while it does queue. Having
// written, it hands the queue to the first of them, who writes it all in
// the next statement, so that no caller writes for longer than one
// statement beyond its own.
func (q *quietPolls) write(ctx context.Context, pool *pgxpool.Pool, s *feed.Source) bool {
	p := &quietPoll{s: s, done: make(chan struct{}), lead: make(chan struct{})}
	q.mu.Lock()
	q.queue = append(q.queue, p)
	if q.writing {
		q.mu.Unlock()
		select {
		case <-p.done:
			return p.written
		case <-p.lead:
			q.mu.Lock()
		}
	}
	q.writing = true
	batch := q.queue
	q.queue = nil
	q.mu.Unlock()

	writeQuiet(ctx, pool, batch)

	q.mu.Lock()
	if len(q.queue) > 0 {
		close(q.queue[0].lead)
	} else {
		q.writing = false
	}
	q.mu.Unlock()
	return p.written
}

// writeQuiet writes the poll states of batch in one statement, and ends
// the wait of each of its callers.
func writeQuiet(ctx context.Context, pool *pgxpool.Pool, batch []*quietPoll) {
	defer func() {
		for _, p := range batch {
			close(p.done)
		}
	}()
	// Rows in the order of their ids, as other writers of several sources
	// lock them; one source polled twice at once (it should not be) has
	// its second write made alone.
	sorted := slices.Clone(batch)
	slices.SortStableFunc(sorted, func(a, b *quietPoll) int { return cmp.Compare(a.s.ID, b.s.ID) })
	sorted = slices.CompactFunc(sorted, func(a, b *quietPoll) bool { return a.s.ID == b.s.ID })
	var (
		ids, lastAttempt, lastSuccess, nextFetch, hint []int64
		urls, etags, lastModified, lastError, pending  []string
		enabled                                        []bool
		status, errs, pendingCount                     []int32
	)
	for _, p := range sorted {
		s := p.s
		ids = append(ids, s.ID)
		urls = append(urls, s.URL)
		enabled = append(enabled, s.Enabled)
		etags = append(etags, s.ETag)
		lastModified = append(lastModified, s.LastModified)
		lastAttempt = append(lastAttempt, micros.Of(s.LastAttempt))
		lastSuccess = append(lastSuccess, micros.Of(s.LastSuccess))
		status = append(status, int32(s.LastStatus))
		errs = append(errs, int32(s.ConsecutiveErrors))
		lastError = append(lastError, s.LastError)
		nextFetch = append(nextFetch, micros.Of(s.NextFetch))
		pending = append(pending, s.PendingURL)
		pendingCount = append(pendingCount, int32(s.PendingCount))
		hint = append(hint, int64(s.Hint/time.Second))
	}
	rows, err := pool.Query(ctx, `UPDATE sources s SET url = u.url, enabled = s.enabled AND u.enabled, etag = u.etag,
			last_modified = u.last_modified, last_attempt = u.last_attempt, last_success = u.last_success,
			last_status = u.last_status, consecutive_errors = u.consecutive_errors, last_error = u.last_error,
			next_fetch = u.next_fetch, pending_url = u.pending_url, pending_count = u.pending_count, hint = u.hint,
			claim_owner = '', claimed_until = 0
		FROM (`+relaxCommit+`) AS relaxed,
			unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
				$8::integer[], $9::integer[], $10::text[], $11::bigint[], $12::text[], $13::integer[], $14::bigint[])
			AS u(id, url, enabled, etag, last_modified, last_attempt, last_success, last_status,
				consecutive_errors, last_error, next_fetch, pending_url, pending_count, hint)
		WHERE s.id = u.id AND s.url = u.url
		RETURNING s.id`,
		ids, urls, enabled, etags, lastModified, lastAttempt, lastSuccess, status, errs, lastError, nextFetch,
		pending, pendingCount, hint)
	if err != nil {
		return
	}
	written := make(map[int64]bool, len(sorted))
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			written[id] = true
		}
	}
	rows.Close()
	if rows.Err() != nil {
		return // the statement failed, and wrote nothing
	}
	for _, p := range sorted {
		p.written = written[p.s.ID]
	}
}
