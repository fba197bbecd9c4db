package postgres

// Search.
//
// # The index
//
// article_search (migration 0002) holds a tsvector for each article: the
// lexemes of its title, summary and body text with their positions,
// weighted A, B and C. The vector is made in Go (lexeme.go), from the text
// that store/internal/searchtext prepares for every engine, the way
// store/sqlite's FTS5 tokenizer makes its tokens: split where unicode61
// splits, folded as it folds (case, and the diacritics of Latin letters;
// widths are folded by searchtext's NFKC), English words stemmed by the
// same Porter stemmer, and the letter pairs of Chinese, Japanese and the
// like left as they are (the stemmer rewrites only ASCII suffixes). So the
// lexemes, of the index and of queries, are the same on both engines, and
// PostgreSQL's text search configurations (their parser splits "e-mail"
// and "U.S." its own way, english drops "it" and "us" as stop words) never
// see the text. One vector holds the words and the pairs, so that a phrase
// may mix them, as it may on SQLite ("AI規制"). A position is left out
// between fields: no phrase spans two, as FTS5's columns keep them apart.
//
// The writer keeps the index in step in the transaction of each write: an
// edit rewrites the article's row, a new article's row is written when
// finish gives it its place (its seq), and a deletion takes the row with
// it (ON DELETE CASCADE).
//
// PostgreSQL keeps at most 256 positions of a lexeme and none beyond
// 16,383, and no lexeme over 2,046 bytes: in an article of over about
// 100 KB of text, a phrase may go unfound past those limits, which SQLite
// does not have; every word is still found.
//
// # Queries
//
// A search is parsed by rule.ParseSearch, the parser of tag rules, and its
// tree compiled (tsquery.go) to an SQL expression that builds a tsquery
// from the lexemes as parameters, so that nothing a user types is read as
// tsquery syntax. NOT is tsquery's !!, a phrase <->, a prefix :*.
//
// # Ranking
//
// OrderRank sorts by rankSQL, best first, and, of equal rank, the later
// stored first, as on SQLite. The ranks are not bm25's: ts_rank counts
// each occurrence of a word at its field's weight, less for each repeat,
// and does not weigh rare words above common ones. The weights are
// SQLite's (title 10, summary 4, body 1, over 10), and the rank is divided
// by the logarithm of the article's length in words (what ts_rank's
// normalization 1 does, from a count stored with the vector: counting the
// vector's positions for each match costs as much as ranking it). So, as
// with bm25, a word in the title counts for more than a few in the body,
// more occurrences count for more, and of two articles the shorter is the
// better match; the contract suite's ranking tests hold on both engines,
// but the order of other matches may differ.
//
// rankWindow bounds the work, as on SQLite. A search found in most of the
// newest articles ranks its window walking the articles newest first; one
// found in fewer, looking its matches up in the index (see listing.dense).

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"herald/feed"
)

// rankSQL is the rank of the article s for the tsquery q: ts_rank with
// the weights of D (unused), C (body), B (summary) and A (title), divided
// by the logarithm of the article's length in words.
func rankSQL(q string) string {
	return "ts_rank('{0, 0.1, 0.4, 1}'::real[], s.document, " + q + ") / ln((s.words + 2)::float8)"
}

// index puts the article at seq into the search index, replacing what the
// index had for it. An article this write created is written by finish,
// once it has its place.
func (w *articleWriter) index(ctx context.Context, seq int64, a *feed.Article) error {
	doc := w.document(a)
	if seq < 0 {
		w.documents[seq] = doc
		return nil
	}
	_, err := w.tx.Exec(ctx, `INSERT INTO article_search (seq, document) VALUES ($1, $2::tsvector)
		ON CONFLICT (seq) DO UPDATE SET document = excluded.document`, seq, doc)
	return err
}

// indexCreated writes the index's rows of the articles this write
// created, at the places finish gave them. The caller holds changeLogLock.
func (w *articleWriter) indexCreated(ctx context.Context, place map[int64]int64) error {
	if len(w.documents) == 0 {
		return nil
	}
	seqs := make([]int64, 0, len(w.documents))
	docs := make([]pgtype.TSVector, 0, len(w.documents))
	for p, doc := range w.documents {
		seqs, docs = append(seqs, place[p]), append(docs, doc)
	}
	_, err := w.tx.Exec(ctx, `INSERT INTO article_search (seq, document)
		SELECT u.seq, u.document FROM unnest($1::bigint[], $2::tsvector[]) AS u(seq, document)`, seqs, docs)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	clear(w.documents)
	return nil
}
