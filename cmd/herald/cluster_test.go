package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"herald/feed"
	"herald/store"
	"herald/store/storetest"
)

// Many instances, one site: three herald serve processes on one PostgreSQL
// database behind nginx (Debian's nginx-light, round robin, with the
// configuration README's "Scaling out" shows, testdata/nginx.conf), as the
// issue that made them asks: a write through one reaches the others' caches
// within a second with the same ETag; every due source is fetched once per
// due time; a WebSub subscriber gets one push per change; killing one
// instance mid-pass and mid-burst loses no fetch and no delivery; a rolling
// restart fails no request.

// The settings that make the cluster quick to test: short poll intervals,
// and short fetch and hub timeouts, whose doubles are the claims' leases
// (4s here), so that the work of a killed instance is taken over soon.
var clusterFlags = []string{
	"--poll-interval", "200ms", "--fetch-timeout", "2s", "--fetch-workers", "2",
	"--hub-timeout", "2s", "--hub-check-every", "500ms",
	"--allow-private-sources", "--allow-private-callbacks",
	"--title", "Cluster Desk", "--keep-changes", "0",
}

func TestCluster(t *testing.T) {
	c := startCluster(t, 3, clusterFlags...)
	t.Run("FreshEverywhere", func(t *testing.T) { clusterFresh(t, c) })
	t.Run("WebSubOncePerChange", func(t *testing.T) { clusterWebSub(t, c) })
	t.Run("PollOncePerDueTime", func(t *testing.T) { clusterPoll(t, c) })
	t.Run("KillDuringPoll", func(t *testing.T) { clusterKillPoll(t, c) })
	t.Run("KillDuringDeliveries", func(t *testing.T) { clusterKillDeliveries(t, c) })
	t.Run("RollingRestart", func(t *testing.T) { clusterRollingRestart(t, c) })
}

// A cluster is n herald serve processes on one database behind nginx.
type cluster struct {
	t        *testing.T // the test that owns the processes, which outlive subtests
	bin, dsn string
	flags    []string
	base     string // nginx: the site's public address
	token    string // an API token
	db       store.DB
	nodes    []*node
	nginxLog string // nginx's error log
}

// A node is one herald serve process.
type node struct {
	addr string // 127.0.0.1:port, kept across restarts
	log  string // its stderr, a file
	cmd  *exec.Cmd
}

func (n *node) url() string { return "http://" + n.addr }

// startCluster builds herald, starts n instances on a fresh database and
// nginx in front of them, and stops them all when the test ends.
func startCluster(t *testing.T, n int, flags ...string) *cluster {
	t.Helper()
	nginx := lookNginx(t)
	c := &cluster{t: t, bin: buildHerald(t), dsn: storetest.PostgresURL(t), flags: flags}
	front := freeAddr(t)
	c.base = "http://" + front
	for range n {
		c.nodes = append(c.nodes, &node{addr: freeAddr(t)})
	}
	// Started together, on a database none has opened: they migrate once.
	var wg sync.WaitGroup
	for i := range c.nodes {
		wg.Go(func() { c.start(t, i) })
	}
	wg.Wait()
	for i := range c.nodes {
		c.waitHealthy(t, i)
	}
	c.nginxLog = startNginx(t, nginx, front, c.nodes)
	out, err := exec.Command(c.bin, "token", "create", "cluster", "--db", c.dsn).Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	c.token = strings.TrimSpace(string(out))
	c.db, err = store.Open(context.Background(), c.dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.db.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			for i, nd := range c.nodes {
				b, _ := os.ReadFile(nd.log)
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				t.Logf("instance %d, last lines of its log:\n%s", i, strings.Join(lines[max(0, len(lines)-15):], "\n"))
			}
			b, _ := os.ReadFile(c.nginxLog)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("nginx, last lines of its error log:\n%s", strings.Join(lines[max(0, len(lines)-15):], "\n"))
		}
	})
	return c
}

