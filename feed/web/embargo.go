package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"herald/feed"
)

// Embargoes. The store keeps embargoed articles out of every read of
// published content, so the public feeds, pages, search, API lists and
// counts, archives, OPML, the change log and WebSub need nothing here; an
// article's permalink answers 404 as for an article that does not exist.
// What this file adds: the token feeds of subscribers with early access,
// which carry embargoed articles marked with their embargo time (see
// render.EmbargoLine), an editor's read of an embargoed article with an
// API token, and the timer that lifts embargoes when their time comes.

// EmbargoStore is what lifting embargoes needs of the store.
type EmbargoStore interface {
	LiftEmbargoes(ctx context.Context) ([]string, error)
	NextEmbargo(ctx context.Context) (time.Time, bool, error)
}

// RunEmbargoes lifts the embargoes of st's articles when their time comes,
// until ctx ends: at start (an embargo that passed while herald was down
// is lifted at once), then by a timer set for the next embargo. A lift
// makes the cached answers stale and the WebSub hub look for feeds to push
// (see Changed), so that subscribers hear of the article within seconds.
// The timer is set again after every write through this server and every
// change the store tells of (Changed), and at least every check, for a
// change made by another process that the store does not tell of (herald
// serve passes --hub-check-every): each time one read of the next
// embargo, and a write only when one is due. Several instances may run it
// on one database: the store lifts each article once.
func (s *Server) RunEmbargoes(ctx context.Context, st EmbargoStore, check time.Duration) {
	if check <= 0 {
		check = time.Second
	}
	for {
		wait := check
		next, ok, err := st.NextEmbargo(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Error("next embargo", "err", err)
			}
		case ok && !next.After(s.cfg.Now()):
			ids, err := st.LiftEmbargoes(ctx)
			switch {
			case err != nil:
				if ctx.Err() == nil {
					s.log.Error("lift embargoes", "err", err)
				}
			case len(ids) > 0:
				s.log.Info("embargo lifted", "articles", strings.Join(ids, ", "))
				s.invalidate()
				continue // set the timer for the next one
			default:
				// Due, and not lifted here: another instance is lifting
				// it. Look again shortly, not at once.
				wait = min(check, liftRetry)
			}
		case ok:
			wait = min(check, next.Sub(s.cfg.Now()))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-s.embargoWake:
			t.Stop()
		}
	}
}

// liftRetry is how soon RunEmbargoes looks again at an embargo that is due
// but that another instance holds.
const liftRetry = 100 * time.Millisecond

// wakeEmbargoes makes RunEmbargoes look at the next embargo again: a write
// may have moved it.
func (s *Server) wakeEmbargoes() {
	select {
	case s.embargoWake <- struct{}{}:
	default:
	}
}

// withEarlyAccess adds to arts, the first page of a feed for a subscriber
// with early access, the embargoed articles that f selects (its tags and
// origin), marked with their embargo, newest first, at most f.Limit in
// all. An embargoed article without a published time shows the embargo
// time as its own.
func (s *Server) withEarlyAccess(ctx context.Context, arts []feed.Article, f feed.ArticleFilter) ([]feed.Article, error) {
	held, err := s.store.EmbargoedArticles(ctx)
	if err != nil || len(held) == 0 {
		return arts, err
	}
	var add []feed.Article
	for _, a := range held {
		if f.Origin != "" && a.Origin != f.Origin {
			continue
		}
		if !slices.ContainsFunc(f.Tags, func(slug string) bool { return !a.HasTag(slug) }) {
			if a.Published.IsZero() {
				a.Published = a.EmbargoUntil
			}
			if a.Updated.IsZero() || a.Updated.Before(a.Published) {
				a.Updated = a.Published
			}
			add = append(add, a)
		}
	}
	if len(add) == 0 {
		return arts, nil
	}
	out := append(add, arts...)
	slices.SortStableFunc(out, func(x, y feed.Article) int { return y.Published.Compare(x.Published) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// embargoedForEditor returns the embargoed article id when r carries a live
// API token: an editor may read what is held back. Without one, or when no
// article of that id is embargoed, it returns feed.ErrNotFound, as for an
// article that does not exist.
func (s *Server) embargoedForEditor(r *http.Request, id string) (*feed.Article, error) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, feed.ErrNotFound
	}
	if _, err := s.store.Authenticate(r.Context(), feed.HashToken(strings.TrimSpace(secret))); err != nil {
		if errors.Is(err, feed.ErrUnauthorized) {
			return nil, feed.ErrNotFound
		}
		return nil, err
	}
	return s.store.EmbargoedArticle(r.Context(), id)
}
