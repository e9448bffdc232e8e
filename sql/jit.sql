-- The jit_* columns of pg_stat_statements 1.10: a statement compiled by JIT counts its functions
-- and the time of each phase; when the server has no JIT provider, everything stays zero.
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SET jit = on;
SET jit_above_cost = 0;
SET jit_inline_above_cost = 0;
SET jit_optimize_above_cost = 0;
SELECT sum(g) FROM generate_series(1, 1000) g;
SET jit = off;
SELECT max(g) FROM generate_series(1, 1000) g;
RESET jit;
RESET jit_above_cost;
RESET jit_inline_above_cost;
RESET jit_optimize_above_cost;

SELECT query,
       (jit_functions > 0) = pg_jit_available() AS functions_ok,
       (jit_generation_time > 0) = pg_jit_available() AS generation_ok,
       jit_inlining_count = pg_jit_available()::int AND (jit_inlining_time > 0) = pg_jit_available() AS inlining_ok,
       jit_optimization_count = pg_jit_available()::int AS optimization_ok,
       jit_emission_count = pg_jit_available()::int AND (jit_emission_time > 0) = pg_jit_available() AS emission_ok
  FROM pg_perfgate_statements WHERE query LIKE 'SELECT sum(g)%';
SELECT query, jit_functions, jit_generation_time, jit_inlining_count, jit_optimization_count,
       jit_emission_count
  FROM pg_perfgate_statements WHERE query LIKE 'SELECT max(g)%';
