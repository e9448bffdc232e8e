-- Regression (issue 8): any role could change the detectors' thresholds and so fill the shared
-- anti-pattern table for everyone. Thresholds are superuser-only; the *_action settings, which
-- only change what this session is told, stay per-session for every role.
\set VERBOSITY terse
CREATE ROLE regress_plain;
SET ROLE regress_plain;
SET pg_perfgate.n_plus_one_threshold = 2;
SET pg_perfgate.n_plus_one_max_rows = 1000;
SET pg_perfgate.row_by_row_threshold = 2;
SET pg_perfgate.burst_window = '1h';
SET pg_perfgate.deep_offset_threshold = 1;
SET pg_perfgate.huge_fetch_rows = 1;
SET pg_perfgate.seq_scan_min_rows = 1;
SET pg_perfgate.seq_scan_filter_ratio = 0;
SET pg_perfgate.sample_rate = 1;
SET pg_perfgate.n_plus_one_action = 'warning';
SET pg_perfgate.deep_offset_action = 'log';
SHOW pg_perfgate.n_plus_one_action;
RESET ROLE;
SELECT name, context FROM pg_settings
 WHERE name LIKE 'pg_perfgate.%' AND name NOT IN ('pg_perfgate.max', 'pg_perfgate.query_text_size',
       'pg_perfgate.plan_text_size', 'pg_perfgate.max_antipatterns', 'pg_perfgate.save')
 ORDER BY name COLLATE "C";
DROP ROLE regress_plain;
