package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/feed"
	"herald/store/internal/micros"
	"herald/store/internal/upsert"
	"herald/store/postgres"
)

// A Baseline is the yardstick of herald's bulk ingest: the least any
// program must do to store new articles in herald's schema, written with
// plain prepared statements, row by row, one transaction per Write. For
// each article it writes the article's row, its change log entry, its tag
// rows (and the tags' counts) and its search index row, with the search
// text herald makes. It checks nothing (no stored article of the same ID,
// no content hash, no embargo, no renamed tag, no tombstone): it is
// what herald's store is measured against, never a store.
type Baseline struct {
	authority string
	now       time.Time
	tags      map[string]int64 // slug -> id
	// One of the two is set, by the engine.
	lite *sql.DB
	pg   *pgx.Conn
	seq  int64 // PostgreSQL: the last article seq and change id given
	rev  int64
}

// OpenBaseline opens the herald database that name names (an SQLite
// file's path or a postgres:// URL), whose schema store.Open made, for a
// Baseline writing articles of the site authority.
func OpenBaseline(ctx context.Context, name, authority string) (*Baseline, error) {
	b := &Baseline{authority: authority, now: time.Now().UTC(), tags: map[string]int64{}}
	var err error
	if strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://") {
		err = b.openPostgres(ctx, name)
	} else {
		err = b.openSQLite(ctx, name)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open baseline: %w", err)
	}
	return b, nil
}

func (b *Baseline) openSQLite(ctx context.Context, path string) error {
	// The pragmas of store/sqlite's writer.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	b.lite = db
	return b.loadTags(func() (rows, error) { return db.QueryContext(ctx, `SELECT id, slug FROM tags`) })
}

func (b *Baseline) openPostgres(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	b.pg = conn
	err = conn.QueryRow(ctx, `SELECT COALESCE((SELECT MAX(seq) FROM articles), 0),
		(SELECT value FROM counters WHERE name = 'changes')`).Scan(&b.seq, &b.rev)
	if err != nil {
		return err
	}
	return b.loadTags(func() (rows, error) {
		r, err := conn.Query(ctx, `SELECT id, slug FROM tags`)
		return pgRows{r}, err
	})
}

// rows is what loadTags needs of database/sql's and pgx's rows.
type rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error { r.Rows.Close(); return nil }

func (b *Baseline) loadTags(query func() (rows, error)) error {
	r, err := query()
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var (
			id   int64
			slug string
		)
		if err := r.Scan(&id, &slug); err != nil {
			return err
		}
		b.tags[slug] = id
	}
	return r.Err()
}

// Close closes the database.
func (b *Baseline) Close() error {
	switch {
	case b.lite != nil:
		return b.lite.Close()
	case b.pg != nil:
		return b.pg.Close(context.Background())
	}
	return nil
}

// Write stores arts, new articles whose tags exist, in one transaction.
func (b *Baseline) Write(ctx context.Context, arts []feed.Article) error {
	for i := range arts {
		for _, t := range arts[i].Tags {
			if _, ok := b.tags[t.Slug]; !ok {
				return fmt.Errorf("baseline: article %s: no tag %q", arts[i].ID, t.Slug)
			}
		}
	}
	if b.pg != nil {
		return b.writePostgres(ctx, arts)
	}
	return b.writeSQLite(ctx, arts)
}

