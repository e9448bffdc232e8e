-- Regression (issue 8): an error inside EXPLAIN rendering (here: the statement drops a function its
-- own plan calls, so deparsing the filter finds no such function) failed the user's statement in
-- ExecutorEnd, and plan_texts_skipped could never count. Now the statement succeeds, the plan text
-- is skipped and counted, and a later plan is rendered as usual. A top-level statement's first run
-- renders its plan when it starts (for pg_perfgate_activity), before the function is gone: its plan
-- is kept. A nested one (track = all) is rendered when it ends, and takes the failure path.
SET pg_perfgate.track_utility = off;
CREATE FUNCTION pf_abs(int) RETURNS int AS 'int4abs' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION pf_drop_abs() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  DROP FUNCTION pf_abs(int);
  RETURN 1;
END $$;
CREATE TABLE pf_t AS SELECT 1 AS x;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM pf_t WHERE pf_abs(x) = pf_drop_abs();
SELECT plan_texts_skipped FROM pg_perfgate_info;
SELECT calls, plan IS NULL AS no_plan_text FROM pg_perfgate_plans WHERE query LIKE '%pf_drop_abs%';
CREATE FUNCTION pf_abs(int) RETURNS int AS 'int4abs' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION pf_nested() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM pf_t WHERE pf_abs(x) + 0 = pf_drop_abs());
END $$;
SET pg_perfgate.track = 'all';
SELECT pf_nested();
RESET pg_perfgate.track;
SELECT plan_texts_skipped FROM pg_perfgate_info;
SELECT calls, plan IS NULL AS no_plan_text FROM pg_perfgate_plans WHERE query LIKE '%pf_abs(x) + $1%';
-- Counted once: later executions of that entry do not try again (there are none here), and other
-- plans still get their text.
SELECT count(*) FROM pf_t WHERE x = 1;
SELECT plan FROM pg_perfgate_plans WHERE query LIKE '%pf_t WHERE x =%';
SELECT plan_texts_skipped FROM pg_perfgate_info;
DROP FUNCTION pf_nested();
DROP FUNCTION pf_drop_abs();
DROP TABLE pf_t;
