#!/usr/bin/env python3
"""Turns bench/instructions/run.sh's callgrind totals into the per-statement table and JSON, and breaks
the extensions' cost down by function.

Instructions per statement = (Ir(N2) - Ir(N1)) / (N2 - N1): start-up and shutdown cancel. The
increment of a configuration is its figure minus that of `compute_query_id = on` alone: what a user
pays for the extension, whole backend (pg_perfgate's is held below what pg_stat_statements adds). Of
that, "own" is what the extension's code executes, the executor instrumentation what it asks
PostgreSQL to run, and the "rest" what PostgreSQL executes differently because the extension ran
(side effects such as a heap layout that makes later mallocs dearer).

The function breakdown reads callgrind's call graph. An extension's hooks call PostgreSQL's standard_*
functions (the whole planner and executor), so a hook's plain inclusive cost says little; "own" below
is the inclusive cost with the chained standard_* work taken out, i.e. what the extension itself adds.
"""
import argparse
import collections
import json
import os
import platform
import re
import statistics
import sys
import time

CHAINED = {
    "standard_planner", "standard_ExecutorStart", "standard_ExecutorRun", "standard_ExecutorFinish",
    "standard_ExecutorEnd", "standard_ProcessUtility",
}
CONFIGS = ["none", "query_id", "pg_stat_statements", "pg_perfgate_nodetect", "pg_perfgate", "pg_perfgate_slowlog",
           "pg_perfgate_log_analyze", "pg_perfgate_capture_params"]
# Every workload run.sh knows, in the order it prints them; results hold the ones that were run.
WORKLOADS = ["point_select", "join_agg", "insert", "union20_limit", "union40", "prepared", "prepared_union40",
             "function_top", "function_all", "xact", "tpcb", "set_show"]
LABEL = {"none": "nothing", "query_id": "query_id on", "pg_stat_statements": "pg_stat_statements",
         "pg_perfgate_nodetect": "pg_perfgate, no detect", "pg_perfgate": "pg_perfgate",
         "pg_perfgate_slowlog": "pg_perfgate, slow log",
         "pg_perfgate_log_analyze": "pg_perfgate, slow log, rows counted",
         "pg_perfgate_capture_params": "pg_perfgate, capture_params on"}


class Profile:
    """Self costs and call arcs of one callgrind file (positions: line, events: Ir)."""

    def __init__(self, path):
        self.self_cost = collections.Counter()
        self.arcs = collections.defaultdict(collections.Counter)  # caller -> callee -> inclusive
        names = {"ob": {}, "fn": {}}
        ob = cob = fn = cfn = None
        pending_call = False
        with open(path) as f:
            for line in f:
                if not line or line[0] in "#\n":
                    continue
                c = line[0]
                if c.isdigit() or c in "+-*":
                    cost = int(line.split()[-1])
                    if pending_call:
                        self.arcs[fn][(cob or ob, cfn)] += cost
                        pending_call = False
                        cob = None  # cob= names the object of the next call only
                    else:
                        self.self_cost[fn] += cost
                    continue
                key, _, val = line.rstrip("\n").partition("=")
                if key in ("ob", "cob", "fn", "cfn"):
                    table = names["ob" if key in ("ob", "cob") else "fn"]
                    m = re.match(r"\((\d+)\)(?: (.*))?$", val)
                    if m:
                        if m.group(2) is not None:
                            table[m.group(1)] = m.group(2)
                        name = table.get(m.group(1), "?")
                    else:
                        name = val
                    if key == "ob":
                        ob, cob = name, None
                    elif key == "cob":
                        cob = name
                    elif key == "fn":
                        fn = (ob, name)
                        cob = None
                    else:
                        cfn = name
                elif key == "calls":
                    pending_call = True
        self.funcs = set(self.self_cost) | set(self.arcs)
        self._incl = {}
        self._own = {}

    def inclusive(self, f):
        if f not in self._incl:
            self._incl[f] = self.self_cost[f] + sum(v for (cf, v) in self.arcs[f].items() if cf != f)
        return self._incl[f]

    def own(self, f, depth=0):
        """Inclusive cost of f without the chained standard_* calls below it (apportioned by arc)."""
        if f in self._own:
            return self._own[f]
        self._own[f] = self.self_cost[f]  # cycle guard
        total = self.self_cost[f]
        if depth < 60:
            for callee, v in self.arcs[f].items():
                if callee[1] in CHAINED or callee == f:
                    continue
                incl = self.inclusive(callee)
                total += v if incl == 0 else v * self.own(callee, depth + 1) / incl
        self._own[f] = total
        return total

    def in_object(self, suffix):
        return [f for f in self.funcs if f[0] and f[0].endswith(suffix)]


