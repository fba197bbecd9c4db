package postgres

// Listing: which articles a feed.ArticleFilter selects, in its order, a
// page at a time. The filter's checks and the cursors between pages are
// package listing's, which every engine shares, so that a cursor of
// OrderPublished or OrderChanged means the same on both engines; a cursor
// of OrderRank holds the engine's own rank.

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
	"herald/store/internal/rows"
)

// A selection is a listing as PostgreSQL runs it: its search is compiled
// to a tsquery by each statement, whose arguments it joins.
type selection struct{ *listing.Listing }

// newSelection checks f (see listing.New, whose errors it returns).
func newSelection(f feed.ArticleFilter) (*selection, error) {
	l, err := listing.New(f)
	if err != nil {
		return nil, err
	}
	return &selection{l}, nil
}

// rankWindow is listing.RankWindow, a variable for tests.
var rankWindow = listing.RankWindow

// filters returns the conditions of the listing's tags (from the first-th
// on) on the article whose seq is the expression seq, and of its origin,
// source and time on the article a, which the caller joins. When lazy,
// the conditions look the article up by seq instead, and in a form that
// the planner does not make a join or a hash of the tag's articles (as it
// does an EXISTS): it then looks up the best candidates of a ranked list in
// turn until a page of them pass, rather than every candidate.
func (l *selection) filters(a *args, seq string, first int, lazy bool) []string {
	var where, article []string
	for _, slug := range l.Filter.Tags[first:] {
		if lazy {
			where = append(where, "(SELECT true FROM article_tags x WHERE x.article_seq = "+seq+
				" AND x.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(slug)+")) IS TRUE")
			continue
		}
		where = append(where, "EXISTS (SELECT 1 FROM article_tags x WHERE x.article_seq = "+seq+
			" AND x.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(slug)+"))")
	}
	if l.Filter.Origin != "" {
		article = append(article, "a.origin = "+a.add(string(l.Filter.Origin)))
	}
	if l.Filter.Source != 0 {
		article = append(article, "EXISTS (SELECT 1 FROM article_sources c WHERE c.article_seq = a.seq AND c.source_id = "+
			a.add(l.Filter.Source)+")")
	}
	if !l.Filter.Since.IsZero() {
		article = append(article, "a.changed >= "+a.add(micros.Of(l.Filter.Since)))
	}
	if lazy && len(article) > 0 {
		article = []string{"(SELECT true FROM articles a WHERE a.seq = " + seq + " AND " + strings.Join(article, " AND ") + ") IS TRUE"}
	}
	return append(where, article...)
}

// articleFiltered reports whether filters has conditions on the article
// itself (its origin, source or time), beyond its tags.
func (l *selection) articleFiltered() bool {
	return l.Filter.Origin != "" || l.Filter.Source != 0 || !l.Filter.Since.IsZero()
}

// queryArgs returns the arguments of a listing's query. A search's query
// runs as an unnamed statement, which PostgreSQL plans for its lexemes:
// the best plan for a word in every article (walk the newest, stop at the
// window) is not that for a rare one (look it up in the index), and a
// cached statement's generic plan would serve both with one.
func (l *selection) queryArgs(a args) []any {
	if l.Query == nil {
		return a
	}
	return append([]any{pgx.QueryExecModeExec}, a...)
}

// keys returns the keys of up to limit+1 articles of the listing, in order
// (the one more tells whether there are more).
func (l *selection) keys(ctx context.Context, q queryer) ([]listing.Key, error) {
	if l.Order == feed.OrderRank {
		return l.rankedKeys(ctx, q)
	}
	query, a, ok := l.keysQuery()
	if !ok {
		return nil, nil
	}
	rows, err := q.Query(ctx, query, l.queryArgs(a)...)
	if err != nil {
		return nil, err
	}
	return scanKeys(rows)
}

// scanKeys reads rows of (seq, published, rev) and closes them.
func scanKeys(rs pgx.Rows) ([]listing.Key, error) {
	defer rs.Close()
	return rows.All(rs, rows.Key)
}

// keysQuery returns the statement of keys for a listing not in OrderRank,
// selecting (seq, published, rev), and its arguments; ok is false when
// its search can match nothing.
func (l *selection) keysQuery() (query string, a args, ok bool) {
	var (
		from  = "articles a"
		where []string
	)
	seq, published, rev := "a.seq", "a.published", "a.rev"
	first := 0
	if l.Order == feed.OrderPublished && len(l.Filter.Tags) > 0 {
		// The first tag drives the scan along its feed index, which holds
		// all that the keys need: the articles are joined only for the
		// filters on them. (A cursor of OrderPublished holds no rev.)
		seq, published, rev = "t0.article_seq", "t0.published", "0"
		from = "article_tags t0"
		if l.articleFiltered() {
			from += " JOIN articles a ON a.seq = t0.article_seq"
		}
		where = append(where, "t0.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(l.Filter.Tags[0])+")")
		first = 1
	}
	if l.Query != nil {
		ts, ok := tsquery(l.Query, &a)
		if !ok {
			return "", nil, false
		}
		where = append(where, "EXISTS (SELECT 1 FROM article_search s WHERE s.seq = "+seq+" AND s.document @@ "+ts+")")
	}
	where = append(where, l.filters(&a, seq, first, false)...)
	var order string
	if l.Order == feed.OrderChanged {
		order = "a.rev"
		if l.After != nil {
			where = append(where, "a.rev > "+a.add(l.After.Rev))
		}
	} else {
		order = published + " DESC, " + seq + " DESC"
		if k := l.After; k != nil {
			where = append(where, "("+published+", "+seq+") < ("+a.add(k.Published)+", "+a.add(k.Seq)+")")
		}
	}
	query = "SELECT " + seq + ", " + published + ", " + rev + " FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + order + " LIMIT " + a.add(l.Limit+1) + " OFFSET " + a.add(l.Offset())
	return query, a, true
}

