-- The search index: one tsvector per article of its title (weight A),
-- summary (B) and body text (C), made in Go (lexeme.go) the way
-- store/sqlite's FTS5 index makes its tokens from the same text: prepared
-- by store/internal/searchtext (NFKC, HTML read as tag rules read it, the
-- letters of Chinese, Japanese and the like as overlapping pairs), split
-- and folded as FTS5's unicode61 does (case, widths, accents), English
-- words stemmed by FTS5's Porter stemmer and the pairs left as they are.
-- PostgreSQL's text search configurations never see the text, so the two
-- engines find the same articles for the same query, whatever the
-- server's locale.
--
-- The article writer keeps it in step in the transaction of each write
-- (see search.go); a deleted article's row goes with it. This migration
-- leaves the articles stored before it out of the index: the index is
-- made in Go, which SQL cannot call, and no PostgreSQL database that
-- predates it was ever given out.
--
-- A row of its own, narrow, so that ranking reads the vectors and nothing
-- else. Rows of up to a page (toast_tuple_target) are kept in the table as
-- they are: neither compressed nor moved out of line, which would cost a
-- decompression or a lookup for every match ranked.
--
-- words is how many words the vector holds, by which the rank divides (see
-- search.go): stored, because counting a vector's positions for each match
-- ranked costs as much as the ranking.
CREATE FUNCTION herald_words(document tsvector) RETURNS integer
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS 'SELECT COALESCE(sum(cardinality(positions)), 0)::integer FROM unnest(document)';

CREATE TABLE article_search (
	seq      bigint   PRIMARY KEY REFERENCES articles (seq) ON DELETE CASCADE ON UPDATE CASCADE,
	document tsvector NOT NULL,
	words    integer  NOT NULL GENERATED ALWAYS AS (herald_words(document)) STORED
) WITH (toast_tuple_target = 8160);

CREATE INDEX article_search_document ON article_search USING gin (document);