def short(name, width=78):
    name = re.sub(r"\(anonymous namespace\)::", "", name)
    name = re.sub(r"pgpf::", "", name)
    return name if len(name) <= width else name[: width - 1] + "…"


def breakdown(p1, p2, dn, obj, top):
    """Per-statement own/self cost of the functions in obj, and its calls out into PostgreSQL."""
    rows = []
    for f in set(p1.in_object(obj)) | set(p2.in_object(obj)):
        own = (p2.own(f) - p1.own(f)) / dn
        self_ = (p2.self_cost[f] - p1.self_cost[f]) / dn
        if abs(own) >= 0.5:
            rows.append({"function": f[1], "own_per_stmt": round(own, 1), "self_per_stmt": round(self_, 1)})
    rows.sort(key=lambda r: -r["own_per_stmt"])
    callees = collections.Counter()
    for p, sign in ((p2, 1), (p1, -1)):
        for f in p.in_object(obj):
            for callee, v in p.arcs[f].items():
                if callee[0] and callee[0].endswith(obj) or callee[1] in CHAINED:
                    continue
                callees[callee[1]] += sign * v
    out = [{"function": k, "incl_per_stmt": round(v / dn, 1)} for k, v in callees.most_common() if v / dn >= 0.5]
    self_total = sum(r["self_per_stmt"] for r in rows)
    calls_total = sum(callees.values()) / dn
    return rows[:top], out[:top], self_total, calls_total


# The executor's instrumentation, which runs only when something asked for it: an extension that
# sets queryDesc->totaltime (pg_stat_statements for every statement; pg_perfgate for statements it
# does not track itself) makes standard_ExecutorRun call InstrStartNode/InstrStopNode around every
# run, and per-node options (pg_perfgate's sampled executions) add ExecProcNodeInstr per row. That
# work is the extension's doing but runs in PostgreSQL's code, outside "own".
INSTRUMENTATION = {"InstrAlloc", "InstrInit", "InstrStartNode", "InstrStopNode", "InstrEndLoop",
                   "InstrUpdateTupleCount", "ExecProcNodeInstr", "InstrAggNode"}


