package rule

import (
	"context"
	"fmt"
	"sync"

	"herald/feed"
)

// A Store gives the tags whose rules a Cache compiles, and a version that
// moves whenever they may have changed.
type Store interface {
	Version(ctx context.Context) (int64, error)
	Tags(ctx context.Context) ([]feed.Tag, error)
}

// A Cache keeps the compiled rules of a store's tags and compiles them again
// only when the store's version has moved, so that every write can apply
// the current rules, changed by any process, without reading every tag.
// The zero Cache is ready to use.
type Cache struct {
	mu      sync.Mutex
	set     *Set
	version int64
}

// Set returns the compiled rules of st's tags.
func (c *Cache) Set(ctx context.Context, st Store) (*Set, error) {
	v, err := st.Version(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set != nil && c.version == v {
		return c.set, nil
	}
	tags, err := st.Tags(ctx)
	if err != nil {
		return nil, err
	}
	set, err := NewSet(tags)
	if err != nil {
		return nil, fmt.Errorf("tag rules: %w", err)
	}
	c.set, c.version = set, v
	return set, nil
}
