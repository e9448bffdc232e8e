-- A statement that ends without ever running (a cursor opened and closed before its first FETCH) is
-- recorded with no I/O. Its entry on the execution stack is set by its first ExecutorRun, not zeroed
-- when it starts (that memset was paid by every statement), so its ExecutorEnd must zero it: the slot
-- it took held the figures of the statement before it (here a scan of every page of the table).
CREATE TABLE unrun (id int PRIMARY KEY, v text);
INSERT INTO unrun SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g;
CREATE FUNCTION unrun_open_close() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  c refcursor;
  n int;
BEGIN
  SELECT count(*) INTO n FROM unrun WHERE v <> '';
  OPEN c FOR SELECT v FROM unrun WHERE id > 1500;
  CLOSE c;
  RETURN n;
END $$;
SET pg_perfgate.track = 'all';
SELECT pg_perfgate_reset() IS NOT NULL AS t;
SELECT unrun_open_close();
-- The scan read its pages; the cursor's query, ended unrun, none.
SELECT query, toplevel, calls, rows, shared_blks_hit + shared_blks_read > 0 AS read_pages,
       shared_blks_dirtied + shared_blks_written + local_blks_hit + temp_blks_written + wal_records AS other_io
FROM pg_perfgate_statements
WHERE query LIKE '%unrun%' AND query NOT LIKE '%pg_perfgate%'
ORDER BY query COLLATE "C";
RESET pg_perfgate.track;
DROP FUNCTION unrun_open_close();
DROP TABLE unrun;
