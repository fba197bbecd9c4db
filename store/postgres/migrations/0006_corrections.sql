-- Corrections in public: a note written with an edit of an article's
-- content, naming the versions before and after it. They go when the
-- article does. Retention keeps the versions they name.
CREATE TABLE corrections (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	article_seq    bigint NOT NULL REFERENCES articles (seq) ON DELETE CASCADE ON UPDATE CASCADE,
	version_before bigint NOT NULL,
	version_after  bigint NOT NULL,
	note           text   NOT NULL,
	at             bigint NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_seq, id);
