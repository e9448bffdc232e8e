-- The plan id against a corpus of plan shapes: node types the walk treats differently (scans by
-- relation and by index, joins, aggregates, set operations, CTEs, init plans and subplans, window
-- functions, partitions, Appends whose scans alone differ, a subquery scan among an Append's
-- children, ModifyTable), each query run under
-- planner settings that change its plan. Each query's plans, as the calls each plan got, must be
-- exactly what the shapes are: two plans merged into one id or one plan split into two changes a
-- line. (The figures were checked against the previous walk, which gave the same partition.)
SET pg_perfgate.track_utility = off;
SET pg_perfgate.track = 'all';
SET max_parallel_workers_per_gather = 0;
CREATE TABLE ps_a (id int PRIMARY KEY, b int, c text, d int);
CREATE TABLE ps_b (id int PRIMARY KEY, x int);
CREATE INDEX ps_a_b ON ps_a (b);
CREATE INDEX ps_a_d ON ps_a (d);
CREATE TABLE ps_p (id int, k int) PARTITION BY RANGE (id);
CREATE TABLE ps_p1 PARTITION OF ps_p FOR VALUES FROM (0) TO (1000);
CREATE TABLE ps_p2 PARTITION OF ps_p FOR VALUES FROM (1000) TO (2000);
CREATE TABLE ps_p3 PARTITION OF ps_p FOR VALUES FROM (2000) TO (3000);
CREATE INDEX ON ps_p (k);
INSERT INTO ps_a SELECT g, g % 100, 'x' || g, g % 7 FROM generate_series(1, 5000) g;
INSERT INTO ps_b SELECT g, g % 10 FROM generate_series(1, 500) g;
INSERT INTO ps_p SELECT g, g % 50 FROM generate_series(0, 2999) g;
ANALYZE ps_a, ps_b, ps_p;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