def instrumentation(p, obj):
    """Ir spent in the executor's instrumentation functions when PostgreSQL (not the extension in obj,
    whose calls are already in its own figure) calls them: arcs into INSTRUMENTATION from outside it."""
    total = 0
    for f, callees in p.arcs.items():
        if f[1] in INSTRUMENTATION or (obj and f[0] and f[0].endswith(obj)):
            continue
        for callee, v in callees.items():
            if callee[1] in INSTRUMENTATION:
                total += v
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--cgdir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--describe", default="", help="which pg_perfgate was measured")
    a = ap.parse_args()
    ir = collections.defaultdict(dict)  # (round, workload, config) -> {run 1 or 2: Ir}
    ns = {}  # workload -> (N of run 1, N of run 2)
    for line in open(a.results):
        r, w, c, i, v, n = line.split()
        ir[(int(r), w, c)][int(i)] = int(v)
        ns.setdefault(w, [0, 0])[int(i) - 1] = int(n)
    slopes = collections.defaultdict(list)  # (w, c) -> per round
    for (r, w, c), by_i in sorted(ir.items()):
        if 1 in by_i and 2 in by_i:
            slopes[(w, c)].append((by_i[2] - by_i[1]) / (ns[w][1] - ns[w][0]))
    rounds = max(r for (r, _, _) in ir)
    ran = {w for (_, w, _) in ir}
    workloads = [w for w in WORKLOADS if w in ran] + sorted(ran - set(WORKLOADS))

    doc = {
        "benchmark": "instructions_per_statement",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release()},
        "method": "callgrind Ir slope over postgres --single, a fresh copy of the data directory per run, "
                  f"{rounds} round(s)",
        "n": {w: ns[w] for w in workloads},
        "pg_perfgate": a.describe,
        "workloads": {},
    }
    print(f"\nInstructions per statement, whole backend (callgrind Ir slope, a fresh data directory per run, "
          f"{rounds} round(s); N: " + ", ".join(f"{w} {ns[w][0]} -> {ns[w][1]}" for w in workloads) + ")")
    print(f"pg_perfgate: {a.describe}\n")
    print(f"{'workload':<14}{'configuration':<21}{'Ir/stmt':>11}{'+ vs query_id':>15}{'repeat spread':>15}")
    for w in workloads:
        wdoc = {}
        base = statistics.median(slopes[(w, "query_id")]) if slopes[(w, "query_id")] else None
        for c in CONFIGS:
            s = slopes.get((w, c))
            if not s:
                continue
            m = statistics.median(s)
            spread = (max(s) - min(s)) / m * 100 if len(s) > 1 and m else None
            inc = m - base if base is not None and c not in ("none", "query_id") else None
            wdoc[c] = {"ir_per_stmt": round(m, 1), "rounds": [round(x, 1) for x in s],
                       "increment_over_query_id": None if inc is None else round(inc, 1),
                       "repeat_spread_pct": None if spread is None else round(spread, 4)}
            print(f"{w:<14}{LABEL[c]:<21}{m:>11.1f}" + (f"{inc:>+15.1f}" if inc is not None else f"{'':>15}") +
                  (f"{spread:>14.4f}%" if spread is not None else f"{'(1 round)':>15}"))
        if "pg_stat_statements" in wdoc and "pg_perfgate" in wdoc:
            a_ = wdoc["pg_perfgate"]["increment_over_query_id"]
            b_ = wdoc["pg_stat_statements"]["increment_over_query_id"]
            wdoc["pg_perfgate_minus_pg_stat_statements"] = round(a_ - b_, 1)
            print(f"{'':<14}{'pg_perfgate - pgss':<21}{a_ - b_:>+11.1f}")
        if "pg_perfgate_nodetect" in wdoc and "pg_perfgate" in wdoc:
            d = wdoc["pg_perfgate"]["ir_per_stmt"] - wdoc["pg_perfgate_nodetect"]["ir_per_stmt"]
            wdoc["detectors"] = round(d, 1)
            print(f"{'':<14}{'detectors on - off':<21}{d:>+11.1f}")
        if "pg_perfgate_slowlog" in wdoc and "pg_perfgate" in wdoc:
            d = wdoc["pg_perfgate_slowlog"]["ir_per_stmt"] - wdoc["pg_perfgate"]["ir_per_stmt"]
            wdoc["slow_log"] = round(d, 1)
            print(f"{'':<14}{'slow log on - off':<21}{d:>+11.1f}")
        if "none" in wdoc and base is not None:
            print(f"{'':<14}{'query_id itself':<21}{base - wdoc['none']['ir_per_stmt']:>+11.1f}")
        doc["workloads"][w] = wdoc
        print()

    # Repeatability of the raw totals as well as of the slopes.
    if rounds > 1:
        worst = 0.0
        for (w, c, n) in {(w, c, i) for (r, w, c), by in ir.items() for i in by}:
            vals = [ir[(r, w, c)][n] for r in range(1, rounds + 1) if n in ir.get((r, w, c), {})]
            if len(vals) > 1:
                worst = max(worst, (max(vals) - min(vals)) / min(vals) * 100)
        doc["repeat_worst_total_spread_pct"] = round(worst, 5)
        print(f"Repeat runs: largest spread of a total Ir between rounds {worst:.5f}%\n")

    doc["functions"] = {}
    own = collections.defaultdict(dict)  # workload -> extension -> own instructions per statement
    executor = collections.defaultdict(dict)  # workload -> extension -> executor instrumentation it causes
    base_instr = {}  # workload -> executor instrumentation with compute_query_id alone
    for ext, obj in (("pg_perfgate", "pg_perfgate.so"), ("pg_stat_statements", "pg_stat_statements.so")):
        for w in workloads:
            dn = ns[w][1] - ns[w][0]
            f1 = os.path.join(a.cgdir, f"cg.{w}.{ext}.1.1")
            f2 = os.path.join(a.cgdir, f"cg.{w}.{ext}.2.1")
            if not (os.path.exists(f1) and os.path.exists(f2)):
                continue
            p1, p2 = Profile(f1), Profile(f2)
            rows, callees, self_total, calls_total = breakdown(p1, p2, dn, obj, a.top)
            own[w][ext] = self_total + calls_total
            # What the executor's instrumentation adds over compute_query_id alone (which asks for none).
            b1 = os.path.join(a.cgdir, f"cg.{w}.query_id.1.1")
            b2 = os.path.join(a.cgdir, f"cg.{w}.query_id.2.1")
            if os.path.exists(b1) and os.path.exists(b2):
                if w not in base_instr:  # read once per workload, not once per extension
                    base_instr[w] = (instrumentation(Profile(b2), None) - instrumentation(Profile(b1), None)) / dn
                executor[w][ext] = (instrumentation(p2, obj) - instrumentation(p1, obj)) / dn - base_instr[w]
            doc["functions"].setdefault(ext, {})[w] = {"functions": rows, "calls_into_postgres": callees,
                                                        "self_total_per_stmt": round(self_total, 1),
                                                        "own_total_per_stmt": round(self_total + calls_total, 1)}
            if ext != "pg_perfgate" or w not in ("point_select", "join_agg", "union20_limit", "union40"):
                continue
            print(f"{ext}, {w}: functions in {obj} per statement "
                  f"(own = inclusive without chained standard_*; all self code of the .so: {self_total:.0f})")
            print(f"  {'own':>8} {'self':>8}  function")
            for r in rows:
                print(f"  {r['own_per_stmt']:>8.0f} {r['self_per_stmt']:>8.0f}  {short(r['function'])}")
            print(f"  calls from {obj} into PostgreSQL and libc, inclusive per statement:")
            for r in callees:
                print(f"  {r['incl_per_stmt']:>8.0f}           {short(r['function'])}")
            print()

    # What each extension's own code executes: its functions plus what they call in PostgreSQL and
    # libc, the chained standard_* work excluded. Unlike the Ir slopes above, this does not move
    # with the heap's layout (which loading a library or filling a cache mid-run shifts, and which
    # changes what every malloc of the statements costs).
    both = [w for w in workloads if len(own.get(w, {})) == 2]
    if both:
        print("Own instructions per statement (the extension's functions and what they call; heap-layout independent)")
        print(f"{'workload':<18}{'pg_stat_statements':>20}{'pg_perfgate':>14}{'difference':>12}")
        for w in both:
            b_, a_ = own[w]["pg_stat_statements"], own[w]["pg_perfgate"]
            print(f"{w:<18}{b_:>20.0f}{a_:>14.0f}{a_ - b_:>+12.0f}")
            doc["workloads"][w]["own_instructions"] = {"pg_stat_statements": round(b_, 1),
                                                       "pg_perfgate": round(a_, 1)}
        print()
    both_x = [w for w in both if len(executor.get(w, {})) == 2]
    if both_x:
        print("Own instructions plus the executor instrumentation each asks PostgreSQL to run (InstrStartNode/")
        print("InstrStopNode around every run for queryDesc->totaltime, ExecProcNodeInstr for per-node counts)")
        print(f"{'workload':<18}{'pgss instr':>11}{'pgss total':>11}{'pgpf instr':>11}{'pgpf total':>11}{'difference':>12}")
        for w in both_x:
            bx, ax = executor[w]["pg_stat_statements"], executor[w]["pg_perfgate"]
            bt, at = own[w]["pg_stat_statements"] + bx, own[w]["pg_perfgate"] + ax
            print(f"{w:<18}{bx:>11.0f}{bt:>11.0f}{ax:>11.0f}{at:>11.0f}{at - bt:>+12.0f}")
            doc["workloads"][w]["executor_instrumentation"] = {"pg_stat_statements": round(bx, 1),
                                                               "pg_perfgate": round(ax, 1)}
        print()

    # The user's bill, split: each extension's whole-backend increment = its own code + the executor
    # instrumentation it asks for + the rest, which is what PostgreSQL itself executes differently
    # because the extension ran (a side effect: malloc on a heap it reshaped, caches it filled).
    split = [w for w in both_x if all((w, c) in slopes for c in ("query_id", "pg_stat_statements", "pg_perfgate"))]
    if split:
        print("What a user pays per statement over compute_query_id = on (whole backend), split into the extension's")
        print("own code, the executor instrumentation it asks for, and the rest (PostgreSQL's code running differently)")
        print(f"{'workload':<16}{'pgss':>8}{'own':>8}{'instr':>7}{'rest':>8} |{'pg_perfgate':>12}{'own':>8}{'instr':>7}"
              f"{'rest':>8} |{'pgpf/pgss':>10}")
        for w in split:
            row = []
            for ext in ("pg_stat_statements", "pg_perfgate"):
                inc = doc["workloads"][w][ext]["increment_over_query_id"]
                o, x = own[w][ext], executor[w][ext]
                row.append((inc, o, x, inc - o - x))
                doc["workloads"][w][ext]["rest"] = round(inc - o - x, 1)
            (bi, bo, bx, br), (ai, ao, ax, ar) = row
            ratio = f"{ai / bi:>10.2f}" if bi > 0 else f"{'-':>10}"
            if w.startswith("function"):
                # A function's statements run inside the hooks: "own" holds the PL/pgSQL work too.
                for ext in ("pg_stat_statements", "pg_perfgate"):
                    doc["workloads"][w][ext]["rest"] = None
                print(f"{w:<16}{bi:>+8.0f}{'-':>8}{bx:>7.0f}{'-':>8} |{ai:>+12.0f}{'-':>8}{ax:>7.0f}{'-':>8} |{ratio}")
                continue
            print(f"{w:<16}{bi:>+8.0f}{bo:>8.0f}{bx:>7.0f}{br:>+8.0f} |{ai:>+12.0f}{ao:>8.0f}{ax:>7.0f}{ar:>+8.0f} |{ratio}")
        print("(function_top: the function's statements run inside the hooks, so own holds the PL/pgSQL work: no split)")
        print()

    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"JSON: {a.out}")


if __name__ == "__main__":
    sys.exit(main())
