package sqlite

// Listing: which articles a feed.ArticleFilter selects, in its order, a
// page at a time, and the cursors between pages.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"herald/feed"
	"herald/feed/rule"
)

// A listing is an ArticleFilter checked and ready to run.
type listing struct {
	f     feed.ArticleFilter
	order feed.ArticleOrder
	match string // FTS5 expression; "" for none
	query string // the query in canonical form, for the fingerprint
	limit int
	after *listKey // from the cursor
}

// listKey is where an article sits in a listing's order.
type listKey struct {
	seq, published, rev int64
	rank                float64
	floor               int64 // OrderRank: the ranking window's first rowid
}

func newListing(f feed.ArticleFilter) (*listing, error) {
	l := &listing{f: f, order: f.Order, limit: f.Limit}
	if l.limit <= 0 {
		l.limit = feed.DefaultLimit
	}
	l.limit = min(l.limit, feed.MaxLimit)
	if f.Query != "" {
		q, err := rule.ParseSearch(f.Query)
		if err != nil {
			return nil, err
		}
		l.match, l.query = matchExpr(q), q.String()
	}
	switch l.order {
	case "":
		l.order = feed.OrderPublished
		if l.match != "" {
			l.order = feed.OrderRank
		}
	case feed.OrderPublished, feed.OrderChanged:
	case feed.OrderRank:
		if l.match == "" {
			return nil, feed.Invalid("order", "rank needs a search query")
		}
	default:
		return nil, feed.Invalid("order", "must be %q, %q or %q", feed.OrderPublished, feed.OrderChanged, feed.OrderRank)
	}
	if f.Cursor != "" {
		if f.Offset > 0 {
			return nil, feed.Invalid("cursor", "cannot go with an offset")
		}
		k, err := l.decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		l.after = k
	}
	return l, nil
}

// fingerprint identifies what the listing selects and how it is sorted, so
// that a cursor is not taken to another listing, where it would skip or
// repeat articles. It holds the query in its canonical form, as
// store/postgres's does, so that a cursor of OrderPublished or
// OrderChanged means the same on both engines.
func (l *listing) fingerprint() string {
	tags := slices.Clone(l.f.Tags)
	slices.Sort(tags)
	h := sha256.Sum256(fmt.Appendf(nil, "%q|%s|%d|%d|%s|%s", tags, l.f.Origin, l.f.Source,
		toMicros(l.f.Since), l.query, l.order))
	return base64.RawURLEncoding.EncodeToString(h[:6])
}

// Cursors are opaque to clients: "a1|" + fingerprint + "|" + the key of the
// last article returned, in base64.
func (l *listing) encodeCursor(k listKey) string {
	var key string
	switch l.order {
	case feed.OrderChanged:
		key = strconv.FormatInt(k.rev, 10)
	case feed.OrderRank:
		key = strconv.FormatFloat(k.rank, 'g', -1, 64) + "|" + strconv.FormatInt(k.seq, 10) + "|" + strconv.FormatInt(k.floor, 10)
	default:
		key = strconv.FormatInt(k.published, 10) + "|" + strconv.FormatInt(k.seq, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("a1|" + l.fingerprint() + "|" + key))
}

func (l *listing) decodeCursor(c string) (*listKey, error) {
	bad := feed.Invalid("cursor", "is not a cursor that this listing gave out")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) < 3 || parts[0] != "a1" {
		return nil, bad
	}
	if parts[1] != l.fingerprint() {
		return nil, feed.Invalid("cursor", "belongs to a listing with other filters, query or order; start again without a cursor")
	}
	var (
		k    listKey
		errs [3]error
	)
	switch key := parts[2:]; {
	case l.order == feed.OrderChanged && len(key) == 1:
		k.rev, errs[0] = strconv.ParseInt(key[0], 10, 64)
	case l.order == feed.OrderRank && len(key) == 3:
		k.rank, errs[0] = strconv.ParseFloat(key[0], 64)
		k.seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
		k.floor, errs[2] = strconv.ParseInt(key[2], 10, 64)
	case l.order == feed.OrderPublished && len(key) == 2:
		k.published, errs[0] = strconv.ParseInt(key[0], 10, 64)
		k.seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
	default:
		return nil, bad
	}
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		return nil, bad
	}
	return &k, nil
}

// rankWindow bounds the work of ranking a query that matches many
// articles: bm25 costs about a microsecond per match, so a word in every
// article of a large archive would take a tenth of a second. Such a query is
// ranked among its rankWindow most recently stored matches, and lists only
// those in OrderRank (the other orders list every match). A variable for
// tests.
var rankWindow = 20_000

// queryer is a *sql.Tx or *sql.DB.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// filtered reports whether the listing has filters beyond its query.
func (l *listing) filtered() bool {
	return len(l.f.Tags) > 0 || l.f.Origin != "" || l.f.Source != 0 || !l.f.Since.IsZero()
}

// filters returns the conditions on the article a of the listing's tags
// (from the first-th on), origin, source and time; or, when lazy, on the
// article whose seq is the expression seq, looked up by each condition,
// which SQLite then evaluates for the rows of a ranked list in turn until
// a page of them pass rather than for every candidate.
func (l *listing) filters(first int, lazy bool, seq string) ([]string, []any) {
	var (
		where, article []string
		args           []any
	)
	if !lazy {
		seq = "a.seq"
	}
	for _, slug := range l.f.Tags[first:] {
		where = append(where, "EXISTS (SELECT 1 FROM article_tags x WHERE x.article_seq = "+seq+" AND x.tag_id = (SELECT id FROM tags WHERE slug = ?))")
		args = append(args, slug)
	}
	if l.f.Origin != "" {
		article = append(article, "a.origin = ?")
		args = append(args, string(l.f.Origin))
	}
	if l.f.Source != 0 {
		article = append(article, "a.source_id = ?")
		args = append(args, l.f.Source)
	}
	if !l.f.Since.IsZero() {
		article = append(article, "a.changed >= ?")
		args = append(args, toMicros(l.f.Since))
	}
	if lazy && len(article) > 0 {
		article = []string{"EXISTS (SELECT 1 FROM articles a WHERE a.seq = " + seq + " AND " + strings.Join(article, " AND ") + ")"}
	}
	return append(where, article...), args
}

