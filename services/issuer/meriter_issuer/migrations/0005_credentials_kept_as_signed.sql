-- A signed credential is kept as the exact JSON text that was signed, not as
-- jsonb: nothing queries inside it, a holder gets back the very bytes the
-- issuer produced, and Postgres neither parses it on the way in nor prints
-- it on the way out. Compressed with LZ4 where the server has it (much less
-- CPU than the default pglz for documents of a few kilobytes).
ALTER TABLE credentials ALTER COLUMN document TYPE text USING document::text;
DO $$
BEGIN
    ALTER TABLE credentials ALTER COLUMN document SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: signed credentials keep the default compression';
END
$$;
