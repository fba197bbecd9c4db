-- Work that instances of herald share, claimed in the database with leases:
-- polls of sources, verifications of WebSub intent and deliveries; holds on
-- hosts, rate limit counts and leader leases that every instance sees. Times
-- are bigint microseconds since the Unix epoch, UTC, by the claimer's clock;
-- a claim is live while its claimed_until is after now, and claimed_until is
-- 0 when nobody claims the row. Nothing here is published content: writes to
-- these columns and tables do not move content_version.

-- host: the URL's host, port included, in ASCII lower case (lower() under
-- COLLATE "C" changes nothing else): what comes after "://" up to the first
-- "/", "?" or "#" (user names are refused in source URLs). Generated from
-- url, so that every write that sets url (a new source, an edit, a redirect
-- taken by a poll, an import) keeps it, and the rows stored before this
-- migration have it at once. SQLite's migration 0007 computes the same.
ALTER TABLE sources ADD COLUMN host text COLLATE "C" GENERATED ALWAYS AS (lower(split_part(
	replace(replace(substr(url, strpos(url, '://') + 3), '?', '/'), '#', '/'), '/', 1))) STORED;
ALTER TABLE sources ADD COLUMN claim_owner text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN claimed_until bigint NOT NULL DEFAULT 0;
-- The claim's questions: how many live claims does each host have, and
-- which claims does an instance hold? Only claimed rows are indexed (few: a
-- poll's RecordPoll sets claimed_until back to 0), and the index covers the
-- count.
CREATE INDEX sources_claimed ON sources (claim_owner, host, claimed_until) WHERE claimed_until > 0;

-- Hosts that asked not to be fetched before until (Retry-After), for every
-- instance.
CREATE TABLE host_holds (
	host  text   COLLATE "C" PRIMARY KEY,
	until bigint NOT NULL
);

-- Subscribe and unsubscribe requests waiting for their verification of
-- intent, one per topic and callback (a newer request replaces a waiting
-- one, with a new id, so that finishing the old one cannot remove it).
CREATE TABLE hub_requests (
	id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	mode          text    NOT NULL CHECK (mode IN ('subscribe', 'unsubscribe')),
	topic         text    COLLATE "C" NOT NULL,
	callback      text    COLLATE "C" NOT NULL,
	secret        text    NOT NULL DEFAULT '',
	lease         bigint  NOT NULL DEFAULT 0, -- seconds granted (subscribe)
	created       bigint  NOT NULL,
	claim_owner   text    COLLATE "C" NOT NULL DEFAULT '',
	claimed_until bigint  NOT NULL DEFAULT 0,
	UNIQUE (topic, callback)
);

-- A delivery to a subscription is claimed on its row.
ALTER TABLE subscriptions ADD COLUMN claim_owner text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN claimed_until bigint NOT NULL DEFAULT 0;
CREATE INDEX subscriptions_claimed ON subscriptions (claim_owner) WHERE claimed_until > 0;

-- Requests per subscriber per minute, added up over every instance, for
-- the rate limits of subscribers' plans. Rows of old minutes are dropped.
CREATE TABLE rate_use (
	subscriber_id bigint NOT NULL,
	minute        bigint NOT NULL, -- the minute's start
	requests      bigint NOT NULL,
	PRIMARY KEY (subscriber_id, minute)
);
CREATE INDEX rate_use_minute ON rate_use (minute);

-- Leader leases: the periodic work that one instance does for all.
CREATE TABLE leases (
	name    text   COLLATE "C" PRIMARY KEY,
	owner   text   COLLATE "C" NOT NULL,
	expires bigint NOT NULL
);
