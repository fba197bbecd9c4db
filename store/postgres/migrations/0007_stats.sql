-- Readership statistics (feed/stats): per day (UTC, YYYY-MM-DD), feed path
-- and partner ('' for the public), the polls, 304s and bytes, added as
-- increments by every instance, and two HyperLogLog sketches of the
-- pollers (all, and those whose User-Agent reports no subscriber count),
-- merged register by register under the row's lock.
CREATE TABLE stats_polls (
	day          TEXT NOT NULL,
	feed         TEXT NOT NULL,
	partner      TEXT NOT NULL DEFAULT '',
	polls        BIGINT NOT NULL DEFAULT 0,
	not_modified BIGINT NOT NULL DEFAULT 0,
	bytes        BIGINT NOT NULL DEFAULT 0,
	pollers      BYTEA NOT NULL,
	unreported   BYTEA NOT NULL,
	PRIMARY KEY (day, feed, partner)
);
CREATE INDEX stats_polls_feed ON stats_polls (feed, day);

-- The latest subscriber count each aggregator reported in its User-Agent,
-- per day, feed and partner; reported_at in microseconds since the epoch.
CREATE TABLE stats_reports (
	day         TEXT NOT NULL,
	feed        TEXT NOT NULL,
	partner     TEXT NOT NULL DEFAULT '',
	aggregator  TEXT NOT NULL,
	subscribers BIGINT NOT NULL,
	reported_at BIGINT NOT NULL,
	PRIMARY KEY (day, feed, partner, aggregator)
);