// start starts instance i, appending its log (warnings and errors) to a
// file; the process is killed when the cluster's test ends, if it runs.
func (c *cluster) start(t *testing.T, i int) {
	t.Helper()
	nd := c.nodes[i]
	if nd.log == "" {
		nd.log = filepath.Join(c.t.TempDir(), fmt.Sprintf("herald-%d.log", i))
	}
	logf, err := os.OpenFile(nd.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close() // the child has its own
	args := append([]string{"serve", "--db", c.dsn, "--addr", nd.addr, "--base-url", c.base}, c.flags...)
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "HERALD_DB=", "HERALD_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = io.Discard, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	nd.cmd = cmd
}

// waitHealthy waits until instance i answers /healthz.
func (c *cluster) waitHealthy(t *testing.T, i int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(c.nodes[i].url() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %d did not answer /healthz within 30s: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop stops instance i as an operator does (SIGTERM) and waits for it.
func (c *cluster) stop(t *testing.T, i int) {
	t.Helper()
	cmd := c.nodes[i].cmd
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("instance %d stopped with %v, want exit 0", i, err)
	}
}

// restart starts instance i again on its address and waits until it answers.
func (c *cluster) restart(t *testing.T, i int) {
	t.Helper()
	c.start(t, i)
	c.waitHealthy(t, i)
}

// put writes article id through the site address base, and fails the test
// unless it was stored.
func (c *cluster) put(t *testing.T, base, id string) {
	t.Helper()
	status, err := postArticle(http.DefaultClient, base, c.token, "PUT", id)
	if err != nil || (status != http.StatusCreated && status != http.StatusOK) {
		t.Fatalf("PUT %s through %s: got %d, %v", id, base, status, err)
	}
}

// lookNginx finds nginx, or skips the test (fails it under CI).
func lookNginx(t *testing.T) string {
	t.Helper()
	storetest.PostgresServer(t) // skip or fail before building anything
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nginx is not installed: under CI the many-instance test must run (apt-get install nginx-light)")
	}
	t.Skip("nginx is not installed: sudo apt-get install nginx-light")
	return ""
}

// freeAddr returns a loopback address with a port free now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// nginxConf is the configuration README's "Scaling out" shows.
const nginxConf = "testdata/nginx.conf"

// startNginx runs nginx in the foreground, as the test's child, with
// testdata/nginx.conf made to point at the test's addresses: front for
// readers, the nodes behind it.
func startNginx(t *testing.T, nginx, front string, nodes []*node) (errorLog string) {
	t.Helper()
	b, err := os.ReadFile(nginxConf)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	if !strings.Contains(conf, "listen 127.0.0.1:8080;") {
		t.Fatalf("%s has no listen 127.0.0.1:8080 for the test to replace", nginxConf)
	}
	conf = strings.Replace(conf, "listen 127.0.0.1:8080;", "listen "+front+";", 1)
	for i, nd := range nodes {
		sample := fmt.Sprintf("server 127.0.0.1:%d ", 8081+i)
		if !strings.Contains(conf, sample) {
			t.Fatalf("%s has no %q for instance %d", nginxConf, sample, i)
		}
		conf = strings.Replace(conf, sample, "server "+nd.addr+" ", 1)
	}
	dir := t.TempDir()
	site := filepath.Join(dir, "herald.conf")
	if err := os.WriteFile(site, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// What Debian's /etc/nginx/nginx.conf has around conf.d, in the test's
	// folder: one process, no privileges to drop, no files outside dir.
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    access_log off;
    include %[2]s;
}
`, dir, site)
	mainPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(mainPath, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", mainPath)
	out, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
		out.Close()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + front + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return filepath.Join(dir, "error.log")
			}
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			early, _ := os.ReadFile(filepath.Join(dir, "stderr"))
			t.Fatalf("nginx does not answer: %v\n%s%s", err, early, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadmeNginxConfig keeps README's sample nginx configuration and the
// one the cluster test runs one.
func TestReadmeNginxConfig(t *testing.T) {
	conf, err := os.ReadFile(nginxConf)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```nginx\n"+string(conf)+"```\n") {
		t.Errorf("README.md does not show %s as it is, in a ```nginx block: copy it there", nginxConf)
	}
}

