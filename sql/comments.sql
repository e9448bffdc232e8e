-- \d+ explains every view and column of the extension: each has a COMMENT, and each time, size or
-- count column says its unit.
SELECT c.relname
  FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_perfgate'
 WHERE c.relkind = 'v' AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT c.relname, a.attname
  FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_perfgate'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relkind = 'v' AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1, 2;
-- Columns of time are in ms, and say so.
SELECT c.relname, a.attname
  FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_perfgate'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relkind = 'v' AND a.attname ~ '_time$' AND col_description(c.oid, a.attnum) !~ 'ms'
 ORDER BY 1, 2;
SELECT count(*) > 100 AS many_comments
  FROM pg_class c JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_perfgate'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relkind = 'v';
