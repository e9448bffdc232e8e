-- ExecutorFinish runs the AFTER triggers a write queued (foreign-key checks and actions among them),
-- and their work belongs to the statement, as pg_stat_statements counts it. pg_perfgate skips
-- measuring ExecutorFinish only when it has nothing to run: a write to relations without triggers.
-- The trigger's own insert shows in its caller's WAL records; without a trigger there is one.
SET pg_perfgate.track_utility = off;
CREATE TABLE fm_plain (id int);
CREATE TABLE fm_audited (id int);
CREATE TABLE fm_audit (id int, at text);
CREATE FUNCTION fm_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO fm_audit VALUES (NEW.id, 'after');
  RETURN NULL;
END $$;
CREATE TRIGGER fm_audited_after AFTER INSERT ON fm_audited FOR EACH ROW EXECUTE FUNCTION fm_audit_row();
-- A foreign key: its check is an AFTER ROW trigger of the referencing table.
CREATE TABLE fm_parent (id int PRIMARY KEY);
INSERT INTO fm_parent SELECT generate_series(1, 10);
CREATE TABLE fm_child (id int, parent int REFERENCES fm_parent);
-- A partitioned table whose partition has the trigger.
CREATE TABLE fm_part (id int) PARTITION BY RANGE (id);
CREATE TABLE fm_part_1 PARTITION OF fm_part FOR VALUES FROM (0) TO (100);
CREATE TRIGGER fm_part_1_after AFTER INSERT ON fm_part_1 FOR EACH ROW EXECUTE FUNCTION fm_audit_row();
SELECT pg_perfgate_reset() IS NOT NULL AS t;
INSERT INTO fm_plain VALUES (1);
INSERT INTO fm_plain VALUES (2);
INSERT INTO fm_audited VALUES (1);
INSERT INTO fm_audited VALUES (2);
INSERT INTO fm_child VALUES (1, 1);
INSERT INTO fm_child VALUES (2, 2);
INSERT INTO fm_part VALUES (1);
INSERT INTO fm_part VALUES (2);
-- Per call: one WAL record for the plain insert; two with the trigger's insert (directly or through
-- the partition); the foreign-key check reads the parent's index (shared buffers beyond the plain
-- insert's).
SELECT regexp_replace(query, ' VALUES.*', '') AS query, calls,
       wal_records / calls AS wal_records_per_call,
       (shared_blks_hit + shared_blks_read) / calls > 1 AS reads_more_than_its_page
  FROM pg_perfgate_statements
 WHERE query LIKE 'INSERT INTO fm_%'
 ORDER BY 1;
SELECT count(*) AS audit_rows FROM fm_audit;
DROP TABLE fm_plain, fm_audited, fm_audit, fm_child, fm_parent, fm_part;
DROP FUNCTION fm_audit_row();
