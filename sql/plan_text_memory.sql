-- Regression (issue 24): a top-level statement's first run renders its plan text when it starts, and
-- that text was kept until the statement ended as a copy in TopMemoryContext. A chunk taken there in
-- the middle of a statement can make TopMemoryContext grow a block above the statement's memory,
-- kept for the life of the backend, and every later malloc of the backend paid for the layout. The
-- text now lives in the execution's own memory context. Seen from inside a statement whose plan text
-- is larger than a chunk of TopMemoryContext can be (8 kB: it would get a block of its own while the
-- statement runs): TopMemoryContext does not grow while it runs. A first statement of the same size
-- runs before, so that whatever else a first rendering touches once is already there.
SET pg_perfgate.track_utility = off;
-- Each statement: 150 branches of a filtered scan, a plan text of over 10 kB, the scalar subquery
-- (an init plan, run after the plan text is rendered) reading TopMemoryContext's size.
\set ECHO none
SELECT 'SELECT count(*) AS warm FROM (' ||
       string_agg(format('SELECT x FROM generate_series(1, 2) x WHERE x = %s', i), ' UNION ALL ') || ') s'
FROM generate_series(1, 150) i \gexec
SELECT total_bytes AS top_before FROM pg_backend_memory_contexts WHERE name = 'TopMemoryContext' \gset
SELECT 'SELECT count(*) AS rows, (SELECT total_bytes FROM pg_backend_memory_contexts ' ||
       'WHERE name = ''TopMemoryContext'') - ' || :top_before || ' < 8192 AS top_memory_not_grown FROM (' ||
       string_agg(format('SELECT y FROM generate_series(1, 3) y WHERE y = %s', i % 3 + 1), ' UNION ALL ') || ') s'
FROM generate_series(1, 150) i \gexec
\set ECHO all
-- The text was rendered (and kept as far as pg_perfgate.plan_text_size allows), and it is the plan's.
SELECT length(plan) > 2000 AS long_plan_text, plan LIKE '%Function Scan on generate_series y%' AS its_plan
FROM pg_perfgate_plans WHERE query LIKE '%top_memory_not_grown%' AND query NOT LIKE '%string_agg%';
