-- The plan id is stable across constants and changes when an index the plan used is dropped;
-- both plans then show in pg_perfgate_plan_changes, each with its own text and figures.
SET pg_perfgate.track_utility = off;
CREATE TABLE orders (id int PRIMARY KEY, customer int, total numeric);
INSERT INTO orders SELECT g, g % 500, g / 10.0 FROM generate_series(1, 20000) g;
CREATE INDEX orders_customer ON orders (customer);
ANALYZE orders;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

SELECT count(*) FROM orders WHERE customer = 5;
SELECT count(*) FROM orders WHERE customer = 17;
SELECT count(*) FROM orders WHERE customer = 42;
SELECT count(DISTINCT queryid) AS queries, count(DISTINCT planid) AS plans, sum(calls) AS calls
  FROM pg_perfgate_statements WHERE query = 'SELECT count(*) FROM orders WHERE customer = $1';
SELECT count(*) AS changes FROM pg_perfgate_plan_changes;

DROP INDEX orders_customer;
SELECT count(*) FROM orders WHERE customer = 5;
SELECT count(*) FROM orders WHERE customer = 99;
SELECT count(DISTINCT queryid) AS queries, count(DISTINCT planid) AS plans, sum(calls) AS calls
  FROM pg_perfgate_statements WHERE query = 'SELECT count(*) FROM orders WHERE customer = $1';

SELECT calls, latest, slowdown_vs_best > 0 AS has_slowdown, plan
  FROM pg_perfgate_plan_changes
 WHERE query = 'SELECT count(*) FROM orders WHERE customer = $1'
 ORDER BY latest, calls;

-- One of the two plans is the best by mean time; its slowdown is exactly 1.
SELECT count(*) FILTER (WHERE slowdown_vs_best = 1) AS best_plans, count(*) AS plans
  FROM pg_perfgate_plan_changes WHERE query = 'SELECT count(*) FROM orders WHERE customer = $1';

-- A new index of the same shape is a new plan: plan ids name the index by oid.
CREATE INDEX orders_customer ON orders (customer);
SELECT count(*) FROM orders WHERE customer = 5;
SELECT count(DISTINCT planid) AS plans FROM pg_perfgate_plans
 WHERE query = 'SELECT count(*) FROM orders WHERE customer = $1';

-- Joins: the same shape with other constants keeps its plan id; another join order or method
-- (forced here) is another plan id.
CREATE TABLE customers (id int PRIMARY KEY, name text);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(0, 499) g;
ANALYZE customers;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT c.name, sum(o.total) FROM customers c JOIN orders o ON o.customer = c.id WHERE c.id < 3 GROUP BY c.name ORDER BY 1;
SELECT c.name, sum(o.total) FROM customers c JOIN orders o ON o.customer = c.id WHERE c.id < 4 GROUP BY c.name ORDER BY 1;
SET enable_nestloop = off;
SET enable_mergejoin = off;
SELECT c.name, sum(o.total) FROM customers c JOIN orders o ON o.customer = c.id WHERE c.id < 3 GROUP BY c.name ORDER BY 1;
RESET enable_nestloop;
RESET enable_mergejoin;
SELECT calls, plan FROM pg_perfgate_plans
 WHERE query LIKE 'SELECT c.name, sum(o.total)%' ORDER BY calls DESC;
