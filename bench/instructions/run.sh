#!/usr/bin/env bash
# bench/instructions/run.sh — CPU instructions a backend executes per statement, and how much of
# that each extension adds, measured deterministically and as a user pays it: a single-user backend
# (postgres --single) runs a script of N statements under callgrind, for two values of N, each run
# on a fresh copy of one data directory (made once); the slope of the whole backend's instruction
# count (Ir) per statement cancels start-up and shutdown. Nothing is warmed beforehand that a user's
# backend would not have warm: no EXPLAIN in the set-up, no pass over the pages before the runs.
# Configurations: nothing loaded, compute_query_id = on alone, pg_stat_statements, pg_perfgate
# (defaults: plan ids, histograms, plan text, detectors). Workloads (default): a point select, a
# three-table join, a single-row INSERT, a 41-node UNION ALL planned at every execution, EXECUTE of a
# prepared point select, a PL/pgSQL function looping over 20 lookups, BEGIN/SELECT/COMMIT, and
# pgbench's default (tpcb-like) transaction of seven statements, each a different query.
#
# Usage: bench/instructions/run.sh [--quick] [--n1 N] [--n2 N] [--rounds R] [--out FILE.json]
#                                  [--rev GIT_REV | --lib FILE.so]   (default: the installed pg_perfgate)
#                                  [--workloads point_select,join_agg,...|all]
#                                  [--configs none,query_id,pg_stat_statements,pg_perfgate_nodetect,pg_perfgate]
#                                               (also pg_perfgate_slowlog: pg_perfgate with log_min_duration on
#                                                and nothing slow enough to log; pg_perfgate_log_analyze: the same
#                                                with log_analyze_sample_rate = 1, every execution counting rows
#                                                per plan node; pg_perfgate_capture_params: with parameter
#                                                samples kept)
#                                  [--keep DIR]   (keep round 1's callgrind files of every configuration and
#                                                  results.tsv in DIR;
#                                                  re-analyze with analyze.py --results DIR/results.tsv --cgdir DIR)
# Prints a table and writes JSON (--out FILE; by default instructions.json in bench/results/). N = 1000
# and 3000 by default (~25 min on 2 cores); --quick: 200 and 600 (the heavy workloads 100 and 300), a
# few minutes.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

CONFIGS_ARG="" N1=1000 N2=3000 ROUNDS=1 OUT="$BENCH_ROOT/results/instructions.json" KEEP="" PGPF_FROM=""
DEFAULT_WORKLOADS="point_select join_agg insert union20_limit prepared function_top xact tpcb"
WORKLOADS=$DEFAULT_WORKLOADS QUICK=0
while [ $# -gt 0 ]; do
    case $1 in
        --quick) N1=200 N2=600 ROUNDS=1 QUICK=1 ;;
        --n1) N1=$2; shift ;;
        --n2) N2=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        --rev | --lib) PGPF_FROM=$2; shift ;;
        --workloads) WORKLOADS=${2//,/ }; shift ;;
        --configs) CONFIGS_ARG=${2//,/ }; shift ;;
        --all) WORKLOADS="$DEFAULT_WORKLOADS union40 prepared_union40 function_all set_show" ;;
        -h|--help) sed -n 2,25p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
bench_require_libs pg_stat_statements

bench_workdir
W=$BENCH_WORK
bench_pgperfgate_snapshot "$PGPF_FROM"
DATA=$W/data
bench_initdb "$DATA"

