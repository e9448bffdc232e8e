#!/usr/bin/env bash
# bench/micro/run.sh — builds and runs the Google Benchmark micro-benchmarks of the PG-free core
# (histogram, counters, fingerprint, ClockTable, the store's record protocol for 1 and 2 threads) and,
# when the harness builds, its statistics. Release build in build/bench-micro.
#
# Usage: bench/micro/run.sh [--quick] [--out FILE.json] [extra Google Benchmark flags, e.g.
#        --benchmark_filter=Store --benchmark_repetitions=5]
# JSON for trend keeping goes to bench/results/micro.json unless --out says otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD_DIR:-$REPO/build/bench-micro}
OUT=$REPO/bench/results/micro.json
ARGS=()
while [ $# -gt 0 ]; do
    case $1 in
        --quick) ARGS+=(--benchmark_min_time=0.05) ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
        *) ARGS+=("$1") ;;
    esac
    shift
done

configure() {
    cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >"$BUILD.cmake.log" 2>&1
}
mkdir -p "$(dirname "$BUILD")"
# The harness brings the statistics benchmarks; without its dependencies build the core alone.
if ! configure -DPERFGATE_HARNESS=ON; then
    echo "micro: harness does not configure (see $BUILD.cmake.log); building without its statistics" >&2
    rm -rf "$BUILD"
    configure -DPERFGATE_HARNESS=OFF || { cat "$BUILD.cmake.log" >&2; exit 1; }
fi
cmake --build "$BUILD" --target perfgate_micro -j"$(nproc)" >"$BUILD.build.log" 2>&1 ||
    { tail -40 "$BUILD.build.log" >&2; exit 1; }

mkdir -p "$(dirname "$OUT")"
"$BUILD/bench/micro/perfgate_micro" --benchmark_out="$OUT" --benchmark_out_format=json "${ARGS[@]}"
echo "JSON: $OUT"
