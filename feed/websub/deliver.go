package websub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"herald/feed"
	"herald/feed/guard"
	"herald/feed/metrics"
)

// maxAnswer caps what is read of a callback's answer. Past it the rest is
// left unread and the connection dropped: nothing in it matters but a
// challenge, which is short.
const maxAnswer = 64 << 10

// newClient returns the client that talks to callbacks: every connection
// passes p (guard.Policy.Transport), and redirects are not followed (a
// callback that moved is one that failed).
func newClient(p guard.Policy, workers int, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     p.Transport(timeout, workers),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Signature returns the X-Hub-Signature of body under secret (W3C WebSub,
// section 8): "sha256=" and the hex HMAC-SHA256 of the body, keyed by the
// secret.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// verify checks the intent of the subscriber that sent r (W3C WebSub,
// section 5.3) and, when it confirms, stores or removes the subscription.
func (h *Hub) verify(ctx context.Context, topics Topics, r Request) {
	start := h.opt.Now()
	sub := r.subscription(start)
	status, err := h.challenge(ctx, r, sub.Lease)
	if ctx.Err() != nil {
		return // shutting down: the request stays queued, for whoever takes it
	}
	// Callbacks often carry a token in their query; logs get it redacted.
	log := h.log.With("mode", r.Mode, "topic", r.Topic, "callback", feed.RedactURL(r.Callback))
	if err != nil {
		h.opt.Metrics.Verification(metrics.VerifyFailed)
		log.InfoContext(ctx, "websub: intent not verified", "status", status, "err", feed.RedactURLs(err.Error()))
		return
	}
	h.opt.Metrics.Verification(metrics.VerifyConfirmed)
	if r.Mode == Unsubscribe {
		if err := h.store.DeleteSubscription(ctx, r.Topic, r.Callback); err != nil && !errors.Is(err, feed.ErrNotFound) {
			h.logError(ctx, "websub: unsubscribe", err)
			return
		}
		log.InfoContext(ctx, "websub: unsubscribed")
		return
	}
	now := h.opt.Now()
	sub.Expires = now.Add(sub.Lease)
	// A new subscriber gets the changes from now on, not the feed as it is.
	if c, err := topics.Topic(ctx, r.Topic); err == nil {
		sub.DeliveredETag = c.ETag
	}
	stored, err := h.store.UpsertSubscription(ctx, sub)
	if err != nil {
		h.logError(ctx, "websub: subscribe", err)
		return
	}
	d := feed.Delivery{SubscriptionID: stored.ID, Time: start, Kind: feed.Verify, Attempt: 1, Status: status, Duration: now.Sub(start)}
	if err := h.store.LogDelivery(ctx, d); err != nil && !errors.Is(err, feed.ErrNotFound) {
		h.logError(ctx, "websub: log verification", err)
	}
	log.InfoContext(ctx, "websub: subscribed", "id", stored.ID, "expires", stored.Expires)
}

// challenge makes the GET that verifies intent and returns the status of
// the answer, with an error unless it was a 2xx echoing the challenge.
func (h *Hub) challenge(ctx context.Context, r Request, lease time.Duration) (int, error) {
	u, err := url.Parse(r.Callback)
	if err != nil {
		return 0, err
	}
	challenge := rand.Text()
	q := url.Values{"hub.mode": {string(r.Mode)}, "hub.topic": {r.Topic}, "hub.challenge": {challenge}}
	if r.Mode == Subscribe {
		q.Set("hub.lease_seconds", strconv.FormatInt(int64(lease/time.Second), 10))
	}
	// The callback's own query is kept as it is (section 5.3).
	if u.RawQuery != "" {
		u.RawQuery += "&" + q.Encode()
	} else {
		u.RawQuery = q.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, h.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", h.opt.UserAgent)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("reading the answer: %w", describe(err))
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("answered %s", resp.Status)
	}
	if string(bytes.TrimSpace(body)) != challenge {
		return resp.StatusCode, errors.New("answered without echoing hub.challenge")
	}
	return resp.StatusCode, nil
}

// deliver sends j's content to its subscriber and records what came of it:
// success, a retry to come, giving up, or (for 410 Gone) the end of the
// subscription.
func (h *Hub) deliver(ctx context.Context, j job) {
	s := j.sub
	start := h.opt.Now()
	status, err := h.post(ctx, &s, j.content)
	if ctx.Err() != nil {
		return // shutting down: the claim is given back, and whoever takes it delivers
	}
	now := h.opt.Now()
	d := feed.Delivery{Time: start, Kind: feed.Content, Attempt: s.Failures + 1, Status: status, Duration: now.Sub(start)}
	log := h.log.With("topic", s.Topic, "callback", feed.RedactURL(s.Callback), "id", s.ID)
	switch {
	case err == nil:
		h.opt.Metrics.Delivery(metrics.DeliveryDelivered)
		s.DeliveredETag, s.Failures, s.NextAttempt = j.content.ETag, 0, time.Time{}
	case status == http.StatusGone:
		h.opt.Metrics.Delivery(metrics.DeliveryGone)
		// Gone for good: WebSub leaves this to hubs, and 410 is what
		// subscribers that went away send.
		if err := h.store.DeleteSubscription(ctx, s.Topic, s.Callback); err != nil && !errors.Is(err, feed.ErrNotFound) {
			h.logError(ctx, "websub: remove gone subscription", err)
			return
		}
		log.InfoContext(ctx, "websub: callback is gone; subscription removed")
		return
	default:
		d.Error = err.Error()
		s.Failures++
		if wait, ok := h.opt.Retry.Wait(s.Failures); ok {
			h.opt.Metrics.Delivery(metrics.DeliveryRetry)
			s.NextAttempt = now.Add(wait)
			log.InfoContext(ctx, "websub: delivery failed; will retry", "attempt", d.Attempt, "retry", s.NextAttempt, "err", feed.RedactURLs(err.Error()))
		} else {
			h.opt.Metrics.Delivery(metrics.DeliveryGaveUp)
			d.Error += fmt.Sprintf(" (gave up after %d attempts)", s.Failures)
			s.DeliveredETag, s.Failures, s.NextAttempt = j.content.ETag, 0, time.Time{}
			log.WarnContext(ctx, "websub: delivery given up", "attempts", d.Attempt, "err", feed.RedactURLs(err.Error()))
		}
	}
	if err := h.store.RecordDelivery(ctx, &s, d); err != nil && !errors.Is(err, feed.ErrNotFound) {
		h.logError(ctx, "websub: record delivery", err)
	}
}

// post sends c to s's callback (W3C WebSub, section 7) and returns the
// status of the answer, with an error unless it was a 2xx.
func (h *Hub) post(ctx context.Context, s *feed.Subscription, c Content) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, h.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Callback, bytes.NewReader(c.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", c.ContentType)
	req.Header.Set("User-Agent", h.opt.UserAgent)
	// One header, both links: some subscribers read only the first Link.
	links := "<" + s.Topic + `>; rel="self"`
	if h.opt.URL != "" {
		links = "<" + h.opt.URL + `>; rel="hub", ` + links
	}
	req.Header.Set("Link", links)
	if s.Secret != "" {
		req.Header.Set("X-Hub-Signature", Signature(s.Secret, c.Body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	drain(resp)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// drain reads and discards up to maxAnswer bytes of an answer, so that the
// connection can be used again, and closes it.
func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	resp.Body.Close()
}

// describe turns an error of the HTTP client into a line for the delivery
// log: the guard's refusal and timeouts in plain words, without the method
// and URL that the log has already.
func describe(err error) error {
	var blocked *guard.BlockedError
	if errors.As(err, &blocked) {
		return fmt.Errorf("refused to connect to %s (%s): not a public address", blocked.Addr, blocked.Class)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer in time")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return errors.New(strings.TrimSpace(err.Error()))
}
