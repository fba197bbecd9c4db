package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
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

const correctionColumns = `c.id, a.id, a.guid, a.title, a.slug, c.version_before, c.version_after, c.note, c.at`

func scanCorrection(row interface{ Scan(...any) error }, extra ...any) (feed.Correction, error) {
	var (
		c  feed.Correction
		at int64
	)
	err := row.Scan(append([]any{&c.ID, &c.ArticleID, &c.GUID, &c.Title, &c.Slug, &c.Before, &c.After, &c.Note, &at}, extra...)...)
	c.At = micros.Time(at)
	return c, err
}

// Corrections returns the corrections f selects, the latest first.
func (db *DB) Corrections(ctx context.Context, f feed.CorrectionFilter) ([]feed.Correction, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+correctionColumns+`
		FROM corrections c JOIN articles a ON a.seq = c.article_seq
		WHERE ? = '' OR a.id = ?
		ORDER BY c.id DESC LIMIT ?`, f.ArticleID, f.ArticleID, listing.Limit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("corrections: %w", err)
	}
	defer rows.Close()
	out := []feed.Correction{}
	for rows.Next() {
		c, err := scanCorrection(rows)
		if err != nil {
			return nil, fmt.Errorf("corrections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("corrections: %w", err)
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
	d.Correction, err = scanCorrection(tx.QueryRowContext(ctx, `SELECT `+correctionColumns+`, a.seq
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
	rows, err := q.QueryContext(ctx, `SELECT `+correctionColumns+`, c.article_seq
		FROM corrections c JOIN articles a ON a.seq = c.article_seq
		WHERE c.article_seq IN (SELECT value FROM json_each(?))
		ORDER BY c.article_seq, c.id DESC`, int64sJSON(seqs))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		c, err := scanCorrection(rows, &seq)
		if err != nil {
			return err
		}
		a := &arts[index[seq]]
		a.Corrections = append(a.Corrections, c)
	}
	return rows.Err()
}
