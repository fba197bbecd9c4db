package listing

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"herald/feed"
)

// Changes is a request for a page of the change log, checked.
type Changes struct {
	Cursor string // as given
	After  int64  // the id of the entry the cursor names; 0 for the beginning
	Limit  int    // the page size
}

// NewChanges checks the cursor and limit of a read of the change log.
//
// Errors: a *feed.ValidationError (field "cursor") for a cursor that the
// change log did not give out.
func NewChanges(cursor string, limit int) (*Changes, error) {
	c := &Changes{Cursor: cursor, Limit: Limit(limit)}
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		s, ok := strings.CutPrefix(string(raw), "c1|")
		if err == nil && ok {
			c.After, err = strconv.ParseInt(s, 10, 64)
		}
		if err != nil || !ok || c.After < 0 {
			return nil, feed.Invalid("cursor", "is not a cursor of the change log")
		}
	}
	return c, nil
}

// ChangeCursor returns the cursor of the change log after the entry id.
// Cursors are opaque to clients: "c1|" + the id, in base64.
func ChangeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1|" + strconv.FormatInt(id, 10)))
}

// Page makes a page from entries, the entries of the log after c.After, up
// to c.Limit+1 of them (the one more tells whether there are more), in
// order. When they do not follow the cursor's entry, it asks oldest for the
// id of the log's oldest entry (ok false when the log is empty), to tell a
// gap that pruning left (entries are numbered one after another, and
// pruning removes the oldest): the caller reads its entries first, and the
// oldest entry only moves on, so entries read before a check that passes
// were whole.
//
// Errors: feed.ErrGone when the entries after the cursor were pruned; the
// error of oldest.
func (c *Changes) Page(entries []feed.ArticleChange, oldest func() (id int64, ok bool, err error)) (*feed.ChangePage, error) {
	page := &feed.ChangePage{Changes: entries, NextCursor: c.Cursor}
	if len(entries) > c.Limit {
		page.Changes, page.More = entries[:c.Limit], true
	}
	if c.After > 0 && len(page.Changes) > 0 && page.Changes[0].Seq > c.After+1 {
		first, ok, err := oldest()
		if err != nil {
			return nil, err
		}
		if ok && c.After < first-1 {
			return nil, errCursorPruned
		}
	}
	if n := len(page.Changes); n > 0 {
		page.NextCursor = ChangeCursor(page.Changes[n-1].Seq)
	}
	return page, nil
}

// errCursorPruned is the answer to a cursor of the change log whose next
// entries were pruned.
var errCursorPruned = fmt.Errorf("the change log after this cursor is %w: it was pruned; start the walk again without a cursor", feed.ErrGone)
