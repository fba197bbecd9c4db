package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// vocabulary makes titles, bodies and searches; some words are in the tag
// rules of a new database, so articles get tags and tag feeds change.
var vocabulary = []string{
	"cyber", "dialogue", "diplomacy", "critical", "infrastructure", "grid", "pipeline", "ransomware", "water",
	"sanctions", "information", "sharing", "undersea", "cable", "satellite", "election", "security", "hospital",
	"drill", "advisory", "regulator", "telecom", "supply", "chain", "vulnerability", "exercise", "minister",
}

// soakArticles is how many ids the writers PUT and DELETE among.
const soakArticles = 300

// herald is the server under load, as its clients see it.
type herald struct {
	base, token string
	client      *http.Client
}

func newClient(workers int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        workers * 2,
			MaxIdleConnsPerHost: workers * 2,
			IdleConnTimeout:     time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// do sends one request and reads the whole answer.
func (h *herald) do(ctx context.Context, method, path, body string, header ...string) (int, http.Header, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.base+path, r)
	if err != nil {
		return 0, nil, nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if method != http.MethodGet {
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// addSources registers every feed of p as a source polled every minute.
func (h *herald) addSources(ctx context.Context, p *publisher) error {
	for i := range p.n {
		body, _ := json.Marshal(map[string]any{"url": p.feedURL(i), "name": fmt.Sprintf("Agency %d", i), "every": "1m"})
		status, _, b, err := h.do(ctx, "POST", "/api/sources", string(body))
		if err != nil || status != http.StatusCreated {
			return fmt.Errorf("POST /api/sources: %d %s %v", status, b, err)
		}
	}
	return nil
}

// An op is one kind of request: it sends it and returns "" or the kind of
// error it met.
type op struct {
	name   string
	weight int
	do     func(w *worker, ctx context.Context) string
}

var ops = []op{
	{"feed", 40, (*worker).readFeed},
	{"page", 10, (*worker).readPage},
	{"search", 10, (*worker).search},
	{"list", 10, (*worker).walkList},
	{"put", 24, (*worker).putArticle},
	{"post", 2, (*worker).postArticle},
	{"delete", 4, (*worker).deleteArticle},
}

// showMix is the weights of ops, as -mix takes them.
func showMix() string {
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = o.name + "=" + strconv.Itoa(o.weight)
	}
	return strings.Join(parts, ",")
}

// setMix sets the weights of the ops that mix names ("search=0,put=50").
func setMix(mix string) error {
	if mix == "" {
		return nil
	}
	for part := range strings.SplitSeq(mix, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(value)
		i := slices.IndexFunc(ops, func(o op) bool { return o.name == name })
		if i < 0 || err != nil || n < 0 {
			return fmt.Errorf("-mix: %q is not one of %s with a weight of 0 or more", part, showMix())
		}
		ops[i].weight = n
	}
	for _, o := range ops {
		if o.weight > 0 {
			return nil
		}
	}
	return errors.New("-mix: every weight is 0")
}

// worker is one client: its own random numbers, the ETags it holds and
// where its walks through the listings are.
type worker struct {
	h           *herald
	rng         *rand.Rand
	etags       map[string]string
	cursor      string // of /api/articles?order=changed
	changes     string // of /api/changes
	notModified int
}

// classify names what went wrong with a request, or "" if nothing did.
func classify(ctx context.Context, status int, err error, ok ...int) string {
	switch {
	case err != nil && ctx.Err() != nil:
		return "" // the run ended under it
	case err != nil && errors.Is(err, context.DeadlineExceeded), err != nil && strings.Contains(err.Error(), "Timeout"):
		return "timeout"
	case err != nil:
		return "network"
	case status >= 500:
		return "http_5xx"
	}
	for _, s := range ok {
		if status == s {
			return ""
		}
	}
	return "http_" + strconv.Itoa(status)
}

var feedPaths = func() []string {
	var out []string
	for _, ext := range []string{"atom", "rss", "json"} {
		out = append(out, "/feed."+ext, "/feed."+ext+"?origin=external",
			"/tags/cyber-diplomacy/feed."+ext, "/tags/critical-infrastructure/feed."+ext,
			"/tags/information-sharing/feed."+ext, "/archive/current."+ext)
	}
	return out
}()

// readFeed polls a feed as a reader does: with the ETag it has.
func (w *worker) readFeed(ctx context.Context) string {
	path := feedPaths[w.rng.IntN(len(feedPaths))]
	var header []string
	if etag := w.etags[path]; etag != "" {
		header = []string{"If-None-Match", etag}
	}
	status, h, _, err := w.h.do(ctx, "GET", path, "", header...)
	if status == http.StatusOK {
		w.etags[path] = h.Get("ETag")
	}
	if status == http.StatusNotModified {
		w.notModified++
	}
	return classify(ctx, status, err, 200, 304, 302)
}

func (w *worker) readPage(ctx context.Context) string {
	switch w.rng.IntN(3) {
	case 0:
		status, _, _, err := w.h.do(ctx, "GET", "/", "")
		return classify(ctx, status, err, 200, 304)
	case 1:
		status, _, _, err := w.h.do(ctx, "GET", "/tags/critical-infrastructure", "")
		return classify(ctx, status, err, 200, 304)
	}
	// An article the writers may have deleted meanwhile: 404 is an answer.
	status, _, _, err := w.h.do(ctx, "GET", "/articles/"+w.articleID(), "")
	return classify(ctx, status, err, 200, 301, 404)
}

func (w *worker) search(ctx context.Context) string {
	q := url.QueryEscape(w.words(1 + w.rng.IntN(2)))
	paths := []string{"/api/articles?limit=20&q=" + q, "/search?q=" + q, "/search/feed.atom?q=" + q}
	status, _, _, err := w.h.do(ctx, "GET", paths[w.rng.IntN(len(paths))], "")
	return classify(ctx, status, err, 200)
}

// walkList follows the polling API or the change log a page further, as a
// script keeping up with the archive does: at the end it keeps its cursor
// and asks again later, for what changed since; now and then it starts
// again from the beginning.
func (w *worker) walkList(ctx context.Context) string {
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	path, cursor := "/api/articles?order=changed&limit=50&cursor=", &w.cursor
	if w.rng.IntN(2) == 0 {
		path, cursor = "/api/changes?limit=100&cursor=", &w.changes
	}
	if w.rng.IntN(10) == 0 {
		*cursor = ""
	}
	status, _, b, err := w.h.do(ctx, "GET", path+url.QueryEscape(*cursor), "")
	if kind := classify(ctx, status, err, 200); kind != "" {
		*cursor = ""
		return kind
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return "bad_json"
	}
	if page.NextCursor != "" {
		*cursor = page.NextCursor
	}
	return ""
}

func (w *worker) putArticle(ctx context.Context) string {
	status, _, _, err := w.h.do(ctx, "PUT", "/api/articles/"+w.articleID(), w.articleBody())
	return classify(ctx, status, err, 200, 201)
}

func (w *worker) postArticle(ctx context.Context) string {
	status, _, _, err := w.h.do(ctx, "POST", "/api/articles", w.articleBody())
	return classify(ctx, status, err, 201)
}

func (w *worker) deleteArticle(ctx context.Context) string {
	status, _, _, err := w.h.do(ctx, "DELETE", "/api/articles/"+w.articleID(), "")
	return classify(ctx, status, err, 204, 404)
}

func (w *worker) articleID() string { return "soak-" + strconv.Itoa(w.rng.IntN(soakArticles)) }

func (w *worker) words(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = vocabulary[w.rng.IntN(len(vocabulary))]
	}
	return strings.Join(ws, " ")
}

// articleBody is an article of about 2 KB, published within the last
// month.
func (w *worker) articleBody() string {
	var content strings.Builder
	for range 6 {
		content.WriteString("<p>" + w.words(40) + ".</p>")
	}
	b, _ := json.Marshal(map[string]any{
		"title":     strings.ToUpper(w.words(1)[:1]) + w.words(6)[1:],
		"summary":   w.words(15) + ".",
		"content":   content.String(),
		"authors":   []string{"Soak Reporter"},
		"published": time.Now().Add(-time.Duration(w.rng.IntN(30*24)) * time.Hour).UTC().Format(time.RFC3339),
	})
	return string(b)
}

// load sends requests until ctx ends: rate a second in all (as fast as
// they go for 0) from n workers, each picking an op by weight. It returns
// when every worker has.
func load(ctx context.Context, h *herald, rep *report, n, rate int, every time.Duration) {
	tokens := make(chan struct{}, n)
	var wg sync.WaitGroup
	if rate > 0 {
		wg.Go(func() {
			t := time.NewTicker(time.Second / time.Duration(rate))
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					select {
					case tokens <- struct{}{}:
					default: // the workers are behind; the rate is a ceiling
					}
				}
			}
		})
	}
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	for i := range n {
		wg.Go(func() {
			w := &worker{h: h, rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))), etags: map[string]string{}}
			for {
				if rate > 0 {
					select {
					case <-ctx.Done():
						return
					case <-tokens:
					}
				} else if ctx.Err() != nil {
					return
				}
				pick := w.rng.IntN(total)
				o := ops[0]
				for _, o = range ops {
					if pick < o.weight {
						break
					}
					pick -= o.weight
				}
				before := w.notModified
				start := time.Now()
				kind := o.do(w, ctx)
				if ctx.Err() != nil {
					return // cut short by the end of the run: not a sample
				}
				rep.record(o.name, time.Since(start), kind, w.notModified > before)
			}
		})
	}
	wg.Go(func() { rep.tick(ctx, every) })
	wg.Wait()
}
