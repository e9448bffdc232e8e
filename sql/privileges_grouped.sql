-- Regression (issue 8): grouped views showed the text of whichever entry of a group sorted first,
-- so a role saw another role's SQL comments and, in the plan text, its constants; anti-pattern
-- detail and advice named another role's tables and columns. Three roles run the same statements
-- with their own comments and constants; no role may see another's, in any view.
SET pg_perfgate.track_utility = off;
SET pg_perfgate.sample_rate = 1;
SET pg_perfgate.seq_scan_min_rows = 100;
\set VERBOSITY terse
CREATE ROLE regress_ann;
CREATE ROLE regress_ben;
CREATE ROLE regress_cat;
CREATE ROLE regress_auditor IN ROLE pg_read_all_stats;
CREATE TABLE people (id int PRIMARY KEY, ssn text UNIQUE, secret_note text);
INSERT INTO people SELECT g, 'ssn-' || g, 'note ' || g FROM generate_series(1, 1000) g;
ANALYZE people;
GRANT SELECT ON people TO regress_ann, regress_ben, regress_cat;
SELECT pg_perfgate_reset() IS NOT NULL AS t;

-- Six statements, each run by every role with that role's comment and constants.
SET ROLE regress_ann;
SELECT /* ann-comment */ id FROM people WHERE ssn = 'ann-ssn-111';
SELECT /* ann-comment */ count(*) FROM people WHERE id = 101;
SELECT /* ann-comment */ count(*) FROM people WHERE id < 102;
SELECT /* ann-comment */ max(id) FROM people WHERE ssn > 'ann-ssn-zzz';
SELECT /* ann-comment */ count(*) FROM people WHERE id IN (103, 104);
SELECT /* ann-comment */ count(*) FROM people WHERE secret_note = 'ann-secret-note';
RESET ROLE;
SET ROLE regress_ben;
SELECT /* ben-comment */ id FROM people WHERE ssn = 'ben-ssn-222';
SELECT /* ben-comment */ count(*) FROM people WHERE id = 201;
SELECT /* ben-comment */ count(*) FROM people WHERE id < 202;
SELECT /* ben-comment */ max(id) FROM people WHERE ssn > 'ben-ssn-zzz';
SELECT /* ben-comment */ count(*) FROM people WHERE id IN (203, 204);
SELECT /* ben-comment */ count(*) FROM people WHERE secret_note = 'ben-secret-note';
RESET ROLE;
SET ROLE regress_cat;
SELECT /* cat-comment */ id FROM people WHERE ssn = 'cat-ssn-333';
SELECT /* cat-comment */ count(*) FROM people WHERE id = 301;
SELECT /* cat-comment */ count(*) FROM people WHERE id < 302;
SELECT /* cat-comment */ max(id) FROM people WHERE ssn > 'cat-ssn-zzz';
SELECT /* cat-comment */ count(*) FROM people WHERE id IN (303, 304);
SELECT /* cat-comment */ count(*) FROM people WHERE secret_note = 'cat-secret-note';
RESET ROLE;

-- Every text a role can read, from every view, in one column.
CREATE FUNCTION visible_texts() RETURNS TABLE (view text, txt text) LANGUAGE sql AS $$
  SELECT 'statements', query FROM pg_perfgate_statements
  UNION ALL SELECT 'plans', query FROM pg_perfgate_plans
  UNION ALL SELECT 'plans', plan FROM pg_perfgate_plans
  UNION ALL SELECT 'plan_changes', query FROM pg_perfgate_plan_changes
  UNION ALL SELECT 'plan_changes', plan FROM pg_perfgate_plan_changes
  UNION ALL SELECT 'hot_queries', query FROM pg_perfgate_hot_queries
  UNION ALL SELECT 'antipatterns', query FROM pg_perfgate_antipatterns
  UNION ALL SELECT 'antipatterns', detail FROM pg_perfgate_antipatterns
  UNION ALL SELECT 'antipatterns', advice FROM pg_perfgate_antipatterns
$$;
GRANT EXECUTE ON FUNCTION visible_texts() TO PUBLIC;
-- For each caller: texts mentioning each role's comment or constants, and the caller's own count.
CREATE FUNCTION leaks(me text) RETURNS TABLE (other text, view text, n bigint) LANGUAGE sql AS $$
  SELECT o.who, v.view, count(*)
    FROM visible_texts() v, (VALUES ('ann'), ('ben'), ('cat')) o(who)
   WHERE o.who <> me AND v.txt ~ (o.who || '-')
   GROUP BY 1, 2 ORDER BY 1, 2
$$;
GRANT EXECUTE ON FUNCTION leaks(text) TO PUBLIC;

SET ROLE regress_ann;
SELECT * FROM leaks('ann');
SELECT count(*) > 0 AS sees_own_texts,
       bool_or(view = 'plans' AND txt ~ 'ann-ssn-111') AS sees_own_plan_constants
  FROM visible_texts() WHERE txt ~ 'ann-';
RESET ROLE;
SET ROLE regress_ben;
SELECT * FROM leaks('ben');
SELECT count(*) > 0 AS sees_own_texts FROM visible_texts() WHERE txt ~ 'ben-';
RESET ROLE;
SET ROLE regress_cat;
SELECT * FROM leaks('cat');
RESET ROLE;

-- Grouped rows still count every role's executions; only the texts are withheld.
SET ROLE regress_ben;
SELECT calls, query IS NOT NULL AS has_text, plan IS NOT NULL AS has_plan
  FROM pg_perfgate_plans WHERE query LIKE '%ssn = $1%';
-- Another role's anti-pattern: kind and counters, no query id, detail or concrete advice.
SELECT kind, userid = 'regress_ann'::regrole AS anns, queryid IS NULL AS no_queryid,
       detail IS NULL AS no_detail, advice !~ 'people' AS generic_advice
  FROM pg_perfgate_antipatterns WHERE userid <> 'regress_ben'::regrole AND kind = 'filter_heavy_seq_scan'
 ORDER BY anns DESC LIMIT 1;
RESET ROLE;

-- A member of pg_read_all_stats sees every role's texts, as with pg_stat_statements.
SET ROLE regress_auditor;
SELECT o.who, count(*) > 0 AS sees FROM visible_texts() v, (VALUES ('ann'), ('ben'), ('cat')) o(who)
 WHERE v.txt ~ (o.who || '-') GROUP BY 1 ORDER BY 1;
SELECT count(*) AS details FROM pg_perfgate_antipatterns
 WHERE kind = 'filter_heavy_seq_scan' AND detail = 'people(secret_note)';
RESET ROLE;

DROP FUNCTION leaks(text);
DROP FUNCTION visible_texts();
DROP TABLE people;
DROP ROLE regress_ann;
DROP ROLE regress_ben;
DROP ROLE regress_cat;
DROP ROLE regress_auditor;
