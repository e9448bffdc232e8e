#!/usr/bin/env bash
# bench/throughput/run.sh — pgbench throughput and latency with nothing, pg_stat_statements,
# pg_perfgate, and both loaded: one throw-away cluster per configuration, all started once and warmed,
# then select-only (-S) and tpcb-like, both -M prepared, configurations interleaved round by round
# (A B C D A B C D ...) so that machine drift hits them alike. The figure is each configuration's TPS
# ratio to "nothing" within a round (median and min-max over rounds), not absolute TPS.
#
# With --tests ...,function_loop: 8 clients (--loop-clients) each calling a PL/pgSQL function that
# runs 20 point selects, with track = all in both extensions: every call is a loop the N+1 detector
# follows, so this shows whether the anti-pattern path serializes backends.
#
# Usage: bench/throughput/run.sh [--quick] [--rounds R] [--seconds T] [--clients C] [--scale S]
#                                [--tests select_only,tpcb_like,function_loop] [--loop-clients C]
#                                [--rev GIT_REV | --lib FILE.so] [--out FILE.json]
# Default 5 rounds x 2 tests x 4 configurations x 15 s, scale 10, 2 clients: about 13 minutes.
# --quick: 3 rounds x 5 s (about 3 minutes). Needs pg_stat_statements (postgresql-contrib) and an
# installed pg_perfgate (make install).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

TESTS="select_only tpcb_like" LOOP_CLIENTS=8 ROUNDS=5 SECONDS_=15 CLIENTS=2 SCALE=10 OUT="$BENCH_ROOT/results/throughput.json" PGPF_FROM=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) ROUNDS=3 SECONDS_=5 ;;
        --rounds) ROUNDS=$2; shift ;;
        --seconds) SECONDS_=$2; shift ;;
        --clients) CLIENTS=$2; shift ;;
        --scale) SCALE=$2; shift ;;
        --tests) TESTS=${2//,/ }; shift ;;
        --loop-clients) LOOP_CLIENTS=$2; shift ;;
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

CONFIGS="nothing pg_stat_statements pg_perfgate both"
preload() {
    case $1 in
        nothing) echo "" ;;
        pg_stat_statements) echo "pg_stat_statements" ;;
        pg_perfgate) echo "$PGPF_LIB" ;;
        both) echo "pg_stat_statements,$PGPF_LIB" ;;
    esac
}

# One cluster per configuration, all running (idle ones cost nothing) so that rounds need no restart.
port=5500
for c in $CONFIGS; do
    d=$W/$c
    bench_initdb "$d"
    port=$((port + 1))
    cat >>"$d/postgresql.conf" <<CONF
port = $port
autovacuum = off
shared_preload_libraries = '$(preload $c)'
pg_stat_statements.save = off
CONF
    case $c in pg_perfgate | both) echo "pg_perfgate.save = off" >>"$d/postgresql.conf" ;; esac
    echo "$c $port" >>"$W/ports"
done
port_of() { awk -v c="$1" '$1 == c {print $2}' "$W/ports"; }

echo "throughput: initializing $(echo $CONFIGS | wc -w) clusters at scale $SCALE" >&2
for c in $CONFIGS; do
    bench_start "$W/$c"
    bench_pgbench -p "$(port_of $c)" -i -q -s "$SCALE" postgres >/dev/null 2>"$W/init.log" ||
        { cat "$W/init.log" >&2; exit 1; }
    bench_psql -p "$(port_of $c)" -c "CREATE FUNCTION twenty_lookups(k int) RETURNS int LANGUAGE plpgsql AS \$\$
      DECLARE s int := 0; b int;
      BEGIN FOR i IN 0..19 LOOP SELECT abalance INTO b FROM pgbench_accounts WHERE aid = k + i; s := s + b; END LOOP;
      RETURN s; END \$\$" postgres
    bench_psql -p "$(port_of $c)" -c "CHECKPOINT" postgres
done
cat >"$W/function_loop.sql" <<SQL
\set k random(1, $((SCALE * 100000 - 20)))
SELECT twenty_lookups(:k);
SQL
chmod a+r "$W/function_loop.sql"

RESULTS=$W/results.tsv
: >"$RESULTS"
mkdir -p "$W/logs" && chown postgres "$W/logs" 2>/dev/null || true
run_one() { # run_one ROUND TEST CONFIG SECONDS [log]
    local r=$1 test=$2 c=$3 t=$4 log=${5:-} flags="-M prepared" out tps prefix="" clients=$CLIENTS
    local pgoptions=""
    [ "$test" = select_only ] && flags="$flags -S"
    if [ "$test" = function_loop ]; then
        flags="$flags -f $W/function_loop.sql"
        clients=$LOOP_CLIENTS
        pgoptions="-c pg_perfgate.track=all -c pg_stat_statements.track=all"
    fi
    if [ -n "$log" ]; then
        prefix=$W/logs/$test.$c.$r
        flags="$flags --log --log-prefix=$prefix"
    fi
    # shellcheck disable=SC2086
    out=$(PGOPTIONS=$pgoptions bench_pgbench -p "$(port_of $c)" -n -c "$clients" -j "$clients" -T "$t" $flags postgres 2>&1) ||
        { echo "$out" >&2; exit 1; }
    tps=$(echo "$out" | awk '/^tps = / {print $3; exit}')
    if [ -n "$log" ]; then
        printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$test" "$c" "$tps" "$prefix" >>"$RESULTS"
        printf '  round %d %-12s %-19s tps %s\n' "$r" "$test" "$c" "$tps" >&2
    fi
}

echo "throughput: warming up" >&2
for c in $CONFIGS; do for test in $TESTS; do run_one 0 "$test" $c 2; done; done

echo "throughput: $ROUNDS rounds x {$TESTS} x {$CONFIGS}, ${SECONDS_}s each, $CLIENTS clients ($LOOP_CLIENTS for function_loop)" >&2
for r in $(seq 1 "$ROUNDS"); do
    for test in $TESTS; do
        for c in $CONFIGS; do
            run_one "$r" $test $c "$SECONDS_" log
        done
    done
done

for c in $CONFIGS; do bench_stop "$W/$c"; done
python3 "$BENCH_ROOT/lib/pgbench_report.py" --results "$RESULTS" --reference nothing \
    --compare pg_perfgate pg_stat_statements --title throughput --out "$OUT" \
    --describe "$PGPF_DESC" --meta "{\"rounds\": $ROUNDS, \"seconds\": $SECONDS_, \"clients\": $CLIENTS, \"scale\": $SCALE, \"mode\": \"-M prepared\"}"
