-- The interval a source's feed asked for (RSS <ttl> or Cache-Control
-- max-age) at its last full fetch, in seconds, so that a 304 keeps honouring
-- it.
ALTER TABLE sources ADD COLUMN hint INTEGER NOT NULL DEFAULT 0;
