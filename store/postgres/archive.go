package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"herald/feed"
)

// Archive pages are numbered by feed.ArchivePage: the SQL below computes
// the same from an article's seq, its number.

// archiveFilter builds the FROM and WHERE of a query over the articles
// carrying every tag in tags (none: all articles) and of the given origin,
// adding their arguments to a. seq names the column holding the article's
// number that the query's index can range over.
func archiveFilter(a *args, tags []string, origin feed.Origin) (from, where, seq string) {
	var b strings.Builder
	seq = "a.seq"
	if len(tags) == 0 {
		b.WriteString("articles a")
		where = "TRUE"
	} else {
		seq = "t0.article_seq"
		b.WriteString("article_tags t0 JOIN articles a ON a.seq = t0.article_seq")
		for i := 1; i < len(tags); i++ {
			fmt.Fprintf(&b, " JOIN article_tags t%d ON t%d.article_seq = t0.article_seq AND t%d.tag_id = (SELECT id FROM tags WHERE slug = %s)",
				i, i, i, a.add(tags[i]))
		}
		where = "t0.tag_id = (SELECT id FROM tags WHERE slug = " + a.add(tags[0]) + ")"
	}
	if origin != "" {
		where += " AND a.origin = " + a.add(string(origin))
	}
	return b.String(), where, seq
}

// ArchivePages returns, in ascending order, the numbers of the archive pages
// holding at least one article that carries every tag in tags (all
// articles when tags is empty) with the given origin ("" for any), and the
// number of the open page: the one new articles go to. Pages before it are
// closed.
func (db *DB) ArchivePages(ctx context.Context, tags []string, origin feed.Origin) (pages []int, open int, err error) {
	err = db.readTx(ctx, func(tx pgx.Tx) error { // one snapshot for both queries
		var maxSeq int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&maxSeq); err != nil {
			return err
		}
		open = feed.ArchivePage(max(maxSeq, 1))
		var a args
		from, where, seq := archiveFilter(&a, tags, origin)
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT DISTINCT (%s - 1) / %d + 1 FROM %s WHERE %s ORDER BY 1`,
			seq, feed.ArchiveSpan, from, where), a...)
		if err != nil {
			return err
		}
		pages, err = pgx.CollectRows(rows, pgx.RowTo[int])
		if len(pages) == 0 {
			pages = nil // as on SQLite
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("archive pages: %w", err)
	}
	return pages, open, nil
}

// ArchivePage returns the articles of archive page n that carry every tag
// in tags and have the given origin, newest stored first, with their tags.
func (db *DB) ArchivePage(ctx context.Context, tags []string, origin feed.Origin, n int) ([]feed.Article, error) {
	if n < 1 {
		return nil, fmt.Errorf("archive page %d: %w", n, feed.ErrNotFound)
	}
	var a args
	from, where, seq := archiveFilter(&a, tags, origin)
	first, last := feed.ArchiveRange(n)
	query := "SELECT " + articleColumns + " FROM " + from + " WHERE " + where +
		" AND " + seq + " BETWEEN " + a.add(first) + " AND " + a.add(last) + " ORDER BY " + seq + " DESC"
	var arts []feed.Article
	err := db.snapshot(ctx, func(s *snapshot) error { // one snapshot for the articles and their tags
		var err error
		arts, err = scanArticles(ctx, s, query, a, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("archive page %d: %w", n, err)
	}
	return arts, nil
}

// CountArticles returns how many articles f's tags and origin select
// (its limit and offset aside), for the last link of a paged feed.
func (db *DB) CountArticles(ctx context.Context, f feed.ArticleFilter) (int, error) {
	var n int
	var err error
	if len(f.Tags) == 1 && f.Origin == "" {
		// Kept by every write: no need to count a large tag row by row.
		err = db.pool.QueryRow(ctx, `SELECT COALESCE((SELECT articles FROM tags WHERE slug = $1), 0)`, f.Tags[0]).Scan(&n)
	} else {
		var a args
		from, where, _ := archiveFilter(&a, f.Tags, f.Origin)
		err = db.pool.QueryRow(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where, a...).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}
