#!/usr/bin/env bash
# Measures the latency gate's false-alarm rate: records a baseline of the built-in suite, then runs
# `perfgate gate` against it ROUNDS times with nothing changed, and counts latency comparisons that
# failed. Every failure here is a false alarm by construction. Prints one line per gate run and a
# summary for both modes: the default interleaved re-run (A/B) and --no-rerun (stored samples).
# Usage: false_alarm.sh PERFGATE_BINARY [ROUNDS]   (not part of ctest: it takes minutes)
# Environment: MODES (default "ab stored"); EXTRA_ARGS, passed to every run (e.g. "--no-extension");
# GATE_ARGS, passed to the gate runs only (e.g. "--no-confirm" to count unconfirmed failures).
set -euo pipefail
bin=${1:?usage: false_alarm.sh PERFGATE_BINARY [ROUNDS]}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

read -r -a extra_args <<<"${EXTRA_ARGS:-}"
read -r -a gate_args <<<"${GATE_ARGS:-}"
"$bin" run -q --no-progress -o "$work/base.json" "${extra_args[@]}" >/dev/null
count() { # file -> "failed total improved"
  python3 - "$1" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["gate"]["findings"]
lat = [f for f in g if f["gate"] == "latency"]
for f in lat:
    if f["verdict"] == "fail":
        print("   false alarm:", f["message"], file=sys.stderr)
print(sum(f["verdict"] == "fail" for f in lat), len(lat), sum(f["verdict"] == "improved" for f in lat))
PY
}
for mode in ${MODES:-ab stored}; do
  failed=0 total=0
  for i in $(seq "$rounds"); do
    extra=("${extra_args[@]}" "${gate_args[@]}")
    [ "$mode" = stored ] && extra+=(--no-rerun)
    "$bin" gate -q --no-progress -b "$work/base.json" --json "$work/g.json" "${extra[@]}" >/dev/null || true
    read -r f t b < <(count "$work/g.json")
    echo "$mode run $i: $f of $t latency comparisons failed ($b showed a significant improvement)"
    failed=$((failed + f)) total=$((total + t))
  done
  echo "$mode: $failed false alarms in $total latency comparisons over $rounds identical gate runs"
done
