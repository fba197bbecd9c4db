-- herald's schema on PostgreSQL: what store/sqlite's migrations 0001 to 0006
-- build, without the search index (to come), in one first migration.
--
-- Times are bigint microseconds since the Unix epoch, UTC, as on SQLite, and
-- 0 means never (a zero time.Time). Not timestamptz, though its precision is
-- the same microsecond: these numbers are what listing cursors and the change
-- log carry, so both engines give out the same bytes for the same content; a
-- zero time round-trips as 0 instead of a NULL or -infinity to special-case;
-- and a number compares, sorts and indexes with no time zone anywhere.
--
-- Text that is sorted or compared is COLLATE "C" (byte order, SQLite's
-- BINARY), whatever the database's default collation, so that slugs, names
-- and GUIDs come out in the same order on both engines.
--
-- The numbers that readers walk by (articles.seq, changes.id, articles.rev)
-- are handed out at the end of each writing transaction under an advisory
-- lock, so that they become visible in order: see store/postgres/change.go.

-- Who this herald is: the tag: URI authority and the date it took it, fixed
-- when the database is created so that ids survive a change of domain.
CREATE TABLE site (
	id        integer PRIMARY KEY CHECK (id = 1),
	authority text    NOT NULL,
	created   bigint  NOT NULL
);

-- One row; version grows with every committed change to published content,
-- so that caches in any process can tell that they are stale.
CREATE TABLE content_version (
	id      integer PRIMARY KEY CHECK (id = 1),
	version bigint  NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);

