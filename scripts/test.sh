#!/usr/bin/env bash
# The project's whole test suite (`make test`, and so CI): builds and installs the extension,
# builds the PG-free parts with CMake, then runs the unit tests (ctest), the pg_regress suites,
# `make installcheck` and the TAP tests, each against real throw-away PostgreSQL clusters, plus the
# format check and the PGXN metadata check.
# Ends with one line "tests: N passed, M failed" counting individual tests.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
. scripts/common.sh

passed=0
failed=0
log=$(mktemp -d /tmp/pg_perfgate.testlog.XXXXXX)
trap 'rm -rf "$log"' EXIT

stage() { echo; echo "==== $*"; }
count() { # count NAME PASSED FAILED
  passed=$((passed + $2)); failed=$((failed + $3))
  echo "---- $1: $2 passed, $3 failed"
}

stage "build and install the extension"
if ! { make -s -j2 PG_CONFIG="$PG_CONFIG" && make -s install PG_CONFIG="$PG_CONFIG"; } >"$log/make" 2>&1; then
  cat "$log/make"; echo "tests: 0 passed, 1 failed"; exit 1
fi

stage "format check"
if bash scripts/format.sh --check; then count format 1 0; else count format 0 1; fi

stage "PGXN metadata (META.json, control file, CHANGELOG.md)"
if python3 scripts/check_meta.py; then count meta 1 0; else count meta 0 1; fi

stage "CMake build (core, harness, benchmarks)"
if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log/cmake" 2>&1 && cmake --build build -j2 >>"$log/cmake" 2>&1; }; then
  tail -50 "$log/cmake"; count cmake-build 0 1
else
  stage "ctest"
  ctest --test-dir build --output-on-failure -j2 --timeout 900 2>&1 | tee "$log/ctest"
  t=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$log/ctest" | tail -1)
  total=$(echo "$t" | awk '{print $6}'); bad=$(echo "$t" | awk '{print $1}')
  if [ -z "$total" ]; then count ctest 0 1; else count ctest $((total - bad)) "$bad"; fi
fi

stage "pg_regress suites"
bash scripts/regress.sh 2>&1 | tee "$log/regress"
ok=$(grep -cE '^(ok|test) .*\.\.\. ok|^ok [0-9]+ ' "$log/regress" || true)
bad=$(grep -cE '\.\.\. FAILED|^not ok ' "$log/regress" || true)
count pg_regress "$ok" "$bad"

stage "make installcheck against a running server"
if bash scripts/installcheck.sh 2>&1 | tee "$log/installcheck"; then count installcheck 1 0; else count installcheck 0 1; fi

stage "TAP tests"
bash scripts/tap.sh 2>&1 | tee "$log/tap"
ok=$(grep -cE '^ok [0-9]+' "$log/tap" || true)
bad=$(grep -cE '^not ok [0-9]+' "$log/tap" || true)
if ! grep -q '^Result: PASS' "$log/tap" && [ "$bad" -eq 0 ]; then bad=1; fi
count tap "$ok" "$bad"

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
