-- Work that instances of herald share, claimed in the database with leases:
-- polls of sources, verifications of WebSub intent and deliveries. Several
-- instances share a PostgreSQL database; SQLite has the same tables, so that
-- one herald and its commands behave alike on both engines. Times are
-- INTEGER microseconds since the Unix epoch, UTC, by the claimer's clock; a
-- claim is live while its claimed_until is after now, and claimed_until is 0
-- when nobody claims the row. Nothing here is published content: writes to
-- these columns and tables do not move content_version.

-- host: the URL's host, port included, in ASCII lower case: what comes
-- after "://" up to the first "/", "?" or "#" (user names are refused in
-- source URLs). Generated from url, so that every write that sets url (a
-- new source, an edit, a redirect taken by a poll, an import) keeps it, and
-- the rows stored before this migration have it at once.
ALTER TABLE sources ADD COLUMN host TEXT GENERATED ALWAYS AS (lower(substr(
	replace(replace(substr(url, instr(url, '://') + 3), '?', '/'), '#', '/'),
	1,
	instr(replace(replace(substr(url, instr(url, '://') + 3), '?', '/'), '#', '/') || '/', '/') - 1
))) VIRTUAL;
ALTER TABLE sources ADD COLUMN claim_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
-- The claim's questions: how many live claims does each host have, and
-- which claims does an instance hold? Only claimed rows are indexed (few: a
-- poll's RecordPoll sets claimed_until back to 0), and the index covers the
-- count.
CREATE INDEX sources_claimed ON sources (claim_owner, host, claimed_until) WHERE claimed_until > 0;

-- Hosts that asked not to be fetched before until (Retry-After), for every
-- instance.
CREATE TABLE host_holds (
	host  TEXT    PRIMARY KEY,
	until INTEGER NOT NULL
) WITHOUT ROWID;

-- Subscribe and unsubscribe requests waiting for their verification of
-- intent, one per topic and callback (a newer request replaces a waiting
-- one). AUTOINCREMENT: the replaced request's id is never given to its
-- replacement, so that finishing the old one cannot remove the new one.
CREATE TABLE hub_requests (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	mode          TEXT    NOT NULL CHECK (mode IN ('subscribe', 'unsubscribe')),
	topic         TEXT    NOT NULL,
	callback      TEXT    NOT NULL,
	secret        TEXT    NOT NULL DEFAULT '',
	lease         INTEGER NOT NULL DEFAULT 0, -- seconds granted (subscribe)
	created       INTEGER NOT NULL,
	claim_owner   TEXT    NOT NULL DEFAULT '',
	claimed_until INTEGER NOT NULL DEFAULT 0,
	UNIQUE (topic, callback)
);

-- A delivery to a subscription is claimed on its row.
ALTER TABLE subscriptions ADD COLUMN claim_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX subscriptions_claimed ON subscriptions (claim_owner) WHERE claimed_until > 0;

-- Requests per subscriber per minute, added up over every instance, for
-- the rate limits of subscribers' plans. Rows of old minutes are dropped.
CREATE TABLE rate_use (
	subscriber_id INTEGER NOT NULL,
	minute        INTEGER NOT NULL, -- the minute's start
	requests      INTEGER NOT NULL,
	PRIMARY KEY (subscriber_id, minute)
) WITHOUT ROWID;
CREATE INDEX rate_use_minute ON rate_use (minute);

-- Leader leases: the periodic work that one instance does for all.
CREATE TABLE leases (
	name    TEXT    PRIMARY KEY,
	owner   TEXT    NOT NULL,
	expires INTEGER NOT NULL
) WITHOUT ROWID;
