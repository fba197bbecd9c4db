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
//     queues the verification of intent in the store.
//   - A worker verifies intent with a GET carrying hub.challenge, which the
//     subscriber must echo with a 2xx; only then is the lease stored (or, for
//     unsubscribe, removed). The lease granted is the one asked for, within
//     feed.MinLease and feed.MaxLease.
//   - The dispatcher notices changes: Notify wakes it at once after a write
//     in this process (or, through the web layer, when PostgreSQL tells of
//     another instance's), and every CheckEvery it reads the store's content
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
// Many instances. Every herald serve on one database runs a Hub over the
// same store, and they share the work through it rather than each doing
// all of it. The queue of verifications is a table: Request adds to it
// (replacing a waiting request for the same topic and callback), and a
// dispatcher claims requests with a lease (ClaimHubRequests), verifies them
// and removes them (FinishHubRequest). Before each delivery the dispatcher
// claims the subscription for the content's ETag (ClaimDelivery), which
// succeeds for one instance only and only while that version, or its
// retry, is due; RecordDelivery ends the claim. Claims are taken only when a
// worker is free, and last twice Timeout, so that the work of an instance
// that dies is taken over by the others when their lease runs out; one that
// stops gives its claims back (ReleaseHub) for the others to take at once.
// So nothing is lost in a restart, and each verification and each delivery
// (and each retry) is made once across instances. Periodic work, pruning
// expired subscriptions and pinging an external hub, is done by the
// instance that holds a leader lease (AcquireLease) that it renews while it
// runs. One Hub alone on an SQLite file takes the same path.
//
// Every connection to a callback, for verification or delivery, passes the
// same address guard as feed sources (guard.Policy), at connect time, so
// that a callback cannot point herald at its own machine or network, however
// its name resolves later; Request applies the same policy to the callback
// when it is asked for, so that the subscriber hears at once.
package websub
