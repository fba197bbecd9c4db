-- Articles, tags, the tags on articles, API tokens and a change counter.
-- Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE articles (
	seq          INTEGER PRIMARY KEY,
	id           TEXT    NOT NULL UNIQUE,
	guid         TEXT    NOT NULL UNIQUE,
	slug         TEXT    NOT NULL,
	title        TEXT    NOT NULL,
	summary      TEXT    NOT NULL DEFAULT '',
	content      TEXT    NOT NULL DEFAULT '',
	authors      TEXT    NOT NULL DEFAULT '[]', -- JSON array of names
	published    INTEGER NOT NULL,
	updated      INTEGER NOT NULL,
	created      INTEGER NOT NULL,
	url          TEXT    NOT NULL DEFAULT '',
	language     TEXT    NOT NULL DEFAULT '',
	origin       TEXT    NOT NULL CHECK (origin IN ('own', 'external')),
	provenance   TEXT,                          -- JSON, external articles only
	content_hash BLOB    NOT NULL               -- detects re-ingest of unchanged content
);
CREATE INDEX articles_published ON articles (published DESC, seq DESC);
CREATE INDEX articles_origin_published ON articles (origin, published DESC, seq DESC);

CREATE TABLE tags (
	id          INTEGER PRIMARY KEY,
	slug        TEXT    NOT NULL UNIQUE,
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL DEFAULT '',
	rule        TEXT    NOT NULL DEFAULT '',
	articles    INTEGER NOT NULL DEFAULT 0, -- kept by the triggers below
	created     INTEGER NOT NULL,
	updated     INTEGER NOT NULL
);

-- Slugs a tag had before it was renamed, so that old feed URLs can redirect.
CREATE TABLE tag_aliases (
	slug   TEXT    PRIMARY KEY,
	tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE
);

CREATE TABLE article_tags (
	tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	article_seq INTEGER NOT NULL REFERENCES articles (seq) ON DELETE CASCADE,
	published   INTEGER NOT NULL, -- copy of articles.published: tag feeds read one index
	rule        TEXT,             -- NULL for a hand tag; the rule's query otherwise
	matched     TEXT,             -- JSON array of the words the rule matched
	PRIMARY KEY (tag_id, article_seq)
) WITHOUT ROWID;
CREATE INDEX article_tags_feed ON article_tags (tag_id, published DESC, article_seq DESC);
CREATE INDEX article_tags_article ON article_tags (article_seq);

-- Tag counts, kept here so that listing tags does not count large feeds.
CREATE TRIGGER article_tags_insert AFTER INSERT ON article_tags BEGIN
	UPDATE tags SET articles = articles + 1 WHERE id = NEW.tag_id;
END;
CREATE TRIGGER article_tags_delete AFTER DELETE ON article_tags BEGIN
	UPDATE tags SET articles = articles - 1 WHERE id = OLD.tag_id;
END;

CREATE TABLE tokens (
	id        INTEGER PRIMARY KEY,
	name      TEXT    NOT NULL UNIQUE,
	hash      BLOB    NOT NULL UNIQUE, -- SHA-256 of the secret
	created   INTEGER NOT NULL,
	last_used INTEGER,
	revoked   INTEGER
);

-- One row; version grows with every committed change to published content,
-- so caches in any process can tell that they are stale.
CREATE TABLE content_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);

-- Who this herald is: the tag: URI authority and the date it took it, fixed
-- when the file is created so that ids survive a change of domain.
CREATE TABLE site (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	authority TEXT    NOT NULL,
	created   INTEGER NOT NULL
);
