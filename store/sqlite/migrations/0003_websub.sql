-- WebSub: the hub's subscriptions and a short log of what it sent each
-- subscriber. Times are INTEGER microseconds since the Unix epoch, UTC; 0
-- means never. Nothing here is published content: writes to these tables
-- do not move content_version.

CREATE TABLE subscriptions (
	id             INTEGER PRIMARY KEY,
	topic          TEXT    NOT NULL, -- the self URL of one of our feeds
	callback       TEXT    NOT NULL,
	secret         TEXT    NOT NULL DEFAULT '', -- HMAC key for X-Hub-Signature; '' for none
	lease          INTEGER NOT NULL,            -- seconds granted
	expires        INTEGER NOT NULL,
	created        INTEGER NOT NULL,
	delivered_etag TEXT    NOT NULL DEFAULT '', -- ETag of the content last delivered
	failures       INTEGER NOT NULL DEFAULT 0,  -- failed deliveries in a row
	next_attempt   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (topic, callback)
);
-- The hub's questions: which leases run, which have run out?
CREATE INDEX subscriptions_expires ON subscriptions (expires);

CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY,
	subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	time            INTEGER NOT NULL,
	kind            TEXT    NOT NULL CHECK (kind IN ('verify', 'content')),
	attempt         INTEGER NOT NULL,
	status          INTEGER NOT NULL DEFAULT 0, -- HTTP status; 0 when there was no answer
	duration        INTEGER NOT NULL DEFAULT 0, -- microseconds
	error           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
