package render

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/gorilla/feeds"

	"herald/feed"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonFeed is gorilla's feed object with herald's items, and an items array
// that is present even when empty, as JSON Feed requires.
type jsonFeed struct {
	feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

type jsonItem struct {
	feeds.JSONItem
	Language string      `json:"language,omitempty"`
	Herald   *jsonHerald `json:"_herald,omitempty"`
}

// jsonHerald is herald's JSON Feed extension: where an external item came
// from. Extension keys start with an underscore (JSON Feed 1.1, "Extensions").
type jsonHerald struct {
	Origin feed.Origin `json:"origin"`
	Source *jsonSource `json:"source,omitempty"`
	// EmbargoUntil is when an embargoed item's embargo lifts (early
	// access), RFC 3339.
	EmbargoUntil string `json:"embargo_until,omitempty"`
}

type jsonSource struct {
	Name        string `json:"name,omitempty"`
	FeedURL     string `json:"feed_url,omitempty"`
	FeedID      string `json:"feed_id,omitempty"`
	FeedTitle   string `json:"feed_title,omitempty"`
	FeedUpdated string `json:"feed_updated,omitempty"`
	Link        string `json:"link,omitempty"`
	OriginalID  string `json:"original_id,omitempty"`
	Published   string `json:"published,omitempty"`
	Updated     string `json:"updated,omitempty"`
}

// JSON writes f to w as a JSON Feed 1.1 document. An error wraps
// feed.ErrInvalid when f lacks something the feed needs (see Feed), or is
// the error w returned.
func JSON(w io.Writer, f *Feed) error {
	doc, err := f.json()
	if err == nil {
		enc := json.NewEncoder(w)
		// The document is served as JSON, never inside HTML, so '<' and
		// '&' in content_html need no \u escapes. It is not indented
		// either: that would more than double the time to write it.
		enc.SetEscapeHTML(false)
		err = enc.Encode(doc)
	}
	if err != nil {
		return fmt.Errorf("render json %s: %w", f.ID, err)
	}
	return nil
}

func (f *Feed) json() (*jsonFeed, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	doc := &jsonFeed{
		JSONFeed: feeds.JSONFeed{
			Version:     jsonFeedVersion,
			Title:       clean(f.Title),
			HomePageUrl: clean(f.HomeURL),
			FeedUrl:     clean(f.SelfURL),
			Description: clean(f.Description),
			Language:    clean(f.Language),
			Icon:        clean(f.IconURL),
			NextUrl:     clean(f.NextURL),
			Authors:     []*feeds.JSONAuthor{{Name: clean(f.Author)}},
		},
		Items: make([]*jsonItem, 0, len(f.Items)),
	}
	if f.HubURL != "" {
		doc.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: clean(f.HubURL)}}
	}
	for i := range f.Items {
		it, err := f.jsonItem(&f.Items[i])
		if err != nil {
			return nil, err
		}
		doc.Items = append(doc.Items, it)
	}
	return doc, nil
}

func (f *Feed) jsonItem(a *feed.Article) (*jsonItem, error) {
	a = withEmbargoLine(a)
	l, err := f.links(a)
	if err != nil {
		return nil, err
	}
	// url is the page a reader opens: the original publisher's for an
	// external item, as RSS's link and Atom's alternate link have it, so
	// that every format opens the same page. external_url is left out: JSON
	// Feed means it for the page an item is about, which some readers open
	// instead of url, and herald's page is not that.
	it := &jsonItem{
		JSONItem: feeds.JSONItem{
			Id:            clean(a.GUID),
			Url:           l.best(),
			Title:         clean(a.Title),
			Summary:       clean(a.Summary),
			ContentHTML:   clean(withCorrections(a)),
			PublishedDate: timePtr(utc(a.Published)),
			ModifiedDate:  timePtr(itemUpdated(a)),
		},
		Language: clean(a.Language),
	}
	if it.ContentHTML == "" {
		// An item needs content_html or content_text.
		it.ContentText = it.Summary
	}
	for _, name := range credited(a) {
		it.Authors = append(it.Authors, &feeds.JSONAuthor{Name: name})
	}
	for _, t := range a.Tags {
		it.Tags = append(it.Tags, clean(t.Slug))
	}
	if a.Origin == feed.OriginExternal {
		it.Herald = &jsonHerald{Origin: feed.OriginExternal}
		if p := a.Provenance; p != nil {
			it.Herald.Source = &jsonSource{
				Name:        clean(p.SourceName),
				FeedURL:     clean(p.FeedURL),
				FeedID:      clean(p.FeedID),
				FeedTitle:   clean(p.FeedTitle),
				FeedUpdated: rfc3339(p.FeedUpdated),
				Link:        clean(p.Link),
				OriginalID:  clean(p.OriginalID),
				Published:   rfc3339(p.Published),
				Updated:     rfc3339(p.Updated),
			}
		}
	}
	if until := embargoUntil(a); until != "" {
		if it.Herald == nil {
			it.Herald = &jsonHerald{Origin: feed.OriginOwn}
		}
		it.Herald.EmbargoUntil = until
	}
	return it, nil
}

// timePtr returns &t, or nil for the zero time so that the field is left out.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