// rankedKeys returns the keys of the best matches, best first; of equal
// rank, the later stored first. The first page ranks the rankWindow most
// recently stored matches (see rankWindow) and sets the window's floor,
// the seq of the first of them (0 when there are fewer), which the cursor
// carries to the next pages; those rank the matches stored at or after it.
// When fewer than a page of the window's matches pass the filters, the
// first page widens the window to every match.
func (l *selection) rankedKeys(ctx context.Context, q queryer) ([]listing.Key, error) {
	var a args
	ts, ok := tsquery(l.Query, &a)
	if !ok {
		return nil, nil
	}
	a = slices.Clip(a) // each statement below adds its own arguments
	dense, err := l.dense(ctx, q, ts, a)
	if err != nil {
		return nil, err
	}
	if l.After != nil {
		return l.rankedFrom(ctx, q, ts, a, l.After.Floor, dense)
	}
	keys, full, err := l.rankedWindow(ctx, q, ts, a, dense)
	if err != nil || len(keys) > l.Limit || !full || !l.Filtered() {
		return keys, err
	}
	return l.rankedFrom(ctx, q, ts, a, 0, false)
}

// probeRows is how many of the newest articles dense looks at.
const probeRows = 500

// dense reports whether the search ts matches so many articles that
// walking them newest first finds the window's matches in fewer rows than
// the index gives, estimating from the newest probeRows. Walking reads
// rankWindow/d rows for a share d of matches among n articles, the index
// d*n: a word in most articles is walked, one in a few is looked up. The
// planner could tell with fresh statistics, but a database may have none
// (autovacuum off) or old ones, and then it looks every word up.
func (l *selection) dense(ctx context.Context, q queryer, ts string, a args) (bool, error) {
	var matched, probed, last float64
	err := q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE x.document @@ `+ts+`), count(*),
			(SELECT COALESCE(max(seq), 0) FROM article_search)
		FROM (SELECT document FROM article_search ORDER BY seq DESC LIMIT `+strconv.Itoa(probeRows)+`) x`,
		l.queryArgs(a)...).Scan(&matched, &probed, &last)
	if err != nil || probed < probeRows {
		return false, err
	}
	d := matched / probed
	return d*d*last > float64(rankWindow), nil
}

// matchSQL is the condition that the article s matches ts. A dense search
// calls the function of @@, which the planner cannot answer from the
// index, so that it walks the articles in the order the query asks for.
func matchSQL(ts string, dense bool) string {
	if dense {
		return "ts_match_vq(s.document, " + ts + ")"
	}
	return "s.document @@ " + ts
}

// rankedWindow is the first page of rankedKeys: the window's matches, best
// first. full reports that the window held rankWindow matches (there may
// be more).
//
// One statement ranks the window, takes the best that pass the filters
// (see filters; OFFSET 0 keeps the planner from moving them below the
// sort) and tells the window's size and floor, in a last row of kind 0.
func (l *selection) rankedWindow(ctx context.Context, q queryer, ts string, a args, dense bool) (keys []listing.Key, full bool, err error) {
	var where string
	if l.Filtered() {
		where = " WHERE " + strings.Join(l.filters(&a, "p.seq", 0, true), " AND ")
	}
	want := l.Limit + 1 + l.Offset()
	query := `WITH w AS MATERIALIZED (
			SELECT s.seq, ` + rankSQL(ts) + ` AS rank FROM article_search s WHERE ` + matchSQL(ts, dense) + `
			ORDER BY s.seq DESC LIMIT ` + a.add(rankWindow) + `)
		(SELECT 1, p.seq, p.rank FROM (SELECT seq, rank FROM w ORDER BY rank DESC, seq DESC OFFSET 0) p` + where + `
			ORDER BY p.rank DESC, p.seq DESC LIMIT ` + a.add(want) + `)
		UNION ALL
		SELECT 0, COALESCE(min(seq), 0), count(*) FROM w`
	rows, err := q.Query(ctx, query, l.queryArgs(a)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var floor, n float64
	for rows.Next() {
		var (
			kind int
			k    listing.Key
		)
		if err := rows.Scan(&kind, &k.Seq, &k.Rank); err != nil {
			return nil, false, err
		}
		if kind == 0 {
			floor, n = float64(k.Seq), k.Rank
			continue
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if full = n >= float64(rankWindow); full {
		for i := range keys {
			keys[i].Floor = int64(floor)
		}
	}
	keys = keys[min(l.Offset(), len(keys)):]
	return keys[:min(len(keys), l.Limit+1)], full, nil
}

// rankedFrom is rankedKeys over the matches stored at or after floor.
func (l *selection) rankedFrom(ctx context.Context, q queryer, ts string, a args, floor int64, dense bool) ([]listing.Key, error) {
	var where []string
	if k := l.After; k != nil {
		where = append(where, "(p.rank, p.seq) < ("+a.add(k.Rank)+"::float8, "+a.add(k.Seq)+"::bigint)")
	}
	where = append(where, l.filters(&a, "p.seq", 0, true)...)
	query := `SELECT p.seq, p.rank FROM (
			SELECT seq, rank FROM (
				SELECT s.seq, ` + rankSQL(ts) + ` AS rank FROM article_search s
				WHERE s.seq >= ` + a.add(floor) + ` AND ` + matchSQL(ts, dense) + `) m
			ORDER BY rank DESC, seq DESC OFFSET 0) p`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY p.rank DESC, p.seq DESC LIMIT " + a.add(l.Limit+1) + " OFFSET " + a.add(l.Offset())
	rows, err := q.Query(ctx, query, l.queryArgs(a)...)
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
