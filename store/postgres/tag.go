package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/feed/rule"
	"herald/store/internal/micros"
	"herald/store/internal/upsert"
)

// Tags returns every tag, by slug, with the number of articles carrying it.
func (db *DB) Tags(ctx context.Context) ([]feed.Tag, error) {
	rows, err := db.pool.Query(ctx, `SELECT slug, name, description, rule, articles FROM tags ORDER BY slug`)
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
	err := db.pool.QueryRow(ctx, `SELECT slug, name, description, rule, articles
		FROM tags WHERE id = COALESCE(
			(SELECT id FROM tags WHERE slug = $1),
			(SELECT tag_id FROM tag_aliases WHERE slug = $1))`, slug).
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := db.createTag(ctx, tx, t); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("create tag %s: %w", t.Slug, err)
	}
	return nil
}

func (db *DB) createTag(ctx context.Context, tx pgx.Tx, t feed.Tag) (int64, error) {
	if err := t.Validate(); err != nil {
		return 0, err
	}
	if err := slugFree(ctx, tx, t.Slug, 0); err != nil {
		return 0, err
	}
	now := micros.Of(db.now())
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO tags (slug, name, description, rule, created, updated)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, t.Slug, t.Name, t.Description, t.Rule, now).Scan(&id)
	if isUnique(err) {
		return 0, fmt.Errorf("slug %q is in use: %w", t.Slug, feed.ErrConflict)
	}
	return id, err
}

// slugFree returns feed.ErrConflict when slug names a tag other than self,
// or is the old slug of one.
func slugFree(ctx context.Context, tx pgx.Tx, slug string, self int64) error {
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tags WHERE slug = $1 AND id != $2)
		OR EXISTS (SELECT 1 FROM tag_aliases WHERE slug = $1 AND tag_id != $2)`, slug, self).Scan(&taken)
	if err != nil {
		return err
	}
	if taken {
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var (
			id int64
			t  feed.Tag
		)
		// Locked: a writer adding the tag to an article waits for the
		// rename, so that logTagged finds every article that carries it.
		err := tx.QueryRow(ctx, `SELECT id, slug, name, description, rule FROM tags WHERE id = COALESCE(
			(SELECT id FROM tags WHERE slug = $1), (SELECT tag_id FROM tag_aliases WHERE slug = $1))
			FOR UPDATE`, slug).
			Scan(&id, &t.Slug, &t.Name, &t.Description, &t.Rule)
		if err != nil {
			return notFound(err, "tag "+slug)
		}
		old := t.Slug
		u.Apply(&t)
		if err := t.Validate(); err != nil {
			return err
		}
		w := db.newWriter(tx)
		if t.Slug != old {
			if err := slugFree(ctx, tx, t.Slug, id); err != nil {
				return err
			}
			// Renaming back to an old slug retires that alias.
			if _, err := tx.Exec(ctx, `DELETE FROM tag_aliases WHERE slug = $1`, t.Slug); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO tag_aliases (slug, tag_id) VALUES ($1, $2)`, old, id); err != nil {
				return err
			}
			// Its articles now show another slug: pollers must see them again.
			if err := w.logTagged(ctx, id); err != nil {
				return err
			}
		}
		err = tx.QueryRow(ctx, `UPDATE tags SET slug = $1, name = $2, description = $3, rule = $4, updated = $5
			WHERE id = $6 RETURNING articles`,
			t.Slug, t.Name, t.Description, t.Rule, micros.Of(db.now()), id).Scan(&t.Articles)
		if isUnique(err) {
			return fmt.Errorf("slug %q is in use: %w", t.Slug, feed.ErrConflict)
		}
		if err != nil {
			return err
		}
		out = &t
		return w.finish(ctx, true)
	})
	if err != nil {
		return nil, fmt.Errorf("update tag %s: %w", slug, err)
	}
	return out, nil
}

