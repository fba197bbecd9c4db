-- Corrections in public: a note written with an edit of an article's
-- content, naming the versions before and after it. They go when the
-- article does. Retention keeps the versions they name.
CREATE TABLE corrections (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	article_seq    INTEGER NOT NULL REFERENCES articles (seq) ON DELETE CASCADE,
	version_before INTEGER NOT NULL,
	version_after  INTEGER NOT NULL,
	note           TEXT    NOT NULL,
	at             INTEGER NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_seq, id);
