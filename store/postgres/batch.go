package postgres

// Batched writes. A bulk ingest stores hundreds of articles in one
// UpsertArticles, and each of a new article's statements cost a round trip
// to the server, which cost more than the statements themselves. So
// readAhead reads the stored rows of all the batch's articles in one
// statement (write then reads none for a new article), and a goroutine
// makes the search documents of the batch's new and edited articles (see
// startDocuments), the client's main work, while the writer waits on the
// server.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"herald/feed"
	"herald/store/internal/micros"
)

// SearchDocument returns the text of the tsvector that the search index
// holds for an article of the given title, summary and content (HTML): what
// the writer stores, for a yardstick that writes the index itself (see
// storetest.Baseline).
func SearchDocument(title, summary, content string) string {
	return document(title, summary, content)
}

// storedRow is what write reads of a stored article.
type storedRow struct {
	seq, updated, published, version int64
	guid, slug                       string
	hash                             []byte
}

// readAhead locks the stored articles among arts in the order of their IDs,
// as lockArticles does, and keeps their rows (and which IDs have none) for
// write, which would otherwise read them one by one.
func (w *articleWriter) readAhead(ctx context.Context, arts []feed.Article) error {
	if len(arts) < 2 {
		return nil
	}
	ids := make([]string, len(arts))
	w.ahead = make(map[string]*storedRow, len(arts))
	for i := range arts {
		ids[i] = arts[i].ID
		w.ahead[arts[i].ID] = nil
	}
	rows, err := w.tx.Query(ctx, `SELECT seq, id, guid, slug, updated, published, version, content_hash
		FROM articles WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r  storedRow
			id string
		)
		if err := rows.Scan(&r.seq, &id, &r.guid, &r.slug, &r.updated, &r.published, &r.version, &r.hash); err != nil {
			return err
		}
		w.ahead[id] = &r
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.startDocuments(arts)
	return nil
}

// docsAhead are search documents made ahead by a goroutine, in order.
type docsAhead struct {
	index map[string]int // article ID -> its place in src
	src   []feed.Article // title, summary and content only
	docs  []pgtype.TSVector
	ready []chan struct{} // closed when docs[i] is made
	stop  chan struct{}
	wg    sync.WaitGroup
}

// startDocuments starts making, in a goroutine, the search documents of
// those of arts that readAhead found new or with other content than
// stored, which write will index. stopDocuments stops it.
func (w *articleWriter) startDocuments(arts []feed.Article) {
	d := &docsAhead{index: map[string]int{}, stop: make(chan struct{})}
	for i := range arts {
		a := &arts[i]
		if _, dup := d.index[a.ID]; dup {
			continue
		}
		if r := w.ahead[a.ID]; r != nil && bytes.Equal(r.hash, a.ContentHash()) {
			continue
		}
		d.index[a.ID] = len(d.src)
		d.src = append(d.src, feed.Article{Title: a.Title, Summary: a.Summary, Content: a.Content})
		d.ready = append(d.ready, make(chan struct{}))
	}
	if len(d.src) == 0 {
		return
	}
	d.docs = make([]pgtype.TSVector, len(d.src))
	w.docs = d
	d.wg.Go(func() {
		stems := stemCache{}
		for i := range d.src {
			select {
			case <-d.stop:
				return
			default:
			}
			d.docs[i] = vector(d.src[i].Title, d.src[i].Summary, d.src[i].Content, stems)
			close(d.ready[i])
		}
	})
}

// stopDocuments stops the goroutine of startDocuments and waits for it.
func (w *articleWriter) stopDocuments() {
	if w.docs != nil {
		close(w.docs.stop)
		w.docs.wg.Wait()
		w.docs = nil
	}
}

// document returns the search document of a: the one made ahead for it,
// when its text is still what it was, else one made now.
func (w *articleWriter) document(a *feed.Article) pgtype.TSVector {
	if d := w.docs; d != nil {
		if i, ok := d.index[a.ID]; ok {
			<-d.ready[i]
			if src := &d.src[i]; src.Title == a.Title && src.Summary == a.Summary && src.Content == a.Content {
				return d.docs[i]
			}
		}
	}
	return vector(a.Title, a.Summary, a.Content, nil)
}

// stored returns, for write to scan, the row of the article id (seq, guid,
// slug, updated, published, version, content_hash), locked until the
// transaction ends, or pgx.ErrNoRows: read by readAhead when it read the
// id (once only: the write may then change the row), else read now.
func (w *articleWriter) stored(ctx context.Context, id string) pgx.Row {
	if r, ok := w.ahead[id]; ok {
		delete(w.ahead, id)
		return aheadRow{r}
	}
	return w.tx.QueryRow(ctx, `SELECT seq, guid, slug, updated, published, version, content_hash
		FROM articles WHERE id = $1 FOR UPDATE`, id)
}

// aheadRow is a row that readAhead read, or none.
type aheadRow struct{ r *storedRow }

func (a aheadRow) Scan(dest ...any) error {
	if a.r == nil {
		return pgx.ErrNoRows
	}
	values := []any{a.r.seq, a.r.guid, a.r.slug, a.r.updated, a.r.published, a.r.version, a.r.hash}
	if len(dest) != len(values) {
		return fmt.Errorf("read ahead: %d columns scanned, want %d", len(dest), len(values))
	}
	for i, d := range dest {
		switch p := d.(type) {
		case *int64:
			*p = values[i].(int64)
		case *string:
			*p = values[i].(string)
		case *[]byte:
			*p = values[i].([]byte)
		default:
			return fmt.Errorf("read ahead: cannot scan column %d into %T", i, d)
		}
	}
	return nil
}

// # New articles of a batch, inserted at their places
//
// A new article is otherwise inserted by write under a provisional seq and
// moved to its place by finish (see change.go): two writes of its row and
// of its tags' rows, and a round trip each for the article, its tags and
// its tombstone. In a batch, deferNew marks the articles that readAhead
// found new (and that occur once in it); write keeps their rows in memory,
// under provisional seqs of its own that the database never sees, and
// finish copies them in, at their places, once it holds changeLogLock:
// one COPY for the articles and one for their tags.
//
// Another writer may create one of them in between. Then the COPY breaks
// the unique index on id (or waits for that writer and then breaks it), the
// transaction fails with errRaced, and tx runs it again: readAhead then
// finds the article, and this write updates it.

// errRaced says that an article a batch was to create was created by
// another writer first; tx runs the batch again.
var errRaced = errors.New("an article of the batch was created by another writer meanwhile")

// A pendingArticle is a new article's row, kept for finish to insert.
type pendingArticle struct {
	seq                         int64 // provisional, this writer's own
	id, guid, slug              string
	title, summary, content     string
	authors                     []string
	published, updated, created int64
	url, language, origin       string
	provenance                  *string
	hash                        []byte
	// Its tags' rows (see insertTags).
	tagIDs  []int64
	rules   []*string
	matched [][]string
}

// firstLocalSeq is where this writer's own provisional seqs start, far
// below those of the article_provisional sequence, which the database
// holds.
const firstLocalSeq = -1 << 62

// deferNew marks the articles of arts that readAhead found new and that
// arts holds once, for write to keep in memory (see above).
func (w *articleWriter) deferNew(arts []feed.Article) {
	if w.ahead == nil {
		return
	}
	seen := make(map[string]int, len(arts))
	for i := range arts {
		seen[arts[i].ID]++
	}
	w.deferred = map[string]bool{}
	for id, r := range w.ahead {
		if r == nil && seen[id] == 1 {
			w.deferred[id] = true
		}
	}
}

// keep keeps a's row for finish to insert, and returns its provisional seq.
func (w *articleWriter) keep(a *feed.Article, authors []string, prov *string, hash []byte) int64 {
	delete(w.deferred, a.ID)
	if w.pendingAt == nil {
		w.pendingAt = map[int64]int{}
	}
	seq := firstLocalSeq - int64(len(w.pending))
	w.pendingAt[seq] = len(w.pending)
	w.pending = append(w.pending, pendingArticle{
		seq: seq, id: a.ID, guid: a.GUID, slug: a.Slug, title: a.Title, summary: a.Summary, content: a.Content,
		authors: authors, published: micros.Of(a.Published), updated: micros.Of(a.Updated), created: micros.Of(w.now),
		url: a.URL, language: a.Language, origin: string(a.Origin), provenance: prov, hash: hash,
	})
	return seq
}

// kept returns the kept row of the article at seq, or nil when
// that article is in the database.
func (w *articleWriter) kept(seq int64) *pendingArticle {
	if i, ok := w.pendingAt[seq]; ok {
		return &w.pending[i]
	}
	return nil
}

// insertPending copies the kept articles in, at the places that finish
// gave them, with the revs of their change log entries, and their tags
// after them; and deletes the tombstones their GUIDs had. The caller holds
// changeLogLock.
func (w *articleWriter) insertPending(ctx context.Context, place, revs map[int64]int64) error {
	if len(w.pending) == 0 {
		return nil
	}
	at := micros.Of(w.now)
	rows := make([][]any, len(w.pending))
	var tagRows [][]any
	guids := make([]string, len(w.pending))
	for i := range w.pending {
		p := &w.pending[i]
		seq := place[p.seq]
		rows[i] = []any{seq, p.id, p.guid, p.slug, p.title, p.summary, p.content, p.authors,
			p.published, p.updated, p.created, p.url, p.language, p.origin, p.provenance, p.hash,
			revs[seq], at}
		for j, id := range p.tagIDs {
			tagRows = append(tagRows, []any{id, seq, p.published, p.rules[j], p.matched[j]})
		}
		guids[i] = p.guid
	}
	_, err := w.tx.CopyFrom(ctx, pgx.Identifier{"articles"},
		[]string{"seq", "id", "guid", "slug", "title", "summary", "content", "authors",
			"published", "updated", "created", "url", "language", "origin", "provenance", "content_hash",
			"rev", "changed"},
		pgx.CopyFromRows(rows))
	if isUnique(err) {
		return fmt.Errorf("%w: %w", errRaced, err)
	}
	if err != nil {
		return fmt.Errorf("insert new articles: %w", err)
	}
	if len(tagRows) > 0 {
		_, err = w.tx.CopyFrom(ctx, pgx.Identifier{"article_tags"},
			[]string{"tag_id", "article_seq", "published", "rule", "matched"}, pgx.CopyFromRows(tagRows))
		if err != nil {
			return fmt.Errorf("insert new articles' tags: %w", err)
		}
	}
	// Each is back under the GUID it may have had (an id deleted and
	// created again the same day): its tombstone would contradict it.
	if _, err := w.tx.Exec(ctx, `DELETE FROM tombstones WHERE guid = ANY($1)`, guids); err != nil {
		return err
	}
	w.pending, w.pendingAt = nil, nil
	return nil
}
