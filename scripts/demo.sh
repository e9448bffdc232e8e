#!/usr/bin/env bash
# The main job on the embedded default (`make demo`): build and install the extension and the
# perfgate harness, then run the built-in workload suite on a throw-away cluster and print the
# report. When the harness is not built, a short SQL workload on a throw-away cluster shows what
# the extension records instead.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/common.sh

echo "demo: building and installing the extension"
make -s -j2 >/dev/null && make -s install >/dev/null
echo "demo: building the perfgate harness"
if [ -z "${PERFGATE_DEMO_SQL_ONLY:-}" ] && cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null 2>&1 &&
   cmake --build build -j2 --target perfgate >/dev/null 2>&1 && [ -x build/harness/perfgate ]; then
  exec build/harness/perfgate demo "$@"
fi

echo "demo: the harness did not build; showing the extension alone"
work=$(pg_tmpdir demo)
cleanup() {
  as_pg pg_ctl -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
as_pg initdb -D "$work/data" -A trust >/dev/null
cat >>"$work/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_perfgate'
listen_addresses = ''
unix_socket_directories = '$work'
pg_perfgate.track = all
CONF
as_pg pg_ctl -D "$work/data" -l "$work/log" -w start >/dev/null
psql_() { as_pg psql -h "$work" -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_ -c 'CREATE EXTENSION pg_perfgate'
as_pg pgbench -h "$work" -i -q -s 5 postgres >/dev/null 2>&1
psql_ -c 'SELECT pg_perfgate_reset()' >/dev/null
as_pg pgbench -h "$work" -n -c 2 -T 10 postgres >/dev/null 2>&1
psql_ <<'SQL' >/dev/null
-- N+1: one query per branch, then the same as one batch.
DO $$ BEGIN FOR i IN 1..5 LOOP PERFORM count(*) FROM pgbench_tellers WHERE bid = i; END LOOP; END $$;
SELECT bid, count(*) FROM pgbench_tellers WHERE bid = ANY(ARRAY[1,2,3,4,5]) GROUP BY bid;
-- Deep OFFSET paging versus keyset paging.
SELECT aid FROM pgbench_accounts ORDER BY aid LIMIT 20 OFFSET 400000;
SELECT aid FROM pgbench_accounts WHERE aid > 400000 ORDER BY aid LIMIT 20;
-- A filter-heavy seq scan, then the same query with an index: a plan change.
SELECT count(*) FROM pgbench_accounts WHERE abalance = -4242;
CREATE INDEX ON pgbench_accounts (abalance);
SELECT count(*) FROM pgbench_accounts WHERE abalance = -4242;
SQL
echo
echo "== hot queries"
psql_ -c "SELECT rank, calls, round(total_exec_time::numeric, 1) AS total_ms, time_share_pct AS share,
                 round(mean_exec_time::numeric, 3) AS mean_ms, round(p95_exec_time::numeric, 3) AS p95_ms,
                 plan_count, left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS query
            FROM pg_perfgate_hot_queries WHERE toplevel ORDER BY rank LIMIT 12"
echo "== plan changes"
psql_ -c "SELECT planid, calls, round(mean_exec_time::numeric, 3) AS mean_ms, latest,
                 round(slowdown_vs_best::numeric, 1) AS slowdown, plan
            FROM pg_perfgate_plan_changes ORDER BY queryid, first_seen"
echo "== store"
psql_ -c "SELECT * FROM pg_perfgate_info"
