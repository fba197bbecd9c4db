package sqlite

// Listing: which articles a feed.ArticleFilter selects, in its order, a
// page at a time. The filter's checks and the cursors between pages are
// package listing's, which every engine shares.

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
	"herald/store/internal/rows"
)

// A selection is a listing as SQLite runs it: with its search compiled to
// FTS5.
type selection struct {
	*listing.Listing
	match string // FTS5 expression; "" for none
}

// newSelection checks f (see listing.New, whose errors it returns).
func newSelection(f feed.ArticleFilter) (*selection, error) {
	l, err := listing.New(f)
	if err != nil {
		return nil, err
	}
	s := &selection{Listing: l}
	if l.Query != nil {
		s.match = matchExpr(l.Query)
	}
	return s, nil
}

// rankWindow is listing.RankWindow, a variable for tests. bm25 costs about
// a microsecond per match, so a word in every article of a large archive
// would take a tenth of a second to rank whole.
var rankWindow = listing.RankWindow

// queryer is a *sql.Tx or *sql.DB.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// filters returns the conditions on the article a of the listing's tags
// (from the first-th on), origin, source and time; or, when lazy, on the
// article whose seq is the expression seq, looked up by each condition,
// which SQLite then evaluates for the rows of a ranked list in turn until
// a page of them pass rather than for every candidate.
func (l *selection) filters(first int, lazy bool, seq string) ([]string, []any) {
	var (
		where, article []string
		args           []any
	)
	if !lazy {
		seq = "a.seq"
	}
	for _, slug := range l.Filter.Tags[first:] {
		where = append(where, "EXISTS (SELECT 1 FROM article_tags x WHERE x.article_seq = "+seq+" AND x.tag_id = (SELECT id FROM tags WHERE slug = ?))")
		args = append(args, slug)
	}
	if l.Filter.Origin != "" {
		article = append(article, "a.origin = ?")
		args = append(args, string(l.Filter.Origin))
	}
	if l.Filter.Source != 0 {
		article = append(article, "EXISTS (SELECT 1 FROM article_sources c WHERE c.article_seq = a.seq AND c.source_id = ?)")
		args = append(args, l.Filter.Source)
	}
	if !l.Filter.Since.IsZero() {
		article = append(article, "a.changed >= ?")
		args = append(args, micros.Of(l.Filter.Since))
	}
	if lazy && len(article) > 0 {
		article = []string{"EXISTS (SELECT 1 FROM articles a WHERE a.seq = " + seq + " AND " + strings.Join(article, " AND ") + ")"}
	}
	return append(where, article...), args
}

// keys returns the keys of up to limit+1 articles of the listing, in order
// (the one more tells whether there are more).
func (l *selection) keys(ctx context.Context, q queryer) ([]listing.Key, error) {
	if l.Order == feed.OrderRank {
		return l.rankedKeys(ctx, q)
	}
	var (
		from  = "articles a"
		where []string
		args  []any
	)
	seq, published := "a.seq", "a.published"
	first := 0
	if l.Order == feed.OrderPublished && len(l.Filter.Tags) > 0 {
		// The first tag drives the scan along its feed index.
		seq, published = "t0.article_seq", "t0.published"
		from = "article_tags t0 JOIN articles a ON a.seq = t0.article_seq"
		where = append(where, "t0.tag_id = (SELECT id FROM tags WHERE slug = ?)")
		args = append(args, l.Filter.Tags[0])
		first = 1
	}
	if l.match != "" {
		// The scan walks the order's index and stops after a page. A search
		// found in most articles is looked up for each article walked; one
		// found in fewer is listed first (the unary + keeps the planner from
		// driving the scan by the matches, which would sort them all) and
		// each article walked probed in the list.
		dense, err := l.dense(ctx, q)
		if err != nil {
			return nil, err
		}
		if dense {
			where = append(where, "EXISTS (SELECT 1 FROM article_search WHERE article_search MATCH ? AND rowid = "+seq+")")
		} else {
			where = append(where, "+"+seq+" IN (SELECT rowid FROM article_search WHERE article_search MATCH ?)")
		}
		args = append(args, l.match)
	}
	w, a := l.filters(first, false, "")
	where, args = append(where, w...), append(args, a...)
	var order string
	if l.Order == feed.OrderChanged {
		order = "a.rev"
		if l.After != nil {
			where = append(where, "a.rev > ?")
			args = append(args, l.After.Rev)
		}
	} else {
		order = published + " DESC, " + seq + " DESC"
		if k := l.After; k != nil {
			where = append(where, "("+published+", "+seq+") < (?, ?)")
			args = append(args, k.Published, k.Seq)
		}
	}
	query := "SELECT " + seq + ", " + published + ", a.rev FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + order + " LIMIT ? OFFSET ?"
	args = append(args, l.Limit+1, l.Offset())
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	return rows.All(rs, rows.Key)
}

