-- Regression (issue 9.4): the N+1 message's DETAIL said "at most 5 rows per call" (the setting)
-- when each call returned 1 row. It now states the calls, the rows per call (min, mean, max) and
-- the statement before the loop, with the rows it returned.
SET pg_perfgate.track_utility = off;
\set VERBOSITY default
CREATE TABLE msg_user (id int PRIMARY KEY, name text);
CREATE TABLE msg_post (id int PRIMARY KEY, user_id int, title text);
INSERT INTO msg_user SELECT g, 'u' || g FROM generate_series(1, 20) g;
INSERT INTO msg_post SELECT g, 1 + g % 20, 't' FROM generate_series(1, 60) g;
CREATE INDEX ON msg_post (user_id);
-- The message of an error-mode stop, with the query ids (they depend on oids) masked.
CREATE FUNCTION message_of(loop text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  m text;
  d text;
BEGIN
  EXECUTE loop;
  RETURN NEXT 'no error';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
  RETURN NEXT m;
  RETURN NEXT regexp_replace(d, 'query id -?[0-9]+', 'query id N', 'gi');
END $$;
SET pg_perfgate.track = 'all';
SET pg_perfgate.n_plus_one_action = 'error';
-- Three posts per user, after a parent that returned ten users.
SELECT message_of($q$DO $d$ DECLARE u record; BEGIN
  FOR u IN SELECT id FROM msg_user WHERE id <= 10 ORDER BY id LOOP
    PERFORM title FROM msg_post WHERE user_id = u.id;
  END LOOP; END $d$ $q$);
-- One row per call, no parent before it.
SELECT message_of($q$DO $d$ BEGIN
  FOR i IN 1..10 LOOP PERFORM name FROM msg_user WHERE id = i; END LOOP; END $d$ $q$);
-- Row-by-row writes say so too.
SET pg_perfgate.row_by_row_action = 'error';
CREATE TABLE msg_log (n int);
SELECT message_of($q$DO $d$ BEGIN
  FOR i IN 1..10 LOOP INSERT INTO msg_log VALUES (i); END LOOP; END $d$ $q$);
