-- pg_perfgate_reset() empties the store, or only the entries of one query id, user or database.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT stats_reset AS before_reset FROM pg_perfgate_info \gset
SELECT 'keep' AS a;
SELECT 'drop' AS b, 1 AS c;
SELECT 'drop' AS b, 2 AS c;
SELECT count(*) AS entries FROM pg_perfgate_statements WHERE query NOT LIKE '%pg_perfgate%';
SELECT pg_perfgate_reset(0, 0, queryid) IS NOT NULL AS t FROM pg_perfgate_statements
 WHERE query = 'SELECT $1 AS b, $2 AS c';
SELECT calls, query FROM pg_perfgate_statements WHERE query NOT LIKE '%pg_perfgate%'
 ORDER BY query COLLATE "C";
SELECT stats_reset = :'before_reset' AS partial_keeps_reset_time FROM pg_perfgate_info;

-- By database: another database's oid removes nothing here.
SELECT pg_perfgate_reset(0, (SELECT oid FROM pg_database WHERE datname = 'template1'), 0) IS NOT NULL AS t;
SELECT count(*) > 0 AS still_there FROM pg_perfgate_statements WHERE query = 'SELECT $1 AS a';
-- By user.
SELECT pg_perfgate_reset((SELECT oid FROM pg_roles WHERE rolname = current_user), 0, 0) IS NOT NULL AS t;
SELECT count(*) AS left_of_mine FROM pg_perfgate_statements WHERE query = 'SELECT $1 AS a';

SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT stats_reset > :'before_reset' AS full_reset_time_moved, entries <= 2 AS nearly_empty FROM pg_perfgate_info;
