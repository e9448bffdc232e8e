-- With pg_perfgate.max = 100, an entry the store evicts loses its parameter samples with it: no
-- sample is left of a statement the store no longer has, and sampling goes on after the flood.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
SET pg_perfgate.track_utility = off;
SET pg_perfgate.capture_params = on;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE TABLE ev_t (id int PRIMARY KEY);
SELECT count(*) FROM ev_t WHERE id = 7;
SELECT count(*) AS samples_before FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query = 'SELECT count(*) FROM ev_t WHERE id = $1';
SELECT queryid AS ev_queryid FROM pg_perfgate_statements WHERE query = 'SELECT count(*) FROM ev_t WHERE id = $1' \gset
-- 300 distinct top-level statements, each with constants of its own.
\set ECHO none
\o /dev/null
SELECT 'SELECT ' || repeat('1 + ', g) || '1' FROM generate_series(1, 300) g \gexec
\o
\set ECHO all
SELECT evictions >= 200 AS evicted FROM pg_perfgate_info;
SELECT count(*) AS store_has_it FROM pg_perfgate_statements WHERE query = 'SELECT count(*) FROM ev_t WHERE id = $1';
SELECT count(*) AS samples_after FROM pg_perfgate_param_samples() p WHERE p.queryid = :ev_queryid;
-- Every entry with samples is one the store has, and there are at most as many as it holds.
SELECT count(*) AS orphans FROM pg_perfgate_param_samples() p
 WHERE NOT EXISTS (SELECT 1 FROM pg_perfgate_statements s
                    WHERE (s.userid, s.dbid, s.queryid, s.planid, s.toplevel) =
                          (p.userid, p.dbid, p.queryid, p.planid, p.toplevel));
SELECT count(DISTINCT (p.queryid, p.planid)) BETWEEN 1 AND 100 AS bounded FROM pg_perfgate_param_samples() p;
-- Run again, the statement gets a new entry, with only the new execution's sample (the evicted
-- entry's sample and count went with it).
SELECT count(*) FROM ev_t WHERE id = 8;
SELECT p.executions, p.value FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query = 'SELECT count(*) FROM ev_t WHERE id = $1';
DROP TABLE ev_t;
