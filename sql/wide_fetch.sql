-- wide_fetch (issue 20): a top-level SELECT that sends many rows whose width is mostly a few large
-- columns of a table it reads whole (SELECT *, an ORM's default load): reported, naming the columns.
-- Quiet: narrow selects, the same wide rows a few at a time, a select that names its columns.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
\set VERBOSITY terse
-- Posts with a body of about 1,500 bytes each (stored inline: no TOAST), analyzed.
CREATE TABLE wf_post (id int PRIMARY KEY, title text, author text, created date, body text);
INSERT INTO wf_post
  SELECT g, 'title ' || g, 'author ' || (g % 7), date '2024-01-01' + g % 300,
         (SELECT string_agg(md5((g * 100 + k)::text), '') FROM generate_series(1, 47) k)
    FROM generate_series(1, 2000) g;
ANALYZE wf_post;
CREATE ROLE regress_wf_other LOGIN;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
-- The bad habit: every column of every post, the bodies with them (the rows are not shown).
\o /dev/null
SELECT * FROM wf_post;
\o
SELECT kind, query, occurrences, calls, largest, detail ~ '^wf_post\.body \d+ B of \d+ B per row, 2000 rows \(\d+ kB\)$' AS detail_ok,
       advice
  FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch';
-- The planner's widths: the body is most of the row.
SELECT avg_width > 1000 AS body_wide FROM pg_stats WHERE tablename = 'wf_post' AND attname = 'body';
-- Another role sees that there is a finding, not its query, detail or concrete advice.
SET ROLE regress_wf_other;
SELECT kind, queryid IS NULL AS no_queryid, query IS NULL AS no_query, detail IS NULL AS no_detail, advice
  FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch';
RESET ROLE;
-- Its *_action: a warning (SQLSTATE PF011) at the statement, naming the column.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.wide_fetch_action = warning;
\o /dev/null
SELECT * FROM wf_post WHERE id > 0;
\set VERBOSITY sqlstate
SELECT * FROM wf_post WHERE id > 1;
\set VERBOSITY terse
\o
-- Quiet: the columns the page shows (load_only / only()), the same rows a few at a time (LIMIT),
-- a select that names the large column (it asked for it), a narrow table.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
SELECT id, title, author, created FROM wf_post;
SELECT * FROM wf_post ORDER BY id LIMIT 5;
SELECT id, title, body FROM wf_post;
SELECT id, title, author, created, md5(body) FROM wf_post;
SELECT g AS id, 'x' || g AS name FROM generate_series(1, 5000) g;
\o
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch';
-- Quiet: a cursor fetched in parts, ended by COMMIT or by ROLLBACK (no catalog lookups there).
BEGIN;
DECLARE wf_cur CURSOR FOR SELECT * FROM wf_post;
\o /dev/null
FETCH 1500 FROM wf_cur;
FETCH 1000 FROM wf_cur;
\o
COMMIT;
BEGIN;
DECLARE wf_cur CURSOR FOR SELECT * FROM wf_post;
\o /dev/null
FETCH ALL FROM wf_cur;
\o
ROLLBACK;
-- Quiet: a function's statements (nested), and rows that do not go to the client.
SELECT count(*) FROM (SELECT * FROM wf_post) p;
CREATE TEMP TABLE wf_copy AS SELECT * FROM wf_post;
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch';
-- Thresholds: pg_perfgate.wide_fetch_rows (rows) and wide_fetch_size (rows times the row width).
SET pg_perfgate.wide_fetch_rows = 3000;
\o /dev/null
SELECT * FROM wf_post;
\o
RESET pg_perfgate.wide_fetch_rows;
SET pg_perfgate.wide_fetch_size = '100MB';
\o /dev/null
SELECT * FROM wf_post;
\o
RESET pg_perfgate.wide_fetch_size;
-- Off: pg_perfgate.wide_fetch_rows = 0.
SET pg_perfgate.wide_fetch_rows = 0;
\o /dev/null
SELECT * FROM wf_post;
\o
RESET pg_perfgate.wide_fetch_rows;
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch';
RESET pg_perfgate.wide_fetch_action;
-- ... and on again, the same statement is one.
\o /dev/null
SELECT * FROM wf_post;
\o
SELECT kind, query, occurrences FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch';
DROP TABLE wf_post;
DROP ROLE regress_wf_other;
