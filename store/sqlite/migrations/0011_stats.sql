-- Readership statistics (feed/stats): per day (UTC, YYYY-MM-DD), feed path
-- and partner ('' for the public), the polls, 304s and bytes, added as
-- increments, and two HyperLogLog sketches of the pollers (all, and those
-- whose User-Agent reports no subscriber count), merged register by
-- register.
CREATE TABLE stats_polls (
	day          TEXT NOT NULL,
	feed         TEXT NOT NULL,
	partner      TEXT NOT NULL DEFAULT '',
	polls        INTEGER NOT NULL DEFAULT 0,
	not_modified INTEGER NOT NULL DEFAULT 0,
	bytes        INTEGER NOT NULL DEFAULT 0,
	pollers      BLOB NOT NULL,
	unreported   BLOB NOT NULL,
	PRIMARY KEY (day, feed, partner)
) WITHOUT ROWID;
CREATE INDEX stats_polls_feed ON stats_polls (feed, day);

-- The latest subscriber count each aggregator reported in its User-Agent,
-- per day, feed and partner; reported_at in microseconds since the epoch.
CREATE TABLE stats_reports (
	day         TEXT NOT NULL,
	feed        TEXT NOT NULL,
	partner     TEXT NOT NULL DEFAULT '',
	aggregator  TEXT NOT NULL,
	subscribers INTEGER NOT NULL,
	reported_at INTEGER NOT NULL,
	PRIMARY KEY (day, feed, partner, aggregator)
) WITHOUT ROWID;
