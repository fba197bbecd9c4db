package postgres

// Listing, and (to come) search.
//
// Listings, their orders and their cursors are store/sqlite's, so that a
// cursor means the same on both engines. Search queries are not implemented
// on PostgreSQL yet: a listing with a Query fails with errSearch.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"herald/feed"
)

// errSearch is the error of a listing with a search query.
var errSearch = fmt.Errorf("search is not implemented on PostgreSQL yet: %w", errors.ErrUnsupported)

// A listing is an ArticleFilter checked and ready to run.
type listing struct {
	f     feed.ArticleFilter
	order feed.ArticleOrder
	limit int
	after *listKey // from the cursor
}

// listKey is where an article sits in a listing's order.
type listKey struct {
	seq, published, rev int64
}

func newListing(f feed.ArticleFilter) (*listing, error) {
	l := &listing{f: f, order: f.Order, limit: f.Limit}
	if l.limit <= 0 {
		l.limit = feed.DefaultLimit
	}
	l.limit = min(l.limit, feed.MaxLimit)
	if f.Query != "" {
		return nil, errSearch
	}
	switch l.order {
	case "":
		l.order = feed.OrderPublished
	case feed.OrderPublished, feed.OrderChanged:
	case feed.OrderRank:
		return nil, feed.Invalid("order", "rank needs a search query")
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
// repeat articles. It is store/sqlite's, whose query expression is "" here.
func (l *listing) fingerprint() string {
	tags := slices.Clone(l.f.Tags)
	slices.Sort(tags)
	const match = ""
	h := sha256.Sum256(fmt.Appendf(nil, "%q|%s|%d|%d|%s|%s", tags, l.f.Origin, l.f.Source,
		toMicros(l.f.Since), match, l.order))
	return base64.RawURLEncoding.EncodeToString(h[:6])
}

// Cursors are opaque to clients: "a1|" + fingerprint + "|" + the key of the
// last article returned, in base64.
func (l *listing) encodeCursor(k listKey) string {
	var key string
	switch l.order {
	case feed.OrderChanged:
		key = strconv.FormatInt(k.rev, 10)
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
		errs [2]error
	)
	switch key := parts[2:]; {
	case l.order == feed.OrderChanged && len(key) == 1:
		k.rev, errs[0] = strconv.ParseInt(key[0], 10, 64)
	case l.order == feed.OrderPublished && len(key) == 2:
		k.published, errs[0] = strconv.ParseInt(key[0], 10, 64)
		k.seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
	default:
		return nil, bad
	}
	if errs[0] != nil || errs[1] != nil {
		return nil, bad
	}
	return &k, nil
}

// filters returns the conditions on the article a of the listing's tags
// (from the first-th on), origin, source and time.
func (l *listing) filters(a *args, first int) []string {
	var where []string
	for _, slug := range l.f.Tags[first:] {
		where = append(where, "EXISTS (SELECT 1 FROM article_tags x WHERE x.article_seq = a.seq AND x.tag_id = (SELECT id FROM tags WHERE slug = "+a.add(slug)+"))")
	}
	if l.f.Origin != "" {
		where = append(where, "a.origin = "+a.add(string(l.f.Origin)))
	}
	if l.f.Source != 0 {
		where = append(where, "a.source_id = "+a.add(l.f.Source))
	}
	if !l.f.Since.IsZero() {
		where = append(where, "a.changed >= "+a.add(toMicros(l.f.Since)))
	}
	return where
}

// keys returns the keys of up to limit+1 articles of the listing, in order
// (the one more tells whether there are more).
func (l *listing) keys(ctx context.Context, q queryer) ([]listKey, error) {
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
	where = append(where, l.filters(&a, first)...)
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
	rows, err := q.Query(ctx, query, a...)
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
// than rankWindow articles is ranked among the rankWindow most recently
// stored of them.
//
// Errors: a *feed.ValidationError for a query that does not parse (field
// "q"), a cursor from another listing (field "cursor") or a bad order.
// Search queries are not implemented on PostgreSQL yet: a filter with a
// Query fails with an error matching errors.ErrUnsupported.
func (db *DB) ArticlePage(ctx context.Context, f feed.ArticleFilter) (*feed.ArticlePage, error) {
	l, err := newListing(f)
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	page := &feed.ArticlePage{NextCursor: f.Cursor}
	err = db.readTx(ctx, func(tx pgx.Tx) error { // one snapshot for the keys and the articles
		keys, err := l.keys(ctx, tx)
		if err != nil {
			return err
		}
		if len(keys) > l.limit {
			keys, page.More = keys[:l.limit], true
		}
		if len(keys) == 0 {
			return nil
		}
		seqs := make([]int64, len(keys))
		for i, k := range keys {
			seqs[i] = k.seq
		}
		var got []int64
		arts, err := scanArticles(ctx, tx, "SELECT "+articleColumns+", a.seq FROM articles a WHERE a.seq = ANY($1)",
			[]any{seqs}, func() []any {
				got = append(got, 0)
				return []any{&got[len(got)-1]}
			})
		if err != nil {
			return err
		}
		at := make(map[int64]int, len(got))
		for i, seq := range got {
			at[seq] = i
		}
		for _, k := range keys {
			if i, ok := at[k.seq]; ok {
				page.Articles = append(page.Articles, arts[i])
			}
		}
		page.NextCursor = l.encodeCursor(keys[len(keys)-1])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	return page, nil
}
