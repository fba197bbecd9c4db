package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"herald/feed"
	"herald/store/internal/micros"
	"herald/store/internal/upsert"
)

const articleColumns = `a.seq, a.id, a.guid, a.slug, a.title, a.summary, a.content, a.authors,
	a.published, a.updated, a.url, a.language, a.origin, a.provenance`

// Article returns the article with the given ID, with its tags.
// It returns feed.ErrNotFound when there is none.
func (db *DB) Article(ctx context.Context, id string) (*feed.Article, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+articleColumns+" FROM articles a WHERE a.id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("article %s: %w", id, err)
	}
	arts, err := db.scanArticles(ctx, rows)
	if err != nil {
		return nil, fmt.Errorf("article %s: %w", id, err)
	}
	if len(arts) == 0 {
		return nil, fmt.Errorf("article %s: %w", id, feed.ErrNotFound)
	}
	return &arts[0], nil
}

// Articles returns the articles f selects, newest published first unless
// f.Order says otherwise, with their tags: the first page of ArticlePage,
// whose errors it returns. Unknown tag slugs select nothing; callers that
// must tell a missing tag from an empty one ask Tag first.
func (db *DB) Articles(ctx context.Context, f feed.ArticleFilter) ([]feed.Article, error) {
	page, err := db.ArticlePage(ctx, f)
	if err != nil {
		return nil, err
	}
	return page.Articles, nil
}

// scanArticles reads rows of articleColumns and then loads their tags.
func (db *DB) scanArticles(ctx context.Context, rows *sql.Rows) ([]feed.Article, error) {
	return scanArticlesWith(ctx, db.read, rows, nil)
}

