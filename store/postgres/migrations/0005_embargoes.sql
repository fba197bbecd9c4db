-- Embargoed articles, held back from every public read until embargo_until
-- (microseconds, UTC), when the store lifts them: each is then written to
-- articles as a new article, which numbers it (seq, in commit order as
-- every article) at the time it is published, so that a closed archive
-- page never gains it. article is the article as written (feed.Article,
-- JSON, tags as given); guid is the one it keeps when lifted. Of several
-- instances lifting at once, each row is lifted by one: the lifter locks
-- the due rows (FOR UPDATE SKIP LOCKED) and deletes them in the
-- transaction that publishes them.
CREATE TABLE embargoes (
	id            text   PRIMARY KEY,
	guid          text   NOT NULL UNIQUE,
	embargo_until bigint NOT NULL,
	article       text   NOT NULL,
	created       bigint NOT NULL
);
CREATE INDEX embargoes_until ON embargoes (embargo_until);

-- Subscribers whose token feeds carry embargoed articles before they are
-- lifted.
ALTER TABLE subscribers ADD COLUMN early_access boolean NOT NULL DEFAULT false;
