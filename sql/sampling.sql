-- Only executions of plans with a filtered sequential scan are sampled for the scan detector (the
-- only reader of per-node row counts): an index lookup never pays for the instrumentation, however
-- high pg_perfgate.sample_rate is.
SET pg_perfgate.sample_rate = 1;
CREATE TABLE sampling_t (id int PRIMARY KEY, v int);
INSERT INTO sampling_t SELECT g, g % 10 FROM generate_series(1, 1000) g;
ANALYZE sampling_t;
SELECT sampled_executions AS before FROM pg_perfgate_backend_state() \gset
-- Index lookups (a scan condition, no sequential scan): never sampled.
SELECT v FROM sampling_t WHERE id = 1;
SELECT v FROM sampling_t WHERE id = 2;
SELECT v FROM sampling_t WHERE id = 3;
SELECT sampled_executions - :before AS index_lookups_sampled FROM pg_perfgate_backend_state();
-- A sequential scan without a filter: nothing for the detector to judge, not sampled.
SELECT count(*) FROM sampling_t;
SELECT sampled_executions - :before AS unfiltered_scan_sampled FROM pg_perfgate_backend_state();
-- A filtered sequential scan: sampled at rate 1, each time.
SELECT count(*) FROM sampling_t WHERE v = 3;
SELECT count(*) FROM sampling_t WHERE v = 4;
SELECT sampled_executions - :before AS filtered_scans_sampled FROM pg_perfgate_backend_state();
-- At rate 0 nothing is.
SET pg_perfgate.sample_rate = 0;
SELECT count(*) FROM sampling_t WHERE v = 5;
SELECT sampled_executions - :before AS after_rate_zero FROM pg_perfgate_backend_state();
RESET pg_perfgate.sample_rate;
DROP TABLE sampling_t;
