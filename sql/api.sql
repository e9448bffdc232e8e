-- The SQL interface tools rely on (the perfgate harness checks it before reading anything; see
-- harness/src/extension.cpp): its version, and pg_perfgate_reset called as pg_stat_statements_reset is,
-- with no arguments or with any of them named.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
SELECT pg_perfgate_api_version() AS api_version;
SELECT pg_perfgate_reset() IS NOT NULL AS reset_all;
SELECT pg_perfgate_reset(queryid => 42) IS NOT NULL AS reset_one_query;
SELECT pg_perfgate_reset(dbid => (SELECT oid FROM pg_database WHERE datname = current_database())) IS NOT NULL
  AS reset_one_database;
-- Every argument has a default, as in pg_stat_statements_reset().
SELECT proname, pronargs, pronargdefaults FROM pg_proc WHERE proname = 'pg_perfgate_reset';
