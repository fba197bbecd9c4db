package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"herald/feed"
	"herald/feed/metrics"
	"herald/feed/rule"
	"herald/store"
)

// serveMetrics serves /metrics alone on ln (--metrics-addr) under wg, until
// the returned shutdown is called: a listener of its own keeps the metrics
// off the public address.
func serveMetrics(ln net.Listener, m *metrics.Metrics, log *slog.Logger, wg *sync.WaitGroup) (shutdown func(context.Context) error) {
	mux := http.NewServeMux()
	metricsHandler := m.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff") // as every answer of the site
		metricsHandler.ServeHTTP(w, r)
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve metrics", "addr", ln.Addr().String(), "err", err)
		}
	})
	return srv.Shutdown
}

// timedDB is the store of herald serve, timing each write (one transaction)
// into herald_store_write_duration_seconds by method. Reads are not timed:
// the requests and renders that make them are.
type timedDB struct {
	store.DB
	m   *metrics.Metrics
	now func() time.Time
}

func timeWrites(db store.DB, m *metrics.Metrics) store.DB {
	return &timedDB{DB: db, m: m, now: time.Now}
}

// timed records the time since start of the write method.
func (t *timedDB) timed(method string, start time.Time) { t.m.StoreWrite(method, t.now().Sub(start)) }

func (t *timedDB) UpsertArticles(ctx context.Context, arts []feed.Article) ([]feed.Change, error) {
	defer t.timed("UpsertArticles", t.now())
	return t.DB.UpsertArticles(ctx, arts)
}

func (t *timedDB) UpsertArticle(ctx context.Context, a *feed.Article) (feed.Change, error) {
	defer t.timed("UpsertArticle", t.now())
	return t.DB.UpsertArticle(ctx, a)
}

func (t *timedDB) CreateArticle(ctx context.Context, a *feed.Article) error {
	defer t.timed("CreateArticle", t.now())
	return t.DB.CreateArticle(ctx, a)
}

func (t *timedDB) DeleteArticle(ctx context.Context, id string) error {
	defer t.timed("DeleteArticle", t.now())
	return t.DB.DeleteArticle(ctx, id)
}

func (t *timedDB) RetagArticles(ctx context.Context, retag func(*feed.Article)) (*rule.Report, error) {
	defer t.timed("RetagArticles", t.now())
	return t.DB.RetagArticles(ctx, retag)
}

func (t *timedDB) CreateTag(ctx context.Context, tag feed.Tag) error {
	defer t.timed("CreateTag", t.now())
	return t.DB.CreateTag(ctx, tag)
}

func (t *timedDB) UpdateTag(ctx context.Context, slug string, u feed.TagUpdate) (*feed.Tag, error) {
	defer t.timed("UpdateTag", t.now())
	return t.DB.UpdateTag(ctx, slug, u)
}

func (t *timedDB) DeleteTag(ctx context.Context, slug string) error {
	defer t.timed("DeleteTag", t.now())
	return t.DB.DeleteTag(ctx, slug)
}

// Authenticate is timed too: it notes that the token was used, a write.
func (t *timedDB) Authenticate(ctx context.Context, hash []byte) (*feed.Token, error) {
	defer t.timed("Authenticate", t.now())
	return t.DB.Authenticate(ctx, hash)
}

func (t *timedDB) CreateSource(ctx context.Context, s feed.Source) (*feed.Source, error) {
	defer t.timed("CreateSource", t.now())
	return t.DB.CreateSource(ctx, s)
}

func (t *timedDB) UpdateSource(ctx context.Context, id int64, update func(*feed.Source) error) (*feed.Source, error) {
	defer t.timed("UpdateSource", t.now())
	return t.DB.UpdateSource(ctx, id, update)
}

func (t *timedDB) DeleteSource(ctx context.Context, id int64) error {
	defer t.timed("DeleteSource", t.now())
	return t.DB.DeleteSource(ctx, id)
}

func (t *timedDB) RecordPoll(ctx context.Context, polledURL string, s feed.Source, arts []feed.Article) ([]feed.Change, error) {
	defer t.timed("RecordPoll", t.now())
	return t.DB.RecordPoll(ctx, polledURL, s, arts)
}

func (t *timedDB) CreateSubscriber(ctx context.Context, s *feed.Subscriber, hash []byte) error {
	defer t.timed("CreateSubscriber", t.now())
	return t.DB.CreateSubscriber(ctx, s, hash)
}

func (t *timedDB) RotateSubscriber(ctx context.Context, name string, hash []byte) error {
	defer t.timed("RotateSubscriber", t.now())
	return t.DB.RotateSubscriber(ctx, name, hash)
}

func (t *timedDB) RevokeSubscriber(ctx context.Context, name string) error {
	defer t.timed("RevokeSubscriber", t.now())
	return t.DB.RevokeSubscriber(ctx, name)
}

func (t *timedDB) AddUsage(ctx context.Context, usage map[int64]feed.Usage) error {
	defer t.timed("AddUsage", t.now())
	return t.DB.AddUsage(ctx, usage)
}

func (t *timedDB) UpsertSubscription(ctx context.Context, s feed.Subscription) (*feed.Subscription, error) {
	defer t.timed("UpsertSubscription", t.now())
	return t.DB.UpsertSubscription(ctx, s)
}

func (t *timedDB) DeleteSubscription(ctx context.Context, topic, callback string) error {
	defer t.timed("DeleteSubscription", t.now())
	return t.DB.DeleteSubscription(ctx, topic, callback)
}

func (t *timedDB) PruneSubscriptions(ctx context.Context, now time.Time) (int, error) {
	defer t.timed("PruneSubscriptions", t.now())
	return t.DB.PruneSubscriptions(ctx, now)
}

func (t *timedDB) RecordDelivery(ctx context.Context, s *feed.Subscription, d feed.Delivery) error {
	defer t.timed("RecordDelivery", t.now())
	return t.DB.RecordDelivery(ctx, s, d)
}

func (t *timedDB) LogDelivery(ctx context.Context, d feed.Delivery) error {
	defer t.timed("LogDelivery", t.now())
	return t.DB.LogDelivery(ctx, d)
}
