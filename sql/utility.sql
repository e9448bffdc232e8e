-- Utility statements are recorded with pg_perfgate.track_utility, and not without it.
SET pg_perfgate.track_utility = on;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE TABLE notes (id int, body text);
COPY notes FROM stdin;
1	first
2	second
3	third
\.
BEGIN;
INSERT INTO notes VALUES (4, 'fourth');
COMMIT;
VACUUM notes;
CREATE TABLE notes_copy AS SELECT * FROM notes;
SELECT calls, rows, planid = 0 AS utility, query FROM pg_perfgate_statements
 WHERE query NOT LIKE '%pg_perfgate%' ORDER BY query COLLATE "C";

SET pg_perfgate.track_utility = off;
SELECT pg_perfgate_reset() IS NOT NULL AS t;
CREATE TABLE notes2 (id int);
DROP TABLE notes2;
SELECT count(*) AS utility_entries FROM pg_perfgate_statements WHERE planid = 0;
