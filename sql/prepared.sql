-- EXECUTE of a prepared statement is counted under the prepared statement's query id, with the
-- PREPARE text; neither PREPARE, EXECUTE nor DEALLOCATE gets an entry of its own.
SET pg_perfgate.track_utility = on;
CREATE TABLE parts (id int PRIMARY KEY, name text);
INSERT INTO parts SELECT g, 'part' || g FROM generate_series(1, 20) g;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
PREPARE by_id(int) AS SELECT name FROM parts WHERE id = $1;
EXECUTE by_id(1);
EXECUTE by_id(2);
EXECUTE by_id(3);
EXECUTE by_id(99);
DEALLOCATE by_id;
SELECT toplevel, calls, rows, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C";
-- The same text with a constant instead of a parameter is another query id, as in core and
-- pg_stat_statements.
SELECT name FROM parts WHERE id = 5;
SELECT count(DISTINCT queryid) AS query_ids, sum(calls) AS calls FROM pg_perfgate_statements
 WHERE query LIKE '%FROM parts WHERE id = $1';
