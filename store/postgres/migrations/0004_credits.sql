-- One item reached through several sources is one article (see package
-- store/internal/poll): article_keys holds the keys that name an item
-- whatever source carried it (its GUID when that is an absolute IRI, its
-- normalized link), each claimed by one article; article_sources credits
-- every source that carried the article, with the item's GUID and link at
-- that source. The first source stays the article's provenance and the only
-- one whose edits update it; the others only add credit. SQLite's migration
-- 0008 makes the same.

-- No foreign key: a claim is written before the article it names (the
-- claim decides whether the article is created), with INSERT ... ON
-- CONFLICT DO NOTHING, so that of concurrent polls of two sources carrying
-- a new item one creates it and the other, waiting on the key, credits it.
-- A claim whose article is gone is free again, taken over by the next poll
-- that meets the key.
CREATE TABLE article_keys (
	key        text COLLATE "C" PRIMARY KEY,
	article_id text COLLATE "C" NOT NULL
);
CREATE INDEX article_keys_article ON article_keys (article_id);

CREATE TABLE article_sources (
	-- ON UPDATE: a new article is stored under a provisional seq, numbered at
	-- commit (see articleWriter.placeCreated).
	article_seq bigint NOT NULL REFERENCES articles (seq) ON DELETE CASCADE ON UPDATE CASCADE,
	source_id   bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	guid        text   NOT NULL,            -- the item's GUID at that source
	link        text   NOT NULL DEFAULT '', -- the item's link at that source
	first_seen  bigint NOT NULL,            -- microseconds since the Unix epoch, UTC
	PRIMARY KEY (article_seq, source_id)
);
CREATE INDEX article_sources_source ON article_sources (source_id, article_seq);

-- Existing external articles are credited to the source they came from.
-- Their keys are claimed by the Go step of this migration (fillArticleKeys),
-- which needs herald's URL normalizer. Duplicates stored before this
-- migration stay, each credited to its own source, until purged.
INSERT INTO article_sources (article_seq, source_id, guid, link, first_seen)
	SELECT seq, source_id, COALESCE(provenance->>'original_id', ''), COALESCE(provenance->>'link', ''), created
	FROM articles WHERE source_id IS NOT NULL AND origin = 'external';
