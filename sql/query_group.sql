-- IN-list variants of one statement share a query_group: one row in the hot queries, while
-- pg_perfgate_statements keeps a row per query id (joinable with pg_stat_statements).
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE TABLE qg_items (id int PRIMARY KEY, name text);
INSERT INTO qg_items SELECT g, 'n' || g FROM generate_series(1, 50) g;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

SELECT name FROM qg_items WHERE id IN (1);
SELECT name FROM qg_items WHERE id IN (1, 2);
SELECT name FROM qg_items WHERE id IN (3, 4, 5);
SELECT name FROM qg_items WHERE id IN (6, 7, 8);
SELECT name FROM qg_items WHERE id IN (9,10,11,12,13,14,15,16,17,18,19,20);
SELECT name FROM qg_items WHERE id = ANY (ARRAY[1, 2, 3]) ORDER BY id;
SELECT name FROM qg_items WHERE id = ANY (ARRAY[4]) ORDER BY id;
INSERT INTO qg_items VALUES (101, 'a');
INSERT INTO qg_items VALUES (102, 'b'), (103, 'c');
INSERT INTO qg_items VALUES (104, 'd'), (105, 'e'), (106, upper('f'));
SELECT name FROM qg_items WHERE id IN (SELECT id FROM qg_items WHERE id < 3) ORDER BY name;

-- Per query id, as before: five IN lists give four query ids (IN (3, 4, 5) and (6, 7, 8) are one).
SELECT count(DISTINCT queryid) AS queryids, count(DISTINCT query_group) AS groups, sum(calls) AS calls
  FROM pg_perfgate_statements WHERE query LIKE '%qg_items WHERE id IN ($%';

-- One hot-queries row per group; its queryids are the rows of pg_perfgate_statements.
-- Which variant names a group depends on timing (the busiest): lists are shown as (...).
CREATE FUNCTION qg_shape(q text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(q, 'IN \(\$[^)]*\)', 'IN (...)'),
                                       'ARRAY\[[^]]*\]', 'ARRAY[...]'),
                        'VALUES \(\$1, \$2\)(, \(\$[0-9]+, \$[0-9]+\))*$', 'VALUES (...)') $$;
SELECT variants, array_length(queryids, 1) AS ids, calls, rows_per_call, qg_shape(query) AS query
  FROM pg_perfgate_hot_queries WHERE query LIKE '%qg_items%' ORDER BY qg_shape(query) COLLATE "C", variants;
SELECT bool_and(EXISTS (SELECT 1 FROM pg_perfgate_statements s WHERE s.queryid = q.id
                          AND s.query_group = h.query_group)) AS joinable
  FROM pg_perfgate_hot_queries h, unnest(h.queryids) AS q(id) WHERE h.query LIKE '%qg_items%';
-- The group names itself by its busiest query id.
SELECT h.queryid = (SELECT s.queryid FROM pg_perfgate_statements s WHERE s.query_group = h.query_group
                     ORDER BY s.total_exec_time DESC LIMIT 1) AS busiest
  FROM pg_perfgate_hot_queries h WHERE h.variants = 4;
DROP TABLE qg_items;

-- plan_count counts distinct plans: IN lists of three lengths run one Index Scan, then one of them
-- runs as a Seq Scan: 2 plans (it counted one per query id and plan id: 4).
CREATE TABLE qg_plans (id int PRIMARY KEY, v int);
INSERT INTO qg_plans SELECT g, g FROM generate_series(1, 1000) g;
ANALYZE qg_plans;
\o /dev/null
SELECT v FROM qg_plans WHERE id IN (1, 2);
SELECT v FROM qg_plans WHERE id IN (3, 4, 5);
SELECT v FROM qg_plans WHERE id IN (6, 7, 8, 9);
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT v FROM qg_plans WHERE id IN (1, 2);
RESET enable_indexscan;
RESET enable_bitmapscan;
\o
SELECT count(DISTINCT planid) AS plans, count(*) AS entries
  FROM pg_perfgate_statements WHERE query LIKE 'SELECT v FROM qg_plans%';
SELECT variants, plan_count FROM pg_perfgate_hot_queries WHERE query LIKE 'SELECT v FROM qg_plans%';
DROP TABLE qg_plans;
DROP FUNCTION qg_shape(text);
