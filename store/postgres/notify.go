package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// changedChannel is the channel that every transaction moving the content
// version notifies (see bump), with the new version as payload. NOTIFY
// belongs to one database, so herald databases sharing a server do not hear
// each other.
const changedChannel = "herald_changed"

// Timing of Listen.
const (
	// listenQuiet is how long a connection may be quiet (no notification)
	// before Listen pings it: a server that vanished without closing the
	// connection is noticed within listenQuiet plus listenTimeout.
	listenQuiet = 10 * time.Second
	// listenTimeout bounds connecting, LISTEN and each ping.
	listenTimeout = 10 * time.Second
	// The wait before reconnecting doubles from listenBackoffMin to
	// listenBackoffMax while connecting fails, with jitter so that
	// instances do not all come back at once; it starts over once
	// listening.
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

// Listen calls changed after each committed change to articles or tags (in
// any process) until ctx ends. It holds one connection of its own, outside
// the pool (a pooled connection would be taken from the pool's work for
// good, and LISTEN state must not leak to other borrowers), made from the
// pool's configuration with application_name suffixed " (listen)", so that
// pg_stat_activity shows it. It LISTENs on changedChannel, pings the
// connection when it has been quiet for a while, and when the connection is
// lost (a restarted server, a pg_terminate_backend, a network that went
// away) reconnects with backoff. After each (re)connect it calls changed
// once, since changes may have been missed meanwhile.
//
// up reports its state when it changes: true once listening, false when
// not (the connection was lost, or connecting failed), so that callers fall
// back to checking Version meanwhile. changed and up are called from
// Listen's goroutine, one at a time; they should return quickly, since
// notifications wait for them. Listen returns nil when ctx ends, after
// reporting up(false) if it was listening.
func (db *DB) Listen(ctx context.Context, changed func(), up func(bool)) error {
	var (
		reported, listening bool
		backoff             = listenBackoffMin
	)
	report := func(now bool) {
		if !reported || now != listening {
			reported, listening = true, now
			up(now)
		}
	}
	for {
		// Callers learn that the connection ended through up(false) only:
		// that the database is away is what they must act on, and why is
		// for the server's log to tell.
		db.listen(ctx, changed, func() {
			report(true)
			backoff = listenBackoffMin
		})
		if ctx.Err() != nil {
			if listening {
				report(false)
			}
			return nil
		}
		report(false)
		wait := time.NewTimer(backoff/2 + rand.N(backoff/2+1))
		select {
		case <-ctx.Done():
			wait.Stop()
			return nil
		case <-wait.C:
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listen connects, LISTENs, calls listening and then changed, and calls
// changed for each notification, until the connection fails or ctx ends.
// It returns why it ended.
func (db *DB) listen(ctx context.Context, changed, listening func()) error {
	cc := db.pool.Config().ConnConfig.Copy()
	cc.RuntimeParams["application_name"] += " (listen)"
	cctx, cancel := context.WithTimeout(ctx, listenTimeout)
	conn, err := pgx.ConnectConfig(cctx, cc)
	if err == nil {
		_, err = conn.Exec(cctx, "LISTEN "+pgx.Identifier{changedChannel}.Sanitize())
	}
	cancel()
	if conn != nil {
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), listenTimeout)
			defer cancel()
			conn.Close(cctx)
		}()
	}
	if err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	listening()
	changed()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenQuiet)
		_, err := conn.WaitForNotification(wctx)
		quiet := wctx.Err() != nil
		cancel()
		switch {
		case err == nil:
			changed()
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !quiet || conn.IsClosed():
			return fmt.Errorf("wait for changes: %w", err)
		}
		// Quiet for a while: is the server still there? A notification
		// that comes during the ping is kept for the next wait.
		pctx, cancel := context.WithTimeout(ctx, listenTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return fmt.Errorf("ping the listening connection: %w", err)
		}
	}
}
