-- Search, the change log, tombstones and the version history of articles.
-- Times are INTEGER microseconds since the Unix epoch, UTC.
--
-- This file calls herald_search_text and herald_search_html, SQL functions
-- that store/search.go registers with the driver: the backfill below needs
-- them, nothing in the schema does.

-- The search index over title, summary and body (the HTML stripped), as
-- searchText prepares them: NFKC-normalized, and with the letters of scripts
-- written without spaces (Chinese, Japanese, Thai...) as overlapping pairs,
-- so that a word of two letters is found inside a longer run. Contentless:
-- the text stays in articles; rowid is articles.seq. The article writer
-- keeps it in step in the transaction of each write.
CREATE VIRTUAL TABLE article_search USING fts5 (
	title, summary, body,
	content = '',
	contentless_delete = 1,
	tokenize = 'porter unicode61 remove_diacritics 2 categories ''L* N* Co M*'''
);
-- bm25 with the title counting most, then the summary.
INSERT INTO article_search (article_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
INSERT INTO article_search (rowid, title, summary, body)
	SELECT seq, herald_search_text(title), herald_search_text(summary), herald_search_html(content)
	FROM articles;

-- The change log: one entry per article per committing write, in commit
-- order (writes are serialized). AUTOINCREMENT: an id is never given twice,
-- even after the newest entry is gone, because cursors hold ids.
CREATE TABLE changes (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	article_id   TEXT    NOT NULL,
	guid         TEXT    NOT NULL,
	change       TEXT    NOT NULL CHECK (change IN ('created', 'updated', 'deleted')),
	at           INTEGER NOT NULL,
	version      INTEGER,          -- content version after the change; NULL for 'deleted'
	content_hash BLOB              -- NULL for 'deleted'
);
CREATE INDEX changes_article ON changes (article_id, id);

-- rev: the id of the article's last change, the key of the polling order;
-- changed: when that was; version: the number of its content version.
ALTER TABLE articles ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Articles stored before this migration enter the log as created, in the
-- order they were stored.
INSERT INTO changes (article_id, guid, change, at, version, content_hash)
	SELECT id, guid, 'created', created, 1, content_hash FROM articles ORDER BY seq;
UPDATE articles SET changed = created,
	rev = (SELECT MAX(c.id) FROM changes c WHERE c.article_id = articles.id);
CREATE INDEX articles_rev ON articles (rev);
CREATE INDEX articles_changed ON articles (changed);

-- What a deleted article leaves, for /api/changes and Atom's
-- at:deleted-entry (RFC 6721). Kept for good; feeds show recent ones.
CREATE TABLE tombstones (
	guid       TEXT    PRIMARY KEY,
	article_id TEXT    NOT NULL,
	origin     TEXT    NOT NULL,
	tags       TEXT    NOT NULL DEFAULT '[]', -- JSON array of the ids of the tags it carried
	deleted    INTEGER NOT NULL
);
CREATE INDEX tombstones_deleted ON tombstones (deleted);

-- Earlier versions of each article's content; the current one is in
-- articles. They go when the article does.
CREATE TABLE article_versions (
	id           INTEGER PRIMARY KEY,
	article_seq  INTEGER NOT NULL REFERENCES articles (seq) ON DELETE CASCADE,
	version      INTEGER NOT NULL,
	title        TEXT    NOT NULL,
	summary      TEXT    NOT NULL,
	content      TEXT    NOT NULL,
	authors      TEXT    NOT NULL,
	published    INTEGER NOT NULL,
	updated      INTEGER NOT NULL,
	url          TEXT    NOT NULL,
	language     TEXT    NOT NULL,
	origin       TEXT    NOT NULL,
	provenance   TEXT,
	content_hash BLOB    NOT NULL,
	saved        INTEGER NOT NULL, -- when this version was stored
	replaced     INTEGER NOT NULL, -- when the next one replaced it
	UNIQUE (article_seq, version)
);
