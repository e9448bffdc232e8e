-- The plan id is computed once per plan (at planning, or at a reused plan's first execution) and
-- reused by later executions of the same plan; it must never outlive its plan. A prepared
-- statement's generic plan and a PL/pgSQL statement's cached plan are replaced when an index
-- appears or goes: each execution must be counted under the plan it really ran.
SET pg_perfgate.track_utility = off;
SET plan_cache_mode = force_generic_plan;
CREATE TABLE pc (id int, v text);
INSERT INTO pc SELECT g, 'v' || g FROM generate_series(1, 2000) g;
ANALYZE pc;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
PREPARE q(int) AS SELECT v FROM pc WHERE id = $1;
-- Other statements planned in between, as in an application: the plan is then found by its
-- address in the reuse cache, not as the latest plan. Forty times an index appears and goes; a
-- replacement plan often lands at the freed plan's address, and must not inherit its id (without
-- the memory-context callback that drops freed plans, 4 plans showed 20 calls each here).
\o /dev/null
SELECT s FROM generate_series(1, 40) i,
  LATERAL unnest(ARRAY[format('CREATE INDEX pc_i%s ON pc (id)', i), 'EXECUTE q(1)', 'SELECT 1',
                       'EXECUTE q(2)', format('DROP INDEX pc_i%s', i), 'EXECUTE q(3)', 'SELECT 1',
                       'EXECUTE q(4)']) WITH ORDINALITY u(s, n)
 ORDER BY i, n \gexec
\o
SELECT calls, count(*) AS plans, min(regexp_replace(plan, E'\n.*', '', 'g')) AS plan_head
  FROM pg_perfgate_plans WHERE query LIKE 'PREPARE q%' GROUP BY calls ORDER BY calls;
DEALLOCATE q;

-- A PL/pgSQL loop under track = all: its statement's cached plan, replaced between calls.
CREATE FUNCTION lookups(n int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  FOR i IN 1..n LOOP
    SELECT v INTO r FROM pc WHERE id = i;
  END LOOP;
  RETURN n;
END $$;
SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT lookups(20);
CREATE INDEX pc_id3 ON pc (id);
SELECT lookups(30);
SET pg_perfgate.track = 'top';
SELECT calls, regexp_replace(plan, E'\n.*', '', 'g') AS plan_head
  FROM pg_perfgate_plans WHERE query LIKE '%FROM pc WHERE id = i' ORDER BY first_seen, calls;
RESET plan_cache_mode;
DROP FUNCTION lookups(int);
DROP TABLE pc;
