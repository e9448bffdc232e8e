-- pg_perfgate_activity: pg_stat_activity with the plan id, plan and hot-query row of each backend's
-- current statement. This session's own statement is the one running: the first time it has a
-- plan id and its plan, published by the first run, but no entry yet (entries are made when a
-- statement ends), the second time its entry too.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT state, queryid IS NOT NULL AS has_queryid, planid IS NOT NULL AS has_planid,
       hot_calls, plan IS NOT NULL AS has_plan
  FROM pg_perfgate_activity WHERE pid = pg_backend_pid();
SELECT state, queryid IS NOT NULL AS has_queryid, planid IS NOT NULL AS has_planid,
       hot_calls, plan IS NOT NULL AS has_plan
  FROM pg_perfgate_activity WHERE pid = pg_backend_pid();
-- The plan id is the one of the running statement's entry (there from its second execution on).
SELECT a.planid = s.planid AS same_plan, a.query_group = s.query_group AS same_group
  FROM pg_perfgate_activity a
  LEFT JOIN pg_perfgate_statements s ON s.queryid = a.queryid AND s.toplevel
 WHERE a.pid = pg_backend_pid();
SELECT a.planid = s.planid AS same_plan, a.query_group = s.query_group AS same_group
  FROM pg_perfgate_activity a
  LEFT JOIN pg_perfgate_statements s ON s.queryid = a.queryid AND s.toplevel
 WHERE a.pid = pg_backend_pid();
-- After a reset the store is empty again: a statement this backend ran before is a first run again,
-- and shows its plan (the backend's memory of what it recorded goes with the reset).
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT state, queryid IS NOT NULL AS has_queryid, planid IS NOT NULL AS has_planid,
       hot_calls, plan IS NOT NULL AS has_plan
  FROM pg_perfgate_activity WHERE pid = pg_backend_pid();
