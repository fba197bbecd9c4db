package aggregate

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchFeed returns an RSS 2.0 feed of about size bytes, shaped like an
// agency's press feed: items with HTML content, relative links and images,
// categories and dates.
func benchFeed(size int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Press Releases</title><link>https://www.example.gov/press/</link>
<description>Benchmark feed</description><language>en-us</language><ttl>60</ttl>
`)
	for i := 0; b.Len() < size-100; i++ {
		date := time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Hour)
		fmt.Fprintf(&b, `<item>
<title>Statement %d on International Cyber Cooperation &amp; Critical Infrastructure</title>
<link>/press/2024/%d/statement</link>
<guid isPermaLink="false">press-%d</guid>
<pubDate>%s</pubDate>
<dc:creator>Office of the Spokesperson</dc:creator>
<category>Cyber Diplomacy</category><category>Critical Infrastructure</category>
<description><![CDATA[<p>The Department welcomes the joint statement on responsible state behavior in cyberspace, number %d.</p>]]></description>
<content:encoded><![CDATA[<p>The Department of State welcomes the joint statement issued today by partners on
<a href="/policy/cyber">responsible state behavior in cyberspace</a>. The statement reaffirms the applicability of
international law and the voluntary norms of the <a href="https://un.example.org/norms">UN framework</a>.</p>
<p><img src="images/statement-%d.jpg" alt="Signing ceremony"> Officials from twelve governments discussed
ransomware, the security of critical infrastructure, and capacity building in the Indo-Pacific.</p>
<ul><li>Protecting hospitals and water systems</li><li>Countering ransomware</li><li>Secure undersea cables</li></ul>
<p>For further information, please contact the <a href="mailto:press@example.gov">Office of Press Relations</a>.</p>]]></content:encoded>
</item>
`, i, i, i, date.Format(time.RFC1123Z), i, i)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}

// BenchmarkPoll is one fetch and parse of a ~60 KB feed from a local server:
// the unit of work of which the poller must do 1,000 in 15 s on 2 cores.
func BenchmarkPoll(b *testing.B) {
	body := benchFeed(60 << 10)
	srv := serveBody(b, body, "application/rss+xml")
	f := newFetcher(b, Options{})
	src := testSource(srv.URL + "/feed")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		o := f.Poll(b.Context(), src)
		if o.Err != nil || len(o.Result.Articles) == 0 {
			b.Fatalf("poll: %v", o.Err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkParse is the parse alone, to tell it from the HTTP.
func BenchmarkParse(b *testing.B) {
	body := benchFeed(60 << 10)
	src := testSource("https://www.example.gov/feed")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := Parse(body, "application/rss+xml", src.URL, fetchedAt, src); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// reportCPU adds the process's CPU time per op (the test server's and the
// garbage collector's included), which a busy machine distorts less than
// wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
