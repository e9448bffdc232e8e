-- With pg_perfgate.max = 100, a flood of distinct statements evicts; a hot statement survives it,
-- the evictions are counted, and nothing errors.
CREATE EXTENSION pg_perfgate;
SET pg_perfgate.track = 'all';
SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT max, entries, evictions FROM pg_perfgate_info;
CREATE TABLE hot (id int PRIMARY KEY, v int);
INSERT INTO hot VALUES (1, 1);
DO $$
BEGIN
  FOR i IN 1..400 LOOP
    PERFORM v FROM hot WHERE id = 1;
    -- A different expression tree each time, so a different query id each time.
    EXECUTE 'SELECT ' || repeat('1 + ', i) || '1';
  END LOOP;
END $$;
SELECT max, entries <= max AS bounded, entries >= 90 AS nearly_full, evictions >= 300 AS evicted
  FROM pg_perfgate_info;
SELECT calls FROM pg_perfgate_statements WHERE query = 'SELECT v FROM hot WHERE id = $1';
-- The store goes on working after the flood.
SELECT 42 AS after;
SELECT 43 AS after;
SELECT calls FROM pg_perfgate_statements WHERE query = 'SELECT $1 AS after';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT evictions FROM pg_perfgate_info;
