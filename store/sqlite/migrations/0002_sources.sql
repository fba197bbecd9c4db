-- External feeds that herald polls, and the link from each aggregated
-- article to the source it came from. Times are INTEGER microseconds since
-- the Unix epoch, UTC; 0 means never.

-- AUTOINCREMENT: a source's id is part of its articles' ids
-- ("src<id>-<hash of the item's GUID>"), so the id of a removed source,
-- whose articles stay, must never be given to another.
CREATE TABLE sources (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	url                TEXT    NOT NULL UNIQUE,
	name               TEXT    NOT NULL,
	tags               TEXT    NOT NULL DEFAULT '[]', -- JSON array of tag slugs
	every              INTEGER NOT NULL DEFAULT 0,    -- poll interval in seconds; 0 is the default
	enabled            INTEGER NOT NULL DEFAULT 1,
	use_categories     INTEGER NOT NULL DEFAULT 0,
	etag               TEXT    NOT NULL DEFAULT '',
	last_modified      TEXT    NOT NULL DEFAULT '',   -- as the server sent it
	last_attempt       INTEGER NOT NULL DEFAULT 0,
	last_success       INTEGER NOT NULL DEFAULT 0,
	last_status        INTEGER NOT NULL DEFAULT 0,    -- HTTP status; 0 when there was no response
	consecutive_errors INTEGER NOT NULL DEFAULT 0,
	last_error         TEXT    NOT NULL DEFAULT '',
	next_fetch         INTEGER NOT NULL DEFAULT 0,    -- 0: as soon as possible
	pending_url        TEXT    NOT NULL DEFAULT '',   -- a permanent redirect not yet trusted
	pending_count      INTEGER NOT NULL DEFAULT 0,
	created            INTEGER NOT NULL
);
-- The poller's question: which enabled sources are due?
CREATE INDEX sources_due ON sources (next_fetch, id) WHERE enabled;

-- NULL for the newsroom's own articles and for those of a removed source,
-- which stay published with their provenance.
ALTER TABLE articles ADD COLUMN source_id INTEGER REFERENCES sources (id) ON DELETE SET NULL;
CREATE INDEX articles_source ON articles (source_id) WHERE source_id IS NOT NULL;
