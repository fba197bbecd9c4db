package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"herald/feed"
	"herald/feed/rule"
	"herald/store/internal/micros"
	"herald/store/internal/upsert"
)

// Tags returns every tag, by slug, with the number of articles carrying it.
func (db *DB) Tags(ctx context.Context) ([]feed.Tag, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.slug, t.name, t.description, t.rule,
		t.articles
		FROM tags t ORDER BY t.slug`)
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	defer rows.Close()
	var tags []feed.Tag
	for rows.Next() {
		var t feed.Tag
		if err := rows.Scan(&t.Slug, &t.Name, &t.Description, &t.Rule, &t.Articles); err != nil {
			return nil, fmt.Errorf("tags: %w", err)
		}
		tags = append(tags, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return tags, nil
}

// Tag returns the tag with the given slug, or the tag that had that slug
// before a rename (then the returned Slug differs from the one asked for).
// It returns feed.ErrNotFound when there is neither.
func (db *DB) Tag(ctx context.Context, slug string) (*feed.Tag, error) {
	var t feed.Tag
	err := db.read.QueryRowContext(ctx, `SELECT t.slug, t.name, t.description, t.rule,
		t.articles
		FROM tags t WHERE t.id = COALESCE(
			(SELECT id FROM tags WHERE slug = ?),
			(SELECT tag_id FROM tag_aliases WHERE slug = ?))`, slug, slug).
		Scan(&t.Slug, &t.Name, &t.Description, &t.Rule, &t.Articles)
	if err != nil {
		return nil, notFound(err, "tag "+slug)
	}
	return &t, nil
}

// CreateTag creates a tag. It returns a *feed.ValidationError for bad fields
// and feed.ErrConflict when the slug is taken, also as a renamed tag's old
// slug.
func (db *DB) CreateTag(ctx context.Context, t feed.Tag) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("create tag %s: %w", t.Slug, err)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := db.createTag(ctx, tx, t); err != nil {
			return fmt.Errorf("create tag %s: %w", t.Slug, err)
		}
		return bump(ctx, tx)
	})
}

func (db *DB) createTag(ctx context.Context, tx *sql.Tx, t feed.Tag) (int64, error) {
	if err := t.Validate(); err != nil {
		return 0, err
	}
	if err := slugFree(ctx, tx, t.Slug, 0); err != nil {
		return 0, err
	}
	now := micros.Of(db.now())
	res, err := tx.ExecContext(ctx, `INSERT INTO tags (slug, name, description, rule, created, updated) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Slug, t.Name, t.Description, t.Rule, now, now)
	if isUnique(err) {
		return 0, feed.ErrConflict
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// slugFree returns feed.ErrConflict when slug names a tag other than self,
// or is the old slug of one.
func slugFree(ctx context.Context, tx *sql.Tx, slug string, self int64) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM tags WHERE slug = ? AND id != ?) +
		(SELECT COUNT(*) FROM tag_aliases WHERE slug = ? AND tag_id != ?)`, slug, self, slug, self).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("slug %q is in use: %w", slug, feed.ErrConflict)
	}
	return nil
}

// UpdateTag changes the tag with the given slug (or old slug) and returns it
// as stored. A new slug is a rename: the old slug keeps resolving to the tag,
// so that its feed URLs can redirect. Changing a rule does not retag stored
// articles; RetagArticles does. It returns feed.ErrNotFound,
// feed.ErrConflict (new slug taken) or a *feed.ValidationError.
func (db *DB) UpdateTag(ctx context.Context, slug string, u feed.TagUpdate) (*feed.Tag, error) {
	var out *feed.Tag
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var (
			id int64
			t  feed.Tag
		)
		err := tx.QueryRowContext(ctx, `SELECT id, slug, name, description, rule FROM tags WHERE id = COALESCE(
			(SELECT id FROM tags WHERE slug = ?), (SELECT tag_id FROM tag_aliases WHERE slug = ?))`, slug, slug).
			Scan(&id, &t.Slug, &t.Name, &t.Description, &t.Rule)
		if err != nil {
			return notFound(err, "tag "+slug)
		}
		old := t.Slug
		u.Apply(&t)
		if err := t.Validate(); err != nil {
			return err
		}
		if t.Slug != old {
			if err := slugFree(ctx, tx, t.Slug, id); err != nil {
				return err
			}
			// Renaming back to an old slug retires that alias.
			if _, err := tx.ExecContext(ctx, `DELETE FROM tag_aliases WHERE slug = ?`, t.Slug); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO tag_aliases (slug, tag_id) VALUES (?, ?)`, old, id); err != nil {
				return err
			}
			// Its articles now show another slug: pollers must see them again.
			if err := db.logTagged(ctx, tx, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE tags SET slug = ?, name = ?, description = ?, rule = ?, updated = ? WHERE id = ?`,
			t.Slug, t.Name, t.Description, t.Rule, micros.Of(db.now()), id)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT articles FROM tags WHERE id = ?`, id).Scan(&t.Articles); err != nil {
			return err
		}
		out = &t
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("update tag %s: %w", slug, err)
	}
	return out, nil
}

