#!/usr/bin/env bash
# Runs the pg_regress suites, each group on its own temporary instance with its own settings: the
# main group (the Makefile's REGRESS) and the tests that need other settings than a preloaded library.
# pg_regress starts the instance (as the postgres user when run as root) and stops it afterwards,
# also when a test fails. Prints one "suite: N passed, M failed" line per group; exit 1 on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/common.sh"

work=$(pg_tmpdir regress)
trap 'rm -rf "$work"' EXIT
cp -r "$here/sql" "$here/expected" "$work/"
chown -R "$(stat -c %u "$work")" "$work"

# The main group is the Makefile's REGRESS (what `make installcheck` runs): add a test there.
main=$(MAKEFLAGS='' make -s --no-print-directory -C "$here" PG_CONFIG="$PG_CONFIG" print-regress)
if [ -z "$main" ]; then
  echo "regress: the Makefile's REGRESS list is empty" >&2
  exit 1
fi

# group name, extra settings, tests
groups=(
  "main|shared_preload_libraries = 'pg_perfgate'|$main"
  "evict|shared_preload_libraries = 'pg_perfgate'
pg_perfgate.max = 100|evict param_samples_evict"
  "noload||noload"
)

# A test in sql/ that no group lists would never run: refuse that.
listed=" "
for g in "${groups[@]}"; do listed+="${g##*|} "; done
for f in "$here"/sql/*.sql; do
  t=$(basename "$f" .sql)
  if [[ $listed != *" $t "* ]]; then
    echo "regress: sql/$t.sql is in no group: add it to REGRESS in the Makefile" >&2
    exit 1
  fi
done

failed=0
for g in "${groups[@]}"; do
  name=${g%%|*}
  rest=${g#*|}
  settings=${rest%%|*}
  tests=${rest#*|}
  conf="$work/$name.conf"
  printf '%s\n' "$settings" > "$conf"
  mkdir -p "$work/out-$name"
  chown "$(stat -c %u "$work")" "$work/out-$name" "$conf"
  echo "== pg_regress group '$name': $tests"
  # shellcheck disable=SC2086
  if ! (cd "$work" && as_pg "$PG_REGRESS" --temp-instance="$work/inst-$name" --temp-config="$conf" \
        --bindir="$PG_BINDIR" --inputdir="$work" --outputdir="$work/out-$name" \
        --dbname=contrib_regression $tests); then
    failed=1
    # Keep what the failing run produced, for a look and for updating expected/ after review.
    mkdir -p "$here/results"
    cp "$work/out-$name"/results/*.out "$here/results/" 2>/dev/null || true
    if [ -f "$work/out-$name/regression.diffs" ]; then
      cat "$work/out-$name/regression.diffs"
      cp "$work/out-$name/regression.diffs" "$here/results/regression-$name.diffs"
    fi
  fi
done
exit $failed
