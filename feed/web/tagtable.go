package web

import (
	"context"
	"sync/atomic"

	"herald/feed"
)

// A tagTable is the site's tags as of a content version of the store: what
// a feed's frame needs of them (its tags, their names and counts) without
// asking the store each time a feed is built. Tags are part of the content
// version, so a table is good for as long as the feed cache's answers are.
type tagTable struct {
	version int64
	bySlug  map[string]*feed.Tag // by current slug
	names   map[string]string    // slug -> name, as Store.TagNames
	// deleted says whether an article was deleted within tombstoneAge of
	// the table's reading. Deleting one moves the version, so a table that
	// saw none stays right as time goes on: Atom feeds then list no
	// deleted entries without asking the store.
	deleted bool
}

// tagTableCache holds the table of the latest version read.
type tagTableCache struct{ cur atomic.Pointer[tagTable] }

// tagTable returns the tags as of the feed cache's content version, read
// from the store when that version moved. A table read at a version may
// hold later changes, never earlier ones.
func (s *Server) tagTable(ctx context.Context) (*tagTable, error) {
	v, err := s.cache.currentVersion(ctx, s.cache.now())
	if err != nil {
		return nil, err
	}
	if t := s.tagTab.cur.Load(); t != nil && t.version == v {
		return t, nil
	}
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return nil, err
	}
	recent, err := s.store.Tombstones(ctx, feed.TombstoneFilter{Since: s.cfg.Now().Add(-tombstoneAge), Limit: 1})
	if err != nil {
		return nil, err
	}
	t := &tagTable{version: v, bySlug: make(map[string]*feed.Tag, len(tags)), names: make(map[string]string, len(tags)),
		deleted: len(recent) > 0}
	for i := range tags {
		t.bySlug[tags[i].Slug] = &tags[i]
		t.names[tags[i].Slug] = tags[i].Name
	}
	s.tagTab.cur.Store(t)
	return t, nil
}
