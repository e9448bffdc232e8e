-- Regression: pg_perfgate_plan_changes grouped its plans by (dbid, queryid), but a role without
-- pg_read_all_stats sees NULL for the query ids of other roles' statements, so all of those fell
-- into one NULL "query" and showed up as a query with many plans (a plain role saw 18 plans of one
-- query where a superuser saw 2). A plan change is shown only for a query the caller may see.
SET pg_perfgate.track_utility = off;
CREATE ROLE regress_pc_owner;
CREATE ROLE regress_pc_other;
CREATE TABLE pc_orders (id int, customer int);
INSERT INTO pc_orders SELECT g, g % 100 FROM generate_series(1, 5000) g;
ANALYZE pc_orders;
GRANT SELECT ON pc_orders TO regress_pc_owner, regress_pc_other;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
-- The owner's query runs with a sequential scan, then with an index scan: one plan change.
SET ROLE regress_pc_owner;
SELECT count(*) FROM pc_orders WHERE customer = 7;
RESET ROLE;
CREATE INDEX pc_orders_customer ON pc_orders (customer);
ANALYZE pc_orders;
SET ROLE regress_pc_owner;
SELECT count(*) FROM pc_orders WHERE customer = 7;
RESET ROLE;
-- The superuser's own query with two plans (other roles cannot see its id).
SELECT count(*) FROM pc_orders WHERE id = 1;
CREATE INDEX pc_orders_id ON pc_orders (id);
ANALYZE pc_orders;
SELECT count(*) FROM pc_orders WHERE id = 1;
-- The other role runs one query with one plan.
SET ROLE regress_pc_other;
SELECT count(*) FROM pc_orders WHERE id < 10;
-- It sees no plan change: none of its queries changed plan, and no row without a query id.
SELECT count(*) AS plan_changes, count(*) FILTER (WHERE queryid IS NULL) AS without_queryid
  FROM pg_perfgate_plan_changes;
RESET ROLE;
SET ROLE regress_pc_owner;
-- The owner sees its own query's two plans.
SELECT query, count(*) AS plans
  FROM pg_perfgate_plan_changes GROUP BY query ORDER BY query;
RESET ROLE;
-- A superuser sees every query that changed plan.
SELECT query, count(*) AS plans
  FROM pg_perfgate_plan_changes GROUP BY query ORDER BY query;
DROP TABLE pc_orders;
DROP ROLE regress_pc_owner;
DROP ROLE regress_pc_other;
