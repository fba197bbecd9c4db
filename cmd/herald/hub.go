package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/feed/metrics"
	"herald/feed/web"
	"herald/feed/websub"
	"herald/store"
)

// hubFlags are serve's WebSub settings, and the hub they make.
type hubFlags struct {
	on           bool // run the built-in hub at /websub
	external     string
	allowPrivate bool
	checkEvery   time.Duration
	timeout      time.Duration

	base *url.URL
	hub  *websub.Hub // nil when off

	// Set by serve before setup: the User-Agent of the hub's requests and
	// the metrics it records into.
	userAgent string
	metrics   *metrics.Metrics
	// owner names this instance in the claims the hub takes (see role.go).
	owner string
}

func (h *hubFlags) register(f *flags) {
	f.boolVar(&h.on, "hub", "HERALD_HUB", true, "run the built-in WebSub hub at /websub, which pushes every change of a feed to its subscribers")
	f.stringVar(&h.external, "external-hub", "HERALD_EXTERNAL_HUB", "",
		"also advertise this WebSub hub and ping it (hub.mode=publish) when a feed changes")
	f.boolVar(&h.allowPrivate, "allow-private-callbacks", "HERALD_ALLOW_PRIVATE_CALLBACKS", false,
		"let WebSub subscribers use callbacks on loopback, private, link-local and other non-public addresses (intranets, tests)")
	f.durationVar(&h.checkEvery, "hub-check-every", "HERALD_HUB_CHECK_EVERY", websub.DefaultCheckEvery,
		"how soon the hub notices a change written by another process (herald ingest, herald fetch), a request queued through another instance, or work an instance that died left")
	f.durationVar(&h.timeout, "hub-timeout", "HERALD_HUB_TIMEOUT", websub.DefaultTimeout,
		"time limit of each verification of intent and each delivery; twice it is how long the WebSub work of an instance that died waits for another to take it")
}

// check returns what is wrong with the settings, or nil.
func (h *hubFlags) check() error {
	if h.external != "" {
		u, err := url.Parse(h.external)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--external-hub %q must be an absolute http or https URL", h.external)
		}
	}
	if h.checkEvery <= 0 {
		return fmt.Errorf("--hub-check-every must be positive")
	}
	if h.timeout <= 0 {
		return fmt.Errorf("--hub-timeout must be positive")
	}
	return nil
}

// setup makes the built-in hub, when it is on, for the site at base.
func (h *hubFlags) setup(db store.DB, base *url.URL, log *slog.Logger) {
	h.base = base
	if !h.on {
		return
	}
	h.hub = websub.New(db, websub.Options{
		URL:         h.urls()[0],
		Guard:       guard.Policy{AllowPrivate: h.allowPrivate, Resolver: resolver},
		CheckEvery:  h.checkEvery,
		Timeout:     h.timeout,
		ExternalHub: h.external,
		Owner:       h.owner,
		Logger:      log,
		UserAgent:   h.userAgent,
		Metrics:     h.metrics,
	})
}

// urls lists the hubs feeds advertise: the built-in one first.
func (h *hubFlags) urls() []string {
	var out []string
	if h.on {
		out = append(out, h.base.JoinPath("websub").String())
	}
	if h.external != "" {
		out = append(out, h.external)
	}
	return out
}

// webHub is the hub for web.Config: nil, not a nil *websub.Hub, when off.
func (h *hubFlags) webHub() web.Hub {
	if h.hub == nil {
		return nil
	}
	return h.hub
}

// start runs the hub's dispatcher and workers under wg until ctx ends.
// Without the built-in hub, an external hub is still pinged: by a hub that
// takes no subscriptions.
func (h *hubFlags) start(ctx context.Context, wg *sync.WaitGroup, db store.DB, topics websub.Topics, log *slog.Logger) {
	hub := h.hub
	if hub == nil && h.external != "" {
		hub = websub.New(pingOnly{db}, websub.Options{ExternalHub: h.external, CheckEvery: h.checkEvery, Workers: 1, Logger: log,
			UserAgent: h.userAgent, Owner: h.owner})
	}
	if hub != nil {
		wg.Go(func() { hub.Run(ctx, topics) })
	}
}

