package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"herald/feed"
	"herald/store/internal/micros"
	"herald/store/internal/rows"
	"herald/store/internal/upsert"
)

const articleColumns = `a.seq, a.id, a.guid, a.slug, a.title, a.summary, a.content, a.authors,
	a.published, a.updated, a.url, a.language, a.origin, a.provenance`

// queryer is a *pgxpool.Pool, a pgx.Tx or a *pgx.Conn.
type queryer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Article returns the article with the given ID, with its tags.
// It returns feed.ErrNotFound when there is none.
func (db *DB) Article(ctx context.Context, id string) (*feed.Article, error) {
	arts, err := scanArticles(ctx, db.pool, "SELECT "+articleColumns+" FROM articles a WHERE a.id = $1", []any{id}, nil)
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

// scanArticles runs query, which selects articleColumns and then, when
// extra is not nil, the columns extra returns for each row where to scan
// them; then it loads the articles' tags and corrections. All go through
// q, and the rows are closed before the tags are read: a caller in a
// transaction passes it, so as not to hold one connection while waiting
// for another. In a snapshot, the tags and corrections go in the batch
// that ends it.
func scanArticles(ctx context.Context, q queryer, query string, args []any, extra func() []any) ([]feed.Article, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	arts, seqs, err := scanArticleRows(rows, extra)
	if err != nil || len(arts) == 0 {
		return arts, err
	}
	if s, ok := q.(*snapshot); ok {
		b := &pgx.Batch{}
		b.Queue(tagsOfSQL, seqs)
		b.Queue(correctionsOfSQL, seqs)
		br := s.end(ctx, b)
		defer br.Close()
		if err := scanExtras(br.Query, arts, seqs); err != nil {
			return nil, err
		}
		return arts, br.Close()
	}
	queries := []string{tagsOfSQL, correctionsOfSQL}
	next := func() (pgx.Rows, error) {
		sql := queries[0]
		queries = queries[1:]
		return q.Query(ctx, sql, seqs)
	}
	if err := scanExtras(next, arts, seqs); err != nil {
		return nil, err
	}
	return arts, nil
}

// scanBatchArticles reads, from the next results of br, rows of
// articleColumns and then those of tagsOfSQL and correctionsOfSQL (or
// their tagsWhere and correctionsWhere), and returns the articles with
// their tags and corrections, and their seqs.
func scanBatchArticles(br pgx.BatchResults) ([]feed.Article, []int64, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	arts, seqs, err := scanArticleRows(rows, nil)
	if err != nil {
		return nil, nil, err
	}
	return arts, seqs, scanExtras(br.Query, arts, seqs)
}

// scanArticleRows reads rows of articleColumns (and extra's) and closes
// them; it returns the articles, without their tags, and their seqs.
func scanArticleRows(rows pgx.Rows, extra func() []any) ([]feed.Article, []int64, error) {
	defer rows.Close()
	var (
		arts []feed.Article
		seqs []int64
	)
	for rows.Next() {
		var (
			a                  feed.Article
			seq                int64
			published, updated int64
			origin             string
			prov               *string
			err                error
		)
		dest := []any{&seq, &a.ID, &a.GUID, &a.Slug, &a.Title, &a.Summary, &a.Content, &a.Authors,
			&published, &updated, &a.URL, &a.Language, &origin, &prov}
		if extra != nil {
			dest = append(dest, extra()...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		a.Authors = nonNil(a.Authors)
		a.Published, a.Updated, a.Origin = micros.Time(published), micros.Time(updated), feed.Origin(origin)
		if a.Provenance, err = decodeProvenance(prov); err != nil {
			return nil, nil, fmt.Errorf("article %s: %w", a.ID, err)
		}
		arts = append(arts, a)
		seqs = append(seqs, seq)
	}
	rows.Close()
	return arts, seqs, rows.Err()
}

// tagsOfSQL and correctionsOfSQL select the tags and the corrections of
// the articles whose seqs are $1.
var (
	tagsOfSQL        = tagsWhere("= ANY($1)")
	correctionsOfSQL = correctionsWhere("= ANY($1)")
)

// tagsWhere and correctionsWhere select the tags and the corrections of
// the articles whose seqs meet cond ("= ANY($1)", "IN (...)").
func tagsWhere(cond string) string {
	return `SELECT at.article_seq, t.slug, at.rule, at.matched
		FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE at.article_seq ` + cond + `
		ORDER BY at.article_seq, at.rule IS NOT NULL, t.slug`
}

func correctionsWhere(cond string) string {
	return `SELECT ` + rows.CorrectionColumns + `, c.article_seq
		FROM corrections c JOIN articles a ON a.seq = c.article_seq
		WHERE c.article_seq ` + cond + `
		ORDER BY c.article_seq, c.id DESC`
}

// scanExtras gives arts, whose seqs are seqs, their tags and corrections
// from the rows of tagsOfSQL and then of correctionsOfSQL that next
// returns in turn.
func scanExtras(next func() (pgx.Rows, error), arts []feed.Article, seqs []int64) error {
	index := make(map[int64]int, len(seqs))
	for i, s := range seqs {
		index[s] = i
	}
	tags, err := next()
	if err != nil {
		return err
	}
	if err := scanTags(tags, func(seq int64) *feed.Article { return &arts[index[seq]] }); err != nil {
		return err
	}
	corrections, err := next()
	if err != nil {
		return err
	}
	return scanCorrections(corrections, arts, index)
}

// scanTags reads rows of (article seq, slug, rule, matched) and appends each
// tag to the article that at returns for its seq. It closes rows.
func scanTags(rows pgx.Rows, at func(seq int64) *feed.Article) error {
	defer rows.Close()
	for rows.Next() {
		var (
			seq  int64
			t    feed.ArticleTag
			rule *string
		)
		if err := rows.Scan(&seq, &t.Slug, &rule, &t.Matched); err != nil {
			return err
		}
		if rule != nil {
			t.Rule = *rule
			t.Matched = nonNil(t.Matched)
		}
		a := at(seq)
		a.Tags = append(a.Tags, t)
	}
	return rows.Err()
}

func decodeProvenance(raw *string) (*feed.Provenance, error) {
	if raw == nil {
		return nil, nil
	}
	p := new(feed.Provenance)
	if err := json.Unmarshal([]byte(*raw), p); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	return p, nil
}

func provenanceJSON(p *feed.Provenance) *string {
	if p == nil {
		return nil
	}
	b, _ := json.Marshal(p) // cannot fail for a Provenance
	s := string(b)
	return &s
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
	var (
		changes []feed.Change
		stored  []feed.Article
	)
	err := db.tx(ctx, func(tx pgx.Tx) error {
		work := cloneArticles(arts)
		changes = make([]feed.Change, len(work))
		w := db.newWriter(tx)
		defer w.stopDocuments()
		if err := w.readAhead(ctx, work); err != nil {
			return err
		}
		w.deferNew(work)
		changed := false
		for i := range work {
			c, err := w.upsert(ctx, &work[i])
			if err != nil {
				return fmt.Errorf("article %s: %w", work[i].ID, err)
			}
			changes[i] = c
			changed = changed || c != feed.Unchanged
		}
		stored = work
		return w.finish(ctx, changed)
	})
	if err != nil {
		return nil, fmt.Errorf("upsert articles: %w", err)
	}
	copy(arts, stored)
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
	var stored feed.Article
	err := db.tx(ctx, func(tx pgx.Tx) error {
		// Of two creations at once, the second's insert waits for the
		// first to commit, then finds the ID taken (see write).
		stored = created
		stored.Tags = slices.Clone(created.Tags)
		w := db.newWriter(tx)
		if _, err := w.write(ctx, &stored, true); err != nil {
			return err
		}
		return w.finish(ctx, true)
	})
	if err != nil {
		return fmt.Errorf("create article %s: %w", a.ID, err)
	}
	*a = stored
	return nil
}

// cloneArticles copies arts and the slices of theirs that the writer
// rewrites, so that a transaction run again starts from its inputs.
func cloneArticles(arts []feed.Article) []feed.Article {
	out := slices.Clone(arts)
	for i := range out {
		out[i].Tags = slices.Clone(out[i].Tags)
	}
	return out
}

// An articleWriter does the article writes of one transaction. Its methods
// change the rows; finish then gives new articles their numbers, writes the
// change log and adds up the tag counts, as the transaction's last
// statements (see change.go).
type articleWriter struct {
	db   *DB
	tx   pgx.Tx
	tags map[string]tagRef // slug (or old alias) -> tag, cached for the tx
	now  time.Time
	// created lists the provisional seqs of the articles this write
	// created, in order; fresh marks those whose tags were written once
	// only (a second upsert in the same write unmarks it).
	created []int64
	fresh   map[int64]bool
	// entries are the change log entries of this write, in order; logged
	// marks the articles (by seq) that have one.
	entries []changeEntry
	logged  map[int64]bool
	// tagDelta is how many articles each tag gained (or lost) in this write.
	tagDelta map[int64]int64
	// documents are the search index's vectors of the articles this write
	// created, by provisional seq, written when they get their places.
	documents map[int64]pgtype.TSVector
	// ahead holds the rows read ahead and docs the search documents made
	// ahead (see batch.go).
	ahead map[string]*storedRow
	docs  *docsAhead
	// deferred marks the IDs of the new articles that write keeps in
	// pending, for finish to insert; pendingAt indexes pending by the
	// provisional seqs that write gave them (see batch.go).
	deferred  map[string]bool
	pending   []pendingArticle
	pendingAt map[int64]int
	// guids are the GUIDs that articles this write lifts out of their
	// embargo keep, by ID (see embargo).
	guids map[string]string
	// noneHeld says that no article is embargoed (see embargo); nil
	// until asked.
	noneHeld *bool
}

func (db *DB) newWriter(tx pgx.Tx) *articleWriter {
	return &articleWriter{db: db, tx: tx, tags: map[string]tagRef{}, now: db.now(),
		fresh: map[int64]bool{}, logged: map[int64]bool{}, tagDelta: map[int64]int64{},
		documents: map[int64]pgtype.TSVector{}}
}

// lockArticles locks the stored articles among arts, in the order of their
// IDs: two writes of the same articles in other orders then wait for each
// other instead of deadlocking. (New articles are not there to lock: two
// writes creating the same ones in other orders can still deadlock, and
// PostgreSQL then aborts one, which tx runs again.)
func (w *articleWriter) lockArticles(ctx context.Context, arts []feed.Article) error {
	if len(arts) < 2 {
		return nil
	}
	ids := make([]string, len(arts))
	for i := range arts {
		ids[i] = arts[i].ID
	}
	_, err := w.tx.Exec(ctx, `SELECT FROM articles WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	return err
}

type tagRef struct {
	id   int64
	slug string // current slug
}

func (w *articleWriter) upsert(ctx context.Context, a *feed.Article) (feed.Change, error) {
	return w.write(ctx, a, false)
}

// write creates or updates a; with onlyCreate, an article with a's ID is
// feed.ErrConflict.
func (w *articleWriter) write(ctx context.Context, a *feed.Article, onlyCreate bool) (feed.Change, error) {
	if c, held, err := w.embargo(ctx, a, onlyCreate); held || err != nil {
		return c, err
	}
	hash := a.ContentHash()
	authors := nonNil(a.Authors)
	prov := provenanceJSON(a.Provenance)
	var (
		seq                int64
		old                upsert.Stored
		updated, published int64
		version            int64
		exists             bool
	)
	// Locked until the transaction ends, so that two writers of one article
	// take turns: the second compares against what the first stored.
	for {
		err := w.stored(ctx, a.ID).
			Scan(&seq, &old.GUID, &old.Slug, &updated, &published, &version, &old.Hash)
		if err == nil {
			if onlyCreate {
				return "", feed.ErrConflict
			}
			exists = true
			break
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", err
		}
		guid, slug, upd := upsert.New(a, w.db.site.Authority, w.now)
		if g := w.guids[a.ID]; g != "" {
			guid = g // the one it had while embargoed
		}
		if w.deferred[a.ID] && !onlyCreate {
			a.GUID, a.Slug, a.Updated = guid, slug, upd
			seq = w.keep(a, authors, prov, hash)
			break
		}
		err = w.tx.QueryRow(ctx, `INSERT INTO articles (seq, id, guid, slug, title, summary, content, authors,
				published, updated, created, url, language, origin, provenance, content_hash, changed)
			VALUES (-nextval('article_provisional'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $10)
			ON CONFLICT DO NOTHING RETURNING seq`,
			a.ID, guid, slug, a.Title, a.Summary, a.Content, authors,
			micros.Of(a.Published), micros.Of(upd), micros.Of(w.now), a.URL, a.Language, string(a.Origin), prov, hash).
			Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			// Another writer created it meanwhile: this is an update. No
			// conflict target: two creations of one id clash on the id and
			// on the GUID made of it, and either index may be checked first.
			continue
		}
		if err != nil {
			return "", err
		}
		a.GUID, a.Slug, a.Updated = guid, slug, upd
		break
	}
	change := feed.Unchanged
	if !exists {
		if a.CorrectionNote() != "" {
			return "", feed.ErrNothingCorrected()
		}
		change = feed.Created
		w.created = append(w.created, seq)
		w.fresh[seq] = true
		w.log(changeEntry{seq: seq, articleID: a.ID, guid: a.GUID, change: feed.Created, version: 1, hash: hash})
		if err := w.index(ctx, seq, a); err != nil {
			return "", err
		}
		// The article is back under the GUID it had (an id deleted and
		// created again the same day): its tombstone would contradict it.
		// (A kept one's is deleted when it is inserted.)
		if w.kept(seq) == nil {
			if _, err := w.tx.Exec(ctx, `DELETE FROM tombstones WHERE guid = $1`, a.GUID); err != nil {
				return "", err
			}
		}
	} else {
		delete(w.fresh, seq) // stored earlier in this write: its tags are there now
		old.Updated = micros.Time(updated)
		var edited bool
		change, edited = upsert.Revise(a, old, hash, w.now)
		if !edited && a.CorrectionNote() != "" {
			return "", feed.ErrNothingCorrected()
		}
		if change == feed.Updated {
			if edited {
				if err := w.keepVersion(ctx, seq); err != nil {
					return "", err
				}
				version++
				if err := w.correct(ctx, seq, version, a); err != nil {
					return "", err
				}
			}
			w.log(changeEntry{seq: seq, articleID: a.ID, guid: a.GUID, change: feed.Updated, version: version, hash: hash})
			_, err := w.tx.Exec(ctx, `UPDATE articles SET slug = $1, title = $2, summary = $3, content = $4,
				authors = $5, published = $6, updated = $7, url = $8, language = $9, origin = $10, provenance = $11,
				content_hash = $12, version = $13
				WHERE seq = $14`,
				a.Slug, a.Title, a.Summary, a.Content, authors, micros.Of(a.Published), micros.Of(a.Updated),
				a.URL, a.Language, string(a.Origin), prov, hash, version, seq)
			if err != nil {
				return "", err
			}
			if edited {
				if err := w.index(ctx, seq, a); err != nil {
					return "", err
				}
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
	if w.fresh[seq] {
		// A new article has no tags to read or delete.
		if err := w.insertTags(ctx, seq, a, want); err != nil {
			return false, err
		}
		return len(want) > 0, nil
	}
	rows, err := w.tx.Query(ctx, `SELECT tag_id, rule, matched FROM article_tags WHERE article_seq = $1`, seq)
	if err != nil {
		return false, err
	}
	have := map[int64]string{}
	for rows.Next() {
		var (
			id      int64
			rule    *string
			matched []string
		)
		if err := rows.Scan(&id, &rule, &matched); err != nil {
			rows.Close()
			return false, err
		}
		t := feed.ArticleTag{Matched: matched}
		if rule != nil {
			t.Rule = *rule
		}
		have[id] = upsert.Key(t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	same := upsert.Same(have, want)
	if same && !force {
		return false, nil
	}
	if _, err := w.tx.Exec(ctx, `DELETE FROM article_tags WHERE article_seq = $1`, seq); err != nil {
		return false, err
	}
	for id := range have {
		w.tagDelta[id]--
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

// insertTags writes the article's tag rows, in one statement.
func (w *articleWriter) insertTags(ctx context.Context, seq int64, a *feed.Article, tags map[int64]feed.ArticleTag) error {
	if len(tags) == 0 {
		return nil
	}
	var (
		ids     []int64
		rules   []*string
		matched []string // JSON arrays; NULL for hand tags
	)
	for id := range tags {
		ids = append(ids, id)
		w.tagDelta[id]++
	}
	slices.Sort(ids)
	if p := w.kept(seq); p != nil {
		for _, id := range ids {
			t := tags[id]
			p.tagIDs = append(p.tagIDs, id)
			if t.Rule == "" {
				p.rules, p.matched = append(p.rules, nil), append(p.matched, nil)
				continue
			}
			p.rules, p.matched = append(p.rules, &t.Rule), append(p.matched, nonNil(t.Matched))
		}
		return nil
	}
	for _, id := range ids {
		t := tags[id]
		if t.Rule == "" {
			rules, matched = append(rules, nil), append(matched, "")
			continue
		}
		rules, matched = append(rules, &t.Rule), append(matched, upsert.MatchedJSON(t.Matched))
	}
	// The matched words travel as JSON: a text[] of text[] would need
	// arrays of one length.
	_, err := w.tx.Exec(ctx, `INSERT INTO article_tags (tag_id, article_seq, published, rule, matched)
		SELECT t.id, $2, $3, t.rule,
			CASE WHEN t.rule IS NULL THEN NULL
			ELSE ARRAY(SELECT m.word FROM jsonb_array_elements_text(t.matched::jsonb) WITH ORDINALITY AS m(word, n) ORDER BY m.n) END
		FROM unnest($1::bigint[], $4::text[], $5::text[]) AS t(id, rule, matched)`,
		ids, seq, micros.Of(a.Published), rules, matched)
	return err
}

// tagID resolves a slug, or a renamed tag's old slug, to the tag's id and
// current slug, creating the tag when there is none.
func (w *articleWriter) tagID(ctx context.Context, slug string) (int64, string, error) {
	if ref, ok := w.tags[slug]; ok {
		return ref.id, ref.slug, nil
	}
	const find = `SELECT id, slug FROM tags WHERE slug = $1
		UNION ALL SELECT t.id, t.slug FROM tag_aliases al JOIN tags t ON t.id = al.tag_id WHERE al.slug = $1
		LIMIT 1`
	var ref tagRef
	err := w.tx.QueryRow(ctx, find, slug).Scan(&ref.id, &ref.slug)
	if errors.Is(err, pgx.ErrNoRows) {
		// Another writer may be creating the same tag: of the two, the
		// second waits for the first and then takes its tag.
		t := feed.Tag{Slug: slug, Name: feed.TagName(slug)}
		if err := t.Validate(); err != nil {
			return 0, "", err
		}
		now := micros.Of(w.now)
		ref.slug = slug
		err = w.tx.QueryRow(ctx, `INSERT INTO tags (slug, name, created, updated) VALUES ($1, $2, $3, $3)
			ON CONFLICT (slug) DO NOTHING RETURNING id`, t.Slug, t.Name, now).Scan(&ref.id)
		if errors.Is(err, pgx.ErrNoRows) {
			err = w.tx.QueryRow(ctx, find, slug).Scan(&ref.id, &ref.slug)
		}
	}
	if err != nil {
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
	err := db.tx(ctx, func(tx pgx.Tx) error {
		w := db.newWriter(tx)
		if held, err := deleteEmbargoed(ctx, tx, id); err != nil || held {
			if err == nil {
				err = bump(ctx, tx)
			}
			return err
		}
		if err := w.delete(ctx, id); err != nil {
			return err
		}
		return w.finish(ctx, true)
	})
	if err != nil {
		return fmt.Errorf("delete article %s: %w", id, err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
