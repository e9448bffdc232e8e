-- The many-rows detectors (unstreamed_fetch: pg_perfgate.huge_fetch_rows; wide_fetch:
-- pg_perfgate.wide_fetch_rows and wide_fetch_size) are reached through one comparison per
-- statement with the lowest of their thresholds, kept by their settings' assign hooks (issue 24).
-- Each detector must switch off and on with its own settings, whichever of the two is lower.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
\set VERBOSITY terse
-- 40 rows of about 1,500 bytes each, nearly all of it one column (stored inline: no TOAST).
CREATE TABLE rg_post (id int PRIMARY KEY, title text, body text);
INSERT INTO rg_post
  SELECT g, 'title ' || g, (SELECT string_agg(md5((g * 100 + k)::text), '') FROM generate_series(1, 47) k)
    FROM generate_series(1, 40) g;
ANALYZE rg_post;
CREATE FUNCTION rg_found() RETURNS TABLE (kind text, occurrences bigint) LANGUAGE sql AS $$
  SELECT kind, occurrences FROM pg_perfgate_antipatterns
   WHERE kind IN ('unstreamed_fetch', 'wide_fetch') ORDER BY kind $$;
SET pg_perfgate.wide_fetch_size = '1kB';
-- Both on, both below 40 rows: both findings.
SET pg_perfgate.huge_fetch_rows = 30;
SET pg_perfgate.wide_fetch_rows = 20;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT * FROM rg_found();
-- The unstreamed fetch off (0): only the wide fetch.
SET pg_perfgate.huge_fetch_rows = 0;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT * FROM rg_found();
-- The wide fetch off by its rows (0) and the unstreamed fetch above 40 rows: nothing.
SET pg_perfgate.wide_fetch_rows = 0;
SET pg_perfgate.huge_fetch_rows = 41;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT count(*) AS none FROM rg_found();
-- The unstreamed fetch on again (40: a result of exactly its threshold), the wide fetch still off.
SET pg_perfgate.huge_fetch_rows = 40;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT * FROM rg_found();
-- The wide fetch back on by its rows but off by its size (0), the unstreamed fetch off: nothing.
SET pg_perfgate.huge_fetch_rows = 0;
SET pg_perfgate.wide_fetch_rows = 10;
SET pg_perfgate.wide_fetch_size = 0;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT count(*) AS none FROM rg_found();
-- Its size on again: the wide fetch, below the (off) unstreamed fetch's threshold.
SET pg_perfgate.wide_fetch_size = '1kB';
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT * FROM rg_found();
-- A result below both thresholds: nothing new.
SET pg_perfgate.huge_fetch_rows = 100;
SET pg_perfgate.wide_fetch_rows = 100;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT count(*) AS none FROM rg_found();
-- RESET: the defaults (100000 and 1000 rows), still above 40 rows.
RESET pg_perfgate.huge_fetch_rows;
RESET pg_perfgate.wide_fetch_rows;
RESET pg_perfgate.wide_fetch_size;
\o /dev/null
SELECT * FROM rg_post;
\o
SELECT count(*) AS none FROM rg_found();
DROP FUNCTION rg_found();
DROP TABLE rg_post;
