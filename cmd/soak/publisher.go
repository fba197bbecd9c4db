package main

import (
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// itemsPerFeed is how many items each feed of the publisher holds: the
// newest.
const itemsPerFeed = 10

// publisher serves n RSS feeds at /feeds/{i}.xml on a loopback port. Each
// gains an item every `every` (the feeds in turn, not all at once), answers
// If-None-Match with 304 while it has not, and counts what it answered.
type publisher struct {
	url   string
	n     int
	every time.Duration
	start time.Time
	srv   *http.Server

	ok, notModified, other atomic.Int64
}

func startPublisher(n int, every time.Duration) (*publisher, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &publisher{url: "http://" + ln.Addr().String(), n: n, every: every, start: time.Now()}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

func (p *publisher) close() { p.srv.Close() }

// feedURL is the address of feed i.
func (p *publisher) feedURL(i int) string { return p.url + "/feeds/" + strconv.Itoa(i) + ".xml" }

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/feeds/")
	i, err := strconv.Atoi(strings.TrimSuffix(name, ".xml"))
	if !ok || err != nil || i < 0 || i >= p.n {
		p.other.Add(1)
		http.NotFound(w, r)
		return
	}
	// Feed i's items so far: one at the start, one more every p.every,
	// feed i's turn coming i/n of the way through each period.
	offset := p.every * time.Duration(i) / time.Duration(p.n)
	last := int((time.Since(p.start)+offset)/p.every) + 1
	etag := fmt.Sprintf(`"%d-%d"`, i, last)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		p.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	p.ok.Add(1)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Agency %d press releases</title><link>%s</link><description>Soak feed %d</description>
`, i, html.EscapeString(p.feedURL(i)), i)
	for k := last; k > max(0, last-itemsPerFeed); k-- {
		published := p.start.Add(time.Duration(k-1)*p.every - offset).UTC()
		words := vocabulary[(i+k)%len(vocabulary)] + " " + vocabulary[(i*7+k)%len(vocabulary)]
		fmt.Fprintf(&b, `<item><title>Agency %d notice %d: %s</title><link>%s/notices/%d/%d</link><guid>%s/notices/%d/%d</guid>
<pubDate>%s</pubDate><description>&lt;p&gt;The agency issued notice %d on %s, covering critical infrastructure and cyber policy.&lt;/p&gt;</description></item>
`, i, k, words, p.url, i, k, p.url, i, k, published.Format(time.RFC1123Z), k, words)
	}
	b.WriteString("</channel></rss>\n")
	w.Write([]byte(b.String()))
}
