#!/usr/bin/env python3
"""Summarizes interleaved pgbench rounds (bench/throughput, bench/churn) into a table and JSON.

Input: a TSV with one row per pgbench run: round, test, config, tps, log prefix (pgbench --log files
PREFIX.<pid>[.<thread>], one line per transaction, latency in microseconds in the third column).
Per test and configuration: median TPS over rounds; the ratio to a reference configuration computed
within each round (so drift across rounds cancels) as median with min-max; latency p50/p99/max pooled
over all of the configuration's transactions.
"""
import argparse
import bisect
import collections
import glob
import json
import os
import platform
import statistics
import time


def latencies(prefix):
    out = []
    for path in glob.glob(prefix + ".*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    out.append(int(parts[2]))
    return out


def pct(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, int(round(q * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--reference", default="nothing")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"), help="also report ratio A / B per round")
    ap.add_argument("--title", default="pgbench")
    ap.add_argument("--meta", default="{}", help="JSON object merged into the output")
    ap.add_argument("--extra", help="TSV of config, name, value (e.g. evictions) to show per config")
    ap.add_argument("--describe", default="", help="which pg_perfgate was measured")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    runs = collections.defaultdict(dict)  # (test, config) -> round -> (tps, prefix)
    tests, configs = [], []
    for line in open(a.results):
        r, test, config, tps, prefix = line.rstrip("\n").split("\t")
        runs[(test, config)][int(r)] = (float(tps), prefix)
        if test not in tests:
            tests.append(test)
        if config not in configs:
            configs.append(config)
    extra = collections.defaultdict(dict)
    if a.extra and os.path.exists(a.extra):
        for line in open(a.extra):
            c, k, v = line.rstrip("\n").split("\t")
            extra[c][k] = v

    doc = {"benchmark": a.title, "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "machine": {"host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release()},
           "pg_perfgate": a.describe, "reference": a.reference, "tests": {}}
    doc.update(json.loads(a.meta))
    if a.describe:
        print(f"pg_perfgate: {a.describe}")
    for test in tests:
        rounds = sorted(set().union(*(runs[(test, c)].keys() for c in configs)))
        print(f"\n{a.title}: {test}, {len(rounds)} rounds "
              f"(ratio = TPS / TPS of '{a.reference}' in the same round: median [min-max])")
        print(f"{'configuration':<22}{'median TPS':>12}{'ratio':>9}{'  min-max':<17}"
              f"{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'max ms':>9}{'>10 ms':>8}")
        tdoc = {}
        for c in configs:
            by_r = runs[(test, c)]
            tps = [by_r[r][0] for r in rounds if r in by_r]
            ratios = [by_r[r][0] / runs[(test, a.reference)][r][0] for r in rounds
                      if r in by_r and r in runs[(test, a.reference)]]
            lat = sorted(x for r in rounds if r in by_r for x in latencies(by_r[r][1]))
            p50, p99, mx = (pct(lat, 0.5) / 1000, pct(lat, 0.99) / 1000, (lat[-1] / 1000 if lat else float("nan")))
            p999 = pct(lat, 0.999) / 1000
            over10 = len(lat) - bisect.bisect_right(lat, 10_000)
            p99_rounds = []
            for r in rounds:
                if r in by_r:
                    lr = sorted(latencies(by_r[r][1]))
                    p99_rounds.append(round(pct(lr, 0.99) / 1000, 3))
            cdoc = {"tps_median": round(statistics.median(tps), 1), "tps_rounds": [round(x, 1) for x in tps],
                    "ratio_median": round(statistics.median(ratios), 4),
                    "ratio_min": round(min(ratios), 4), "ratio_max": round(max(ratios), 4),
                    "latency_ms": {"p50": round(p50, 3), "p99": round(p99, 3), "p99.9": round(p999, 3),
                                   "max": round(mx, 3), "over_10ms": over10,
                                   "transactions": len(lat), "p99_rounds": p99_rounds}}
            cdoc.update(extra.get(c, {}))
            tdoc[c] = cdoc
            print(f"{c:<22}{cdoc['tps_median']:>12.0f}{cdoc['ratio_median']:>9.3f}"
                  f"  {cdoc['ratio_min']:.3f}-{cdoc['ratio_max']:.3f}   "
                  f"{p50:>9.3f}{p99:>9.3f}{p999:>10.3f}{mx:>9.2f}{over10:>8}")
        if a.compare:
            x, y = a.compare
            rr = [runs[(test, x)][r][0] / runs[(test, y)][r][0] for r in rounds
                  if r in runs[(test, x)] and r in runs[(test, y)]]
            if rr:
                tdoc[f"{x}/{y}"] = {"ratio_median": round(statistics.median(rr), 4),
                                   "ratio_min": round(min(rr), 4), "ratio_max": round(max(rr), 4)}
                print(f"{x + ' / ' + y:<22}{'':>12}{statistics.median(rr):>9.3f}  {min(rr):.3f}-{max(rr):.3f}")
        for c in configs:
            if extra.get(c):
                print(f"  {c}: " + ", ".join(f"{k} = {v}" for k, v in extra[c].items()))
        doc["tests"][test] = tdoc
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"\nJSON: {a.out}")


if __name__ == "__main__":
    main()
