#!/usr/bin/env bash
# bench/churn/run.sh — both extensions under continuous eviction: max = 1000 entries and ~27,000
# distinct query shapes (SELECT of three of 30 columns in varying order, so the query ids differ the
# way an ORM's column lists do), run by pgbench in simple mode (its textual :variable substitution
# builds the column names). Configurations nothing / pg_stat_statements / pg_perfgate, each its own
# throw-away cluster, interleaved round by round. Reports the throughput ratio
# pg_perfgate / pg_stat_statements, p99 and the worst statement latency (an eviction must not stall a
# backend), and the evictions each extension counted.
#
# Usage: bench/churn/run.sh [--quick] [--rounds R] [--seconds T] [--clients C] [--max M]
#                           [--rev GIT_REV | --lib FILE.so] [--out FILE.json]
# Default 5 rounds x 3 configurations x 15 s, 2 clients: about 5 minutes; --quick: 3 rounds x 5 s.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

ROUNDS=5 SECONDS_=15 CLIENTS=2 MAX=1000 OUT="$BENCH_ROOT/results/churn.json" PGPF_FROM=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) ROUNDS=3 SECONDS_=5 ;;
        --rounds) ROUNDS=$2; shift ;;
        --seconds) SECONDS_=$2; shift ;;
        --clients) CLIENTS=$2; shift ;;
        --max) MAX=$2; shift ;;
        --out) OUT=$2; shift ;;
        --rev | --lib) PGPF_FROM=$2; shift ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
bench_require_libs pg_stat_statements
bench_workdir
W=$BENCH_WORK
bench_pgperfgate_snapshot "$PGPF_FROM"

CONFIGS="nothing pg_stat_statements pg_perfgate"
port=5600
for c in $CONFIGS; do
    d=$W/$c
    bench_initdb "$d"
    port=$((port + 1))
    cat >>"$d/postgresql.conf" <<CONF
port = $port
autovacuum = off
pg_stat_statements.max = $MAX
pg_stat_statements.save = off
pg_perfgate.max = $MAX
pg_perfgate.save = off
CONF
    case $c in
        pg_stat_statements) echo "shared_preload_libraries = 'pg_stat_statements'" >>"$d/postgresql.conf" ;;
        pg_perfgate) echo "shared_preload_libraries = '$PGPF_LIB'" >>"$d/postgresql.conf" ;;
    esac
    echo "$c $port" >>"$W/ports"
done
port_of() { awk -v c="$1" '$1 == c {print $2}' "$W/ports"; }

COLS=$(seq -s, 1 30 | sed 's/\([0-9]*\)/c\1 int/g')
for c in $CONFIGS; do
    bench_start "$W/$c"
    bench_psql -p "$(port_of $c)" postgres <<SQL
CREATE TABLE churn (id int PRIMARY KEY, $COLS);
INSERT INTO churn SELECT i, $(seq -s, 1 30 | sed 's/[0-9]*/i/g') FROM generate_series(1, 10000) i;
VACUUM ANALYZE churn;
SQL
    case $c in
        pg_stat_statements) bench_psql -p "$(port_of $c)" -c "CREATE EXTENSION pg_stat_statements" postgres ;;
        pg_perfgate) bench_pgperfgate_objects "$(port_of $c)" ;;
    esac
done

# 30^3 = 27,000 shapes: "c:a" becomes c17 by pgbench's textual substitution in simple mode.
cat >"$W/churn.sql" <<'SQL'
\set a random(1, 30)
\set b random(1, 30)
\set c random(1, 30)
\set id random(1, 10000)
SELECT c:a, c:b, c:c FROM churn WHERE id = :id;
SQL
chmod 644 "$W/churn.sql"
mkdir -p "$W/logs" && chown postgres "$W/logs" 2>/dev/null || true

RESULTS=$W/results.tsv
: >"$RESULTS"
run_one() { # run_one ROUND CONFIG SECONDS [log]
    local r=$1 c=$2 t=$3 log=${4:-} flags="-M simple" out tps prefix=""
    if [ -n "$log" ]; then
        prefix=$W/logs/churn.$c.$r
        flags="$flags --log --log-prefix=$prefix"
    fi
    # shellcheck disable=SC2086
    out=$(bench_pgbench -p "$(port_of $c)" -n -c "$CLIENTS" -j "$CLIENTS" -T "$t" -f "$W/churn.sql" $flags postgres 2>&1) ||
        { echo "$out" >&2; exit 1; }
    tps=$(echo "$out" | awk '/^tps = / {print $3; exit}')
    if [ -n "$log" ]; then
        printf '%s\t%s\t%s\t%s\t%s\n' "$r" churn "$c" "$tps" "$prefix" >>"$RESULTS"
        printf '  round %d %-19s tps %s\n' "$r" "$c" "$tps" >&2
    fi
}

echo "churn: warming up (fills both stores)" >&2
for c in $CONFIGS; do run_one 0 $c 5; done
# Count only what the measured rounds do.
bench_psql -p "$(port_of pg_stat_statements)" -c "SELECT pg_stat_statements_reset()" postgres >/dev/null
bench_psql -p "$(port_of pg_perfgate)" -c "SELECT pg_perfgate_reset()" postgres >/dev/null

echo "churn: $ROUNDS rounds x {$CONFIGS}, ${SECONDS_}s each, $CLIENTS clients, max = $MAX" >&2
for r in $(seq 1 "$ROUNDS"); do
    for c in $CONFIGS; do run_one "$r" $c "$SECONDS_" log; done
done

EXTRA=$W/extra.tsv
{
    printf 'pg_stat_statements\tdealloc_runs\t%s\n' "$(bench_psql -p "$(port_of pg_stat_statements)" -At -c "SELECT dealloc FROM pg_stat_statements_info" postgres)"
    printf 'pg_stat_statements\tentries\t%s\n' "$(bench_psql -p "$(port_of pg_stat_statements)" -At -c "SELECT count(*) FROM pg_stat_statements" postgres)"
    printf 'pg_perfgate\tevictions\t%s\n' "$(bench_psql -p "$(port_of pg_perfgate)" -At -c "SELECT evictions FROM pg_perfgate_info" postgres)"
    printf 'pg_perfgate\tentries\t%s\n' "$(bench_psql -p "$(port_of pg_perfgate)" -At -c "SELECT entries FROM pg_perfgate_info" postgres)"
} >"$EXTRA"
for c in $CONFIGS; do bench_stop "$W/$c"; done

python3 "$BENCH_ROOT/lib/pgbench_report.py" --results "$RESULTS" --reference nothing \
    --compare pg_perfgate pg_stat_statements --title churn --extra "$EXTRA" --out "$OUT" \
    --describe "$PGPF_DESC" --meta "{\"rounds\": $ROUNDS, \"seconds\": $SECONDS_, \"clients\": $CLIENTS, \"max\": $MAX, \"shapes\": 27000, \"mode\": \"-M simple\"}"
