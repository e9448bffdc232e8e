#!/usr/bin/env bash
# Proves that `make installcheck` works the way a user runs it: starts a throw-away server with
# pg_perfgate preloaded (as the postgres user, in a temporary directory, on a Unix socket only) and
# runs `make installcheck` against it through PGHOST/PGPORT/PGUSER, twice, because a user's server
# has a history: the second run meets the first run's statistics and its dropped database.
# Fails when make fails or when a run passed fewer tests than the Makefile's REGRESS lists.
# Uses the installed extension; pg_regress writes into a temporary directory, not the source tree.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/common.sh"

work=$(pg_tmpdir installcheck)
data="$work/data"
port=55432 # any port: the socket lives in $work and TCP is off
trap '[ ! -f "$data/postmaster.pid" ] || as_pg pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1; rm -rf "$work"' EXIT

if ! as_pg initdb -D "$data" -A trust -U postgres --no-instructions >"$work/initdb.log" 2>&1; then
  cat "$work/initdb.log"
  exit 1
fi
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work'
port = $port
fsync = off
shared_preload_libraries = 'pg_perfgate'
EOF
if ! as_pg pg_ctl -D "$data" -l "$work/server.log" -w start >/dev/null; then
  cat "$work/server.log"
  exit 1
fi

want=$(MAKEFLAGS='' make -s --no-print-directory -C "$here" PG_CONFIG="$PG_CONFIG" print-regress | wc -w)
status=0
for run in 1 2; do
  echo "== make installcheck, run $run of 2 (server with shared_preload_libraries = 'pg_perfgate')"
  out="$work/out-$run"
  rc=0
  PGHOST="$work" PGPORT=$port PGUSER=postgres \
    make --no-print-directory -C "$here" PG_CONFIG="$PG_CONFIG" installcheck \
    EXTRA_REGRESS_OPTS="--outputdir=$out" 2>&1 | tee "$work/run-$run.log" || rc=$?
  ok=$(grep -cE '\.\.\. ok' "$work/run-$run.log" || true)
  echo "installcheck run $run: $ok of $want tests passed, make exit status $rc"
  if [ "$rc" -ne 0 ] || [ "$ok" -ne "$want" ] || [ "$want" -eq 0 ]; then
    status=1
    if [ -f "$out/regression.diffs" ]; then
      mkdir -p "$here/results"
      cp "$out/regression.diffs" "$here/results/regression-installcheck-$run.diffs"
    fi
    tail -20 "$work/server.log"
    break
  fi
done
exit $status