// DeleteTag removes a tag, its old slugs, and its place on every article.
// It returns feed.ErrNotFound when there is no such tag.
func (db *DB) DeleteTag(ctx context.Context, slug string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM tags WHERE slug = ?`, slug).Scan(&id)
		if err != nil {
			return notFound(err, "delete tag "+slug)
		}
		// Its articles lose a tag: pollers must see them again.
		if err := db.logTagged(ctx, tx, id); err != nil {
			return fmt.Errorf("delete tag %s: %w", slug, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete tag %s: %w", slug, err)
		}
		return bump(ctx, tx)
	})
}

// logTagged logs an update in the change log for every article carrying
// the tag, in storing order, and moves each to the end of the polling order.
func (db *DB) logTagged(ctx context.Context, tx *sql.Tx, tagID int64) error {
	now := micros.Of(db.now())
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (article_id, guid, change, at, version, content_hash)
		SELECT a.id, a.guid, 'updated', ?, a.version, a.content_hash
		FROM article_tags t JOIN articles a ON a.seq = t.article_seq
		WHERE t.tag_id = ? ORDER BY a.seq`, now, tagID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE articles SET changed = ?,
		rev = (SELECT MAX(c.id) FROM changes c WHERE c.article_id = articles.id)
		WHERE seq IN (SELECT article_seq FROM article_tags WHERE tag_id = ?)`, now, tagID)
	return err
}

// RetagArticles passes every stored article (with its title, summary,
// content and tags; other fields may be empty) to retag, which rewrites its
// Tags, and stores the tags that changed, all in one transaction. Content
// and Updated are left alone. It returns what changed.
func (db *DB) RetagArticles(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error) {
	var report *rule.Report
	err := db.tx(ctx, func(tx *sql.Tx) error {
		report = &rule.Report{}
		w := &articleWriter{db: db, tx: tx, tags: map[string]tagRef{}, now: db.now()}
		changed := 0
		err := eachRetag(ctx, tx, retag, func(seq int64, a *feed.Article, before []feed.ArticleTag) error {
			c, err := w.setTags(ctx, seq, a, false)
			if err != nil {
				return fmt.Errorf("article %s: %w", a.ID, err)
			}
			if c {
				changed++
			}
			report.Add(a, before) // after setTags: the tags as stored
			return nil
		})
		if err != nil || changed == 0 {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, fmt.Errorf("retag articles: %w", err)
	}
	return report, nil
}

// PreviewRetag is RetagArticles without the writing: it reads every
// article in one snapshot, through the read pool, and returns what
// RetagArticles would change.
func (db *DB) PreviewRetag(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("preview retag: %w", err)
	}
	defer tx.Rollback()
	report := &rule.Report{}
	err = eachRetag(ctx, tx, retag, func(_ int64, a *feed.Article, before []feed.ArticleTag) error {
		report.Add(a, before)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("preview retag: %w", err)
	}
	return report, nil
}

// eachRetag reads every article inside tx, in batches, passes it to retag
// and then to fn with the tags it had before (see upsert.Retag).
func eachRetag(ctx context.Context, tx *sql.Tx, retag func(*feed.Article), fn func(seq int64, a *feed.Article, before []feed.ArticleTag) error) error {
	next := func(after int64) ([]feed.Article, []int64, error) { return retagBatch(ctx, tx, after, 500) }
	return upsert.Retag(next, retag, fn)
}

// retagBatch reads up to n articles after seq, with their tags, inside tx.
func retagBatch(ctx context.Context, tx *sql.Tx, after int64, n int) ([]feed.Article, []int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, id, title, summary, content, published FROM articles WHERE seq > ? ORDER BY seq LIMIT ?`, after, n)
	if err != nil {
		return nil, nil, err
	}
	var (
		arts  []feed.Article
		seqs  []int64
		index = map[int64]int{}
	)
	for rows.Next() {
		var (
			a        feed.Article
			seq, pub int64
		)
		if err := rows.Scan(&seq, &a.ID, &a.Title, &a.Summary, &a.Content, &pub); err != nil {
			rows.Close()
			return nil, nil, err
		}
		a.Published = micros.Time(pub)
		index[seq] = len(arts)
		arts = append(arts, a)
		seqs = append(seqs, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(arts) == 0 {
		return nil, nil, err
	}
	trows, err := tx.QueryContext(ctx, `SELECT at.article_seq, t.slug, at.rule, at.matched FROM article_tags at
		JOIN tags t ON t.id = at.tag_id WHERE at.article_seq > ? AND at.article_seq <= ? ORDER BY at.article_seq, t.slug`,
		after, seqs[len(seqs)-1])
	if err != nil {
		return nil, nil, err
	}
	err = scanTags(trows, func(seq int64) *feed.Article { return &arts[index[seq]] })
	return arts, seqs, err
}

// TagNames maps every tag's slug to its name; cheaper than Tags, which
// counts articles.
func (db *DB) TagNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT slug, name FROM tags`)
	if err != nil {
		return nil, fmt.Errorf("tag names: %w", err)
	}
	defer rows.Close()
	names := map[string]string{}
	for rows.Next() {
		var slug, name string
		if err := rows.Scan(&slug, &name); err != nil {
			return nil, fmt.Errorf("tag names: %w", err)
		}
		names[slug] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tag names: %w", err)
	}
	return names, nil
}

// TagAliases returns the old slugs of the tag that slug names, sorted.
// It returns feed.ErrNotFound when there is no such tag.
func (db *DB) TagAliases(ctx context.Context, slug string) ([]string, error) {
	tx, err := db.read.BeginTx(ctx, nil) // one snapshot: the tag and its aliases
	if err != nil {
		return nil, fmt.Errorf("tag aliases %s: %w", slug, err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM tags WHERE id = COALESCE(
		(SELECT id FROM tags WHERE slug = ?), (SELECT tag_id FROM tag_aliases WHERE slug = ?))`, slug, slug).Scan(&id)
	if err != nil {
		return nil, notFound(err, "tag aliases "+slug)
	}
	rows, err := tx.QueryContext(ctx, `SELECT slug FROM tag_aliases WHERE tag_id = ? ORDER BY slug`, id)
	if err != nil {
		return nil, fmt.Errorf("tag aliases %s: %w", slug, err)
	}
	defer rows.Close()
	aliases := []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("tag aliases %s: %w", slug, err)
		}
		aliases = append(aliases, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tag aliases %s: %w", slug, err)
	}
	return aliases, nil
}
