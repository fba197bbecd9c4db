-- Article bodies compressed with lz4 rather than pglz, where the server
-- has it (PostgreSQL 14 and later, built --with-lz4, as Debian's and the
-- official images are): of a 5 KB body, lz4 compresses in about half the
-- time and decompresses in a fraction of it, and every feed render reads
-- fifty bodies. Only values written from now on are lz4; those stored
-- stay pglz until they are written again, and both read the same. A
-- server without lz4 keeps pglz.
DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
		ALTER TABLE articles ALTER COLUMN content SET COMPRESSION lz4;
		ALTER TABLE article_versions ALTER COLUMN content SET COMPRESSION lz4;
	END IF;
END
$$;
