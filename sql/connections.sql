-- connections (issue 20): sessions per (role, database, application_name, client address) in
-- pg_perfgate_connections, and the findings they feed: connection_per_request (many short sessions
-- from one application) and idle_in_transaction (a transaction left open while the client was idle).
-- New sessions are opened with \c; a session's figures reach the view when its backend has exited,
-- which happens after \c returns, so each check first waits for the ended sessions it expects.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_perfgate;
RESET client_min_messages;
\set VERBOSITY terse
CREATE TABLE conn_item (id int PRIMARY KEY, name text);
INSERT INTO conn_item SELECT g, 'n' || g FROM generate_series(1, 10) g;
CREATE FUNCTION conn_wait(app text, ended int) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. 3000 LOOP
    IF (SELECT coalesce(sum(sessions_ended), 0) FROM pg_perfgate_connections
         WHERE application_name = app) >= ended THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RETURN false;
END $$;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
-- Four sessions of one statement each, from application churn_a, with a rate threshold of 1 short
-- session a minute: each of them is one occurrence of connection_per_request.
\c -reuse-previous=on "application_name=churn_a options='-c pg_perfgate.connection_per_request_rate=1'"
SELECT name FROM conn_item WHERE id = 1;
\c -reuse-previous=on "application_name=churn_a options='-c pg_perfgate.connection_per_request_rate=1'"
SELECT name FROM conn_item WHERE id = 2;
\c -reuse-previous=on "application_name=churn_a options='-c pg_perfgate.connection_per_request_rate=1'"
SELECT name FROM conn_item WHERE id = 3;
\c -reuse-previous=on "application_name=churn_a options='-c pg_perfgate.connection_per_request_rate=1'"
SELECT name FROM conn_item WHERE id = 4;
-- A session of application churn_b that runs more statements than a short session may (2): not short.
\c -reuse-previous=on "application_name=churn_b options='-c pg_perfgate.connection_per_request_rate=1 -c pg_perfgate.connection_per_request_statements=2'"
SELECT name FROM conn_item WHERE id = 1;
SELECT name FROM conn_item WHERE id = 2;
SELECT name FROM conn_item WHERE id = 3;
-- Two short sessions of churn_c whose threshold is far above their rate: quiet.
\c -reuse-previous=on "application_name=churn_c options='-c pg_perfgate.connection_per_request_rate=1000000'"
SELECT name FROM conn_item WHERE id = 1;
\c -reuse-previous=on "application_name=churn_c options='-c pg_perfgate.connection_per_request_rate=1000000'"
-- A later SET application_name does not move the session: it is counted under churn_c.
SET application_name = 'churn_renamed';
SELECT name FROM conn_item WHERE id = 2;
\c -reuse-previous=on "application_name=churn_check options=''"
SELECT conn_wait('churn_a', 4) AND conn_wait('churn_b', 1) AND conn_wait('churn_c', 2) AS ended;
SELECT application_name, sessions, sessions_ended, short_sessions, statements, statements_per_session,
       mean_session_time > 0 AS lived, max_session_time >= mean_session_time AS max_ok,
       client_addr IS NULL AS unix_socket, idle_in_transaction_gaps, evictions
  FROM pg_perfgate_connections WHERE application_name LIKE 'churn%' ORDER BY application_name;
SELECT kind, queryid, query, related_queryid, occurrences, calls, total_time > 0 AS timed, largest >= 1 AS rate_ok,
       regexp_replace(detail, '[0-9.]+', 'N', 'g') AS detail, regexp_replace(advice, '[0-9]+', 'N', 'g') AS advice
  FROM pg_perfgate_antipatterns WHERE kind = 'connection_per_request';
-- The sessions-per-minute rate counts the sessions started in the last minute.
SELECT sessions_per_minute >= 1 AS recent FROM pg_perfgate_connections WHERE application_name = 'churn_a';
-- Another role sees that the finding exists, not its detail or concrete advice; and the sessions'
-- figures, not their client address (NULL here anyway: a Unix socket; see t/081_connections.pl).
CREATE ROLE regress_conn_other LOGIN;
SET ROLE regress_conn_other;
SELECT kind, queryid IS NULL AS no_queryid, query IS NULL AS no_query, detail IS NULL AS no_detail, advice
  FROM pg_perfgate_antipatterns WHERE kind = 'connection_per_request';
SELECT application_name, sessions FROM pg_perfgate_connections WHERE application_name = 'churn_a';
RESET ROLE;
-- connection_per_request_action: the application's next session is told at its first statement (at
-- most a WARNING, whatever the setting: the sessions that made the finding have ended).
\c -reuse-previous=on "application_name=churn_a options='-c pg_perfgate.connection_per_request_rate=1 -c pg_perfgate.connection_per_request_action=error'"
SELECT name FROM conn_item WHERE id = 1;
\c -reuse-previous=on "application_name=churn_check options=''"

