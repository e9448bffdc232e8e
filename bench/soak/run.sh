#!/usr/bin/env bash
# bench/soak/run.sh — a long-session soak of pg_perfgate: SESSIONS psql sessions (one backend each,
# as behind a pool) run STATEMENTS statements in all, with 320+ query shapes, SET ROLE switching,
# savepoints whose cursor FETCH or statement fails, cursors closed out of order, PL/pgSQL loops with
# EXCEPTION blocks, aborted transactions, under track = all. Each session probes its own backend's
# memory (sum of pg_backend_memory_contexts) and pg_perfgate_backend_state() as it goes. Passes when
# every backend's memory grew by less than 1 MB between its second probe and its last, the text
# cache stayed within 256 texts, and every session ended with only the probing statement running
# and no subtransaction open. Bounded in time: it stops after the statements, or fails at --timeout.
#
# Usage: bench/soak/run.sh [--statements N] [--sessions S] [--timeout SEC] [--rev REV | --lib FILE.so]
# Default 1,000,000 statements over 4 sessions (a few minutes on 2 cores).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"

STATEMENTS=1000000 SESSIONS=4 TIMEOUT=1800 PGPF_FROM=""
while [ $# -gt 0 ]; do
    case $1 in
        --statements) STATEMENTS=$2; shift ;;
        --sessions) SESSIONS=$2; shift ;;
        --timeout) TIMEOUT=$2; shift ;;
        --rev | --lib) PGPF_FROM=$2; shift ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

bench_workdir
W=$BENCH_WORK
bench_pgperfgate_snapshot "$PGPF_FROM"
bench_initdb "$W/data"
bench_start "$W/data" -c shared_preload_libraries="$PGPF_LIB" -c pg_perfgate.track=all \
    -c pg_perfgate.save=off -c pg_perfgate.max=1000
bench_pgperfgate_objects 5432
bench_pgbench -i -q -s 1 postgres >/dev/null 2>&1
bench_psql -d postgres -c "CREATE ROLE soak_a; CREATE ROLE soak_b;
  GRANT SELECT ON pgbench_accounts TO soak_a, soak_b" >/dev/null

per=$((STATEMENTS / SESSIONS))
echo "soak: $STATEMENTS statements, $SESSIONS sessions, pg_perfgate: $PGPF_DESC" >&2
start=$(date +%s)
pids=()
for s in $(seq 1 "$SESSIONS"); do
    python3 "$(dirname "$0")/gen.py" "$per" $((per / 10)) "$s" >"$W/session$s.sql"
    chmod a+r "$W/session$s.sql"
    ( timeout "$TIMEOUT" bash -c "$(declare -f as_pg); PGBIN=$PGBIN; as_pg \"\$PGBIN/psql\" -X -At -h '$W' -U postgres -d postgres -f '$W/session$s.sql'" \
        2>/dev/null | grep '^probe|' >"$W/probe$s.txt" ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
elapsed=$(($(date +%s) - start))

status=0
total=$(bench_psql -At -d postgres -c "SELECT sum(calls) FROM pg_perfgate_statements")
echo "soak: ${elapsed}s, statements recorded by pg_perfgate: $total"
for s in $(seq 1 "$SESSIONS"); do
    mapfile -t probes <"$W/probe$s.txt"
    if [ "${#probes[@]}" -lt 3 ]; then echo "session $s: only ${#probes[@]} probes (timeout?)"; status=1; continue; fi
    IFS='|' read -r _ mem1 _ _ _ <<<"${probes[1]}"
    IFS='|' read -r _ memN run sub cache <<<"${probes[-1]}"
    growth=$((memN - mem1))
    verdict=ok
    if [ "$growth" -ge 1048576 ] || [ "$run" -ne 1 ] || [ "$sub" -ne 0 ] || [ "$cache" -gt 300000 ]; then
        verdict=FAILED; status=1
    fi
    printf 'session %d: %d probes, backend memory %d -> %d bytes (%+d), text cache %d bytes, running %d, subtransactions %d: %s\n' \
        "$s" "${#probes[@]}" "$mem1" "$memN" "$growth" "$cache" "$run" "$sub" "$verdict"
done
bench_stop "$W/data"
exit $status
