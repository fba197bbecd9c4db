package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"herald/feed"
	"herald/feed/ingest"
	"herald/feed/rule"
	"herald/store"
	"herald/store/storetest"
)

// refusingStore is a store that refuses, as invalid, every write of the
// article with the ID bad (a batch holding it fails whole).
type refusingStore struct {
	store.DB
	bad     string
	batches int // UpsertArticles calls
}

func (s *refusingStore) UpsertArticles(ctx context.Context, arts []feed.Article) ([]feed.Change, error) {
	s.batches++
	for _, a := range arts {
		if a.ID == s.bad {
			return nil, fmt.Errorf("article %s: %w", a.ID, feed.Invalid("id", "refused by the test"))
		}
	}
	return s.DB.UpsertArticles(ctx, arts)
}

func (s *refusingStore) UpsertArticle(ctx context.Context, a *feed.Article) (feed.Change, error) {
	if a.ID == s.bad {
		return "", feed.Invalid("id", "refused by the test")
	}
	return s.DB.UpsertArticle(ctx, a)
}

// TestIngestBatches ingests more files than three batches hold, while the
// store writes one batch as the next is read: files that do not parse and
// an article the store refuses cost only their own files, every other
// article is stored, and the failures are told in the order of the files.
func TestIngestBatches(t *testing.T) {
	const files = 2*batchSize + 50
	dir := t.TempDir()
	bad := map[int]bool{3: true, 2*batchSize + 20: true} // files that do not parse
	refused := batchSize + 200                           // a file whose article the store refuses
	var paths []string
	for i := range files {
		name := filepath.Join(dir, fmt.Sprintf("a%05d.json", i))
		body := fmt.Sprintf(`{"id": "a%05d", "title": "Article %d", "published": "2026-11-20T09:00:00Z", "content": "<p>Body %d.</p>"}`, i, i, i)
		if bad[i] {
			body = `{"id": "broken`
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, name)
	}
	db := &refusingStore{DB: storetest.Open(t, store.Options{SeedTags: rule.Defaults()}), bad: fmt.Sprintf("a%05d", refused)}
	in := &ingester{db: db, opt: ingest.Options{}}
	rep, err := in.run(context.Background(), paths, readFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := files - len(bad) - 1; rep.created != want || rep.failedFiles != 3 {
		t.Errorf("got %d created and %d files failed, want %d and 3", rep.created, rep.failedFiles, want)
	}
	var failedFiles []string // the file each failure names
	for _, err := range rep.failures {
		for _, p := range paths {
			if strings.Contains(err.Error(), filepath.Base(p)) {
				failedFiles = append(failedFiles, filepath.Base(p))
				break
			}
		}
	}
	want := []string{"a00003.json", fmt.Sprintf("a%05d.json", refused), fmt.Sprintf("a%05d.json", 2*batchSize+20)}
	if !slices.Equal(failedFiles, want) {
		t.Errorf("failures %q: got files %q, want %q in this order", rep.failures, failedFiles, want)
	}
	for _, i := range []int{0, batchSize - 1, batchSize, refused - 1, refused + 1, files - 1} {
		if _, err := db.Article(context.Background(), fmt.Sprintf("a%05d", i)); err != nil {
			t.Errorf("article of file %d: %v", i, err)
		}
	}
	if db.batches != 3 {
		t.Errorf("store got %d batches, want 3", db.batches)
	}
}
