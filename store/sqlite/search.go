package sqlite

// Search.
//
// # The index
//
// article_search (migration 0004) is an FTS5 table over each article's
// title, summary and body text. Its tokenizer is unicode61 (with Porter
// stemming, so "sanction" finds "sanctions", and diacritics removed, so
// "resume" finds "résumé"), which splits text at spaces and punctuation.
// The text is prepared in Go first, by store/internal/searchtext, which
// every engine shares: NFKC-normalized, the HTML read as tag rules read it,
// and the letters of scripts written without spaces as overlapping pairs.
// The SQL functions below make it available to SQL: the migration that
// built the index calls them, and the article writer does too, so that
// index and articles share one definition of the text.
//
// # Queries
//
// A search is parsed by rule.ParseSearch, the parser of tag rules, and its
// tree compiled here (matchExpr) to an FTS5 expression in which every term
// is a quoted phrase, so that nothing a user types is read as FTS5 syntax.

import (
	"database/sql/driver"

	"modernc.org/sqlite"

	"herald/store/internal/searchtext"
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("herald_search_text", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, _ := args[0].(string)
		return searchtext.Text(s), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("herald_search_html", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, _ := args[0].(string)
		return searchtext.HTML(s), nil
	})
}
