package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/listing"
	"herald/store/internal/micros"
	"herald/store/internal/rows"
)

// correct records a's correction note, if it carries one, on the edit of
// the article at seq that made version after. The writer holds the
// article's row (FOR UPDATE), so versions and notes of concurrent edits
// never cross.
func (w *articleWriter) correct(ctx context.Context, seq, after int64, a *feed.Article) error {
	note := a.CorrectionNote()
	if note == "" {
		return nil // a silent fix
	}
	_, err := w.tx.Exec(ctx, `INSERT INTO corrections (article_seq, version_before, version_after, note, at)
		VALUES ($1, $2, $3, $4, $5)`, seq, after-1, after, note, micros.Of(w.now))
	return err
}

// Corrections returns the corrections f selects, the latest first.
func (db *DB) Corrections(ctx context.Context, f feed.CorrectionFilter) ([]feed.Correction, error) {
	rs, err := db.pool.Query(ctx, `SELECT `+rows.CorrectionColumns+`
		FROM corrections c JOIN articles a ON a.seq = c.article_seq
		WHERE ($1 = '' OR a.id = $1) AND ($3 = 0 OR c.id < $3)
		ORDER BY c.id DESC LIMIT $2`, f.ArticleID, listing.Limit(f.Limit), f.Before)
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
	var d feed.CorrectionDiff
	err := db.readTx(ctx, func(tx pgx.Tx) error { // one snapshot for the correction and its versions
		var (
			seq int64
			err error
		)
		d.Correction, err = rows.CorrectionWith(tx.QueryRow(ctx, `SELECT `+rows.CorrectionColumns+`, a.seq
			FROM corrections c JOIN articles a ON a.seq = c.article_seq WHERE c.id = $1`, id), &seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return feed.ErrNotFound
		}
		if err != nil {
			return err
		}
		for _, v := range []struct {
			n int
			a *feed.Article
		}{{d.Before, &d.Old}, {d.After, &d.New}} {
			var published, updated int64
			err := tx.QueryRow(ctx, `SELECT title, summary, content, published, updated
				FROM article_versions WHERE article_seq = $1 AND version = $2
				UNION ALL SELECT title, summary, content, published, updated FROM articles WHERE seq = $1 AND version = $2`,
				seq, v.n).Scan(&v.a.Title, &v.a.Summary, &v.a.Content, &published, &updated)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("version %d: %w", v.n, feed.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("version %d: %w", v.n, err)
			}
			v.a.ID, v.a.Published, v.a.Updated = d.ArticleID, micros.Time(published), micros.Time(updated)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("correction %d: %w", id, err)
	}
	return &d, nil
}

// scanCorrections reads rows of rows.CorrectionColumns and the article's seq,
// latest first, into the Corrections of arts, whose indexes index gives by
// seq. It closes rows.
func scanCorrections(rs pgx.Rows, arts []feed.Article, index map[int64]int) error {
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