DO $do$
DECLARE
  settings text[] := ARRAY[
    '',
    'enable_indexscan=off',
    'enable_bitmapscan=off enable_indexscan=off',
    'enable_hashjoin=off enable_mergejoin=off',
    'enable_nestloop=off enable_hashjoin=off',
    'enable_seqscan=off',
    'enable_hashagg=off',
    'enable_partition_pruning=off',
    'enable_material=off enable_memoize=off'];
  queries text[] := ARRAY[
    $q$SELECT * FROM ps_a WHERE id = 5$q$,
    $q$SELECT * FROM ps_a WHERE b = 5$q$,
    $q$SELECT * FROM ps_a WHERE b = 5 AND d = 3$q$,
    $q$SELECT * FROM ps_a WHERE b = 5 OR d = 3$q$,
    $q$SELECT * FROM ps_a WHERE id = ANY('{1,2,3}')$q$,
    $q$SELECT count(*) FROM ps_a$q$,
    $q$SELECT b, count(*) FROM ps_a GROUP BY b$q$,
    $q$SELECT b, d, count(*) FROM ps_a GROUP BY b, d ORDER BY b, d$q$,
    $q$SELECT * FROM ps_a ORDER BY id DESC LIMIT 5$q$,
    $q$SELECT * FROM ps_a ORDER BY id LIMIT 5 OFFSET 10$q$,
    $q$SELECT * FROM ps_a JOIN ps_b ON ps_a.b = ps_b.id WHERE ps_b.x = 3$q$,
    $q$SELECT * FROM ps_a LEFT JOIN ps_b ON ps_a.b = ps_b.id WHERE ps_a.d = 2$q$,
    $q$SELECT * FROM ps_a WHERE EXISTS (SELECT 1 FROM ps_b WHERE ps_b.id = ps_a.b AND ps_b.x = 1)$q$,
    $q$SELECT * FROM ps_a WHERE b IN (SELECT x FROM ps_b)$q$,
    $q$SELECT (SELECT max(x) FROM ps_b), id FROM ps_a WHERE id < 10$q$,
    $q$SELECT id, (SELECT x FROM ps_b WHERE ps_b.id = ps_a.b) FROM ps_a WHERE id < 10$q$,
    $q$SELECT id FROM ps_a WHERE id < 10 UNION ALL SELECT id FROM ps_b WHERE id < 10$q$,
    $q$SELECT id FROM ps_a WHERE id < 10 UNION SELECT id FROM ps_b WHERE id < 10$q$,
    $q$SELECT id FROM ps_a WHERE id < 10 INTERSECT SELECT id FROM ps_b$q$,
    $q$SELECT id FROM ps_a WHERE id < 10 EXCEPT SELECT id FROM ps_b WHERE x = 1$q$,
    $q$WITH w AS MATERIALIZED (SELECT * FROM ps_a WHERE b = 1) SELECT * FROM w JOIN w w2 ON w.id = w2.id$q$,
    $q$SELECT * FROM ps_p WHERE k = 3$q$,
    $q$SELECT * FROM ps_p WHERE id = 1500$q$,
    $q$SELECT * FROM ps_p ORDER BY id LIMIT 3$q$,
    $q$SELECT * FROM (SELECT id FROM ps_a WHERE b = 1 UNION ALL (SELECT id FROM ps_b ORDER BY x LIMIT 3)) s$q$,
    $q$SELECT * FROM (SELECT id, row_number() OVER (ORDER BY d) FROM ps_a WHERE b = 2) s WHERE row_number < 3$q$,
    $q$SELECT * FROM (SELECT DISTINCT b FROM ps_a) s JOIN ps_b ON s.b = ps_b.id$q$,
    $q$SELECT * FROM ps_a a1 JOIN ps_a a2 ON a1.id = a2.b JOIN ps_b ON ps_b.id = a2.d WHERE a1.id < 20$q$,
    $q$SELECT * FROM ps_a WHERE id < 100 FOR UPDATE$q$,
    $q$SELECT generate_series(1, 3), id FROM ps_a WHERE id = 1$q$,
    $q$SELECT * FROM ps_a WHERE ctid = '(0,1)'$q$,
    $q$SELECT * FROM (VALUES (1), (2)) v(x) JOIN ps_a ON ps_a.id = v.x$q$,
    $q$SELECT * FROM ps_a TABLESAMPLE SYSTEM (1) WHERE id = 1$q$,
    $q$UPDATE ps_a SET c = c WHERE id = 7$q$,
    $q$DELETE FROM ps_b WHERE id = -1$q$,
    $q$INSERT INTO ps_b VALUES (100000, 1) ON CONFLICT (id) DO UPDATE SET x = 2$q$,
    $q$UPDATE ps_p SET k = k WHERE id IN (5, 1500)$q$,
    $q$SELECT * FROM ps_a WHERE id = 1 UNION ALL SELECT * FROM ps_a WHERE id = 2$q$,
    $q$SELECT b FROM (SELECT b, count(*) c FROM ps_a GROUP BY b) s WHERE c > random() UNION ALL SELECT id FROM ps_b WHERE id = 1$q$,
    $q$SELECT * FROM ps_a WHERE b = 1 UNION ALL SELECT * FROM ps_a WHERE b = 2 UNION ALL SELECT * FROM ps_a WHERE d = 3 UNION ALL SELECT * FROM ps_a WHERE id = 4$q$,
    $q$SELECT * FROM (SELECT * FROM ps_a WHERE b = 1 UNION ALL SELECT * FROM ps_a WHERE b = 2) x UNION ALL (SELECT * FROM ps_a WHERE d = 3 UNION ALL SELECT * FROM (SELECT * FROM ps_a WHERE id = 4 LIMIT 1) y)$q$];
  s text;
  g text;
  q text;
BEGIN
  FOREACH s IN ARRAY settings LOOP
    FOREACH g IN ARRAY string_to_array(s, ' ') LOOP
      PERFORM set_config(split_part(g, '=', 1), split_part(g, '=', 2), true);
    END LOOP;
    FOREACH q IN ARRAY queries LOOP
      EXECUTE q;
    END LOOP;
    FOREACH g IN ARRAY string_to_array(s, ' ') LOOP
      PERFORM set_config(split_part(g, '=', 1), 'on', true);
    END LOOP;
  END LOOP;
END
$do$;

-- Per query: the calls of each of its plans (9 settings, so 9 calls in all).
SELECT array_agg(calls ORDER BY calls DESC) AS calls_per_plan, left(query, 60) AS query
  FROM pg_perfgate_statements
 WHERE query LIKE '%ps\_%' AND query NOT LIKE 'DO %' AND planid IS NOT NULL
 GROUP BY query ORDER BY query;
SELECT count(DISTINCT planid) AS plans, count(DISTINCT query) AS queries
  FROM pg_perfgate_statements
 WHERE query LIKE '%ps\_%' AND query NOT LIKE 'DO %' AND planid IS NOT NULL;

DROP TABLE ps_a, ps_b, ps_p;
