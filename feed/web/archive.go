package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"herald/feed"
)

// Archived feeds (RFC 5005 section 4). Every feed has a chain of documents
// that together hold each of its articles exactly once:
//
//	/tags/{slugs}/archive/current.atom   the subscription document: articles stored lately
//	/tags/{slugs}/archive/{n}.atom       archive page n: fh:archive, never changes once closed
//
// (and likewise .rss and .json, and /archive/... for the whole site). Pages
// follow the order articles were first stored (see feed.ArchiveSpan), so
// an article never moves from one page to another, and a closed page gains
// none. Walking prev-archive links from current reaches every page.

// handleSiteArchive serves /archive/{doc}.
func (s *Server) handleSiteArchive(w http.ResponseWriter, r *http.Request) error {
	_, err := s.serveArchive(w, r, s.publicView(), "")
	return err
}

// handleTagArchive serves /tags/{slugs}/archive/{doc}.
func (s *Server) handleTagArchive(w http.ResponseWriter, r *http.Request) error {
	_, err := s.serveArchive(w, r, s.publicView(), r.PathValue("slugs"))
	return err
}

// serveArchive answers an archive request and returns the status it
// answered.
func (s *Server) serveArchive(w http.ResponseWriter, r *http.Request, v view, slugs string) (int, error) {
	name, ext, _ := strings.Cut(r.PathValue("doc"), ".")
	f, ok := formats[ext]
	page := 0 // the subscription document
	if name != "current" {
		n, err := strconv.Atoi(name)
		if err != nil || n < 1 || strconv.Itoa(n) != name {
			ok = false
		}
		page = n
	}
	if !ok {
		return 0, refuse(feed.ErrNotFound, "no archive document here: the chain starts at archive/current.atom (or .rss, .json)")
	}
	fq, err := parseFeedQuery(query(r))
	if err != nil {
		return 0, err
	}
	fq.limit, fq.page = feed.DefaultLimit, 1 // archives are not limited or paged
	e, err := s.cache.get(r.Context(), v.cacheKey(r.URL.Path, fq.encode()), func() (*answer, error) {
		return s.buildArchive(r.Context(), v, slugs, f, fq, page)
	})
	if err != nil {
		return 0, err
	}
	status, _ := s.cache.serve(w, r, e)
	return status, nil
}

// buildArchive renders archive page n of a feed, or its subscription
// document when n is 0.
func (s *Server) buildArchive(ctx context.Context, v view, slugs string, f format, fq feedQuery, n int) (*answer, error) {
	doc := "archive/current." + f.ext
	if n > 0 {
		doc = "archive/" + strconv.Itoa(n) + "." + f.ext
	}
	fr, early, err := s.newFrame(ctx, v, slugs, doc, fq)
	if fr == nil {
		return early, err
	}
	pages, open, err := s.store.ArchivePages(ctx, fr.filter.Tags, fr.filter.Origin)
	if err != nil {
		return nil, err
	}
	at := func(page int) string {
		if page == open {
			return s.abs(fr.base+"archive/current."+f.ext) + fq.encode()
		}
		return s.abs(fr.base+"archive/"+strconv.Itoa(page)+"."+f.ext) + fq.encode()
	}
	switch {
	case n == 0:
		n = open
	case n == open:
		// The open page is the subscription document; send readers there.
		return &answer{status: http.StatusFound, policy: unstated, location: at(open)}, nil
	case n > open || !slices.Contains(pages, n):
		return &answer{status: http.StatusNotFound, contentType: textType,
			body: []byte("no archive page " + strconv.Itoa(n) + " for this feed; the chain starts at " + at(open) + "\n")}, nil
	}
	fr.rf.SelfURL = at(n)
	fr.rf.CurrentURL = at(open)
	fr.rf.Archive = n < open
	// Neighbours are the nearest pages holding any of this feed's articles.
	i, _ := slices.BinarySearch(pages, n)
	if i > 0 {
		fr.rf.PrevArchiveURL = at(pages[i-1])
	}
	if n < open {
		next := open
		if j := i + 1; j < len(pages) && pages[j] < open {
			next = pages[j]
		}
		fr.rf.NextArchiveURL = at(next)
	}
	arts, err := s.store.ArchivePage(ctx, fr.filter.Tags, fr.filter.Origin, n)
	if err != nil {
		return nil, err
	}
	return fr.render(f, arts, n < open)
}