# A pgbench-like schema at scale 1, built by a server as a user's is. Not in single-user mode: a
# standalone backend hands out object ids below FirstNormalObjectId (16384), the range of the
# system's own objects, and a detector that tells the application's tables from the catalogs by
# their oid (session_setting) would take every table here for a catalog and pay its look-up on
# every statement, which no user's server does.
bench_start "$DATA"
sed 's/$/;/' <<'SQL' | bench_psql postgres >/dev/null
CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88)) WITH (fillfactor = 100)
CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler char(84)) WITH (fillfactor = 100)
CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler char(84)) WITH (fillfactor = 100)
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))
INSERT INTO pgbench_branches SELECT b, 0, '' FROM generate_series(1, 1) b
INSERT INTO pgbench_tellers SELECT t, (t - 1) / 10 + 1, 0, '' FROM generate_series(1, 10) t
INSERT INTO pgbench_accounts SELECT a, (a - 1) / 100000 + 1, (a * 37) % 1000, '' FROM generate_series(1, 100000) a
CREATE FUNCTION twenty_lookups(k int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE s int := 0; b int; BEGIN FOR i IN 0..19 LOOP SELECT abalance INTO b FROM pgbench_accounts WHERE aid = k + i; s := s + b; END LOOP; RETURN s; END $$
VACUUM ANALYZE
CHECKPOINT
SQL
bench_stop "$DATA"

# Scripts: one statement per line (single-user mode's terminator), constants varying so that the
# statements differ as an application's would while the query id stays the same.
union40() { # union40 K: UNION ALL of 40 point selects from K on ($1..$40 with "param")
    local k=$1 i sep="" out=""
    for i in $(seq 0 39); do
        if [ "$k" = param ]; then out+="${sep}SELECT abalance FROM pgbench_accounts WHERE aid = \$$((i + 1))"
        else out+="${sep}SELECT abalance FROM pgbench_accounts WHERE aid = $((k + i))"; fi
        sep=" UNION ALL "
    done
    echo "$out"
}
gen() { # gen WORKLOAD N
    # Set-up lines come first and are the same for both N: they cancel in the slope.
    case $1 in
        prepared) echo "PREPARE p(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = \$1" ;;
        prepared_union40) echo "PREPARE u($(printf 'int,%.0s' $(seq 1 39))int) AS $(union40 param)" ;;
        function_all) echo "SET pg_perfgate.track = 'all'"; echo "SET pg_stat_statements.track = 'all'" ;;
        union40 | union20_limit) echo "SET max_parallel_workers_per_gather = 0" ;;
    esac
    stmts "$1" "$2"
}
stmts() { # stmts WORKLOAD N: the measured statements
    awk -v w="$1" -v n="$2" 'BEGIN {
        for (i = 0; i < n; i++) {
            k = 1 + (i * 7919) % 99950
            if (w == "point_select")
                printf "SELECT abalance FROM pgbench_accounts WHERE aid = %d\n", k
            else if (w == "join_agg")
                printf "SELECT t.tid, count(*), sum(a.abalance) FROM pgbench_accounts a JOIN pgbench_branches b ON b.bid = a.bid JOIN pgbench_tellers t ON t.bid = b.bid WHERE a.aid BETWEEN %d AND %d GROUP BY t.tid\n", k, k + 9
            else if (w == "insert")
                printf "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%d, 1, %d, %d, '\''2026-01-01 00:00:00'\'')\n", k % 10 + 1, k, k % 1000 - 500
            else if (w == "union40") {
                s = ""
                for (j = 0; j < 40; j++) s = s (j ? " UNION ALL " : "") "SELECT abalance FROM pgbench_accounts WHERE aid = " (k + j)
                print s
            } else if (w == "union20_limit") {
                # 20 branches of Limit over an index scan under one Append: 41 plan nodes.
                s = ""
                for (j = 0; j < 20; j++) s = s (j ? " UNION ALL " : "") "(SELECT abalance FROM pgbench_accounts WHERE aid = " (k + j) " LIMIT 1)"
                print s
            } else if (w == "prepared")
                printf "EXECUTE p(%d)\n", k
            else if (w == "prepared_union40") {
                s = ""
                for (j = 0; j < 40; j++) s = s (j ? ", " : "") (k + j)
                printf "EXECUTE u(%s)\n", s
            } else if (w == "function_top" || w == "function_all")
                printf "SELECT twenty_lookups(%d)\n", k
            else if (w == "xact")
                printf "BEGIN\nSELECT abalance FROM pgbench_accounts WHERE aid = %d\nCOMMIT\n", k
            else if (w == "tpcb") {
                # the default script of pgbench (tpcb-like): seven statements per transaction.
                d = k % 10001 - 5000
                printf "BEGIN\nUPDATE pgbench_accounts SET abalance = abalance + %d WHERE aid = %d\n", d, k
                printf "SELECT abalance FROM pgbench_accounts WHERE aid = %d\n", k
                printf "UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = %d\n", d, k % 10 + 1
                printf "UPDATE pgbench_branches SET bbalance = bbalance + %d WHERE bid = 1\n", d
                printf "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%d, 1, %d, %d, CURRENT_TIMESTAMP)\nEND\n", k % 10 + 1, k, d
            }
            else if (w == "set_show")
                printf "SET work_mem = '\''%dkB'\''\nSHOW work_mem\n", 4096 + k % 64
        }
    }'
}
# The statements a workload runs per measured run: the heavy ones fewer in --quick (their slope is
# as exact; only the time matters).
n_of() { # n_of WORKLOAD N
    if [ "$QUICK" = 1 ]; then
        case $1 in union* | prepared_union40 | function_*) echo $(($2 / 2)); return ;; esac
    fi
    echo "$2"
}
for w in $WORKLOADS; do
    gen $w "$(n_of $w $N1)" >"$W/$w.1.sql"
    gen $w "$(n_of $w $N2)" >"$W/$w.2.sql"
