#!/usr/bin/env bash
# Runs the TAP tests in t/ with PostgreSQL's own test modules, as the postgres user when root.
# TAP_TESTS="t/010_restart.pl ..." runs only those (scripts/majors.sh: the ones a bare root can run).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/common.sh"

work=$(pg_tmpdir tap)
trap 'rm -rf "$work"' EXIT
# The TAP tests read the files they test beside t/ (t/070_prometheus.pl: prometheus/, t/090: README.md).
cp -r "$here/t" "$here/prometheus" "$here/README.md" "$work/"
chown -R "$(stat -c %u "$work")" "$work"
export PERL5LIB="$PG_PERL5LIB"
cd "$work"
status=0
# shellcheck disable=SC2086 # TAP_TESTS is a list
# t/095_capture.pl runs the perfgate binary of the CMake build (skipped when it is not built).
as_pg env TESTDIR="$work" PG_REGRESS="$PG_REGRESS" PERFGATE_BIN="${PERFGATE_BIN:-$here/build/harness/perfgate}" \
  prove -v ${TAP_TESTS:-t/*.pl} || status=$?
if [ $status -ne 0 ] && [ -d "$work/tmp_check/log" ]; then
  mkdir -p "$here/results"
  cp -r "$work/tmp_check/log" "$here/results/tap-log"
  echo "tap: logs kept in results/tap-log"
fi
exit $status
