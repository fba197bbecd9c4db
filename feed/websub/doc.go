// Package websub is herald's built-in WebSub hub (W3C Recommendation, 23
// January 2018): it takes subscriptions to herald's feeds, verifies each
// subscriber's intent, keeps leases, and pushes every new version of a feed
// to the feed's subscribers, signed when they gave a secret.
//
// The parts, in the order a subscription meets them:
//
//   - ParseRequest reads a subscription request (hub.mode, hub.topic,
//     hub.callback, hub.lease_seconds, hub.secret) from the form POSTed to
//     the hub; the web layer checks that the topic is one of its feeds and
//     hands the request to Hub.Request, which answers at once (202) and
//     queues the verification of intent.
//   - A worker verifies intent with a GET carrying hub.challenge, which the
//     subscriber must echo with a 2xx; only then is the lease stored (or, for
//     unsubscribe, removed). The lease granted is the one asked for, within
//     feed.MinLease and feed.MaxLease.
//   - The dispatcher notices changes: Notify wakes it at once after a write
//     in this process, and every CheckEvery it reads the store's content
//     version, which also moves for writes made by other processes (herald
//     ingest). It renders each topic that has subscribers (Topics, the web
//     layer's cached feeds) and sends the feed to each subscriber whose last
//     delivered ETag differs: a POST of the whole document with its
//     Content-Type, Link headers naming the hub and the topic, and
//     X-Hub-Signature: sha256=<HMAC of the body> when there is a secret.
//   - A failed delivery (no 2xx, or no answer within Timeout) is tried again
//     after a backoff (RetryPolicy), then given up: the subscriber gets the
//     next change. A 410 Gone ends the subscription. Every attempt goes into
//     the subscription's log (herald hub list).
//
// Every connection to a callback, for verification or delivery, passes the
// same address guard as feed sources (guard.Policy), at connect time, so
// that a callback cannot point herald at its own machine or network, however
// its name resolves later; Request applies the same policy to the callback
// when it is asked for, so that the subscriber hears at once.
package websub
