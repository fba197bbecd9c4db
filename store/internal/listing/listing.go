// Package listing holds what the store engines share of paged reads: an
// ArticleFilter checked and ready to run (a Listing), the size of a page,
// and the cursors of listings and of the change log, which are one format
// on every engine, so that a client may follow a cursor to a copy of the
// database on another.
package listing

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"herald/feed"
	"herald/feed/rule"
	"herald/store/internal/micros"
)

// RankWindow bounds the work of ranking a query that matches many
// articles: such a query is ranked among its RankWindow most recently
// stored matches, and lists only those in OrderRank (the other orders list
// every match). Engines keep it in a variable that tests may lower.
//
// Ranking reads what the index holds of every match in the window (on
// PostgreSQL the article's whole tsvector, about a microsecond and a half a
// match on a 2-core machine; on SQLite its entries in the words' doclists),
// so a page's time grows with it. It was 20,000 until PostgreSQL: over
// 100,000 articles a phrase found in most of them then took 61-65 ms a page
// there (SQLite about 45), over the 50 ms a search may take; at 10,000,
// 27-31 ms on both. A cursor holds its window's floor, so a walk begun
// with the old window ends with it.
const RankWindow = 10_000

// Limit returns the size of a page that asks for n: n, or feed.DefaultLimit
// when n <= 0, and at most feed.MaxLimit.
func Limit(n int) int {
	if n <= 0 {
		n = feed.DefaultLimit
	}
	return min(n, feed.MaxLimit)
}

// A Listing is an ArticleFilter checked and ready to run.
type Listing struct {
	Filter feed.ArticleFilter // as given
	Order  feed.ArticleOrder  // the order it runs in: never ""
	Query  *rule.Query        // the search, parsed; nil for none
	Limit  int                // the page size
	After  *Key               // where the cursor left off; nil for the first page
}

// A Key is where an article sits in a listing's order. Which fields count
// depends on the order: Published and Seq in OrderPublished, Rev in
// OrderChanged, and Rank, Seq and Floor in OrderRank.
type Key struct {
	Seq, Published, Rev int64 // Published as stored (package micros)
	Rank                float64
	// Floor is, in OrderRank, the first article number of the window the
	// first page ranked (see RankWindow), which the next pages keep.
	Floor int64
}

// New checks f and returns it as a Listing.
//
// Errors: a *feed.ValidationError for a query that does not parse (field
// "q"), a cursor from another listing or with an offset (field "cursor")
// or a bad order.
func New(f feed.ArticleFilter) (*Listing, error) {
	l := &Listing{Filter: f, Order: f.Order, Limit: Limit(f.Limit)}
	if f.Query != "" {
		q, err := rule.ParseSearch(f.Query)
		if err != nil {
			return nil, err
		}
		l.Query = q
	}
	switch l.Order {
	case "":
		l.Order = feed.OrderPublished
		if l.Query != nil {
			l.Order = feed.OrderRank
		}
	case feed.OrderPublished, feed.OrderChanged:
	case feed.OrderRank:
		if l.Query == nil {
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
		l.After = k
	}
	return l, nil
}

// Filtered reports whether the listing has filters beyond its query.
func (l *Listing) Filtered() bool {
	f := &l.Filter
	return len(f.Tags) > 0 || f.Origin != "" || f.Source != 0 || !f.Since.IsZero()
}

// Offset returns how many of the listing's first articles the page skips.
func (l *Listing) Offset() int { return max(l.Filter.Offset, 0) }

// Page makes a page of the listing from keys, the keys of up to Limit+1 of
// its articles in order (the one more tells whether there are more): load
// returns the articles whose numbers (seqs) it is given, in any order, with
// the number of each, and the page holds them in the keys' order (one that
// load does not return, deleted meanwhile, is left out), with the cursor
// after the last key.
func (l *Listing) Page(keys []Key, load func(seqs []int64) ([]feed.Article, []int64, error)) (*feed.ArticlePage, error) {
	page := &feed.ArticlePage{NextCursor: l.Filter.Cursor}
	if len(keys) > l.Limit {
		keys, page.More = keys[:l.Limit], true
	}
	if len(keys) == 0 {
		return page, nil
	}
	seqs := make([]int64, len(keys))
	for i, k := range keys {
		seqs[i] = k.Seq
	}
	arts, got, err := load(seqs)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(got))
	for i, seq := range got {
		at[seq] = i
	}
	for _, k := range keys {
		if i, ok := at[k.Seq]; ok {
			page.Articles = append(page.Articles, arts[i])
		}
	}
	page.NextCursor = l.Cursor(keys[len(keys)-1])
	return page, nil
}

// Fingerprint identifies what the listing selects and how it is sorted, so
// that a cursor is not taken to another listing, where it would skip or
// repeat articles. It holds the query in its canonical form, so that a
// cursor of OrderPublished or OrderChanged means the same on every engine
// (one of OrderRank holds the engine's own rank).
func (l *Listing) Fingerprint() string {
	f := &l.Filter
	tags := slices.Clone(f.Tags)
	slices.Sort(tags)
	var query string
	if l.Query != nil {
		query = l.Query.String()
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%q|%s|%d|%d|%s|%s", tags, f.Origin, f.Source, micros.Of(f.Since), query,
		l.Order))
	return base64.RawURLEncoding.EncodeToString(h[:6])
}

// Cursor returns the cursor of the page after the article at k. Cursors are
// opaque to clients: "a1|" + fingerprint + "|" + the key, in base64.
func (l *Listing) Cursor(k Key) string {
	var key string
	switch l.Order {
	case feed.OrderChanged:
		key = strconv.FormatInt(k.Rev, 10)
	case feed.OrderRank:
		key = strconv.FormatFloat(k.Rank, 'g', -1, 64) + "|" + strconv.FormatInt(k.Seq, 10) + "|" + strconv.FormatInt(k.Floor, 10)
	default:
		key = strconv.FormatInt(k.Published, 10) + "|" + strconv.FormatInt(k.Seq, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("a1|" + l.Fingerprint() + "|" + key))
}

func (l *Listing) decodeCursor(c string) (*Key, error) {
	bad := feed.Invalid("cursor", "is not a cursor that this listing gave out")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) < 3 || parts[0] != "a1" {
		return nil, bad
	}
	if parts[1] != l.Fingerprint() {
		return nil, feed.Invalid("cursor", "belongs to a listing with other filters, query or order; start again without a cursor")
	}
	var (
		k    Key
		errs [3]error
	)
	switch key := parts[2:]; {
	case l.Order == feed.OrderChanged && len(key) == 1:
		k.Rev, errs[0] = strconv.ParseInt(key[0], 10, 64)
	case l.Order == feed.OrderRank && len(key) == 3:
		k.Rank, errs[0] = strconv.ParseFloat(key[0], 64)
		k.Seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
		k.Floor, errs[2] = strconv.ParseInt(key[2], 10, 64)
	case l.Order == feed.OrderPublished && len(key) == 2:
		k.Published, errs[0] = strconv.ParseInt(key[0], 10, 64)
		k.Seq, errs[1] = strconv.ParseInt(key[1], 10, 64)
	default:
		return nil, bad
	}
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		return nil, bad
	}
	return &k, nil
}
