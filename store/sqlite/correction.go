package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
	"herald/store/internal/rows"
)

// correct records a's correction note, if it carries one, on the edit of
// the article at seq that made version after.
func (w *articleWriter) correct(ctx context.Context, seq, after int64, a *feed.Article) error {
	note := a.CorrectionNote()
	if note == "" {
		return nil // a silent fix
	}
	_, err := w.exec(ctx, `INSERT INTO corrections (article_seq, version_before, version_after, note, at)
		VALUES (?, ?, ?, ?, ?)`, seq, after-1, after, note, micros.Of(w.now))
	return err
}

// Corrections returns the corrections f selects, the latest first.
func (db *DB) Corrections(ctx context.Context, f feed.CorrectionFilter) ([]feed.Correction, error) {
	rs, err := db.read.QueryContext(ctx, `SELECT `+rows.CorrectionColumns+`
		FROM corrections c JOIN articles a ON a.seq = c.article_seq
		WHERE (? = '' OR a.id = ?) AND (? = 0 OR c.id < ?)
		ORDER BY c.id DESC LIMIT ?`, f.ArticleID, f.ArticleID, f.Before, f.Before, listing.Limit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("corrections: %w", err)
	}
	defer rs.Close()
	out, err := rows.All(rs, rows.Correction)
	if err != nil {
		return nil, fmt.Errorf("corrections: %w", err)
	}
	if out == nil {
		out = []feed.Correction{}
	}
	return out, nil
}

// CorrectionDiff returns the correction with the given id and the content
// of the versions before and after it. It returns feed.ErrNotFound when
// there is none (its article deleted, say).
func (db *DB) CorrectionDiff(ctx context.Context, id int64) (*feed.CorrectionDiff, error) {
	tx, err := db.read.BeginTx(ctx, nil) // one snapshot for the correction and its versions
	if err != nil {
		return nil, fmt.Errorf("correction %d: %w", id, err)
	}
	defer tx.Rollback()
	var (
		d   feed.CorrectionDiff
		seq int64
	)
	d.Correction, err = rows.CorrectionWith(tx.QueryRowContext(ctx, `SELECT `+rows.CorrectionColumns+`, a.seq
		FROM corrections c JOIN articles a ON a.seq = c.article_seq WHERE c.id = ?`, id), &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("correction %d: %w", id, feed.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("correction %d: %w", id, err)
	}
	for _, v := range []struct {
		n int
		a *feed.Article
	}{{d.Before, &d.Old}, {d.After, &d.New}} {
		var published, updated int64
		err := tx.QueryRowContext(ctx, `SELECT title, summary, content, published, updated
			FROM article_versions WHERE article_seq = ? AND version = ?
			UNION ALL SELECT title, summary, content, published, updated FROM articles WHERE seq = ? AND version = ?`,
			seq, v.n, seq, v.n).Scan(&v.a.Title, &v.a.Summary, &v.a.Content, &published, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("correction %d: version %d: %w", id, v.n, feed.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("correction %d: version %d: %w", id, v.n, err)
		}
		v.a.ID, v.a.Published, v.a.Updated = d.ArticleID, micros.Time(published), micros.Time(updated)
	}
	return &d, nil
}

// loadCorrections fills in the Corrections of arts, whose seqs are seqs,
// the latest first.
func loadCorrections(ctx context.Context, q queryer, arts []feed.Article, seqs []int64, index map[int64]int) error {
	rs, err := q.QueryContext(ctx, `SELECT `+rows.CorrectionColumns+`, c.article_seq
		FROM corrections c JOIN articles a ON a.seq = c.article_seq
		WHERE c.article_seq IN (SELECT value FROM json_each(?))
		ORDER BY c.article_seq, c.id DESC`, int64sJSON(seqs))
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var seq int64
		c, err := rows.CorrectionWith(rs, &seq)
		if err != nil {
			return err
		}
		a := &arts[index[seq]]
		a.Corrections = append(a.Corrections, c)
	}
	return rs.Err()
}
