-- Texts cut at their limit carry a marker, and a long leading comment does not crowd out the SQL
-- (issue 19): query texts at pg_perfgate.query_text_size (1024), plan texts at plan_text_size (2048).
SET pg_perfgate.track_utility = off;
CREATE TABLE lt (a int);
SELECT pg_perfgate_reset() IS NOT NULL AS t;
-- The marker: an ellipsis in a UTF-8 database, three dots in others.
CREATE FUNCTION lt_marked(t text) RETURNS boolean LANGUAGE sql AS $$
  SELECT CASE WHEN getdatabaseencoding() = 'UTF8' THEN t LIKE '%' || U&'\2026' ELSE t LIKE '%...' END $$;
-- A long statement: its text is cut, and says so.
SELECT 'SELECT count(*) FROM lt WHERE a IN (' || string_agg(g::text, ', ') || ') AND a <> 0 /* end */' AS long_q
  FROM generate_series(1, 600) g \gset
:long_q;
SELECT octet_length(query) < 1024 AS fits, lt_marked(query) AS marked, query LIKE 'SELECT count(*) FROM lt WHERE a IN ($1, $2, %' AS starts
  FROM pg_perfgate_statements WHERE query LIKE 'SELECT count(*) FROM lt WHERE a IN%';
-- Its plan text too (the IN list of 600 values is one long Filter line).
SELECT octet_length(plan) < 2048 AS fits, lt_marked(plan) AS marked, plan LIKE 'Aggregate%' AS starts
  FROM pg_perfgate_plans WHERE query LIKE 'SELECT count(*) FROM lt WHERE a IN%';
-- A text that fits is whole, with no marker.
SELECT count(*) FROM lt WHERE a = 1;
SELECT query, lt_marked(query) AS marked FROM pg_perfgate_statements WHERE query LIKE 'SELECT count(*) FROM lt WHERE a = %';
-- A 40 kB comment before the statement: the SQL is kept, the comment replaced by its size.
SELECT '/* ' || repeat('framework annotation ', 2000) || '*/' || E'\n-- and a line comment\n  SELECT count(*) AS answer FROM lt WHERE a < 42' AS commented_q \gset
:commented_q;
SELECT query FROM pg_perfgate_statements WHERE query LIKE '%AS answer FROM lt%';
-- The same comment before a failing statement: its error row shows the SQL too.
SELECT '/* ' || repeat('framework annotation ', 2000) || '*/ SELECT 1 / (a - a) AS boom FROM lt WHERE a = 0' AS failing_q \gset
INSERT INTO lt VALUES (0);
:failing_q;
SELECT sqlstate, query FROM pg_perfgate_errors WHERE sqlstate = '22012';
SELECT texts_truncated >= 3 AS counted FROM pg_perfgate_info;
DROP FUNCTION lt_marked(text);
DROP TABLE lt;