-- Numbers that are never given twice and, unlike a sequence's, not lost by a
-- transaction that rolls back (a source refused for its URL, say), as on
-- SQLite, so that the same writes give the same ids on both engines: those
-- of sources (part of their articles' ids), change log entries, tokens and
-- subscribers. Taking one locks its row until commit.
CREATE TABLE counters (
	name  text   PRIMARY KEY,
	value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('sources', 0), ('changes', 0), ('tokens', 0), ('subscribers', 0);

-- External feeds that herald polls. The id comes from counters: the id of a
-- removed source, whose articles stay, is never given to another.
CREATE TABLE sources (
	id                 bigint  PRIMARY KEY,
	url                text    COLLATE "C" NOT NULL UNIQUE,
	name               text    NOT NULL,
	tags               text[]  NOT NULL DEFAULT '{}', -- tag slugs, in order
	every              bigint  NOT NULL DEFAULT 0,    -- poll interval in seconds; 0 is the default
	enabled            boolean NOT NULL DEFAULT true,
	use_categories     boolean NOT NULL DEFAULT false,
	etag               text    NOT NULL DEFAULT '',
	last_modified      text    NOT NULL DEFAULT '',   -- as the server sent it
	last_attempt       bigint  NOT NULL DEFAULT 0,
	last_success       bigint  NOT NULL DEFAULT 0,
	last_status        integer NOT NULL DEFAULT 0,    -- HTTP status; 0 when there was no response
	consecutive_errors integer NOT NULL DEFAULT 0,
	last_error         text    NOT NULL DEFAULT '',
	next_fetch         bigint  NOT NULL DEFAULT 0,    -- 0: as soon as possible
	pending_url        text    NOT NULL DEFAULT '',   -- a permanent redirect not yet trusted
	pending_count      integer NOT NULL DEFAULT 0,
	hint               bigint  NOT NULL DEFAULT 0,    -- seconds the feed asked for at its last full fetch
	created            bigint  NOT NULL
);
-- The poller's question: which enabled sources are due?
CREATE INDEX sources_due ON sources (next_fetch, id) WHERE enabled;

-- A new article holds a provisional, negative seq from this sequence until
-- the end of its transaction, which gives it its place (see change.go).
CREATE SEQUENCE article_provisional;

-- seq: the article's number in the order articles were first stored, as
-- SQLite's rowid gives it: one more than the greatest stored, so that archive
-- pages (seq / 250) hold the same articles on both engines.
-- rev: the id of the article's last change, the key of the polling order;
-- changed: when that was; version: the number of its content version.
CREATE TABLE articles (
	seq          bigint  PRIMARY KEY,
	id           text    COLLATE "C" NOT NULL UNIQUE,
	guid         text    COLLATE "C" NOT NULL UNIQUE,
	slug         text    NOT NULL,
	title        text    NOT NULL,
	summary      text    NOT NULL DEFAULT '',
	content      text    NOT NULL DEFAULT '',
	authors      text[]  NOT NULL DEFAULT '{}',
	published    bigint  NOT NULL,
	updated      bigint  NOT NULL,
	created      bigint  NOT NULL,
	url          text    NOT NULL DEFAULT '',
	language     text    NOT NULL DEFAULT '',
	origin       text    NOT NULL CHECK (origin IN ('own', 'external')),
	provenance   json,                          -- external articles only
	content_hash bytea   NOT NULL,              -- detects re-ingest of unchanged content
	-- NULL for the newsroom's own articles and for those of a removed
	-- source, which stay published with their provenance.
	source_id    bigint  REFERENCES sources (id) ON DELETE SET NULL,
	rev          bigint  NOT NULL DEFAULT 0,
	changed      bigint  NOT NULL DEFAULT 0,
	version      bigint  NOT NULL DEFAULT 1
);
CREATE INDEX articles_published ON articles (published DESC, seq DESC);
CREATE INDEX articles_origin_published ON articles (origin, published DESC, seq DESC);
CREATE INDEX articles_source ON articles (source_id) WHERE source_id IS NOT NULL;
CREATE INDEX articles_rev ON articles (rev);
CREATE INDEX articles_changed ON articles (changed);

-- articles: how many articles carry the tag. The writer adds what each
-- transaction changed (articles = articles + n) as its last statements, in
-- tag order, so that a popular tag's row is locked only briefly and never in
-- two orders.
CREATE TABLE tags (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug        text   COLLATE "C" NOT NULL UNIQUE,
	name        text   NOT NULL,
	description text   NOT NULL DEFAULT '',
	rule        text   NOT NULL DEFAULT '',
	articles    bigint NOT NULL DEFAULT 0,
	created     bigint NOT NULL,
	updated     bigint NOT NULL
);

-- Slugs a tag had before it was renamed, so that old feed URLs can redirect.
CREATE TABLE tag_aliases (
	slug   text   COLLATE "C" PRIMARY KEY,
	tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE
);
CREATE INDEX tag_aliases_tag ON tag_aliases (tag_id);

-- ON UPDATE CASCADE: a new article's rows follow it from its provisional
-- seq to its place.
CREATE TABLE article_tags (
	tag_id      bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	article_seq bigint NOT NULL REFERENCES articles (seq) ON DELETE CASCADE ON UPDATE CASCADE,
	published   bigint NOT NULL, -- copy of articles.published: tag feeds read one index
	rule        text,            -- NULL for a hand tag; the rule's query otherwise
	matched     text[],          -- the words the rule matched; NULL for a hand tag
	PRIMARY KEY (tag_id, article_seq)
);
CREATE INDEX article_tags_feed ON article_tags (tag_id, published DESC, article_seq DESC);
CREATE INDEX article_tags_article ON article_tags (article_seq);

CREATE TABLE tokens (
	id        bigint PRIMARY KEY, -- from counters
	name      text   COLLATE "C" NOT NULL UNIQUE,
	hash      bytea  NOT NULL UNIQUE, -- SHA-256 of the secret
	created   bigint NOT NULL,
	last_used bigint,
	revoked   bigint
);

-- The change log: one entry per article per committing write, in commit
-- order. The id comes from counters, taken under the change log's lock at
-- the end of the transaction (see change.go).
CREATE TABLE changes (
	id           bigint PRIMARY KEY,
	article_id   text   COLLATE "C" NOT NULL,
	guid         text   NOT NULL,
	change       text   NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
	at           bigint NOT NULL,
	version      bigint, -- content version after the change; NULL for 'deleted'
	content_hash bytea   -- NULL for 'deleted'
);
CREATE INDEX changes_article ON changes (article_id, id);

-- What a deleted article leaves, for /api/changes and Atom's
-- at:deleted-entry (RFC 6721). Kept for good; feeds show recent ones.
CREATE TABLE tombstones (
	guid       text     COLLATE "C" PRIMARY KEY,
	article_id text     NOT NULL,
	origin     text     NOT NULL,
	tags       bigint[] NOT NULL DEFAULT '{}', -- the ids of the tags it carried, in id order
	deleted    bigint   NOT NULL
);
CREATE INDEX tombstones_deleted ON tombstones (deleted);

-- Earlier versions of each article's content; the current one is in
-- articles. They go when the article does.
CREATE TABLE article_versions (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	article_seq  bigint NOT NULL REFERENCES articles (seq) ON DELETE CASCADE ON UPDATE CASCADE,
	version      bigint NOT NULL,
	title        text   NOT NULL,
	summary      text   NOT NULL,
	content      text   NOT NULL,
	authors      text[] NOT NULL,
	published    bigint NOT NULL,
	updated      bigint NOT NULL,
	url          text   NOT NULL,
	language     text   NOT NULL,
	origin       text   NOT NULL,
	provenance   json,
	content_hash bytea  NOT NULL,
	saved        bigint NOT NULL, -- when this version was stored
	replaced     bigint NOT NULL, -- when the next one replaced it
	UNIQUE (article_seq, version)
);

-- WebSub: the hub's subscriptions and a short log of what it sent each
-- subscriber. Nothing here is published content: writes to these tables do
-- not move content_version.
-- A new subscription's id is one more than the greatest, as SQLite's rowid
-- (the hub shows ids); its log goes with it, so an id given again finds none.
CREATE TABLE subscriptions (
	id             bigint  PRIMARY KEY,
	topic          text    COLLATE "C" NOT NULL, -- the self URL of one of our feeds
	callback       text    COLLATE "C" NOT NULL,
	secret         text    NOT NULL DEFAULT '',  -- HMAC key for X-Hub-Signature; '' for none
	lease          bigint  NOT NULL,             -- seconds granted
	expires        bigint  NOT NULL,
	created        bigint  NOT NULL,
	delivered_etag text    NOT NULL DEFAULT '',  -- ETag of the content last delivered
	failures       integer NOT NULL DEFAULT 0,   -- failed deliveries in a row
	next_attempt   bigint  NOT NULL DEFAULT 0,
	UNIQUE (topic, callback)
);
-- The hub's questions: which leases run, which have run out?
CREATE INDEX subscriptions_expires ON subscriptions (expires);

CREATE TABLE deliveries (
	id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	subscription_id bigint  NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	time            bigint  NOT NULL,
	kind            text    NOT NULL CHECK (kind IN ('verify', 'content')),
	attempt         integer NOT NULL,
	status          integer NOT NULL DEFAULT 0, -- HTTP status; 0 when there was no answer
	duration        bigint  NOT NULL DEFAULT 0, -- microseconds
	error           text    NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);

-- Subscribers: private feed tokens with a plan, and what they were used for.
-- The usage counters are added to in SQL (see AddUsage).
CREATE TABLE subscribers (
	id           bigint  PRIMARY KEY, -- from counters
	name         text    COLLATE "C" NOT NULL UNIQUE,
	hash         bytea   NOT NULL UNIQUE, -- SHA-256 of the token
	plan         text    NOT NULL CHECK (plan IN ('full', 'summary')),
	tags         text[]  NOT NULL DEFAULT '{}', -- tag slugs; empty: all
	rate         integer NOT NULL DEFAULT 0,    -- requests per minute; 0: no cap
	attribution  boolean NOT NULL DEFAULT false,
	created      bigint  NOT NULL,
	revoked      bigint,
	polls        bigint  NOT NULL DEFAULT 0,
	not_modified bigint  NOT NULL DEFAULT 0,
	last_seen    bigint,
	user_agents  jsonb   NOT NULL DEFAULT '{}'  -- user agent -> requests, the busiest few
);
