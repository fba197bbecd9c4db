package sqlite

import (
	"context"
	"fmt"

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
// index does not change; any write moves scores a little, so a walk over a
// changing archive should search in OrderChanged. A query that matches more
// than listing.RankWindow (10,000) articles is ranked among the 10,000 most
// recently stored of them.
//
// Errors: a *feed.ValidationError for a query that does not parse (field
// "q"), a cursor from another listing (field "cursor") or a bad order.
func (db *DB) ArticlePage(ctx context.Context, f feed.ArticleFilter) (*feed.ArticlePage, error) {
	l, err := newSelection(f)
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	tx, err := db.read.BeginTx(ctx, nil) // one snapshot for the keys and the articles
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	defer tx.Rollback()
	keys, err := l.keys(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	page, err := l.Page(keys, func(seqs []int64) ([]feed.Article, []int64, error) {
		rows, err := tx.QueryContext(ctx, "SELECT "+articleColumns+", a.seq FROM articles a WHERE a.seq IN (SELECT value FROM json_each(?))", int64sJSON(seqs))
		if err != nil {
			return nil, nil, err
		}
		var got []int64
		arts, err := scanArticlesWith(ctx, tx, rows, func() []any {
			got = append(got, 0)
			return []any{&got[len(got)-1]}
		})
		return arts, got, err
	})
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	return page, nil
}
