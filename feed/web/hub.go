package web

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"herald/feed"
	"herald/feed/websub"
)

// Hub is the WebSub hub that /websub hands requests to (*websub.Hub has it).
type Hub interface {
	// Request takes a request whose topics are feeds here.
	Request(ctx context.Context, r websub.Request) error
	// Notify says that published content may have changed.
	Notify()
}

// maxHubForm caps the body of a request to the hub.
const maxHubForm = 64 << 10

// handleHubRequest serves POST /websub: subscribe and unsubscribe requests
// (W3C WebSub, section 5.1), answered 202 before the hub verifies intent with
// a GET to the callback, and publish pings, answered 204. A bad request is a
// 400 whose plain-text body names the hub.* parameter at fault.
func (s *Server) handleHubRequest(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Hub == nil {
		return refuse(feed.ErrNotFound, "this site runs no WebSub hub")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return refuse(errUnsupportedMedia, "a WebSub request is a form: Content-Type: application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHubForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = refuse(errMalformed, "the body is not a form: "+err.Error())
		}
		return err
	}
	req, err := websub.ParseRequest(r.PostForm)
	if err == nil && req.Secret != "" && !s.secureRequest(r) {
		err = feed.Invalid("hub.secret", "must be sent over HTTPS (over plain HTTP, only from this machine)")
	}
	if err == nil {
		err = s.checkTopics(r.Context(), req)
	}
	if err == nil {
		err = s.cfg.Hub.Request(r.Context(), req)
	}
	switch {
	case err == nil:
	case errors.Is(err, feed.ErrInvalid):
		// A WebSub hub answers bad parameters with a 400, not a 422.
		return refuse(errMalformed, err.Error())
	case errors.Is(err, websub.ErrBusy):
		return refuse(errUnavailable, "the hub is busy; try again in a minute").because(err).with("Retry-After", "60")
	default:
		return err
	}
	w.Header()["Cache-Control"] = s.cacheControl[noStore]
	if req.Mode == websub.Publish {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	w.Header()["Content-Type"] = []string{textType}
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, "Accepted: the hub will verify your intent to %s with a GET to the callback.\n", req.Mode)
	return nil
}

// handleHubInfo answers GET /websub, which is for POSTs only.
func (s *Server) handleHubInfo(w http.ResponseWriter, r *http.Request) error {
	return refuse(errMethodNotAllowed,
		"This is a WebSub hub (https://www.w3.org/TR/websub/): POST a form with hub.mode, hub.topic and hub.callback. "+
			"Every feed here names its topic URL in Link: <...>; rel=\"self\".").with("Allow", "POST")
}

