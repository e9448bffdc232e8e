#!/usr/bin/env python3
"""Writes one long session's script for bench/soak/run.sh: STATEMENTS statements (counted as the
server runs them: a DO block's statements under track = all count too) mixing 320 query shapes,
SET ROLE switching between two roles, savepoints whose statement fails (in a cursor FETCH and in a
plain statement), cursors closed in and out of order, and PL/pgSQL loops with EXCEPTION blocks.
Every CHECK statements it prints a memory probe line (tagged 'probe|') that run.sh collects."""
import random
import sys

statements, check, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
out = sys.stdout
out.write("\\set ON_ERROR_STOP 0\n\\set VERBOSITY terse\n")
PROBE = ("SELECT 'probe|' || (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) || '|' || "
         "running_statements || '|' || subtransactions || '|' || text_cache_bytes FROM pg_perfgate_backend_state();\n")
n = 0
next_check = check
out.write(PROBE)
while n < statements:
    r = rnd.random()
    k = rnd.randrange(1, 100000)
    if r < 0.55:  # one of 320 shapes: a column list of varying width and order
        width = 1 + rnd.randrange(4)
        cols = ", ".join(rnd.choice(["aid", "bid", "abalance", "filler"]) for _ in range(width))
        extra = " + 0" * rnd.randrange(20)
        out.write(f"SELECT {cols} FROM pgbench_accounts WHERE aid = {k}{extra};\n")
        n += 1
    elif r < 0.70:  # the pooled-role pattern
        role = rnd.choice(["soak_a", "soak_b"])
        out.write(f"SET ROLE {role};\nSELECT abalance FROM pgbench_accounts WHERE aid = {k};\nRESET ROLE;\n")
        n += 3
    elif r < 0.80:  # a cursor whose FETCH fails inside a savepoint, then a good one
        out.write("BEGIN;\nDECLARE c CURSOR FOR SELECT 1 / (g - 3) FROM generate_series(1, 5) g;\n"
                  "SAVEPOINT s;\nFETCH 5 FROM c;\nROLLBACK TO s;\n"
                  f"DECLARE d CURSOR FOR SELECT aid FROM pgbench_accounts WHERE aid > {k} LIMIT 20;\n"
                  "FETCH 5 FROM d;\nCLOSE d;\nCOMMIT;\n")
        n += 9
    elif r < 0.88:  # a failing statement in a savepoint, and cursors closed out of order
        out.write("BEGIN;\nDECLARE e CURSOR FOR SELECT g FROM generate_series(1, 10) g;\n"
                  "DECLARE f CURSOR FOR SELECT g FROM generate_series(1, 10) g;\nFETCH 2 FROM e;\n"
                  "FETCH 2 FROM f;\nCLOSE e;\nSAVEPOINT t;\nSELECT 1 / 0;\nROLLBACK TO t;\nFETCH 2 FROM f;\nCOMMIT;\n")
        n += 11
    elif r < 0.95:  # a PL/pgSQL loop with failing FETCHes inside EXCEPTION blocks (track = all)
        out.write("DO $$ DECLARE c refcursor; x record; BEGIN FOR i IN 1..5 LOOP "
                  "OPEN c FOR SELECT 1 / (g - 2) AS v FROM generate_series(1, 4) g; "
                  "BEGIN FETCH c INTO x; FETCH c INTO x; EXCEPTION WHEN division_by_zero THEN NULL; END; "
                  "CLOSE c; END LOOP; END $$;\n")
        n += 1 + 5 * 3
    else:  # an aborted transaction
        out.write(f"BEGIN;\nSELECT abalance FROM pgbench_accounts WHERE aid = {k};\nSELECT 1 / 0;\nROLLBACK;\n")
        n += 4
    if n >= next_check:
        out.write(PROBE)
        next_check += check
out.write(PROBE)