// scanArticlesWith is scanArticles for rows with more columns after
// articleColumns: extra, when not nil, returns for each row where to scan
// them. The tags are read through q: a caller reading in a transaction
// passes it, so as not to hold one pooled connection while waiting for
// another.
func scanArticlesWith(ctx context.Context, q queryer, rows *sql.Rows, extra func() []any) ([]feed.Article, error) {
	defer rows.Close()
	var (
		arts []feed.Article
		seqs []int64
	)
	for rows.Next() {
		var (
			a                  feed.Article
			seq                int64
			authors            string
			published, updated int64
			origin             string
			prov               sql.NullString
		)
		dest := []any{&seq, &a.ID, &a.GUID, &a.Slug, &a.Title, &a.Summary, &a.Content, &authors,
			&published, &updated, &a.URL, &a.Language, &origin, &prov}
		if extra != nil {
			dest = append(dest, extra()...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(authors), &a.Authors); err != nil {
			return nil, fmt.Errorf("article %s: authors: %w", a.ID, err)
		}
		a.Published, a.Updated, a.Origin = micros.Time(published), micros.Time(updated), feed.Origin(origin)
		if prov.Valid {
			a.Provenance = new(feed.Provenance)
			if err := json.Unmarshal([]byte(prov.String), a.Provenance); err != nil {
				return nil, fmt.Errorf("article %s: provenance: %w", a.ID, err)
			}
		}
		arts = append(arts, a)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(arts) == 0 {
		return arts, nil
	}
	index := make(map[int64]int, len(seqs))
	for i, s := range seqs {
		index[s] = i
	}
	tags, err := q.QueryContext(ctx, `SELECT at.article_seq, t.slug, at.rule, at.matched
		FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE at.article_seq IN (SELECT value FROM json_each(?))
		ORDER BY at.article_seq, at.rule IS NOT NULL, t.slug`, int64sJSON(seqs))
	if err != nil {
		return nil, err
	}
	err = scanTags(tags, func(seq int64) *feed.Article { return &arts[index[seq]] })
	if err != nil {
		return nil, err
	}
	return arts, loadCorrections(ctx, q, arts, seqs, index)
}

// scanTags reads rows of (article seq, slug, rule, matched) and appends each
// tag to the article that at returns for its seq. It closes rows.
func scanTags(rows *sql.Rows, at func(seq int64) *feed.Article) error {
	defer rows.Close()
	for rows.Next() {
		var (
			seq           int64
			t             feed.ArticleTag
			rule, matched sql.NullString
		)
		if err := rows.Scan(&seq, &t.Slug, &rule, &matched); err != nil {
			return err
		}
		t.Rule = rule.String
		if matched.Valid {
			if err := json.Unmarshal([]byte(matched.String), &t.Matched); err != nil {
				return fmt.Errorf("tag %s: matched: %w", t.Slug, err)
			}
		}
		a := at(seq)
		a.Tags = append(a.Tags, t)
	}
	return rows.Err()
}

func int64sJSON(v []int64) string {
	b, _ := json.Marshal(v) // cannot fail for []int64
	return string(b)
}

// UpsertArticles creates or updates each article by its ID, in one
// transaction, and reports what happened to each. It fills in what the store
// decides: GUID and Slug for a new article, Updated (kept when the content is
// unchanged, else the given Updated if later, else now), and the tags as
// stored. Tags that do not exist yet are created; renamed tags' old slugs
// resolve to the new ones. An invalid article fails the whole call with a
// *feed.ValidationError naming its index and ID; callers that want the rest
// to go on validate first.
func (db *DB) UpsertArticles(ctx context.Context, arts []feed.Article) ([]feed.Change, error) {
	for i := range arts {
		if arts[i].Origin == "" {
			arts[i].Origin = feed.OriginOwn
		}
		if err := arts[i].Validate(); err != nil {
			return nil, fmt.Errorf("article %d (%s): %w", i, arts[i].ID, err)
		}
	}
	changes := make([]feed.Change, len(arts))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		w := &articleWriter{db: db, tx: tx, tags: map[string]tagRef{}, now: db.now()}
		changed := false
		for i := range arts {
			c, err := w.upsert(ctx, &arts[i])
			if err != nil {
				return fmt.Errorf("article %s: %w", arts[i].ID, err)
			}
			changes[i] = c
			changed = changed || c != feed.Unchanged
		}
		if changed {
			return bump(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("upsert articles: %w", err)
	}
	return changes, nil
}

// UpsertArticle is UpsertArticles for one article.
func (db *DB) UpsertArticle(ctx context.Context, a *feed.Article) (feed.Change, error) {
	arts := []feed.Article{*a}
	changes, err := db.UpsertArticles(ctx, arts)
	if err != nil {
		return "", err
	}
	*a = arts[0]
	return changes[0], nil
}

// CreateArticle stores a new article, filling in what UpsertArticle does
// (GUID, Slug, Updated, the tags as stored), in one transaction: of two
// creations of one ID, however close, exactly one succeeds.
// Errors: feed.ErrConflict when an article with a's ID exists; a
// *feed.ValidationError for bad fields.
func (db *DB) CreateArticle(ctx context.Context, a *feed.Article) error {
	created := *a
	if created.Origin == "" {
		created.Origin = feed.OriginOwn
	}
	if err := created.Validate(); err != nil {
		return fmt.Errorf("create article %s: %w", a.ID, err)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		// The write transaction is immediate: no other writer can store
		// the ID between this look and the insert.
		var seq int64
		err := tx.QueryRowContext(ctx, `SELECT seq FROM articles WHERE id = ?
			UNION ALL SELECT 0 FROM embargoes WHERE id = ?`, created.ID, created.ID).Scan(&seq)
		if err == nil {
			return feed.ErrConflict
		}
		if err != sql.ErrNoRows {
			return err
		}
		w := &articleWriter{db: db, tx: tx, tags: map[string]tagRef{}, now: db.now()}
		if _, err := w.upsert(ctx, &created); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if isUnique(err) {
		err = feed.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("create article %s: %w", a.ID, err)
	}
	*a = created
	return nil
}

type articleWriter struct {
	db   *DB
	tx   *sql.Tx
	tags map[string]tagRef // slug (or old alias) -> tag, cached for the tx
	now  time.Time
	// logged maps the seq of each article this write logged a change of
	// to the change's id (see logChange); nil until the first.
	logged map[int64]int64
	// created marks the articles this write created.
	created map[int64]bool
	// stmts holds the statements prepared in tx, by query: a batch runs the
	// same dozen statements for every article, and parsing them again each
	// time cost a tenth of a bulk ingest. The tx closes them.
	stmts map[string]*sql.Stmt
	// guids are the GUIDs that articles this write lifts out of their
	// embargo keep, by ID (see embargo).
	guids map[string]string
	// noneHeld says that no article is embargoed (see embargo); nil
	// until asked.
	noneHeld *bool
}

func (w *articleWriter) noteCreated(seq int64) {
	if w.created == nil {
		w.created = map[int64]bool{}
	}
	w.created[seq] = true
}

func (w *articleWriter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[query] = st
	return st, nil
}

func (w *articleWriter) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (w *articleWriter) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is QueryRowContext through a prepared statement.
func (w *articleWriter) queryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	st, err := w.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type tagRef struct {
	id   int64
	slug string // current slug
}

func (w *articleWriter) upsert(ctx context.Context, a *feed.Article) (feed.Change, error) {
	if c, held, err := w.embargo(ctx, a); held || err != nil {
		return c, err
	}
	hash := a.ContentHash()
	var (
		seq                int64
		old                upsert.Stored
		updated, published int64
		version            int64
	)
	err := w.queryRow(ctx, `SELECT seq, guid, slug, updated, published, version, content_hash FROM articles WHERE id = ?`, a.ID).
		Scan(&seq, &old.GUID, &old.Slug, &updated, &published, &version, &old.Hash)
	exists := err == nil
	if err != nil && err != sql.ErrNoRows {
		return "", err
	}
	authors, _ := json.Marshal(nonNil(a.Authors))
	var prov sql.NullString
	if a.Provenance != nil {
		b, _ := json.Marshal(a.Provenance)
		prov = sql.NullString{String: string(b), Valid: true}
	}
	change := feed.Unchanged
	switch {
	case !exists:
		if a.CorrectionNote() != "" {
			return "", feed.ErrNothingCorrected()
		}
		change = feed.Created
		a.GUID, a.Slug, a.Updated = upsert.New(a, w.db.site.Authority, w.now)
		if guid := w.guids[a.ID]; guid != "" {
			a.GUID = guid // the one it had while embargoed
		}
		// The change is logged first so that the row is written once, with
		// its place in the polling order.
		rev, err := w.insertChange(ctx, a.ID, a.GUID, feed.Created, 1, hash)
		if err != nil {
			return "", err
		}
		res, err := w.exec(ctx, `INSERT INTO articles (id, guid, slug, title, summary, content, authors,
			published, updated, created, url, language, origin, provenance, content_hash, rev, changed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.GUID, a.Slug, a.Title, a.Summary, a.Content, string(authors),
			micros.Of(a.Published), micros.Of(a.Updated), micros.Of(w.now), a.URL, a.Language, string(a.Origin), prov, hash,
			rev, micros.Of(w.now))
		if err != nil {
			return "", err
		}
		if seq, err = res.LastInsertId(); err != nil {
			return "", err
		}
		w.noteLogged(seq, rev)
		w.noteCreated(seq)
		if err := w.index(ctx, seq, false); err != nil {
			return "", err
		}
		// The article is back under the GUID it had (an id deleted and
		// created again the same day): its tombstone would contradict it.
		if _, err := w.exec(ctx, `DELETE FROM tombstones WHERE guid = ?`, a.GUID); err != nil {
			return "", err
		}
	default:
		delete(w.created, seq) // stored earlier in this write: its tags are there now
		old.Updated = micros.Time(updated)
		var edited bool
		change, edited = upsert.Revise(a, old, hash, w.now)
		if !edited && a.CorrectionNote() != "" {
			return "", feed.ErrNothingCorrected()
		}
		if change == feed.Unchanged {
			break
		}
		if edited {
			if err := w.keepVersion(ctx, seq); err != nil {
				return "", err
			}
			version++
			if err := w.correct(ctx, seq, version, a); err != nil {
				return "", err
			}
		}
		rev, err := w.insertChange(ctx, a.ID, a.GUID, feed.Updated, version, hash)
		if err != nil {
			return "", err
		}
		_, err = w.exec(ctx, `UPDATE articles SET slug = ?, title = ?, summary = ?, content = ?, authors = ?,
			published = ?, updated = ?, url = ?, language = ?, origin = ?, provenance = ?, content_hash = ?,
			version = ?, rev = ?, changed = ?
			WHERE seq = ?`,
			a.Slug, a.Title, a.Summary, a.Content, string(authors), micros.Of(a.Published), micros.Of(a.Updated),
			a.URL, a.Language, string(a.Origin), prov, hash, version, rev, micros.Of(w.now), seq)
		if err != nil {
			return "", err
		}
		w.noteLogged(seq, rev)
		if edited {
			if err := w.index(ctx, seq, true); err != nil {
				return "", err
			}
		}
	}
	tagsChanged, err := w.setTags(ctx, seq, a, exists && micros.Of(a.Published) != published)
	if err != nil {
		return "", err
	}
	if tagsChanged && change == feed.Unchanged {
		change = feed.Updated
	}
	return change, nil
}

// setTags makes the stored tags of the article at seq equal to a.Tags
// (see upsert.Tags: resolving aliases and creating missing tags, and
// rewriting a.Tags as stored). It rewrites the rows when they differ or
// when force is set (the published time they copy has moved).
func (w *articleWriter) setTags(ctx context.Context, seq int64, a *feed.Article, force bool) (bool, error) {
	want, err := upsert.Tags(a, func(slug string) (int64, string, error) { return w.tagID(ctx, slug) })
	if err != nil {
		return false, err
	}
	if w.created[seq] {
		// A new article has no tags to read or delete.
		if err := w.insertTags(ctx, seq, a, want); err != nil {
			return false, err
		}
		return len(want) > 0, nil
	}
	rows, err := w.query(ctx, `SELECT tag_id, COALESCE(rule, ''), COALESCE(matched, '') FROM article_tags WHERE article_seq = ?`, seq)
	if err != nil {
		return false, err
	}
	have := map[int64]string{}
	for rows.Next() {
		var (
			id            int64
			rule, matched string
		)
		if err := rows.Scan(&id, &rule, &matched); err != nil {
			rows.Close()
			return false, err
		}
		have[id] = rule + "\x00" + matched // upsert.Key, from the JSON as stored
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	same := upsert.Same(have, want)
	if same && !force {
		return false, nil
	}
	if _, err := w.exec(ctx, `DELETE FROM article_tags WHERE article_seq = ?`, seq); err != nil {
		return false, err
	}
	if err := w.insertTags(ctx, seq, a, want); err != nil {
		return false, err
	}
	if !same {
		// New tags change the article's feeds: pollers must see it again.
		if err := w.logChange(ctx, seq, feed.Updated); err != nil {
			return false, err
		}
	}
	return !same, nil
}

// insertTags writes the article's tag rows.
func (w *articleWriter) insertTags(ctx context.Context, seq int64, a *feed.Article, tags map[int64]feed.ArticleTag) error {
	for id, t := range tags {
		rule := sql.NullString{String: t.Rule, Valid: t.Rule != ""}
		_, err := w.exec(ctx, `INSERT INTO article_tags (tag_id, article_seq, published, rule, matched) VALUES (?, ?, ?, ?, ?)`,
			id, seq, micros.Of(a.Published), rule, matchedJSON(t))
		if err != nil {
			return err
		}
	}
	return nil
}

// matchedJSON is the matched column of t: NULL for a hand tag.
func matchedJSON(t feed.ArticleTag) sql.NullString {
	if t.Rule == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: upsert.MatchedJSON(t.Matched), Valid: true}
}

// tagID resolves a slug, or a renamed tag's old slug, to the tag's id and
// current slug, creating the tag when there is none.
func (w *articleWriter) tagID(ctx context.Context, slug string) (int64, string, error) {
	if ref, ok := w.tags[slug]; ok {
		return ref.id, ref.slug, nil
	}
	var ref tagRef
	err := w.queryRow(ctx, `SELECT id, slug FROM tags WHERE slug = ?
		UNION ALL SELECT t.id, t.slug FROM tag_aliases al JOIN tags t ON t.id = al.tag_id WHERE al.slug = ?
		LIMIT 1`, slug, slug).Scan(&ref.id, &ref.slug)
	switch {
	case err == sql.ErrNoRows:
		ref.slug = slug
		ref.id, err = w.db.createTag(ctx, w.tx, feed.Tag{Slug: slug, Name: feed.TagName(slug)})
		if err != nil {
			return 0, "", err
		}
	case err != nil:
		return 0, "", err
	}
	w.tags[slug] = ref
	return ref.id, ref.slug, nil
}

// DeleteArticle removes the article with the given ID and its version
// history, leaving a tombstone (see Tombstones) and a "deleted" entry in the
// change log.
// It returns feed.ErrNotFound when there is none.
func (db *DB) DeleteArticle(ctx context.Context, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if held, err := deleteEmbargoed(ctx, tx, id); err != nil || held {
			if err == nil {
				err = bump(ctx, tx)
			}
			return err
		}
		if err := deleteArticle(ctx, tx, id, db.now()); err != nil {
			return fmt.Errorf("delete article %s: %w", id, err)
		}
		return bump(ctx, tx)
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
