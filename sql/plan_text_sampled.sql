-- Regression: when a plan's first execution was one the detectors sampled (per-node row counts),
-- EXPLAIN added the hash's run-time figures ("Buckets: 1024  Batches: 1  Memory Usage: 9kB") to
-- the stored plan shape, so the same plan's text depended on pg_perfgate.sample_rate's draw.
SET pg_perfgate.track_utility = off;
SET pg_perfgate.sample_rate = 1;
SET enable_mergejoin = off;
SET enable_nestloop = off;
CREATE TABLE ps_a (id int PRIMARY KEY, b int);
CREATE TABLE ps_b (id int PRIMARY KEY, v text);
INSERT INTO ps_a SELECT g, g % 50 FROM generate_series(1, 500) g;
INSERT INTO ps_b SELECT g, 'v' || g FROM generate_series(1, 50) g;
ANALYZE ps_a, ps_b;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT count(*) FROM ps_a a JOIN ps_b b ON b.id = a.b;
SELECT plan FROM pg_perfgate_plans WHERE query LIKE '%ps_a a JOIN ps_b%';
SELECT count(*) AS runtime_lines FROM pg_perfgate_plans
 WHERE plan ~ '(Buckets|Batches|Memory Usage):';
RESET enable_mergejoin;
RESET enable_nestloop;
DROP TABLE ps_a, ps_b;