// clusterFresh: an article written through one instance is in the feed read
// through another within a second, and the three give it the same ETag, so
// that a reader sent to another instance gets 304s.
func clusterFresh(t *testing.T, c *cluster) {
	for i := range c.nodes {
		fetch(t, c.nodes[i].url()+"/feed.atom", "") // each has it cached
	}
	c.put(t, c.nodes[0].url(), "fresh-1")
	written := time.Now()
	for {
		_, body := fetch(t, c.nodes[1].url()+"/feed.atom", "")
		if strings.Contains(body, "Pipeline operators report fresh-1") {
			break
		}
		if time.Since(written) > 5*time.Second {
			t.Fatal("the article written through instance 0 is not in instance 1's feed after 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	d := time.Since(written)
	if d > time.Second {
		t.Errorf("the article reached instance 1's feed %v after it was written, want within 1s", d)
	}
	t.Logf("written through instance 0, in instance 1's feed %v later", d.Round(time.Millisecond))
	var etags []string
	for i := range c.nodes {
		resp, _ := fetch(t, c.nodes[i].url()+"/feed.atom", "")
		etags = append(etags, resp.Header.Get("ETag"))
	}
	if etags[0] == "" || etags[1] != etags[0] || etags[2] != etags[0] {
		t.Fatalf("ETags of /feed.atom: %q, want one from all three", etags)
	}
	for range 2 * len(c.nodes) { // round robin: each instance twice
		if resp, _ := fetch(t, c.base+"/feed.atom", etags[0]); resp.StatusCode != http.StatusNotModified {
			t.Errorf("conditional GET through nginx: got %d, want 304", resp.StatusCode)
		}
	}
	for i := range c.nodes {
		_, metrics := fetch(t, c.nodes[i].url()+"/metrics", "")
		if !strings.Contains(metrics, "\nherald_notifier_up 1\n") {
			t.Errorf("instance %d: herald_notifier_up is not 1", i)
		}
	}
}

// fetch GETs u, with If-None-Match when etag is set.
func fetch(t *testing.T, u, etag string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// rawClient does not ask for gzip by itself, so that the ETags it sees are
// those of the documents (the hub's too), not of their gzip encoding.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// pushSink is a WebSub subscriber (written from the spec, not from the
// hub's code) with many callbacks, /cb/N: it echoes challenges and records
// each delivery it answered. delay holds each answer, and a delivery whose
// connection is cut meanwhile (its instance killed) is not counted.
type pushSink struct {
	srv   *http.Server
	url   string
	delay time.Duration

	mu         sync.Mutex
	challenges map[string]int
	pushes     map[string][]string // callback path -> bodies, in order
}

func newPushSink(t *testing.T, delay time.Duration) *pushSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &pushSink{url: "http://" + ln.Addr().String(), delay: delay, challenges: map[string]int{}, pushes: map[string][]string{}}
	s.srv = &http.Server{Handler: s}
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *pushSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		s.challenges[r.URL.Path]++
		s.mu.Unlock()
		io.WriteString(w, r.URL.Query().Get("hub.challenge"))
	case http.MethodPost:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return // cut off: not delivered
		}
		s.mu.Lock()
		s.pushes[r.URL.Path] = append(s.pushes[r.URL.Path], string(body))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *pushSink) got(path string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pushes[path])
}

// waitWithin polls cond every 20ms until it holds, for at most within.
func waitWithin(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterWebSub: a subscription made through nginx (any instance) is
// verified once and served by all: each change, written through any
// instance, is pushed once.
func clusterWebSub(t *testing.T, c *cluster) {
	sink := newPushSink(t, 0)
	topic := c.base + "/feed.atom"
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {sink.url + "/cb/0"}}
	resp, err := http.PostForm(c.base+"/websub", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe through nginx: got %d, want 202", resp.StatusCode)
	}
	waitWithin(t, 30*time.Second, "subscription stored", func() bool {
		subs, err := c.db.ActiveSubscriptions(t.Context(), time.Now())
		return err == nil && len(subs) == 1
	})
	const changes = 5
	for k := range changes {
		id := fmt.Sprintf("push-%d", k)
		c.put(t, c.base, id) // round robin: through every instance
		waitWithin(t, 30*time.Second, "push of "+id, func() bool {
			got := sink.got("/cb/0")
			return len(got) > 0 && strings.Contains(got[len(got)-1], "Pipeline operators report "+id)
		})
	}
	time.Sleep(2 * time.Second) // every hub's periodic look, several times
	got := sink.got("/cb/0")
	if len(got) != changes {
		t.Errorf("%d pushes for %d changes, want one each", len(got), changes)
	}
	for k, body := range got {
		if !strings.Contains(body, fmt.Sprintf("Pipeline operators report push-%d", k)) {
			t.Errorf("push %d lacks the article of change %d", k, k)
		}
	}
	if n := sink.challenges["/cb/0"]; n != 1 {
		t.Errorf("%d verifications of one subscription request, want 1", n)
	}
}

// feedSink is a loopback publisher of many feeds, /feed/N, that counts the
// requests for each; delay holds each answer.
type feedSink struct {
	url   string
	delay time.Duration
	mu    sync.Mutex
	hits  map[string]int
}

func newFeedSink(t *testing.T, delay time.Duration) *feedSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &feedSink{url: "http://" + ln.Addr().String(), delay: delay, hits: map[string]int{}}
	srv := &http.Server{Handler: s}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *feedSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Agency %[1]s</title><id>urn:agency:%[1]s</id><updated>2026-11-20T10:00:00Z</updated>
<entry><title>Notice %[1]s</title><id>urn:agency:%[1]s:1</id><link href="https://agency.example/%[1]s/1"/><updated>2026-11-20T10:00:00Z</updated><summary>A notice about a cyber dialogue.</summary></entry>
</feed>`, strings.TrimPrefix(r.URL.Path, "/feed/"))
}

func (s *feedSink) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// addSources adds n sources of sink, /feed/0 to /feed/n-1.
func (c *cluster) addSources(t *testing.T, sink *feedSink, n int) []*feed.Source {
	t.Helper()
	var out []*feed.Source
	for i := range n {
		s, err := c.db.CreateSource(t.Context(), feed.Source{URL: fmt.Sprintf("%s/feed/%d", sink.url, i), Name: fmt.Sprintf("Agency %d", i),
			Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// polledSince reports whether every source has been polled (its outcome
// recorded) since t0.
func (c *cluster) polledSince(t *testing.T, srcs []*feed.Source, t0 time.Time) bool {
	t.Helper()
	for _, s := range srcs {
		got, err := c.db.Source(t.Context(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastAttempt.Before(t0) {
			return false
		}
	}
	return true
}

// makeDue makes every source due now, as its next due time comes.
func (c *cluster) makeDue(t *testing.T, srcs []*feed.Source) {
	t.Helper()
	for _, s := range srcs {
		for _, on := range []bool{false, true} { // enabling makes it due at once
			if _, err := c.db.SetSourceEnabled(t.Context(), s.ID, on); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// clusterPoll: over several due times, the three instances fetch each
// source exactly once per due time.
func clusterPoll(t *testing.T, c *cluster) {
	sink := newFeedSink(t, 20*time.Millisecond)
	t0 := time.Now() // before the sources exist: the first may be polled at once
	srcs := c.addSources(t, sink, 30)
	for due := 1; due <= 3; due++ {
		if due > 1 {
			t0 = time.Now()
			c.makeDue(t, srcs)
		}
		waitWithin(t, 60*time.Second, fmt.Sprintf("due time %d: every source polled", due), func() bool { return c.polledSince(t, srcs, t0) })
		time.Sleep(time.Second) // five poll intervals of each instance: any second fetch would be made
		for i := range srcs {
			if got := sink.count(fmt.Sprintf("/feed/%d", i)); got != due {
				t.Errorf("due time %d: /feed/%d fetched %d times, want %d", due, i, got, due)
			}
		}
	}
	for _, s := range srcs {
		if err := c.db.DeleteSource(t.Context(), s.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// clusterKillPoll: an instance killed (kill -9) in the middle of a poll
// pass leaves its claims to run out; the others fetch every due source.
func clusterKillPoll(t *testing.T, c *cluster) {
	sink := newFeedSink(t, 300*time.Millisecond)
	const n = 36
	t0 := time.Now()
	srcs := c.addSources(t, sink, n) // due at once: a pass of ~2s over the three
	waitWithin(t, 10*time.Second, "the pass under way", func() bool {
		done := 0
		for i := range n {
			done += sink.count(fmt.Sprintf("/feed/%d", i))
		}
		return done >= n/3
	})
	killHerald(t, c.nodes[2].cmd)
	waitWithin(t, 60*time.Second, "every source polled after the kill", func() bool { return c.polledSince(t, srcs, t0) })
	twice := 0
	for i := range n {
		switch got := sink.count(fmt.Sprintf("/feed/%d", i)); {
		case got == 0:
			t.Errorf("/feed/%d never fetched", i)
		case got > 1:
			twice++
		}
	}
	// Only the fetches the killed instance had under way (--fetch-workers
	// 2) are made again.
	if twice > 2 {
		t.Errorf("%d sources fetched twice, want at most the 2 the killed instance was fetching", twice)
	}
	for _, s := range srcs {
		if err := c.db.DeleteSource(t.Context(), s.ID); err != nil {
			t.Fatal(err)
		}
	}
	c.restart(t, 2)
}

// clusterKillDeliveries: an instance killed in the middle of a burst of
// deliveries leaves its claims to run out; the others make every delivery.
func clusterKillDeliveries(t *testing.T, c *cluster) {
	sink := newPushSink(t, 500*time.Millisecond)
	const n = 30
	topic := c.base + "/feed.atom"
	resp, _ := fetch(t, c.nodes[0].url()+"/feed.atom", "")
	current := resp.Header.Get("ETag")
	for i := range n {
		_, err := c.db.UpsertSubscription(t.Context(), feed.Subscription{Topic: topic, Callback: fmt.Sprintf("%s/cb/%d", sink.url, i),
			Lease: feed.DefaultLease, Expires: time.Now().Add(feed.DefaultLease), DeliveredETag: current})
		if err != nil {
			t.Fatal(err)
		}
	}
	c.put(t, c.nodes[0].url(), "burst")
	time.Sleep(200 * time.Millisecond) // the burst is under way, answers held 500ms
	killHerald(t, c.nodes[1].cmd)
	waitWithin(t, 60*time.Second, "every subscriber's delivery after the kill", func() bool {
		for i := range n {
			got := sink.got(fmt.Sprintf("/cb/%d", i))
			if len(got) == 0 || !strings.Contains(got[len(got)-1], "Pipeline operators report burst") {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second)
	for i := range n {
		// A delivery cut off by the kill was never answered, so each
		// subscriber answered exactly one.
		if got := sink.got(fmt.Sprintf("/cb/%d", i)); len(got) != 1 {
			t.Errorf("subscriber %d answered %d deliveries of the one change, want 1", i, len(got))
			if len(got) == 2 {
				a, b := strings.Split(got[0], "\n"), strings.Split(got[1], "\n")
				for j := range min(len(a), len(b)) {
					if a[j] != b[j] {
						t.Logf("first difference, line %d:\n%s\n%s", j, a[j], b[j])
						break
					}
				}
			}
		}
	}
	subs, err := c.db.Subscriptions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if err := c.db.DeleteSubscription(t.Context(), s.Topic, s.Callback); err != nil {
			t.Fatal(err)
		}
	}
	c.restart(t, 1)
}

// clusterRollingRestart: a reader polls through nginx while the three
// instances are restarted one after another; no request fails.
func clusterRollingRestart(t *testing.T, c *cluster) {
	var (
		requests, failed atomic.Int64
		mu               sync.Mutex
		failures         []string
	)
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 4 {
		wg.Go(func() {
			etag := ""
			for ctx.Err() == nil {
				req, _ := http.NewRequest("GET", c.base+"/feed.atom", nil)
				if etag != "" && requests.Load()%2 == 0 {
					req.Header.Set("If-None-Match", etag)
				}
				resp, err := client.Do(req)
				requests.Add(1)
				if err != nil {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotModified {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, resp.Status)
					mu.Unlock()
				}
				etag = resp.Header.Get("ETag")
			}
		})
	}
	// As README's "Scaling out" says to: one at a time, and the next only
	// once the last answers /healthz and nginx has had its fail_timeout
	// (2s) to take it back.
	for i := range c.nodes {
		time.Sleep(2500 * time.Millisecond)
		c.stop(t, i)
		c.restart(t, i)
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed during the rolling restart: %q", n, requests.Load(), failures[:min(len(failures), 5)])
	}
	if requests.Load() < 100 {
		t.Errorf("only %d requests during the restarts: the reader hardly read", requests.Load())
	}
	t.Logf("%d requests through nginx during the rolling restart, none failed", requests.Load())
}

// Figures (README, "Measuring it"): go test ./cmd/herald -run - -bench Cluster -benchtime 1x

// BenchmarkClusterPoll measures one poll pass over 5,000 loopback sources,
// 100 on each of 50 hosts, each answering a small feed after 20ms (a
// publisher's round trip), by one worker instance and by three (herald
// serve --role worker) on one database: from starting the workers to the
// last poll recorded. It reports the pass's seconds and the sources
// fetched more than once, which must be none.
func BenchmarkClusterPoll(b *testing.B) {
	for _, workers := range []int{1, 3} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				clusterPollPass(b, workers, 5000, 50, 20*time.Millisecond)
			}
		})
	}
}

// clusterPollPass makes the database and the publishers of one pass, then
// times the pass itself (ns/op includes the making; s/pass does not).
func clusterPollPass(b *testing.B, workers, sources, hosts int, delay time.Duration) {
	dsn := storetest.PostgresURL(b)
	bin := buildBinary(b)
	var (
		mu   sync.Mutex
		hits = map[string]int{}
	)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Host+r.URL.Path]++
		mu.Unlock()
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Agency</title><id>urn:agency:%[1]s</id><updated>2026-11-20T10:00:00Z</updated>
<entry><title>Notice %[1]s</title><id>urn:agency:%[1]s:1</id><link href="https://agency.example%[1]s/1"/><updated>2026-11-20T10:00:00Z</updated><summary>A notice.</summary></entry>
</feed>`, r.URL.Path)
	})
	var bases []string
	for h := range hosts {
		// 127.0.0.0/8 is loopback: each address is a host of its own, for
		// the per-host limits as for a publisher.
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+h))
		if err != nil {
			b.Skipf("no loopback address 127.0.0.%d here: %v", 2+h, err)
		}
		srv := &http.Server{Handler: handler}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		bases = append(bases, "http://"+ln.Addr().String())
	}
	db, err := store.Open(context.Background(), dsn, store.Options{Authority: "news.example.org"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < sources; i = int(next.Add(1)) - 1 {
				_, err := db.CreateSource(context.Background(), feed.Source{URL: fmt.Sprintf("%s/feed/%d", bases[i%hosts], i),
					Name: fmt.Sprintf("Agency %d", i), Enabled: true})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	start := time.Now()
	for range workers {
		cmd := exec.Command(bin, "serve", "--role", "worker", "--db", dsn, "--addr", "127.0.0.1:0", "--base-url", "http://news.example.org",
			"--title", "Bench", "--allow-private-sources", "--hub=false", "--poll-interval", "500ms", "--fetch-timeout", "10s")
		cmd.Env = append(os.Environ(), "HERALD_DB=", "HERALD_LOG_LEVEL=warn")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		})
	}
	for {
		due, err := db.DueSources(context.Background(), time.Now(), 1)
		if err != nil {
			b.Fatal(err)
		}
		if len(due) == 0 {
			break
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatal("the pass did not end within 10 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for _, n := range hits {
		if n > 1 {
			twice++
		}
	}
	if len(hits) != sources {
		b.Errorf("%d sources fetched, want %d", len(hits), sources)
	}
	if twice > 0 {
		b.Errorf("%d sources fetched more than once in one pass", twice)
	}
	b.ReportMetric(elapsed.Seconds(), "s/pass")
	b.ReportMetric(float64(sources)/elapsed.Seconds(), "sources/s")
	b.ReportMetric(float64(twice), "fetched-twice")
}

// BenchmarkClusterFreshness measures, over 100 writes through one instance,
// the time until another instance (three run) serves the feed with the
// write in it: the median and the worst.
func BenchmarkClusterFreshness(b *testing.B) {
	storetest.PostgresServer(b)
	bin := buildBinary(b)
	dsn := storetest.PostgresURL(b)
	var nodes []string
	for i := range 3 {
		addr := freeAddr(b)
		cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--base-url", "http://news.example.org", "--title", "Bench",
			"--poll=false")
		cmd.Env = append(os.Environ(), "HERALD_DB=", "HERALD_LOG_LEVEL=warn")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		})
		nodes = append(nodes, "http://"+addr)
		for waited := 0; ; waited++ {
			if resp, err := http.Get(nodes[i] + "/healthz"); err == nil {
				resp.Body.Close()
				break
			}
			if waited > 500 {
				b.Fatalf("instance %d did not start", i)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	out, err := exec.Command(bin, "token", "create", "bench", "--db", dsn).Output()
	if err != nil {
		b.Fatal(err)
	}
	token := strings.TrimSpace(string(out))
	var lat []time.Duration
	for b.Loop() {
		lat = lat[:0]
		for k := range 100 {
			id := fmt.Sprintf("fresh-%d-%d", b.N, k)
			if status, err := postArticle(http.DefaultClient, nodes[0], token, "PUT", id); err != nil || status >= 300 {
				b.Fatalf("PUT %s: %d, %v", id, status, err)
			}
			written := time.Now()
			for {
				resp, err := rawClient.Get(nodes[1+k%2] + "/feed.atom")
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if strings.Contains(string(body), "Pipeline operators report "+id+"<") {
					break
				}
				if time.Since(written) > 10*time.Second {
					b.Fatalf("write %s not served by another instance within 10s", id)
				}
				time.Sleep(time.Millisecond)
			}
			lat = append(lat, time.Since(written))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-worst")
}

// buildBinary builds the herald binary into a temporary folder of tb.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(tb.TempDir(), "herald")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The roles of one instance: web serves the site and runs nothing in the
// background (a WebSub request waits in the queue for a worker), worker
// answers /healthz and /metrics only, and a role that is none of them is
// refused, from the flag or the environment.
func TestServeRoles(t *testing.T) {
	t.Run("Unknown", func(t *testing.T) {
		var stderr strings.Builder
		if code := run(t.Context(), []string{"serve", "--role", "everything"}, noEnv, io.Discard, &stderr); code != 2 {
			t.Errorf("--role everything: exit %d, want 2", code)
		}
		env := func(k string) string {
			if k == "HERALD_ROLE" {
				return "nope"
			}
			return ""
		}
		if code := run(t.Context(), []string{"serve"}, env, io.Discard, &stderr); code != 2 {
			t.Errorf("HERALD_ROLE=nope: exit %d, want 2", code)
		}
		if !strings.Contains(stderr.String(), `--role "nope": want all, web or worker`) {
			t.Errorf("stderr %q does not say what --role takes", stderr.String())
		}
	})
	t.Run("Web", func(t *testing.T) {
		var challenges atomic.Int32
		cb := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			challenges.Add(1)
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
		}))
		s := startServer(t, "--role", "web", "--allow-private-callbacks", "--hub-check-every", "50ms")
		form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {s.base + "/feed.atom"}, "hub.callback": {cb + "/push"}}
		resp, err := http.PostForm(s.base+"/websub", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("subscribe through a web instance: got %d, want 202", resp.StatusCode)
		}
		time.Sleep(500 * time.Millisecond) // ten of the hub's periods, had it run
		if n := challenges.Load(); n != 0 {
			t.Errorf("a web instance verified the request (%d challenges), want it left to the workers", n)
		}
		db, err := store.Open(t.Context(), s.db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if n, err := db.PendingHubRequests(t.Context()); err != nil || n != 1 {
			t.Errorf("requests queued: %d, %v; want the one, for a worker", n, err)
		}
	})
	t.Run("Worker", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		db := filepath.Join(t.TempDir(), "herald.db")
		go func() {
			done <- run(ctx, []string{"serve", "--role", "worker", "--db", db, "--addr", "127.0.0.1:0"}, noEnv, pw, io.Discard)
			pw.Close()
		}()
		defer func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("worker exited with %d, want 0", code)
			}
		}()
		var health string
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if h, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "health:"); ok {
				health = strings.TrimSpace(h)
				break
			}
		}
		go io.Copy(io.Discard, pr)
		if health == "" {
			t.Fatal("the worker printed no health address")
		}
		base := strings.TrimSuffix(health, "/healthz")
		for path, want := range map[string]int{"/healthz": 200, "/metrics": 200, "/feed.atom": 404, "/": 404, "/api/articles": 404} {
			resp, body := fetch(t, base+path, "")
			if resp.StatusCode != want {
				t.Errorf("worker %s: got %d, want %d", path, resp.StatusCode, want)
			}
			if want == 404 && !strings.Contains(body, "--role worker") {
				t.Errorf("worker %s: body %q does not say why", path, body)
			}
		}
	})
}

// httptestServer serves h on loopback until the test ends and returns its
// URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
