// Package rows reads result rows the same way on every engine: what both
// database/sql's *sql.Rows and pgx's pgx.Rows have is enough to turn rows
// into herald's types, so the loop and the column order live here once
// and each engine keeps only its SQL.
package rows

import (
	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
	"herald/store/internal/upsert"
)

// A Row is one result row: *sql.Row, *sql.Rows, pgx.Row or pgx.Rows.
type Row interface {
	Scan(dest ...any) error
}

// Rows are result rows: *sql.Rows or pgx.Rows.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// All reads every row of rows with one, in order, and returns what it
// made of them (nil for none). It leaves closing rows to the caller.
func All[T any](rows Rows, one func(Row) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := one(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Key reads a listing's key from a row of (seq, published, rev), the
// columns of a keys query of either engine.
func Key(row Row) (listing.Key, error) {
	var k listing.Key
	err := row.Scan(&k.Seq, &k.Published, &k.Rev)
	return k, err
}

// CorrectionColumns are the columns Correction reads, of a correction c
// and its article a.
const CorrectionColumns = `c.id, a.id, a.guid, a.title, a.slug, c.version_before, c.version_after, c.note, c.at`

// Correction reads a row of CorrectionColumns.
func Correction(row Row) (feed.Correction, error) { return CorrectionWith(row) }

// CorrectionWith reads a row of CorrectionColumns and then extra.
func CorrectionWith(row Row, extra ...any) (feed.Correction, error) {
	var (
		c  feed.Correction
		at int64
	)
	err := row.Scan(append([]any{&c.ID, &c.ArticleID, &c.GUID, &c.Title, &c.Slug, &c.Before, &c.After, &c.Note, &at}, extra...)...)
	c.At = micros.Time(at)
	return c, err
}

// Unheld reads a row of the embargoes table's article column as
// upsert.Unheld does.
func Unheld(row Row) (feed.Article, error) {
	var stored string
	if err := row.Scan(&stored); err != nil {
		return feed.Article{}, err
	}
	return upsert.Unheld(stored)
}
