-- The dev/test mode: pg_perfgate.*_action = error stops an N+1 loop the moment it happens, in a
-- transaction, with a message that names the query and the count; other sessions are untouched.
SET pg_perfgate.track_utility = off;
\set VERBOSITY terse
CREATE TABLE users (id int PRIMARY KEY, name text);
INSERT INTO users SELECT g, 'user' || g FROM generate_series(1, 50) g;
SET pg_perfgate.n_plus_one_action = 'error';
BEGIN;
SELECT name FROM users WHERE id = 1;
SELECT name FROM users WHERE id = 2;
SELECT name FROM users WHERE id = 3;
SELECT name FROM users WHERE id = 4;
SELECT name FROM users WHERE id = 5;
SELECT name FROM users WHERE id = 6;
SELECT name FROM users WHERE id = 7;
SELECT name FROM users WHERE id = 8;
SELECT name FROM users WHERE id = 9;
SELECT name FROM users WHERE id = 10;
SELECT name FROM users WHERE id = 11;
ROLLBACK;

-- In a PL/pgSQL loop under track = all the error stops the loop at the threshold.
SET pg_perfgate.track = 'all';
SET pg_perfgate.n_plus_one_threshold = 25;
CREATE TABLE visits (n int);
DO $$ BEGIN FOR i IN 1..40 LOOP PERFORM name FROM users WHERE id = i; INSERT INTO visits VALUES (i); END LOOP; END $$;
SELECT count(*) AS rolled_back FROM visits;
SET pg_perfgate.track = 'top';
RESET pg_perfgate.n_plus_one_threshold;

-- A batch is fine in error mode.
SELECT count(*) FROM users WHERE id = ANY ('{1,2,3,4,5,6,7,8,9,10,11,12}'::int[]);

-- warning mode warns once, at the threshold, and goes on.
SET pg_perfgate.n_plus_one_action = 'warning';
SET pg_perfgate.row_by_row_action = 'warning';
DO $$ BEGIN FOR i IN 1..3 LOOP PERFORM 1; END LOOP; END $$;
SET pg_perfgate.track = 'all';
DO $$ BEGIN FOR i IN 1..30 LOOP INSERT INTO visits VALUES (i); END LOOP; END $$;
SET pg_perfgate.track = 'top';
SELECT count(*) AS inserted FROM visits;

-- The other kinds have the same switch.
SET pg_perfgate.deep_offset_action = 'error';
SELECT id FROM users ORDER BY id LIMIT 1 OFFSET 2000;
SELECT id FROM users ORDER BY id LIMIT 1 OFFSET 20;

-- A new session has the default (off) and runs the same loop without a word.
\c
SET pg_perfgate.track_utility = off;
SELECT current_setting('pg_perfgate.n_plus_one_action') AS action;
BEGIN;
SELECT name FROM users WHERE id = 1 \; SELECT name FROM users WHERE id = 2 \; SELECT name FROM users WHERE id = 3 \; SELECT name FROM users WHERE id = 4 \; SELECT name FROM users WHERE id = 5 \; SELECT name FROM users WHERE id = 6;
SELECT name FROM users WHERE id = 7 \; SELECT name FROM users WHERE id = 8 \; SELECT name FROM users WHERE id = 9 \; SELECT name FROM users WHERE id = 10 \; SELECT name FROM users WHERE id = 11 \; SELECT name FROM users WHERE id = 12;
COMMIT;
SELECT kind, calls >= 12 AS counted FROM pg_perfgate_antipatterns
 WHERE query = 'SELECT name FROM users WHERE id = $1' ORDER BY calls DESC LIMIT 1;
