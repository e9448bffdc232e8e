#!/usr/bin/env bash
# Measures the latency gate's false-alarm rate: records a baseline of the built-in suite, then runs
# `perfgate gate` against it ROUNDS times with nothing changed, and counts latency comparisons that
# failed. Every failure here is a false alarm by construction. Prints one line per gate run and a
# summary for both modes: the default interleaved re-run (A/B) and --no-rerun (stored samples).
# Usage: false_alarm.sh PERFGATE_BINARY [ROUNDS]   (not part of ctest: it takes minutes)
# Environment: MODES (default "ab stored"); EXTRA_ARGS, passed to every run (e.g. "--no-extension");
# GATE_ARGS, passed to the gate runs only (e.g. "--no-confirm" to count unconfirmed failures);
# WORKLOADS, workload files or directories (default: the built-in suite).
# Besides latency it counts every failing finding of any gate and the gate's exit code: with nothing
# changed, a deterministic failure (a plan, a buffer count) is as much a false alarm as a latency one.
set -euo pipefail
bin=${1:?usage: false_alarm.sh PERFGATE_BINARY [ROUNDS]}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

read -r -a extra_args <<<"${EXTRA_ARGS:-}"
read -r -a gate_args <<<"${GATE_ARGS:-}"
read -r -a workloads <<<"${WORKLOADS:-}"
"$bin" run "${workloads[@]}" -q --no-progress -o "$work/base.json" "${extra_args[@]}" >/dev/null
count() { # file -> "failed total improved failed_any"
  python3 - "$1" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["gate"]["findings"]
lat = [f for f in g if f["gate"] == "latency"]
for f in g:
    if f["verdict"] == "fail":
        print("   false alarm:", f["gate"], f["message"], file=sys.stderr)
print(sum(f["verdict"] == "fail" for f in lat), len(lat), sum(f["verdict"] == "improved" for f in lat),
      sum(f["verdict"] == "fail" for f in g))
PY
}
for mode in ${MODES:-ab stored}; do
  failed=0 total=0 any=0 runs_failed=0
  for i in $(seq "$rounds"); do
    extra=("${extra_args[@]}" "${gate_args[@]}")
    [ "$mode" = stored ] && extra+=(--no-rerun)
    start=$SECONDS
    rc=0
    "$bin" gate "${workloads[@]}" -q --no-progress -b "$work/base.json" --json "$work/g.json" "${extra[@]}" \
      >/dev/null || rc=$?
    read -r f t b a < <(count "$work/g.json")
    echo "$mode run $i: exit $rc, $a failing findings; $f of $t latency comparisons failed" \
      "($b showed a significant improvement); $((SECONDS - start)) s"
    failed=$((failed + f)) total=$((total + t)) any=$((any + a))
    [ "$rc" -ne 0 ] && runs_failed=$((runs_failed + 1))
  done
  echo "$mode: $runs_failed of $rounds identical gate runs failed; $any failing findings;" \
    "$failed false alarms in $total latency comparisons"
done
