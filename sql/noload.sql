-- Without shared_preload_libraries, CREATE EXTENSION works and the views say what to set.
CREATE EXTENSION pg_perfgate;
SELECT * FROM pg_perfgate_statements;
SELECT * FROM pg_perfgate_info;
SELECT pg_perfgate_reset();
DROP EXTENSION pg_perfgate;
