package postgres

// Listing: which articles a feed.ArticleFilter selects, in its order, a
// page at a time, and the cursors between pages. Listings, their orders and
// their cursors are store/sqlite's, so that a cursor of OrderPublished or
// OrderChanged means the same on both engines; a cursor of OrderRank holds
// the engine's own rank.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/feed/rule"
)

// A listing is an ArticleFilter checked and ready to run.
type listing struct {
	f     feed.ArticleFilter
	order feed.ArticleOrder
	query *rule.Query // nil for none
	limit int
	after *listKey // from the cursor
}

// listKey is where an article sits in a listing's order.
type listKey struct {
	seq, published, rev int64
	rank                float64
	floor               int64 // OrderRank: the ranking window's first seq
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
		l.query = q
	}
	switch l.order {
	case "":
		l.order = feed.OrderPublished
		if l.query != nil {
			l.order = feed.OrderRank
		}
	case feed.OrderPublished, feed.OrderChanged:
	case feed.OrderRank:
		if l.query == nil {
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
// repeat articles. It is store/sqlite's: the query in its canonical form.
func (l *listing) fingerprint() string {
	tags := slices.Clone(l.f.Tags)
	slices.Sort(tags)
	var query string
	if l.query != nil {
		query = l.query.String()
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%q|%s|%d|%d|%s|%s", tags, l.f.Origin, l.f.Source,
		toMicros(l.f.Since), query, l.order))
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
// articles, as on SQLite: such a query is ranked among its rankWindow most
// recently stored matches, and lists only those in OrderRank (the other
// orders list every match). A variable for tests.
var rankWindow = 20_000

// filtered reports whether the listing has filters beyond its query.
func (l *listing) filtered() bool {
	return len(l.f.Tags) > 0 || l.f.Origin != "" || l.f.Source != 0 || !l.f.Since.IsZero()
}

// filters returns the conditions of the listing's tags (from the first-th
// on) on the article whose seq is the expression seq, and of its origin,
// source and time on the article a, which the caller joins. When lazy,
// the conditions look the article up by seq instead, and in a form that
// the planner does not make a join or a hash of the tag's articles (as it
// does an EXISTS): it then looks up the best candidates of a ranked list in
// turn until a page of them pass, rather than every candidate.
func (l *listing) filters(a *args, seq string, first int, lazy bool) []string {
	var where, article []string
	for _, slug := range l.f.Tags[first:] {
		if lazy {
			where = append(where, "(SELECT true FROM article_tags x WHERE x.article_seq = "+seq+
				" AND x.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(slug)+")) IS TRUE")
			continue
		}
		where = append(where, "EXISTS (SELECT 1 FROM article_tags x WHERE x.article_seq = "+seq+
			" AND x.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(slug)+"))")
	}
	if l.f.Origin != "" {
		article = append(article, "a.origin = "+a.add(string(l.f.Origin)))
	}
	if l.f.Source != 0 {
		article = append(article, "a.source_id = "+a.add(l.f.Source))
	}
	if !l.f.Since.IsZero() {
		article = append(article, "a.changed >= "+a.add(toMicros(l.f.Since)))
	}
	if lazy && len(article) > 0 {
		article = []string{"(SELECT true FROM articles a WHERE a.seq = " + seq + " AND " + strings.Join(article, " AND ") + ") IS TRUE"}
	}
	return append(where, article...)
}

