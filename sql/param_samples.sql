-- Parameter samples (pg_perfgate.capture_params): off by default and superuser-only; bound values
-- with their types and constants as written, numbered as the query text numbers them; at most 8
-- samples per entry, a value too large for its share is not kept; shown only to the statement's role
-- and pg_read_all_stats; dropped by pg_perfgate_reset().
SET pg_perfgate.track_utility = off;
SHOW pg_perfgate.capture_params;
CREATE TABLE ps_t (id int PRIMARY KEY, name text);
SELECT pg_perfgate_reset() IS NOT NULL AS t;

-- Off: nothing is sampled.
SELECT count(*) FROM ps_t WHERE id = 42;
SELECT count(*) AS samples FROM pg_perfgate_param_samples();

-- Only a superuser turns it on.
CREATE ROLE regress_ps_alice;
CREATE ROLE regress_ps_bob;
CREATE ROLE regress_ps_stats IN ROLE pg_read_all_stats;
GRANT SELECT ON ps_t TO regress_ps_alice, regress_ps_bob;
SET ROLE regress_ps_alice;
SET pg_perfgate.capture_params = on;
RESET ROLE;

SET pg_perfgate.capture_params = on;
-- Constants as the client wrote them, then bound values (EXECUTE) with their types and NULLs.
SELECT count(*) FROM ps_t WHERE id = 42 AND name <> 'it''s';
PREPARE ps_q(int, text) AS SELECT count(*) FROM ps_t WHERE id = $1 AND name = $2 AND id > -1;
EXECUTE ps_q(7, 'seven');
EXECUTE ps_q(8, NULL);
SELECT s.query, p.executions, p.sample, p.param, p.kind, p.paramtype, p.value
  FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query LIKE '%FROM ps_t%'
 ORDER BY s.query COLLATE "C", p.sample, p.param, p.value;

-- Bounded: 50 executions keep 8 samples, each one of the values sent, one value per sample.
\set ECHO none
\o /dev/null
SELECT format('SELECT count(*) FROM ps_t WHERE id = %s', g) FROM generate_series(1, 50) g \gexec
\o
\set ECHO all
SELECT max(p.executions) AS executions, count(DISTINCT p.sample) AS samples, count(*) AS values_kept,
       bool_and(p.value::int BETWEEN 1 AND 50) AS sent_values, count(DISTINCT p.value) AS distinct_values
  FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query = 'SELECT count(*) FROM ps_t WHERE id = $1';
-- A value larger than a sample's share (2048 / 8 bytes) is not kept, and counted.
\set ECHO none
\o /dev/null
SELECT format('SELECT count(*) FROM ps_t WHERE name = %L', repeat('x', 300)) \gexec
\o
\set ECHO all
\set ECHO none
\o /dev/null
SELECT format('SELECT count(*) FROM ps_t WHERE name = %L', repeat('y', 300)) \gexec
\o
\set ECHO all
SELECT p.executions, p.not_kept, p.sample, p.value FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query = 'SELECT count(*) FROM ps_t WHERE name = $1';

-- Private: each role sees its own samples; pg_read_all_stats sees all.
SET ROLE regress_ps_alice;
SELECT count(*) FROM ps_t WHERE name = 'alice secret';
RESET ROLE;
SET ROLE regress_ps_bob;
SELECT count(*) FROM ps_t WHERE name = 'bob secret';
SELECT p.value FROM pg_perfgate_param_samples() p WHERE p.value IS NOT NULL ORDER BY 1;
RESET ROLE;
SET pg_perfgate.capture_params = off;
SET ROLE regress_ps_stats;
SELECT r.rolname, p.value FROM pg_perfgate_param_samples() p JOIN pg_roles r ON r.oid = p.userid
 WHERE r.rolname LIKE 'regress_ps_%' AND p.value IS NOT NULL ORDER BY 1, 2;
RESET ROLE;

-- Reset drops them: one query id's, then all.
SELECT pg_perfgate_reset(0, 0, s.queryid) IS NOT NULL AS t FROM pg_perfgate_statements s
 WHERE s.query = 'SELECT count(*) FROM ps_t WHERE id = $1';
SELECT count(*) AS left_of_reset_query FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query = 'SELECT count(*) FROM ps_t WHERE id = $1';
SELECT count(*) > 0 AS others_kept FROM pg_perfgate_param_samples();
-- Run again: a new entry, with only the new execution's sample (the 50 before went with the reset).
SET pg_perfgate.capture_params = on;
SELECT count(*) FROM ps_t WHERE id = 99;
SET pg_perfgate.capture_params = off;
SELECT p.executions, p.value FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query = 'SELECT count(*) FROM ps_t WHERE id = $1';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) AS samples FROM pg_perfgate_param_samples();

-- A bound value whose output function fails at ExecutorEnd (its enum label was deleted by the
-- statement itself) drops the sample and counts it in not_kept; the statement succeeds, and the
-- error's text (which could quote the value) is neither raised nor kept.
CREATE TYPE ps_mood AS ENUM ('calm', 'secret_label');
CREATE FUNCTION ps_forget_label() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  DELETE FROM pg_enum WHERE enumtypid = 'ps_mood'::regtype AND enumlabel = 'secret_label';
  PERFORM 1; -- a later statement: the catalog caches now miss the label
  RETURN 1;
END $$;
SET pg_perfgate.capture_params = on;
PREPARE ps_enum(ps_mood) AS SELECT ps_forget_label() AS forgotten, $1 IS NOT NULL AS bound;
EXECUTE ps_enum('secret_label');
SET pg_perfgate.capture_params = off;
SELECT p.executions, p.not_kept, count(p.value) AS values_kept FROM pg_perfgate_param_samples() p
  JOIN pg_perfgate_statements s USING (userid, dbid, queryid, planid, toplevel)
 WHERE s.query LIKE 'PREPARE ps_enum%' GROUP BY 1, 2;
DEALLOCATE ps_enum;
DROP FUNCTION ps_forget_label();
DROP TYPE ps_mood;

-- Never in the server log: no setting writes them (the slow-statement log has its own).
DEALLOCATE ps_q;
DROP TABLE ps_t;
DROP ROLE regress_ps_alice;
DROP ROLE regress_ps_bob;
DROP ROLE regress_ps_stats;