// probeRows is how many of the newest articles dense looks at.
const probeRows = 500

// dense reports whether the listing's search matches so many articles that
// looking it up for each article walked, until a page is found, costs less
// than listing its matches: estimating from the newest probeRows a share d
// of matches among n articles, a lookup costs about 500 times what listing
// a match does, for want/d articles walked against d*n matches listed.
func (l *selection) dense(ctx context.Context, q queryer) (bool, error) {
	var matched, last float64
	err := q.QueryRowContext(ctx, `SELECT count(*), (SELECT COALESCE(max(seq), 0) FROM articles)
		FROM article_search WHERE article_search MATCH ? AND rowid > (SELECT COALESCE(max(seq), 0) FROM articles) - ?`,
		l.match, probeRows).Scan(&matched, &last)
	if err != nil || last < probeRows {
		return false, err
	}
	d := matched / probeRows
	return d*d*last > 500*float64(l.Limit+1+l.Offset()), nil
}

// rankedKeys returns the keys of the best matches, best first; of equal
// rank, the later stored first. The ranking runs inside the index over the
// matches stored at or after the window's floor (see rankWindow), which the
// first page sets and the cursor carries. Filters are looked up for the
// best candidates in turn, until a page of them pass, so that a page of
// common matches is found without looking up every match. When fewer than
// a page of the window's matches pass the filters, the first page widens
// the window to every match.
func (l *selection) rankedKeys(ctx context.Context, q queryer) ([]listing.Key, error) {
	floor := int64(0)
	if l.After != nil {
		floor = l.After.Floor
	} else {
		// Walking the index's rowids costs little next to ranking: the
		// floor is found apart, and only the window is ranked.
		err := q.QueryRowContext(ctx, `SELECT rowid FROM article_search WHERE article_search MATCH ?
			ORDER BY rowid DESC LIMIT 1 OFFSET ?`, l.match, rankWindow-1).Scan(&floor)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	for {
		keys, err := l.rankedFrom(ctx, q, floor)
		if err != nil || len(keys) > l.Limit || floor == 0 || l.After != nil || !l.Filtered() {
			return keys, err
		}
		floor = 0
	}
}

// candidates is how many of the best matches, per article of a page, a
// filtered ranking looks up first: SQLite sorts a few of them for less than
// all of them. Filters that fewer pass have all of them looked up.
const candidates = 16

// rankedFrom is rankedKeys over the matches stored at or after floor.
func (l *selection) rankedFrom(ctx context.Context, q queryer, floor int64) ([]listing.Key, error) {
	want := l.Limit + 1 + l.Offset()
	if !l.Filtered() {
		return l.ranked(ctx, q, floor, 0)
	}
	keys, err := l.ranked(ctx, q, floor, candidates*want)
	if err != nil || len(keys) > l.Limit {
		return keys, err
	}
	var n int
	query := `SELECT count(*) FROM article_search WHERE article_search MATCH ? AND rowid >= ?`
	args := []any{l.match, floor}
	if k := l.After; k != nil {
		query += " AND (rank > ? OR (rank = ? AND rowid < ?))"
		args = append(args, k.Rank, k.Rank, k.Seq)
	}
	if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil || n <= candidates*want {
		return keys, err
	}
	return l.ranked(ctx, q, floor, -1)
}

// ranked returns the keys of the best matches stored at or after floor
// that pass the filters, looking up those of the best n matches (-1: all);
// n is 0 for a listing without filters.
//
// The subquery's LIMIT keeps SQLite from merging the ranked candidates into
// the query that filters them, which would look every candidate's filters
// up and then sort, and from dropping their ORDER BY: the filters are
// looked up in rank order, until the page is full.
func (l *selection) ranked(ctx context.Context, q queryer, floor int64, n int) ([]listing.Key, error) {
	query := `SELECT rowid AS seq, rank FROM article_search WHERE article_search MATCH ? AND rowid >= ?`
	args := []any{l.match, floor}
	if k := l.After; k != nil {
		query += " AND (rank > ? OR (rank = ? AND rowid < ?))"
		args = append(args, k.Rank, k.Rank, k.Seq)
	}
	query += " ORDER BY rank, rowid DESC"
	if n != 0 {
		where, fargs := l.filters(0, true, "p.seq")
		query = `SELECT p.seq, p.rank FROM (` + query + ` LIMIT ?) p WHERE ` + strings.Join(where, " AND ")
		args = append(append(args, n), fargs...)
	}
	query += " LIMIT ? OFFSET ?"
	args = append(args, l.Limit+1, l.Offset())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []listing.Key
	for rows.Next() {
		k := listing.Key{Floor: floor}
		if err := rows.Scan(&k.Seq, &k.Rank); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
