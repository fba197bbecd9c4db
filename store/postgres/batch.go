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
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"herald/feed"
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
	docs  []string
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
	d.docs = make([]string, len(d.src))
	w.docs = d
	d.wg.Go(func() {
		for i := range d.src {
			select {
			case <-d.stop:
				return
			default:
			}
			d.docs[i] = document(d.src[i].Title, d.src[i].Summary, d.src[i].Content)
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
func (w *articleWriter) document(a *feed.Article) string {
	if d := w.docs; d != nil {
		if i, ok := d.index[a.ID]; ok {
			<-d.ready[i]
			if src := &d.src[i]; src.Title == a.Title && src.Summary == a.Summary && src.Content == a.Content {
				return d.docs[i]
			}
		}
	}
	return document(a.Title, a.Summary, a.Content)
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
