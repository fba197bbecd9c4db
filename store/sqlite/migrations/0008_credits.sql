-- One item reached through several sources is one article (see package
-- store/internal/poll): article_keys holds the keys that name an item
-- whatever source carried it (its GUID when that is an absolute IRI, its
-- normalized link), each claimed by one article; article_sources credits
-- every source that carried the article, with the item's GUID and link at
-- that source. The first source stays the article's provenance and the only
-- one whose edits update it; the others only add credit.

-- No foreign key: a claim is written before the article it names (the
-- claim decides whether the article is created). A claim whose article is
-- gone is free again, taken over by the next poll that meets the key.
CREATE TABLE article_keys (
	key        TEXT NOT NULL PRIMARY KEY,
	article_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX article_keys_article ON article_keys (article_id);

CREATE TABLE article_sources (
	article_seq INTEGER NOT NULL REFERENCES articles (seq) ON DELETE CASCADE,
	source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	guid        TEXT    NOT NULL,            -- the item's GUID at that source
	link        TEXT    NOT NULL DEFAULT '', -- the item's link at that source
	first_seen  INTEGER NOT NULL,            -- microseconds since the Unix epoch, UTC
	PRIMARY KEY (article_seq, source_id)
) WITHOUT ROWID;
CREATE INDEX article_sources_source ON article_sources (source_id, article_seq);

-- Existing external articles are credited to the source they came from.
-- Their keys are claimed by the Go step of this migration (fillArticleKeys),
-- which needs herald's URL normalizer. Duplicates stored before this
-- migration stay, each credited to its own source, until purged.
INSERT INTO article_sources (article_seq, source_id, guid, link, first_seen)
	SELECT seq, source_id, COALESCE(json_extract(provenance, '$.original_id'), ''),
		COALESCE(json_extract(provenance, '$.link'), ''), created
	FROM articles WHERE source_id IS NOT NULL AND origin = 'external';