// pingOnly is the store of a hub that only pings an external hub: it sees
// no subscriptions, so those left from when the built-in hub ran get nothing.
type pingOnly struct{ store.DB }

func (pingOnly) ActiveSubscriptions(context.Context, time.Time) ([]feed.Subscription, error) {
	return nil, nil
}

func (pingOnly) PruneSubscriptions(context.Context, time.Time) (int, error) { return 0, nil }

// ClaimHubRequests finds none: a hub that takes no subscriptions verifies
// none of the requests left from when the built-in hub ran.
func (pingOnly) ClaimHubRequests(context.Context, string, time.Time, time.Duration, int) ([]feed.HubRequest, error) {
	return nil, nil
}

func cmdHub(ctx context.Context, e *env, args []string) int {
	var (
		c       config
		entries int
	)
	f := newFlags(e, "hub", "list | remove ID",
		"Show the WebSub subscriptions of the built-in hub, with the last entries of each one's\ndelivery log, or remove one.")
	c.common(f)
	f.IntVar(&entries, "log", 5, "list: how many log entries to show per subscription (at most "+strconv.Itoa(feed.DeliveryLogSize)+")")
	if code := c.parse(f, args); code >= 0 {
		return code
	}
	sub, rest, ok := f.subcommand("", map[string][2]int{"list": {0, 0}, "remove": {1, 1}})
	if !ok {
		return 2
	}
	db, err := c.open(ctx)
	if err != nil {
		return fail(e, err)
	}
	defer db.Close()
	subs, err := db.Subscriptions(ctx)
	if err != nil {
		return fail(e, err)
	}
	switch sub {
	case "list":
		if len(subs) == 0 {
			fmt.Fprintln(e.stdout, "no subscriptions")
			return 0
		}
		for _, s := range subs {
			log, err := db.Deliveries(ctx, s.ID, entries)
			if err != nil {
				return fail(e, err)
			}
			printSubscription(e.stdout, &s, log, time.Now())
		}
	case "remove":
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil {
			fmt.Fprintf(e.stderr, "herald hub remove: %q is not a subscription ID (herald hub list shows them)\n", rest[0])
			return 2
		}
		for _, s := range subs {
			if s.ID == id {
				if err := db.DeleteSubscription(ctx, s.Topic, s.Callback); err != nil {
					return fail(e, err)
				}
				fmt.Fprintf(e.stdout, "removed subscription %d of %s to %s\n", id, s.Callback, s.Topic)
				return 0
			}
		}
		return fail(e, fmt.Errorf("subscription %d: %w", id, feed.ErrNotFound))
	}
	return 0
}

// printSubscription writes one subscription of herald hub list, with log,
// newest first.
func printSubscription(w io.Writer, s *feed.Subscription, log []feed.Delivery, now time.Time) {
	fmt.Fprintf(w, "#%d %s\n", s.ID, s.Topic)
	fmt.Fprintf(w, "   callback  %s\n", s.Callback)
	lease := fmt.Sprintf("until %s (%s granted)", s.Expires.Format(time.DateTime), days(s.Lease))
	if !s.Active(now) {
		lease = "expired " + s.Expires.Format(time.DateTime)
	}
	if s.Secret != "" {
		lease += ", signed"
	}
	fmt.Fprintf(w, "   lease     %s\n", lease)
	state := "up to date"
	if s.Failures > 0 {
		state = fmt.Sprintf("%d failed deliveries in a row; next try %s", s.Failures, s.NextAttempt.Format(time.DateTime))
	}
	fmt.Fprintf(w, "   state     %s\n", state)
	label := "log"
	for _, d := range log {
		outcome := strconv.Itoa(d.Status) + " " + http.StatusText(d.Status)
		if d.Status == 0 {
			outcome = "no answer"
		}
		if d.Error != "" {
			outcome += ": " + d.Error
		}
		fmt.Fprintf(w, "   %-9s %s  %-7s  attempt %d  %s  %s\n", label, d.Time.Format(time.DateTime), d.Kind, d.Attempt,
			d.Duration.Round(time.Millisecond), outcome)
		label = ""
	}
}

// days writes a lease the way people count them.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return strconv.Itoa(n) + " days"
		}
		return "1 day"
	}
	return d.String()
}