// queryArgs returns the arguments of a listing's query. A search's query
// runs as an unnamed statement, which PostgreSQL plans for its lexemes:
// the best plan for a word in every article (walk the newest, stop at the
// window) is not that for a rare one (look it up in the index), and a
// cached statement's generic plan would serve both with one.
func (l *listing) queryArgs(a args) []any {
	if l.query == nil {
		return a
	}
	return append([]any{pgx.QueryExecModeExec}, a...)
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
		a     args
	)
	seq, published := "a.seq", "a.published"
	first := 0
	if l.order == feed.OrderPublished && len(l.f.Tags) > 0 {
		// The first tag drives the scan along its feed index.
		seq, published = "t0.article_seq", "t0.published"
		from = "article_tags t0 JOIN articles a ON a.seq = t0.article_seq"
		where = append(where, "t0.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(l.f.Tags[0])+")")
		first = 1
	}
	if l.query != nil {
		ts, ok := tsquery(l.query, &a)
		if !ok {
			return nil, nil
		}
		where = append(where, "EXISTS (SELECT 1 FROM article_search s WHERE s.seq = "+seq+" AND s.document @@ "+ts+")")
	}
	where = append(where, l.filters(&a, "a.seq", first, false)...)
	var order string
	if l.order == feed.OrderChanged {
		order = "a.rev"
		if l.after != nil {
			where = append(where, "a.rev > "+a.add(l.after.rev))
		}
	} else {
		order = published + " DESC, " + seq + " DESC"
		if k := l.after; k != nil {
			where = append(where, "("+published+", "+seq+") < ("+a.add(k.published)+", "+a.add(k.seq)+")")
		}
	}
	query := "SELECT " + seq + ", " + published + ", a.rev FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + order + " LIMIT " + a.add(l.limit+1) + " OFFSET " + a.add(max(l.f.Offset, 0))
	rows, err := q.Query(ctx, query, l.queryArgs(a)...)
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

// rankedKeys returns the keys of the best matches, best first; of equal
// rank, the later stored first. The first page ranks the rankWindow most
// recently stored matches (see rankWindow) and sets the window's floor,
// the seq of the first of them (0 when there are fewer), which the cursor
// carries to the next pages; those rank the matches stored at or after it.
// When fewer than a page of the window's matches pass the filters, the
// first page widens the window to every match.
func (l *listing) rankedKeys(ctx context.Context, q queryer) ([]listKey, error) {
	var a args
	ts, ok := tsquery(l.query, &a)
	if !ok {
		return nil, nil
	}
	a = slices.Clip(a) // each statement below adds its own arguments
	dense, err := l.dense(ctx, q, ts, a)
	if err != nil {
		return nil, err
	}
	if l.after != nil {
		return l.rankedFrom(ctx, q, ts, a, l.after.floor, dense)
	}
	keys, full, err := l.rankedWindow(ctx, q, ts, a, dense)
	if err != nil || len(keys) > l.limit || !full || !l.filtered() {
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
func (l *listing) dense(ctx context.Context, q queryer, ts string, a args) (bool, error) {
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
func (l *listing) rankedWindow(ctx context.Context, q queryer, ts string, a args, dense bool) (keys []listKey, full bool, err error) {
	var where string
	if l.filtered() {
		where = " WHERE " + strings.Join(l.filters(&a, "p.seq", 0, true), " AND ")
	}
	want := l.limit + 1 + max(l.f.Offset, 0)
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
			k    listKey
		)
		if err := rows.Scan(&kind, &k.seq, &k.rank); err != nil {
			return nil, false, err
		}
		if kind == 0 {
			floor, n = float64(k.seq), k.rank
			continue
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if full = n >= float64(rankWindow); full {
		for i := range keys {
			keys[i].floor = int64(floor)
		}
	}
	keys = keys[min(max(l.f.Offset, 0), len(keys)):]
	return keys[:min(len(keys), l.limit+1)], full, nil
}

// rankedFrom is rankedKeys over the matches stored at or after floor.
func (l *listing) rankedFrom(ctx context.Context, q queryer, ts string, a args, floor int64, dense bool) ([]listKey, error) {
	var where []string
	if k := l.after; k != nil {
		where = append(where, "(p.rank, p.seq) < ("+a.add(k.rank)+"::float8, "+a.add(k.seq)+"::bigint)")
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
	query += " ORDER BY p.rank DESC, p.seq DESC LIMIT " + a.add(l.limit+1) + " OFFSET " + a.add(max(l.f.Offset, 0))
	rows, err := q.Query(ctx, query, l.queryArgs(a)...)
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
