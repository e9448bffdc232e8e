-- session_setting (issue 20): a session-level SET of a planner, memory or statement setting that
-- stays on the connection and goes on to run under other query ids in later transactions. Every
-- statement below is its own transaction (psql autocommit) unless inside BEGIN ... COMMIT.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
SET pg_perfgate.track_utility = on;
\set VERBOSITY terse
CREATE TABLE ss_item (id int PRIMARY KEY, grp int, name text);
INSERT INTO ss_item SELECT g, g % 10, 'n' || g FROM generate_series(1, 100) g;
CREATE ROLE regress_ss_other LOGIN;
SELECT current_user AS su \gset
-- The bad habit: SET work_mem for the session, then other requests' statements run under it.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT kind, query, occurrences, calls, largest, detail, advice
  FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET work_mem;
-- Another role sees that there is a finding, not its query, detail or concrete advice.
SET ROLE regress_ss_other;
SELECT kind, queryid IS NULL AS no_queryid, query IS NULL AS no_query, detail IS NULL AS no_detail, advice
  FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET ROLE;
-- Its *_action: a warning at the statement that makes it a finding, naming setting and value.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.session_setting_action = warning;
SET enable_seqscan = off;
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 2;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
RESET enable_seqscan;
RESET pg_perfgate.session_setting_action;
-- Quiet: SET LOCAL inside the transaction that needs it.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
BEGIN;
SET LOCAL work_mem = '64MB';
SELECT count(*) FROM ss_item;
COMMIT;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
-- Quiet: a session-level SET reset before the next transaction.
BEGIN;
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
RESET work_mem;
COMMIT;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
-- Quiet: statements of the SET's own transaction only (rolled back, or reset after it).
BEGIN;
SET work_mem = '64MB';
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
ROLLBACK;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
-- Quiet: the pool's reset statements, RESET ALL and DISCARD ALL, before the next request.
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
RESET ALL;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
SET enable_hashjoin = off;
SELECT count(*) FROM ss_item;
DISCARD ALL;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
-- Quiet: the setting set back to its default value, or to what it already was.
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
SET work_mem = DEFAULT;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
SET random_page_cost = 4;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
RESET random_page_cost;
-- Quiet: settings drivers set on every connection (not planner, memory or statement settings).
SET DateStyle = 'ISO, DMY';
SET application_name = 'ss_app';
SET client_min_messages = warning;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
RESET DateStyle;
RESET application_name;
RESET client_min_messages;
-- Quiet: a SET for the one statement it was for (autocommit: SET, then that query, again and
-- again): one other query id, below pg_perfgate.session_setting_queries.
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
SELECT count(*) FROM ss_item;
SELECT count(*) FROM ss_item;
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 1;
RESET work_mem;
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
-- Quiet: the role's default (ALTER ROLE ... SET) is the reset value; so is a connection option.
ALTER ROLE regress_ss_other SET work_mem = '8MB';
GRANT SELECT ON ss_item TO regress_ss_other;
\c - regress_ss_other
SELECT count(*) FROM ss_item;
SET work_mem = '8MB';
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
\c -reuse-previous=on "options=-cenable_nestloop=off"
SHOW enable_nestloop;
SELECT count(*) FROM ss_item;
SET enable_nestloop = off;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
-- Quiet: a driver's start-up SET, before the session's first statement on a table.
\c
SET search_path = public, pg_catalog;
SET statement_timeout = '1min';
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
-- ... but the same SET later, on a connection already at work, is one (search_path, set by
-- the superuser again).
\c - :su
SELECT count(*) FROM ss_item;
SET search_path = public, pg_catalog;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT kind, query, calls, detail FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET search_path;
-- A SET that fails (an invalid value) changes nothing: it neither ends the watch of the value in
-- force nor starts one of its own; the finding is the SET that took effect.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
SET work_mem = 'lots';
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT kind, query, calls, detail FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET work_mem;
-- ... and a failed SET alone is quiet.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET enable_seqscan = 'maybe';
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
-- set_config(name, value, false) is a session-level SET: one, named by its statement.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT set_config('work_mem', '64MB', false);
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT kind, query, calls, detail FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET work_mem;
-- ... as it is with parameters (a generic plan: they are not folded into constants).
SELECT pg_perfgate_reset() IS NOT NULL AS t;
PREPARE ss_set(text, text, bool) AS SELECT set_config($1, $2, $3);
BEGIN;
SET LOCAL plan_cache_mode = force_generic_plan;
EXECUTE ss_set('enable_hashjoin', 'off', false);
COMMIT;
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT kind, query, calls, detail FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET enable_hashjoin;
DEALLOCATE ss_set;
-- Quiet: set_config(name, value, true) ends with its transaction, like SET LOCAL.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
BEGIN;
SELECT set_config('work_mem', '64MB', true);
SELECT count(*) FROM ss_item;
COMMIT;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT sum(grp) FROM ss_item;
SELECT count(*) AS quiet_findings FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.session_setting_queries = 0;
SET work_mem = '64MB';
SELECT count(*) FROM ss_item;
SELECT name FROM ss_item WHERE id = 1;
SELECT max(grp) FROM ss_item;
SELECT min(grp) FROM ss_item;
SELECT count(*) AS off_findings FROM pg_perfgate_antipatterns WHERE kind = 'session_setting';
RESET work_mem;
RESET pg_perfgate.session_setting_queries;
DROP TABLE ss_item;
DROP OWNED BY regress_ss_other;
ALTER ROLE regress_ss_other RESET ALL;
DROP ROLE regress_ss_other;