done

# pg_perfgate_nodetect is pg_perfgate with its anti-pattern detectors off, to price them apart.
# Each workload repeats one statement, in a transaction of its own: to the detectors, one loop. Whether
# two executions belong to one burst depends on the idle gap between them (burst_window, 10 ms), and
# under callgrind every gap is 50-100 times longer than natively and varies with the machine's load: a
# loop would break into bursts at random, each break costing a report, and the figures would drift
# from run to run. So the window is widened to a minute: the detectors are measured on a loop that goes
# on, as it does natively; what a burst's reports cost comes once per detected loop, not per statement.
CONFIGS=${CONFIGS_ARG:-"none query_id pg_stat_statements pg_perfgate_nodetect pg_perfgate"}
PGPF_OPTS="-c shared_preload_libraries=$PGPF_LIB -c pg_perfgate.save=off -c pg_perfgate.burst_window=60000"
config_opts() {
    case $1 in
        none) echo "-c compute_query_id=off" ;;
        query_id) echo "-c compute_query_id=on" ;;
        pg_stat_statements) echo "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.save=off" ;;
        pg_perfgate_nodetect) echo "$PGPF_OPTS -c pg_perfgate.detect=off" ;;
        pg_perfgate) echo "$PGPF_OPTS" ;;
        pg_perfgate_slowlog) echo "$PGPF_OPTS -c pg_perfgate.log_min_duration=60000" ;;
        pg_perfgate_log_analyze) echo "$PGPF_OPTS -c pg_perfgate.log_min_duration=60000 -c pg_perfgate.log_analyze_sample_rate=1" ;;
        pg_perfgate_capture_params) echo "$PGPF_OPTS -c pg_perfgate.capture_params=on" ;;
    esac
}

RESULTS=$W/results.tsv
: >"$RESULTS"
[ -n "$KEEP" ] && mkdir -p "$KEEP"
total=$((ROUNDS * $(echo $WORKLOADS | wc -w) * $(echo $CONFIGS | wc -w) * 2)) done_=0
echo "instructions: N = $N1 and $N2 (heavy workloads in --quick: half), $ROUNDS round(s), $total callgrind runs" >&2
# track_counts = off: a backend flushes its table statistics to shared memory at most once a
# second, so what the flushes cost per statement depends on how many statements a second run, and
# under callgrind (50-100 times slower, and slower still on a loaded machine) that share is tens of
# times what it is natively and moves from run to run by a few hundred instructions per statement
# (more for whichever configuration runs slower). Natively it is close to nothing.
RUN=$W/run
for r in $(seq 1 "$ROUNDS"); do
    for w in $WORKLOADS; do
        for c in $CONFIGS; do
            for i in 1 2; do
                n=$(n_of $w "$([ $i = 1 ] && echo "$N1" || echo "$N2")")
                # Every run on a fresh copy of the data directory, as built: no run inherits what an
                # earlier one left (hint bits, a relcache init file, the inserted rows, free space).
                rm -rf "$RUN"
                cp -a "$DATA" "$RUN"
                cg=$W/cg.$w.$c.$i.$r
                # shellcheck disable=SC2046
                as_pg valgrind --tool=callgrind --callgrind-out-file="$cg" \
                    "$PGBIN/postgres" --single -D "$RUN" -c fsync=off -c track_counts=off $(config_opts $c) postgres \
                    <"$W/$w.$i.sql" >/dev/null 2>"$W/valgrind.log" ||
                    { tail -20 "$W/valgrind.log" >&2; exit 1; }
                ir=$(awk '/^totals:/ {print $2}' "$cg")
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$w" "$c" "$i" "$ir" "$n" >>"$RESULTS"
                done_=$((done_ + 1))
                printf '  [%d/%d] round %d %-14s %-21s N=%-5d Ir=%s\n' $done_ $total "$r" $w $c "$n" "$ir" >&2
                # Keep round 1 of the extensions for the function breakdown (with --keep, of every
                # configuration, so that what an extension changes inside PostgreSQL can be compared).
                if [ "$r" != 1 ] || { [ -z "$KEEP" ] && { [ $c = none ] || [ $c = pg_perfgate_nodetect ]; }; }; then
                    rm -f "$cg"
                fi
            done
        done
    done
done
rm -rf "$RUN"

mkdir -p "$(dirname "$OUT")"
python3 "$(dirname "$0")/analyze.py" --results "$RESULTS" --cgdir "$W" --out "$OUT" \
    --describe "$PGPF_DESC"
if [ -n "$KEEP" ]; then cp "$W"/cg.* "$RESULTS" "$KEEP"/; fi
