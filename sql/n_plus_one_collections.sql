-- Regression (issue 9.1): lazy loads of a one-to-many collection were not an N+1 loop when each
-- returned more than 5 rows, and varying child counts split one loop into fragments. A loop is
-- now judged by the statement (a lookup by key), whatever its row counts; `= ANY` stays a batch.
SET pg_perfgate.track_utility = off;
\set VERBOSITY terse
CREATE TABLE app_user (id int PRIMARY KEY, name text);
CREATE TABLE app_post (id int PRIMARY KEY, user_id int NOT NULL, title text);
INSERT INTO app_user SELECT g, 'u' || g FROM generate_series(1, 60) g;
-- Ten posts for each of users 1-30, and (g * 5) % 9 posts, 0 to 8, for users 31-60.
INSERT INTO app_post SELECT (u - 1) * 10 + p, u, 't' FROM generate_series(1, 30) u, generate_series(1, 10) p;
INSERT INTO app_post SELECT 1000 + u * 10 + p, u, 't' FROM generate_series(31, 60) u, generate_series(1, 8) p
 WHERE p <= (u * 5) % 9;
CREATE INDEX ON app_post (user_id);
ANALYZE app_user, app_post;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
\o /dev/null
-- 30 users with 10 posts each, loaded one user at a time.
BEGIN;
SELECT id, name FROM app_user WHERE id <= 30 ORDER BY id;
SELECT id, title FROM app_post WHERE user_id = 1 \; SELECT id, title FROM app_post WHERE user_id = 2 \; SELECT id, title FROM app_post WHERE user_id = 3 \; SELECT id, title FROM app_post WHERE user_id = 4 \; SELECT id, title FROM app_post WHERE user_id = 5 \; SELECT id, title FROM app_post WHERE user_id = 6;
SELECT id, title FROM app_post WHERE user_id = 7 \; SELECT id, title FROM app_post WHERE user_id = 8 \; SELECT id, title FROM app_post WHERE user_id = 9 \; SELECT id, title FROM app_post WHERE user_id = 10 \; SELECT id, title FROM app_post WHERE user_id = 11 \; SELECT id, title FROM app_post WHERE user_id = 12;
SELECT id, title FROM app_post WHERE user_id = 13 \; SELECT id, title FROM app_post WHERE user_id = 14 \; SELECT id, title FROM app_post WHERE user_id = 15 \; SELECT id, title FROM app_post WHERE user_id = 16 \; SELECT id, title FROM app_post WHERE user_id = 17 \; SELECT id, title FROM app_post WHERE user_id = 18;
SELECT id, title FROM app_post WHERE user_id = 19 \; SELECT id, title FROM app_post WHERE user_id = 20 \; SELECT id, title FROM app_post WHERE user_id = 21 \; SELECT id, title FROM app_post WHERE user_id = 22 \; SELECT id, title FROM app_post WHERE user_id = 23 \; SELECT id, title FROM app_post WHERE user_id = 24;
SELECT id, title FROM app_post WHERE user_id = 25 \; SELECT id, title FROM app_post WHERE user_id = 26 \; SELECT id, title FROM app_post WHERE user_id = 27 \; SELECT id, title FROM app_post WHERE user_id = 28 \; SELECT id, title FROM app_post WHERE user_id = 29 \; SELECT id, title FROM app_post WHERE user_id = 30;
COMMIT;
SELECT pg_sleep(0.05); -- another request
-- 30 users with 0 to 8 posts each.
BEGIN;
SELECT id, name FROM app_user WHERE id > 30 ORDER BY id;
SELECT id, title FROM app_post WHERE user_id = 31 \; SELECT id, title FROM app_post WHERE user_id = 32 \; SELECT id, title FROM app_post WHERE user_id = 33 \; SELECT id, title FROM app_post WHERE user_id = 34 \; SELECT id, title FROM app_post WHERE user_id = 35 \; SELECT id, title FROM app_post WHERE user_id = 36;
SELECT id, title FROM app_post WHERE user_id = 37 \; SELECT id, title FROM app_post WHERE user_id = 38 \; SELECT id, title FROM app_post WHERE user_id = 39 \; SELECT id, title FROM app_post WHERE user_id = 40 \; SELECT id, title FROM app_post WHERE user_id = 41 \; SELECT id, title FROM app_post WHERE user_id = 42;
SELECT id, title FROM app_post WHERE user_id = 43 \; SELECT id, title FROM app_post WHERE user_id = 44 \; SELECT id, title FROM app_post WHERE user_id = 45 \; SELECT id, title FROM app_post WHERE user_id = 46 \; SELECT id, title FROM app_post WHERE user_id = 47 \; SELECT id, title FROM app_post WHERE user_id = 48;
SELECT id, title FROM app_post WHERE user_id = 49 \; SELECT id, title FROM app_post WHERE user_id = 50 \; SELECT id, title FROM app_post WHERE user_id = 51 \; SELECT id, title FROM app_post WHERE user_id = 52 \; SELECT id, title FROM app_post WHERE user_id = 53 \; SELECT id, title FROM app_post WHERE user_id = 54;
SELECT id, title FROM app_post WHERE user_id = 55 \; SELECT id, title FROM app_post WHERE user_id = 56 \; SELECT id, title FROM app_post WHERE user_id = 57 \; SELECT id, title FROM app_post WHERE user_id = 58 \; SELECT id, title FROM app_post WHERE user_id = 59 \; SELECT id, title FROM app_post WHERE user_id = 60;
COMMIT;
SELECT pg_sleep(0.05);
-- The batches: ten users' posts at once, ten times over.
SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]);
SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]) \; SELECT id, title FROM app_post WHERE user_id = ANY ('{1,2,3,4,5,6,7,8,9,10}'::int[]);
SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10) \; SELECT id, title FROM app_post WHERE user_id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
\o
SELECT a.kind, a.query, r.query AS parent, a.related_rows, a.occurrences, a.calls, a.largest, a.detail
  FROM pg_perfgate_antipatterns a
  LEFT JOIN pg_perfgate_statements r ON r.queryid = a.related_queryid
 WHERE a.query NOT LIKE '%pg_perfgate%' ORDER BY a.query COLLATE "C", r.query COLLATE "C";