-- idle_in_transaction: a transaction left open while the client sleeps (the threshold is set low
-- for the test: 200 ms), named by the statement before the idle gap.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.idle_in_transaction_threshold = '200ms';
BEGIN;
SELECT name FROM conn_item WHERE id = 5;
\! sleep 0.6
SELECT count(*) FROM conn_item;
COMMIT;
SELECT kind, query, occurrences, calls, largest >= 600 AS long_enough,
       regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail, regexp_replace(advice, '[0-9]+', 'N', 'g') AS advice
  FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction';
-- Idle before COMMIT, with the *_action setting: a warning at COMMIT (at most a warning: the
-- transaction is not failed for it).
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.idle_in_transaction_action = error;
BEGIN;
UPDATE conn_item SET name = 'm5' WHERE id = 5;
\! sleep 0.6
COMMIT;
SELECT name FROM conn_item WHERE id = 5;
-- Between two statements of a transaction: an error at the statement after the gap, SQLSTATE PF010
-- (the kind's two digits).
BEGIN;
SELECT name FROM conn_item WHERE id = 6;
\! sleep 0.6
\set VERBOSITY sqlstate
SELECT name FROM conn_item WHERE id = 7;
\set VERBOSITY terse
ROLLBACK;
RESET pg_perfgate.idle_in_transaction_action;
SELECT kind, query, occurrences FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction' ORDER BY query;
-- Quiet: a slow statement inside the transaction is not idle time, and neither is the client's
-- sleep after COMMIT or in autocommit mode.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
BEGIN;
SELECT name FROM conn_item WHERE id = 1;
SELECT pg_sleep(0.6);
SELECT name FROM conn_item WHERE id = 2;
COMMIT;
\! sleep 0.6
SELECT name FROM conn_item WHERE id = 3;
\! sleep 0.6
SELECT name FROM conn_item WHERE id = 4;
SELECT count(*) AS idle_findings FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction';
-- Quiet: a statement that runs 0.6 s and fails is not idle time before the ROLLBACK (or ROLLBACK TO
-- SAVEPOINT) that follows it, though it never reaches ExecutorEnd.
BEGIN;
SELECT name FROM conn_item WHERE id = 1;
SELECT pg_sleep(0.6), 1 / (id - 1) FROM conn_item WHERE id = 1;
ROLLBACK;
BEGIN;
SELECT name FROM conn_item WHERE id = 1;
SAVEPOINT s;
SELECT pg_sleep(0.6), 1 / (id - 1) FROM conn_item WHERE id = 1;
ROLLBACK TO SAVEPOINT s;
SELECT name FROM conn_item WHERE id = 2;
COMMIT;
SELECT count(*) AS idle_findings FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction';
-- Off: threshold 0.
SET pg_perfgate.idle_in_transaction_threshold = 0;
BEGIN;
SELECT name FROM conn_item WHERE id = 5;
\! sleep 0.6
COMMIT;
SELECT count(*) AS idle_findings FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction';
RESET pg_perfgate.idle_in_transaction_threshold;
-- The session's idle time reaches the view when it ends.
SET pg_perfgate.idle_in_transaction_threshold = '200ms';
\c -reuse-previous=on "application_name=churn_idle options='-c pg_perfgate.idle_in_transaction_threshold=200'"
BEGIN;
SELECT name FROM conn_item WHERE id = 5;
\! sleep 0.6
COMMIT;
\c -reuse-previous=on "application_name=churn_check options=''"
SELECT conn_wait('churn_idle', 1) AS ended;
SELECT statements, idle_in_transaction_gaps, idle_in_transaction_time >= 600 AS idle_ok,
       max_idle_in_transaction_time >= 600 AS max_ok, longest_transaction_time >= 600 AS longest_ok
  FROM pg_perfgate_connections WHERE application_name = 'churn_idle';

-- Another role sees that the finding exists, not its query id, query or detail.
SET ROLE regress_conn_other;
SELECT kind, queryid IS NULL AS no_queryid, query IS NULL AS no_query, detail IS NULL AS no_detail, advice
  FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction';
RESET ROLE;
-- What ended an idle gap is named in the detail (issue 24: named from the utility statement only
-- once a gap is found): COMMIT, ROLLBACK.
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET pg_perfgate.idle_in_transaction_threshold = '200ms';
BEGIN;
SELECT name FROM conn_item WHERE id = 7;
\! sleep 0.4
COMMIT;
BEGIN;
UPDATE conn_item SET name = 'm8' WHERE id = 8;
\! sleep 0.4
ROLLBACK;
SELECT query, regexp_replace(detail, '\d+ ms', 'N ms') AS detail
  FROM pg_perfgate_antipatterns WHERE kind = 'idle_in_transaction' ORDER BY query;
RESET pg_perfgate.idle_in_transaction_threshold;
DROP ROLE regress_conn_other;
DROP FUNCTION conn_wait(text, int);
DROP TABLE conn_item;
