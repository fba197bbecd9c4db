-- Embargoed articles, held back from every public read until embargo_until
-- (microseconds, UTC), when the store lifts them: each is then written to
-- articles as a new article, which numbers it (seq) at the time it is
-- published, so that a closed archive page never gains it. article is the
-- article as written (feed.Article, JSON, tags as given); guid is the one it
-- keeps when lifted. The rows are seen only by early-access token feeds, an
-- editor's API read with a token, and the lifter.
CREATE TABLE embargoes (
	id            TEXT    PRIMARY KEY,
	guid          TEXT    NOT NULL UNIQUE,
	embargo_until INTEGER NOT NULL,
	article       TEXT    NOT NULL,
	created       INTEGER NOT NULL
);
CREATE INDEX embargoes_until ON embargoes (embargo_until);

-- Subscribers whose token feeds carry embargoed articles before they are
-- lifted.
ALTER TABLE subscribers ADD COLUMN early_access INTEGER NOT NULL DEFAULT 0;
