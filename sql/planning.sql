-- Planning is counted with pg_perfgate.track_planning, in the entry of the plan it produced.
SET pg_perfgate.track_utility = off;
SET pg_perfgate.track_planning = on;
CREATE TABLE plans_t (id int PRIMARY KEY, v int);
INSERT INTO plans_t SELECT g, g FROM generate_series(1, 100) g;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT v FROM plans_t WHERE id = 1;
SELECT v FROM plans_t WHERE id = 2;
SELECT v FROM plans_t WHERE id = 3;
SELECT plans, calls, total_plan_time > 0 AS planned, mean_plan_time <= max_plan_time AS plan_times_ok
  FROM pg_perfgate_statements WHERE query = 'SELECT v FROM plans_t WHERE id = $1';
SET pg_perfgate.track_planning = off;
SELECT v FROM plans_t WHERE id = 4;
SELECT plans, calls FROM pg_perfgate_statements WHERE query = 'SELECT v FROM plans_t WHERE id = $1';
