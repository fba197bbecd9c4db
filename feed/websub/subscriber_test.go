package websub_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/feed/rule"
	"herald/feed/web"
	"herald/feed/websub"
	"herald/store"
	"herald/store/storetest"
)

// site is herald's web server and hub over a real store, on loopback.
type site struct {
	db    store.DB
	web   *web.Server
	hub   *websub.Hub
	srv   *httptest.Server
	token string
}

func newSite(tb testing.TB, o websub.Options) *site {
	tb.Helper()
	ctx := context.Background()
	db := storetest.Open(tb, store.Options{Authority: "news.example.org", SeedTags: rule.Defaults()})
	secret, hash := feed.NewTokenSecret()
	if _, err := db.CreateToken(ctx, "test", hash); err != nil {
		tb.Fatal(err)
	}
	s := &site{db: db, srv: httptest.NewServer(nil), token: secret}
	tb.Cleanup(s.srv.Close)
	base, _ := url.Parse(s.srv.URL)
	o.URL = s.srv.URL + "/websub"
	o.Guard = guard.Policy{AllowPrivate: true} // the subscribers are on loopback
	s.hub = websub.New(db, o)
	s.web = web.New(db, web.Config{BaseURL: base, StaleAfter: time.Nanosecond, Hub: s.hub, HubURLs: []string{o.URL}})
	s.srv.Config.Handler = s.web
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		s.hub.Run(runCtx, s.web)
		close(done)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return s
}

// put stores an article through the API, as the newsroom does.
func (s *site) put(tb testing.TB, id, title string) {
	tb.Helper()
	body := fmt.Sprintf(`{"title":%q,"content":"<p>Officials met for a cyber dialogue on %s.</p>","published":"2026-11-20T10:00:00Z"}`, title, title)
	req, _ := http.NewRequest("PUT", s.srv.URL+"/api/articles/"+id, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		tb.Fatalf("PUT %s: %d", id, resp.StatusCode)
	}
}

// goSubscriber is a WebSub subscriber written from the spec, independently
// of the hub's code: it confirms intent for its topic and checks the
// signature of each delivery with the secret it believes in.
type goSubscriber struct {
	topic, secret string
	verified      chan url.Values
	deliveries    chan delivery
}

type delivery struct {
	body      string
	signature string
	valid     bool // the signature is the HMAC-SHA256 of the body under secret
}

func newGoSubscriber(t *testing.T, topic, secret string) (*goSubscriber, string) {
	s := &goSubscriber{topic: topic, secret: secret, verified: make(chan url.Values, 4), deliveries: make(chan delivery, 4)}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL + "/push"
}

func (s *goSubscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		if q.Get("hub.topic") != s.topic || q.Get("hub.mode") != "subscribe" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, q.Get("hub.challenge"))
		s.verified <- q
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		sig := r.Header.Get("X-Hub-Signature")
		algo, hexSum, _ := strings.Cut(sig, "=")
		sum, err := hex.DecodeString(hexSum)
		m := hmac.New(sha256.New, []byte(s.secret))
		m.Write(body)
		// Section 8: a delivery whose signature does not match is still
		// answered 2xx, and its content ignored.
		w.WriteHeader(http.StatusNoContent)
		s.deliveries <- delivery{body: string(body), signature: sig, valid: algo == "sha256" && err == nil && hmac.Equal(sum, m.Sum(nil))}
	}
}