// DeleteTag removes a tag, its old slugs, and its place on every article.
// It returns feed.ErrNotFound when there is no such tag.
func (db *DB) DeleteTag(ctx context.Context, slug string) error {
	err := db.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM tags WHERE slug = $1 FOR UPDATE`, slug).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return feed.ErrNotFound
		}
		if err != nil {
			return err
		}
		w := db.newWriter(tx)
		// Its articles lose a tag: pollers must see them again.
		if err := w.logTagged(ctx, id); err != nil {
			return err
		}
		// Its aliases and its rows in article_tags go with it (ON DELETE
		// CASCADE); no count is left to keep.
		if _, err := tx.Exec(ctx, `DELETE FROM tags WHERE id = $1`, id); err != nil {
			return err
		}
		return w.finish(ctx, true)
	})
	if err != nil {
		return fmt.Errorf("delete tag %s: %w", slug, err)
	}
	return nil
}

// RetagArticles passes every stored article (with its title, summary,
// content and tags; other fields may be empty) to retag, which rewrites its
// Tags, and stores the tags that changed, all in one transaction. Content
// and Updated are left alone. It returns what changed.
func (db *DB) RetagArticles(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error) {
	var report *rule.Report
	err := db.tx(ctx, func(tx pgx.Tx) error {
		report = &rule.Report{}
		w := db.newWriter(tx)
		changed := 0
		err := eachRetag(ctx, tx, true, retag, func(seq int64, a *feed.Article, before []feed.ArticleTag) error {
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
		if err != nil {
			return err
		}
		return w.finish(ctx, changed > 0)
	})
	if err != nil {
		return nil, fmt.Errorf("retag articles: %w", err)
	}
	return report, nil
}

// PreviewRetag is RetagArticles without the writing: it reads every
// article in one read-only snapshot, locking nothing, and returns what
// RetagArticles would change.
func (db *DB) PreviewRetag(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error) {
	var report *rule.Report
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		report = &rule.Report{}
		return eachRetag(ctx, tx, false, retag, func(_ int64, a *feed.Article, before []feed.ArticleTag) error {
			report.Add(a, before)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("preview retag: %w", err)
	}
	return report, nil
}

// eachRetag reads every article inside tx, in batches (locked when lock is
// set), passes it to retag and then to fn with the tags it had before (see
// upsert.Retag).
func eachRetag(ctx context.Context, tx pgx.Tx, lock bool, retag func(*feed.Article), fn func(seq int64, a *feed.Article, before []feed.ArticleTag) error) error {
	next := func(after int64) ([]feed.Article, []int64, error) { return retagBatch(ctx, tx, after, 500, lock) }
	return upsert.Retag(next, retag, fn)
}

// retagBatch reads up to n articles after seq, with their tags, inside tx.
// With lock it locks them: a writer changing one meanwhile would have its
// tags replaced by what retag made of the ones read here.
func retagBatch(ctx context.Context, tx pgx.Tx, after int64, n int, lock bool) ([]feed.Article, []int64, error) {
	q := `SELECT seq, id, title, summary, content, published FROM articles
		WHERE seq > $1 ORDER BY seq LIMIT $2`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, q, after, n)
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
	trows, err := tx.Query(ctx, `SELECT at.article_seq, t.slug, at.rule, at.matched FROM article_tags at
		JOIN tags t ON t.id = at.tag_id WHERE at.article_seq = ANY($1) ORDER BY at.article_seq, t.slug`, seqs)
	if err != nil {
		return nil, nil, err
	}
	err = scanTags(trows, func(seq int64) *feed.Article { return &arts[index[seq]] })
	return arts, seqs, err
}

// TagNames maps every tag's slug to its name; cheaper than Tags, which
// counts articles.
func (db *DB) TagNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT slug, name FROM tags`)
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
	var (
		found   bool
		aliases []string
	)
	// One statement, one snapshot: the tag and its aliases.
	err := db.pool.QueryRow(ctx, `WITH t AS (SELECT id FROM tags WHERE id = COALESCE(
			(SELECT id FROM tags WHERE slug = $1), (SELECT tag_id FROM tag_aliases WHERE slug = $1)))
		SELECT EXISTS (SELECT 1 FROM t),
			COALESCE((SELECT array_agg(a.slug ORDER BY a.slug) FROM tag_aliases a JOIN t ON a.tag_id = t.id), '{}')`, slug).
		Scan(&found, &aliases)
	if err != nil {
		return nil, fmt.Errorf("tag aliases %s: %w", slug, err)
	}
	if !found {
		return nil, fmt.Errorf("tag aliases %s: %w", slug, feed.ErrNotFound)
	}
	return aliases, nil
}