// keys returns the keys of up to limit+1 articles of the listing, in order
// (the one more tells whether there are more).
func (l *listing) keys(ctx context.Context, q queryer) ([]listKey, error) {
	if l.order == feed.OrderRank {
		return l.rankedKeys(ctx, q)
	}
	var (
		from  = "articles a"
		where []string
		args  []any
	)
	seq, published := "a.seq", "a.published"
	first := 0
	if l.order == feed.OrderPublished && len(l.f.Tags) > 0 {
		// The first tag drives the scan along its feed index.
		seq, published = "t0.article_seq", "t0.published"
		from = "article_tags t0 JOIN articles a ON a.seq = t0.article_seq"
		where = append(where, "t0.tag_id = (SELECT id FROM tags WHERE slug = ?)")
		args = append(args, l.f.Tags[0])
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
	if l.order == feed.OrderChanged {
		order = "a.rev"
		if l.after != nil {
			where = append(where, "a.rev > ?")
			args = append(args, l.after.rev)
		}
	} else {
		order = published + " DESC, " + seq + " DESC"
		if k := l.after; k != nil {
			where = append(where, "("+published+", "+seq+") < (?, ?)")
			args = append(args, k.published, k.seq)
		}
	}
	query := "SELECT " + seq + ", " + published + ", a.rev FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + order + " LIMIT ? OFFSET ?"
	args = append(args, l.limit+1, max(l.f.Offset, 0))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []listKey
	for rows.Next() {
		var k listKey
		if err := rows.Scan(&k.seq, &k.published, &k.rev); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// probeRows is how many of the newest articles dense looks at.
const probeRows = 500

// dense reports whether the listing's search matches so many articles that
// looking it up for each article walked, until a page is found, costs less
// than listing its matches: estimating from the newest probeRows a share d
// of matches among n articles, a lookup costs about 500 times what listing
// a match does, for want/d articles walked against d*n matches listed.
func (l *listing) dense(ctx context.Context, q queryer) (bool, error) {
	var matched, last float64
	err := q.QueryRowContext(ctx, `SELECT count(*), (SELECT COALESCE(max(seq), 0) FROM articles)
		FROM article_search WHERE article_search MATCH ? AND rowid > (SELECT COALESCE(max(seq), 0) FROM articles) - ?`,
		l.match, probeRows).Scan(&matched, &last)
	if err != nil || last < probeRows {
		return false, err
	}
	d := matched / probeRows
	return d*d*last > 500*float64(l.limit+1+max(l.f.Offset, 0)), nil
}

// rankedKeys returns the keys of the best matches, best first; of equal
// rank, the later stored first. The ranking runs inside the index over the
// matches stored at or after the window's floor (see rankWindow), which the
// first page sets and the cursor carries. Filters are looked up for the
// best candidates in turn, until a page of them pass, so that a page of
// common matches is found without looking up every match. When fewer than
// a page of the window's matches pass the filters, the first page widens
// the window to every match.
func (l *listing) rankedKeys(ctx context.Context, q queryer) ([]listKey, error) {
	floor := int64(0)
	if l.after != nil {
		floor = l.after.floor
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
		if err != nil || len(keys) > l.limit || floor == 0 || l.after != nil || !l.filtered() {
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
func (l *listing) rankedFrom(ctx context.Context, q queryer, floor int64) ([]listKey, error) {
	want := l.limit + 1 + max(l.f.Offset, 0)
	if !l.filtered() {
		return l.ranked(ctx, q, floor, 0)
	}
	keys, err := l.ranked(ctx, q, floor, candidates*want)
	if err != nil || len(keys) > l.limit {
		return keys, err
	}
	var n int
	query := `SELECT count(*) FROM article_search WHERE article_search MATCH ? AND rowid >= ?`
	args := []any{l.match, floor}
	if k := l.after; k != nil {
		query += " AND (rank > ? OR (rank = ? AND rowid < ?))"
		args = append(args, k.rank, k.rank, k.seq)
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
func (l *listing) ranked(ctx context.Context, q queryer, floor int64, n int) ([]listKey, error) {
	query := `SELECT rowid AS seq, rank FROM article_search WHERE article_search MATCH ? AND rowid >= ?`
	args := []any{l.match, floor}
	if k := l.after; k != nil {
		query += " AND (rank > ? OR (rank = ? AND rowid < ?))"
		args = append(args, k.rank, k.rank, k.seq)
	}
	query += " ORDER BY rank, rowid DESC"
	if n != 0 {
		where, fargs := l.filters(0, true, "p.seq")
		query = `SELECT p.seq, p.rank FROM (` + query + ` LIMIT ?) p WHERE ` + strings.Join(where, " AND ")
		args = append(append(args, n), fargs...)
	}
	query += " LIMIT ? OFFSET ?"
	args = append(args, l.limit+1, max(l.f.Offset, 0))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []listKey
	for rows.Next() {
		k := listKey{floor: floor}
		if err := rows.Scan(&k.seq, &k.rank); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
