package main

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"herald/feed"
	"herald/feed/ingest"
	"herald/store"
)

// demoFS holds the articles "herald serve --demo" starts with: original
// pieces written for the demo, one per format the ingester reads.
//
//go:embed demo
var demoFS embed.FS

// loadDemo ingests the demo articles when the database holds no article yet,
// and returns how many it stored.
func loadDemo(ctx context.Context, db store.DB, loc *time.Location) (int, error) {
	existing, err := db.Articles(ctx, feed.ArticleFilter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return 0, err
	}
	paths, err := fs.Glob(demoFS, "demo/*")
	if err != nil {
		return 0, err
	}
	in := &ingester{db: db, opt: ingest.Options{Location: loc}}
	rep, err := in.run(ctx, paths, func(name string) ([]byte, error) { return demoFS.ReadFile(name) })
	if err != nil {
		return 0, err
	}
	if len(rep.failures) > 0 {
		return 0, rep.failures[0] // the bundled files are ours: a failure is a bug
	}
	return rep.created, nil
}