// subscribe asks the hub, as a subscriber does, and waits until the lease is
// stored.
func (s *site) subscribe(t *testing.T, sub *goSubscriber, callback, secret string) {
	t.Helper()
	form := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {sub.topic}, "hub.callback": {callback}, "hub.secret": {secret}}
	resp, err := http.PostForm(s.srv.URL+"/websub", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe: got %d, want 202", resp.StatusCode)
	}
	select {
	case q := <-sub.verified:
		if q.Get("hub.lease_seconds") != "864000" {
			t.Errorf("lease %s s, want the default 10 days", q.Get("hub.lease_seconds"))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("intent not verified within 30s")
	}
	for waited := time.Duration(0); ; waited += 10 * time.Millisecond {
		subs, err := s.db.ActiveSubscriptions(t.Context(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range subs {
			if x.Callback == callback {
				return
			}
		}
		if waited > 30*time.Second {
			t.Fatal("verified subscription not stored within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSignedDeliveries(t *testing.T) {
	s := newSite(t, websub.Options{})
	topic := s.srv.URL + "/tags/cyber-diplomacy/feed.atom"
	good, goodURL := newGoSubscriber(t, topic, "correct horse battery staple")
	wrong, wrongURL := newGoSubscriber(t, topic, "a secret it never sent")
	s.subscribe(t, good, goodURL, "correct horse battery staple")
	s.subscribe(t, wrong, wrongURL, "correct horse battery staple")

	s.put(t, "talks-1", "Cyber dialogue with Japan resumes")
	for name, sub := range map[string]*goSubscriber{"right secret": good, "wrong secret": wrong} {
		select {
		case d := <-sub.deliveries:
			if !strings.Contains(d.body, "Cyber dialogue with Japan resumes") {
				t.Errorf("%s: the delivery lacks the new article:\n%s", name, d.body)
			}
			if !strings.HasPrefix(d.signature, "sha256=") {
				t.Errorf("%s: X-Hub-Signature %q, want sha256=...", name, d.signature)
			}
			if want := sub == good; d.valid != want {
				t.Errorf("%s: signature valid = %t, want %t", name, d.valid, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no delivery within 30s", name)
		}
	}
}

// BenchmarkFanOut measures how long one change takes to reach 1,000
// subscribers of its topic (a feed of 50 articles), all on one loopback
// server: from the write through the API to the last delivery received.
func BenchmarkFanOut(b *testing.B) {
	const subscribers = 1000
	s := newSite(b, websub.Options{})
	topic := s.srv.URL + "/tags/cyber-diplomacy/feed.atom"
	// A full feed: 50 articles of about 3 KB each.
	var arts []feed.Article
	para := "<p>" + strings.Repeat("Officials met for a cyber dialogue on norms and critical infrastructure. ", 10) + "</p>"
	for i := range 50 {
		arts = append(arts, feed.Article{ID: fmt.Sprintf("old-%d", i), Title: fmt.Sprintf("Cyber dialogue, round %d", i),
			Content: strings.Repeat(para, 4), Published: time.Date(2026, 10, 1+i%28, 9, 0, 0, 0, time.UTC),
			Tags: []feed.ArticleTag{{Slug: "cyber-diplomacy"}}})
	}
	if _, err := s.db.UpsertArticles(context.Background(), arts); err != nil {
		b.Fatal(err)
	}

	var (
		mu       sync.Mutex
		received int
		all      = make(chan struct{}, 1)
		bytes    atomic.Int64
		total    atomic.Int64
	)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		bytes.Add(n)
		total.Add(1)
		w.WriteHeader(http.StatusNoContent)
		mu.Lock()
		defer mu.Unlock()
		if received++; received == subscribers {
			all <- struct{}{}
		}
	}))
	defer cb.Close()
	ctx := context.Background()
	c, err := s.web.Topic(ctx, topic)
	if err != nil {
		b.Fatal(err)
	}
	for i := range subscribers {
		_, err := s.db.UpsertSubscription(ctx, feed.Subscription{Topic: topic, Callback: fmt.Sprintf("%s/cb/%d", cb.URL, i),
			Lease: feed.DefaultLease, Expires: time.Now().Add(feed.DefaultLease), DeliveredETag: c.ETag})
		if err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	start := time.Now()
	for b.Loop() {
		mu.Lock()
		received = 0
		mu.Unlock()
		n++
		s.put(b, "a"+fmt.Sprint(n), fmt.Sprintf("Cyber dialogue %d", n))
		select {
		case <-all:
		case <-time.After(time.Minute):
			b.Fatalf("change %d reached %d of %d subscribers within a minute", n, received, subscribers)
		}
	}
	elapsed := time.Since(start)
	if got, want := total.Load(), int64(n*subscribers); got != want {
		b.Errorf("%d deliveries for %d changes to %d subscribers, want %d", got, n, subscribers, want)
	}
	b.ReportMetric(elapsed.Seconds()/float64(n), "s/fanout")
	b.ReportMetric(float64(n*subscribers)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(bytes.Load())/float64(n*subscribers), "B/delivery")
}
