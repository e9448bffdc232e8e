// Entry point of perfgate_micro. BENCHMARK_MAIN() is spelled out so that every benchmark file stays a
// plain list of registrations.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
