-- Regression (issue 9.2): the foreign-key checks the server runs at COMMIT for a DEFERRABLE
-- INITIALLY DEFERRED key (SELECT 1 FROM ONLY parent x WHERE id = $1 FOR KEY SHARE OF x, at nesting
-- level 0) were reported as the application's N+1 loop. They stay counted in the statistics, as
-- pg_stat_statements counts them; they are no loop of the application's, at COMMIT, at the end of
-- a statement (track = all), or as ON DELETE CASCADE actions.
SET pg_perfgate.track_utility = off;
\set VERBOSITY terse
CREATE TABLE fk_parent (id int PRIMARY KEY);
CREATE TABLE fk_child (id int PRIMARY KEY,
                       parent_id int REFERENCES fk_parent ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE fk_child_now (id int PRIMARY KEY, parent_id int REFERENCES fk_parent ON DELETE CASCADE);
INSERT INTO fk_parent SELECT generate_series(1, 600);
SELECT pg_perfgate_reset() IS NOT NULL AS t;
-- A bulk insert, then a bulk update of the keys, each checked row by row at COMMIT.
BEGIN;
INSERT INTO fk_child SELECT g, g FROM generate_series(1, 500) g;
COMMIT;
BEGIN;
UPDATE fk_child SET parent_id = parent_id + 1 WHERE id <= 314;
COMMIT;
-- Autocommit: the check runs when the statement's own transaction commits.
INSERT INTO fk_child SELECT g, 1 + g % 600 FROM generate_series(501, 800) g;
-- Immediate keys and cascades under track = all: checks at the end of the statement.
SET pg_perfgate.track = 'all';
INSERT INTO fk_child_now SELECT g, g FROM generate_series(1, 200) g;
DELETE FROM fk_parent WHERE id > 400;
SET pg_perfgate.track = 'top';
SELECT count(*) AS findings FROM pg_perfgate_antipatterns;
-- The checks and cascades are in the statistics, those at COMMIT top-level as in pg_stat_statements.
SELECT query, toplevel, calls FROM pg_perfgate_statements WHERE query LIKE '%OPERATOR(pg_catalog.=)%'
 ORDER BY query COLLATE "C", toplevel;
