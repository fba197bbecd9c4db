-- Subscribers: private feed tokens with a plan, and what they were used for.

CREATE TABLE subscribers (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE,
	hash          BLOB    NOT NULL UNIQUE, -- SHA-256 of the token
	plan          TEXT    NOT NULL CHECK (plan IN ('full', 'summary')),
	tags          TEXT    NOT NULL DEFAULT '[]', -- JSON array of tag slugs; empty: all
	rate          INTEGER NOT NULL DEFAULT 0,    -- requests per minute; 0: no cap
	attribution   INTEGER NOT NULL DEFAULT 0,
	created       INTEGER NOT NULL,
	revoked       INTEGER,
	polls         INTEGER NOT NULL DEFAULT 0,
	not_modified  INTEGER NOT NULL DEFAULT 0,
	last_seen     INTEGER,
	user_agents   TEXT    NOT NULL DEFAULT '{}'  -- JSON object: user agent -> requests
);