func (b *Baseline) writeSQLite(ctx context.Context, arts []feed.Article) error {
	tx, err := b.lite.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prepare := func(query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, query)
		return s
	}
	change := prepare(`INSERT INTO changes (article_id, guid, change, at, version, content_hash) VALUES (?, ?, 'created', ?, 1, ?)`)
	article := prepare(`INSERT INTO articles (id, guid, slug, title, summary, content, authors,
		published, updated, created, url, language, origin, content_hash, rev, changed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	tag := prepare(`INSERT INTO article_tags (tag_id, article_seq, published, rule, matched) VALUES (?, ?, ?, ?, ?)`)
	search := prepare(`INSERT INTO article_search (rowid, title, summary, body)
		VALUES (?, herald_search_text(?), herald_search_text(?), herald_search_html(?))`)
	if err != nil {
		return err
	}
	now := micros.Of(b.now)
	for i := range arts {
		a := &arts[i]
		guid, slug, updated := upsert.New(a, b.authority, b.now)
		hash := a.ContentHash()
		authors, _ := json.Marshal(nonNil(a.Authors))
		res, err := change.ExecContext(ctx, a.ID, guid, now, hash)
		if err != nil {
			return err
		}
		rev, err := res.LastInsertId()
		if err != nil {
			return err
		}
		res, err = article.ExecContext(ctx, a.ID, guid, slug, a.Title, a.Summary, a.Content, string(authors),
			micros.Of(a.Published), micros.Of(updated), now, a.URL, a.Language, string(feed.OriginOwn), hash, rev, now)
		if err != nil {
			return err
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for _, t := range a.Tags {
			var rule, matched any
			if t.Rule != "" {
				rule, matched = t.Rule, upsert.MatchedJSON(t.Matched)
			}
			// Tag counts: the schema's trigger.
			if _, err := tag.ExecContext(ctx, b.tags[t.Slug], seq, micros.Of(a.Published), rule, matched); err != nil {
				return err
			}
		}
		if _, err := search.ExecContext(ctx, seq, a.Title, a.Summary, a.Content); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE content_version SET version = version + 1 WHERE id = 1`); err != nil {
		return err
	}
	return tx.Commit()
}

func (b *Baseline) writePostgres(ctx context.Context, arts []feed.Article) error {
	return pgx.BeginFunc(ctx, b.pg, func(tx pgx.Tx) error {
		now := micros.Of(b.now)
		counts := map[int64]int64{}
		for i := range arts {
			a := &arts[i]
			guid, slug, updated := upsert.New(a, b.authority, b.now)
			hash := a.ContentHash()
			b.seq++
			b.rev++
			// pgx prepares each statement once per connection and reuses it.
			_, err := tx.Exec(ctx, `INSERT INTO articles (seq, id, guid, slug, title, summary, content, authors,
				published, updated, created, url, language, origin, content_hash, rev, changed)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $11)`,
				b.seq, a.ID, guid, slug, a.Title, a.Summary, a.Content, nonNil(a.Authors),
				micros.Of(a.Published), micros.Of(updated), now, a.URL, a.Language, string(feed.OriginOwn), hash, b.rev)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO changes (id, article_id, guid, change, at, version, content_hash)
				VALUES ($1, $2, $3, 'created', $4, 1, $5)`, b.rev, a.ID, guid, now, hash)
			if err != nil {
				return err
			}
			for _, t := range a.Tags {
				var (
					rule    *string
					matched []string
				)
				if t.Rule != "" {
					rule, matched = &t.Rule, nonNil(t.Matched)
				}
				_, err := tx.Exec(ctx, `INSERT INTO article_tags (tag_id, article_seq, published, rule, matched)
					VALUES ($1, $2, $3, $4, $5)`, b.tags[t.Slug], b.seq, micros.Of(a.Published), rule, matched)
				if err != nil {
					return err
				}
				counts[b.tags[t.Slug]]++
			}
			_, err = tx.Exec(ctx, `INSERT INTO article_search (seq, document) VALUES ($1, $2::tsvector)`,
				b.seq, postgres.SearchDocument(a.Title, a.Summary, a.Content))
			if err != nil {
				return err
			}
		}
		for id, n := range counts {
			if _, err := tx.Exec(ctx, `UPDATE tags SET articles = articles + $1 WHERE id = $2`, n, id); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE counters SET value = $1 WHERE name = 'changes'`, b.rev)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE content_version SET version = version + 1 WHERE id = 1`)
		return err
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