// checkTopics refuses a request about topics that are not feeds here. An
// unsubscribe needs only a topic of this site, existing or not, so that the
// subscribers of a deleted tag can still leave.
func (s *Server) checkTopics(ctx context.Context, req websub.Request) error {
	switch req.Mode {
	case websub.Unsubscribe:
		_, err := s.parseTopic(req.Topic)
		return err
	case websub.Subscribe:
		_, err := s.Topic(ctx, req.Topic)
		return err
	}
	for _, t := range req.Topics {
		if _, err := s.Topic(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// secureRequest reports whether a request's body was safe from eavesdroppers:
// it came over TLS, or the site's public address is HTTPS (a proxy ended
// TLS), or it came from this machine (tests, a local subscriber).
func (s *Server) secureRequest(r *http.Request) bool {
	if r.TLS != nil || s.cfg.BaseURL.Scheme == "https" {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Topic returns the document of the public feed whose self URL is topic, as
// GET serves it (same bytes, same ETag, from the same cache): it is what the
// hub delivers. It first looks at the store's content version, so a change
// made by another process is seen at once.
//
// Errors matching feed.ErrInvalid say that topic is not a feed here: another
// site's URL, a page or archive rather than the feed, a tag that does not
// exist, or a spelling that is not the canonical one (the message names it).
func (s *Server) Topic(ctx context.Context, topic string) (websub.Content, error) {
	t, err := s.parseTopic(topic)
	if err != nil {
		return websub.Content{}, err
	}
	v := s.publicView()
	// The keys and builders are those of serveFeed, serveSearchFeed and
	// handleCorrectionsFeed.
	key := v.cacheKey(t.path, t.fq.encode())
	build := func() (*answer, error) { return s.buildFeed(ctx, v, t.slugs, formats[t.ext], t.fq) }
	switch {
	case t.search != "":
		key = v.cacheKey(t.path, "?"+searchParams(t.search, t.fq).Encode())
		build = func() (*answer, error) { return s.buildSearchFeed(ctx, v, t.search, formats[t.ext], t.fq) }
	case t.corrections:
		key = correctionsFeedKey(t.ext)
		build = func() (*answer, error) { return s.buildCorrectionsFeed(ctx, formats[t.ext]) }
	}
	s.cache.invalidate()
	e, err := s.cache.get(ctx, key, build)
	if err != nil {
		if status := statusOf(err); status < 500 {
			return websub.Content{}, feed.Invalid("hub.topic", "%s", publicMessage(err, status))
		}
		return websub.Content{}, err
	}
	switch e.status {
	case http.StatusOK:
		return websub.Content{Body: e.body, ContentType: e.contentType, ETag: e.etag}, nil
	case http.StatusMovedPermanently, http.StatusFound:
		return websub.Content{}, feed.Invalid("hub.topic", "is not this feed's topic URL; subscribe to %s", e.location)
	default:
		msg, _, _ := strings.Cut(string(e.body), "\n")
		return websub.Content{}, feed.Invalid("hub.topic", "is not a feed here: %s", strings.TrimSuffix(msg, "."))
	}
}

// A topic is a feed the hub can push: the site's, a tag's, a search's or
// the corrections', in one format.
type topic struct {
	path        string // of the feed, as requested here (without Config.BaseURL's path)
	slugs       string // the tags of a tag feed
	search      string // the query of a search feed
	corrections bool   // the corrections feed, which takes no query
	ext         string
	fq          feedQuery
}

// parseTopic reads a topic URL: the self URL of the site's feed, of a tag
// feed or of a search feed, in one format, with the query that feed's self
// URL has.
func (s *Server) parseTopic(raw string) (topic, error) {
	var t topic
	notOurs := feed.Invalid("hub.topic", "is not a feed of this site; its feeds are %s, %s, %s, %s and the like",
		s.abs("/feed.atom"), s.abs("/tags/")+"{tag}/feed.atom", s.abs("/search/feed.atom")+"?q={query}", s.abs("/corrections/feed.atom"))
	u, perr := url.Parse(raw)
	if perr != nil || !strings.EqualFold(u.Scheme, s.cfg.BaseURL.Scheme) || !strings.EqualFold(u.Host, s.cfg.BaseURL.Host) {
		return t, notOurs
	}
	path, ok := strings.CutPrefix(u.Path, strings.TrimSuffix(s.cfg.BaseURL.Path, "/"))
	if !ok {
		return t, notOurs
	}
	dir, doc, _ := strings.Cut(strings.TrimPrefix(path, "/"), "feed.")
	t.ext = doc
	if _, ok := formats[t.ext]; !ok {
		return t, notOurs
	}
	query := u.Query()
	switch slugs, ok := strings.CutPrefix(dir, "tags/"); {
	case dir == "":
	case dir == "search/":
		t.search = strings.Join(strings.Fields(query.Get("q")), " ")
		if t.search == "" {
			return t, feed.Invalid("hub.topic", "is a search feed without a search; add ?q=")
		}
	case dir == "corrections/":
		t.corrections, t.path = true, "/corrections/feed."+t.ext
		if u.RawQuery != "" {
			return t, feed.Invalid("hub.topic", "is not this feed's topic URL; subscribe to %s", s.abs(t.path))
		}
		return t, nil
	case ok && strings.HasSuffix(slugs, "/") && len(slugs) > 1 && !strings.Contains(slugs[:len(slugs)-1], "/"):
		t.slugs = slugs[:len(slugs)-1]
	default:
		return t, notOurs
	}
	t.path = "/" + dir + "feed." + t.ext
	var err error
	t.fq, err = parseFeedQuery(query)
	if err != nil {
		return t, feed.Invalid("hub.topic", "%s", publicMessage(err, statusOf(err)))
	}
	if t.fq.page > 1 {
		first := t.fq
		first.page = 1
		return t, feed.Invalid("hub.topic", "is a page of a feed; subscribe to its first page, %s", s.abs(path)+first.encode())
	}
	canonical := t.fq.encode()
	if t.search != "" {
		canonical = "?" + searchParams(t.search, t.fq).Encode()
	}
	if strings.TrimPrefix(canonical, "?") != u.RawQuery {
		return t, feed.Invalid("hub.topic", "is not this feed's topic URL; subscribe to %s", s.abs(path)+canonical)
	}
	return t, nil
}

// TopicURLs lists the topics an external hub hears about: the site's feeds
// and each tag's, in every format.
func (s *Server) TopicURLs(ctx context.Context) ([]string, error) {
	tags, err := s.store.Tags(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ext := range []string{"atom", "rss", "json"} {
		out = append(out, s.abs("/feed."+ext), s.abs("/corrections/feed."+ext))
		for _, t := range tags {
			out = append(out, s.abs("/tags/"+t.Slug+"/feed."+ext))
		}
	}
	return out, nil
}

// hubURL is the hub a feed's body names (rel="hub", JSON Feed "hubs"): the
// first of Config.HubURLs, for the first page of a public feed; the others
// are no topics.
func (s *Server) hubURL(v view, fq feedQuery) string {
	if len(s.cfg.HubURLs) == 0 || v.prefix != "" || fq.page > 1 {
		return ""
	}
	return s.cfg.HubURLs[0]
}

// links is the value of the Link header of WebSub discovery (section 4):
// every hub (rel="hub") when the feed has one (hub is its first), and the
// feed's own URL (rel="self"), in one header so that clients reading only
// the first Link see both.
func (s *Server) links(hub, self string) []string {
	var links []string
	if hub != "" {
		for _, hub := range s.cfg.HubURLs {
			links = append(links, "<"+hub+`>; rel="hub"`)
		}
	}
	links = append(links, "<"+self+`>; rel="self"`)
	return []string{strings.Join(links, ", ")}
}
