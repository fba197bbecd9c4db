package sqlite

import (
	"context"
	"fmt"
	"strings"

	"herald/feed"
)

// Archive pages are numbered by feed.ArchivePage: the SQL below computes
// the same from an article's seq, its number.

// archiveFilter builds the FROM and WHERE of a query over the articles
// carrying every tag in tags (none: all articles) and of the given origin.
// seq names the column holding the article's number that the query's
// index can range over.
func archiveFilter(tags []string, origin feed.Origin) (from, where, seq string, args []any) {
	var b strings.Builder
	seq = "a.seq"
	if len(tags) == 0 {
		b.WriteString("articles a")
		where = "1 = 1"
	} else {
		seq = "t0.article_seq"
		b.WriteString("article_tags t0 JOIN articles a ON a.seq = t0.article_seq")
		for i := 1; i < len(tags); i++ {
			fmt.Fprintf(&b, " JOIN article_tags t%d ON t%d.article_seq = t0.article_seq AND t%d.tag_id = (SELECT id FROM tags WHERE slug = ?)", i, i, i)
			args = append(args, tags[i])
		}
		where = "t0.tag_id = (SELECT id FROM tags WHERE slug = ?)"
		args = append(args, tags[0])
	}
	if origin != "" {
		where += " AND a.origin = ?"
		args = append(args, string(origin))
	}
	return b.String(), where, seq, args
}

// ArchivePages returns, in ascending order, the numbers of the archive pages
// holding at least one article that carries every tag in tags (all
// articles when tags is empty) with the given origin ("" for any), and the
// number of the open page: the one new articles go to. Pages before it are
// closed.
func (db *DB) ArchivePages(ctx context.Context, tags []string, origin feed.Origin) (pages []int, open int, err error) {
	tx, err := db.read.BeginTx(ctx, nil) // one snapshot for both queries
	if err != nil {
		return nil, 0, fmt.Errorf("archive pages: %w", err)
	}
	defer tx.Rollback()
	var maxSeq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&maxSeq); err != nil {
		return nil, 0, fmt.Errorf("archive pages: %w", err)
	}
	open = feed.ArchivePage(max(maxSeq, 1))
	from, where, seq, args := archiveFilter(tags, origin)
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT DISTINCT (%s - 1) / %d + 1 FROM %s WHERE %s ORDER BY 1`, seq, feed.ArchiveSpan, from, where), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("archive pages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			return nil, 0, fmt.Errorf("archive pages: %w", err)
		}
		pages = append(pages, p)
	}
	if err := rows.Err(); err != nil {
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
	from, where, seq, args := archiveFilter(tags, origin)
	first, last := feed.ArchiveRange(n)
	args = append(args, first, last)
	rows, err := db.read.QueryContext(ctx, "SELECT "+articleColumns+" FROM "+from+" WHERE "+where+
		" AND "+seq+" BETWEEN ? AND ? ORDER BY "+seq+" DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("archive page %d: %w", n, err)
	}
	arts, err := db.scanArticles(ctx, rows)
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
		// Kept by triggers: no need to count a large tag row by row.
		err = db.read.QueryRowContext(ctx, `SELECT COALESCE((SELECT articles FROM tags WHERE slug = ?), 0)`, f.Tags[0]).Scan(&n)
	} else {
		from, where, _, args := archiveFilter(f.Tags, f.Origin)
		err = db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where, args...).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}
