package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"herald/feed"
)

// ArticlePage returns one page of the articles f selects, in f's order,
// with their tags and the cursor of the next page.
//
// Paging with cursors never skips or repeats an article while others are
// written, within these limits. In OrderChanged (the order for polling)
// every write of an article gives it a new place at the end, so a walk
// returns every article that exists when it reaches the end, in the version
// it had when returned, and returns an article again only if it changed
// after it was returned; deleted articles drop out (see Changes). In
// OrderPublished, articles published later than the page being read are not
// part of the rest of the walk (start again, or poll OrderChanged, for
// them), and an edit that moves an article's published time may make the
// walk miss it or see it twice. OrderRank pages are consistent while the
// index does not change; an edit of a matching article moves its rank, so a
// walk over a changing archive should search in OrderChanged. A query that
// matches more than listing.RankWindow (10,000) articles is ranked among
// the 10,000 most recently stored of them. Ranks are PostgreSQL's (see
// search.go): the order of matches is not always SQLite's.
//
// Errors: a *feed.ValidationError for a query that does not parse (field
// "q"), a cursor from another listing (field "cursor") or a bad order.
func (db *DB) ArticlePage(ctx context.Context, f feed.ArticleFilter) (*feed.ArticlePage, error) {
	l, err := newSelection(f)
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	var page *feed.ArticlePage
	if l.Order != feed.OrderRank && l.Query == nil {
		// A feed's page: one round trip (see onePage).
		query, a, _ := l.keysQuery()
		err = db.snapshot(ctx, func(s *snapshot) error {
			page, err = l.onePage(ctx, s, query, a)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("articles: %w", err)
		}
		return page, nil
	}
	// One snapshot for the keys and the articles: two round trips, the
	// keys with BEGIN, then the articles, tags and corrections with COMMIT.
	// A search's run without parallel workers (see serialPlans).
	err = db.snapshot(ctx, func(s *snapshot) error {
		s.serial = l.Query != nil
		keys, err := l.keys(ctx, s)
		if err != nil {
			return err
		}
		page, err = l.Page(keys, func(seqs []int64) ([]feed.Article, []int64, error) {
			b := &pgx.Batch{}
			b.Queue("SELECT "+articleColumns+" FROM articles a WHERE a.seq = ANY($1)", seqs)
			b.Queue(tagsOfSQL, seqs)
			b.Queue(correctionsOfSQL, seqs)
			br := s.end(ctx, b)
			defer br.Close()
			arts, got, err := scanBatchArticles(br)
			if err != nil {
				return nil, nil, err
			}
			return arts, got, br.Close()
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	return page, nil
}

// onePage reads a page of a listing whose keys query (and its arguments a)
// needs no search: the keys, and the articles, tags and corrections of
// those of the page, each read through the keys query again, all sent at
// once in a snapshot of their own. The server runs the keys query four
// times, a walk of an index of at most a page and one; a reader of a feed
// waits for one round trip instead of two.
//
// The page's seqs are taken as an array (= ANY (ARRAY(...))), which the
// planner runs first and then looks each seq up by index. As a subquery
// (IN (...)) it is a join, which the planner, without statistics (a new
// database, autovacuum off) or with old ones, may make by reading the whole
// of article_tags: a 50-item Atom feed took 2.0 ms so, and 1.5 ms as an
// array.
func (l *selection) onePage(ctx context.Context, s *snapshot, query string, a args) (*feed.ArticlePage, error) {
	keyArgs := slices.Clip(a)
	in := "= ANY (ARRAY(SELECT k.seq FROM (" + query + ") AS k(seq, published, rev) LIMIT " + a.add(l.Limit) + "))"
	b := &pgx.Batch{}
	b.Queue(query, keyArgs...)
	b.Queue("SELECT "+articleColumns+" FROM articles a WHERE a.seq "+in, a...)
	b.Queue(tagsWhere(in), a...)
	b.Queue(correctionsWhere(in), a...)
	br := s.only(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	keys, err := scanKeys(rows)
	if err != nil {
		return nil, err
	}
	page, err := l.Page(keys, func([]int64) ([]feed.Article, []int64, error) { return scanBatchArticles(br) })
	if err != nil {
		return nil, err
	}
	return page, br.Close()
}
