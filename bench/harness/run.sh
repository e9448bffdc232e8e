#!/usr/bin/env bash
# bench/harness/run.sh — the perfgate harness's own client cost per statement: perfgate replays a
# loop of trivial statements (SELECT $1::int, one round trip each, extended protocol like
# PQexecParams) against a throw-away cluster with nothing loaded, and pgbench runs the same statement
# with -M extended and -M prepared, one client. The difference in time per statement is what the
# harness adds on the client side (parameter binding, result handling, bookkeeping).
#
# Usage: bench/harness/run.sh [--quick] [--build | --perfgate PATH] [--statements N] [--out FILE.json]
# Uses build/harness/perfgate or build/bench-harness/harness/perfgate (PERFGATE=path or --perfgate to
# choose; --build builds the latter from the tree). Without a binary it says so and exits 0.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

PERFGATE_BIN=${PERFGATE:-}
BUILD=0
STATEMENTS=2000 ITER=15 PGB_SECONDS=10 OUT="$BENCH_ROOT/results/harness.json"
while [ $# -gt 0 ]; do
    case $1 in
        --quick) ITER=5 PGB_SECONDS=4 ;;
        --perfgate) PERFGATE_BIN=$2; shift ;;
        --build) BUILD=1 ;;
        --statements) STATEMENTS=$2; shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n 2,10p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ $BUILD = 1 ]; then
    cmake -S "$REPO_ROOT" -B "$REPO_ROOT/build/bench-harness" >/dev/null &&
        cmake --build "$REPO_ROOT/build/bench-harness" --target perfgate -j"$(nproc)" >/dev/null ||
        { echo "harness: perfgate does not build yet; nothing measured"; exit 0; }
    PERFGATE_BIN=$REPO_ROOT/build/bench-harness/harness/perfgate
fi
if [ -z "$PERFGATE_BIN" ]; then
    for p in "$REPO_ROOT/build/harness/perfgate" "$REPO_ROOT/build/bench-harness/harness/perfgate"; do
        [ -x "$p" ] && { PERFGATE_BIN=$p; break; }
    done
fi
if [ -z "$PERFGATE_BIN" ] || [ ! -x "$PERFGATE_BIN" ]; then
    echo "harness: no perfgate binary (looked for build/harness/perfgate and build/bench-harness/harness/perfgate;" \
        "--build builds one); nothing measured"
    exit 0
fi

bench_workdir
W=$BENCH_WORK
bench_initdb "$W/data"
echo "autovacuum = off" >>"$W/data/postgresql.conf"
bench_start "$W/data"

cat >"$W/loop.yaml" <<YAML
# A trivial statement loop: n round trips of SELECT \$1::int.
name: bench_client_cost
sizes: [$STATEMENTS]
warmup: 2
iterations: $ITER
data:
  ids:
    count: \$n
    seed: 1
    columns:
      id: {random: {min: 1, max: 1000000}}
variants:
  - name: loop
    steps:
      - loop: ids
        steps:
          - sql: SELECT \$1::int
            params: [\$id]
YAML
cat >"$W/pgbench.sql" <<'SQL'
\set id random(1, 1000000)
SELECT :id::int;
SQL
chmod -R a+r "$W"

pgbench_us() { # pgbench_us MODE: mean microseconds per statement, one client
    local out tps
    out=$(bench_pgbench -n -c 1 -j 1 -T "$PGB_SECONDS" -M "$1" -f "$W/pgbench.sql" postgres 2>&1) ||
        { echo "$out" >&2; exit 1; }
    tps=$(echo "$out" | awk '/^tps = / {print $3; exit}')
    python3 -c "print(f'{1e6 / $tps:.2f}')"
}

echo "harness: warming up" >&2
bench_pgbench -n -c 1 -T 2 -M extended -f "$W/pgbench.sql" postgres >/dev/null 2>&1
# Interleaved: pgbench, perfgate, pgbench, so that drift shows.
ext1=$(pgbench_us extended)
prep1=$(pgbench_us prepared)
DSN="host=$BENCH_WORK user=postgres dbname=postgres"
"$PERFGATE_BIN" run "$W/loop.yaml" --dsn "$DSN" --no-progress -o "$W/perfgate.json" >"$W/perfgate.log" 2>&1 ||
    { cat "$W/perfgate.log" >&2; exit 1; }
ext2=$(pgbench_us extended)
prep2=$(pgbench_us prepared)
bench_stop "$W/data"

mkdir -p "$(dirname "$OUT")"
python3 - "$W/perfgate.json" "$STATEMENTS" "$ext1" "$ext2" "$prep1" "$prep2" "$OUT" <<'PY'
import json, os, platform, statistics, sys, time
res, n, e1, e2, p1, p2, out = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:7]), sys.argv[7]
doc = json.load(open(res))
size = doc["scenarios"][0]["variants"][0]["sizes"][0]
samples = size["samples_ms"]
per_stmt = [s * 1000 / n for s in samples]
med = statistics.median(per_stmt)
pgb_ext = (e1 + e2) / 2
rows = [("perfgate run (loop, PQexecParams)", med, f"median of {len(samples)} iterations of {n}; "
         f"min {min(per_stmt):.2f} max {max(per_stmt):.2f}"),
        ("pgbench -M extended", pgb_ext, f"runs: {e1:.2f}, {e2:.2f}"),
        ("pgbench -M prepared", (p1 + p2) / 2, f"runs: {p1:.2f}, {p2:.2f}")]
print(f"\nClient cost per statement (SELECT $1::int, one client, nothing loaded on the server)")
print(f"{'client':<36}{'us/stmt':>9}  notes")
for name, v, note in rows:
    print(f"{name:<36}{v:>9.2f}  {note}")
print(f"{'perfgate - pgbench -M extended':<36}{med - pgb_ext:>+9.2f}  ({(med / pgb_ext - 1) * 100:+.1f}%)")
print(f"statements per iteration counted by perfgate: {size.get('statements')}, round trips: {size.get('round_trips')}")
json.dump({"benchmark": "harness_client_cost", "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "machine": {"host": platform.node(), "cpus": os.cpu_count()},
           "statements_per_iteration": n, "perfgate_us_per_stmt": round(med, 3),
           "perfgate_samples_us_per_stmt": [round(x, 3) for x in per_stmt],
           "pgbench_extended_us_per_stmt": [e1, e2], "pgbench_prepared_us_per_stmt": [p1, p2],
           "perfgate_minus_pgbench_extended_us": round(med - pgb_ext, 3)}, open(out, "w"), indent=2)
print(f"\nJSON: {out}")
PY
