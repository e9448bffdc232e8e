"""What the ORM apps share: the observer connection that resets pg_perfgate before a scenario,
waits for the app's backend to end (its loops are then flushed), and compares the findings with
what the scenario expects, printing one TAP-style line per check for t/050_orm.pl to count.

A scenario is a function run(ctx) that does its ORM work on connections of its own and returns
the list of app backend pids; expectations are (kind, query-substring, parent-substring, calls).
Findings are compared without timings: kind, the query, the statement before the loop, calls.
"""
import sys
import time

import psycopg2

OBSERVER_NOISE = ("pg_perfgate", "pg_stat_activity", "pg_backend_pid")


class Observer:
    def __init__(self, host, port, dbname):
        self.conn = psycopg2.connect(host=host, port=port, dbname=dbname, user="postgres",
                                     application_name="observer")
        self.conn.autocommit = True
        self.checks = 0
        self.failed = 0

    def sql(self, text, args=None):
        with self.conn.cursor() as c:
            c.execute(text, args)
            return c.fetchall() if c.description else None

    def reset(self):
        self.sql("SELECT pg_perfgate_reset()")

    def wait_gone(self, pids):
        # A backend's open loops are written when it exits, before it leaves pg_stat_activity.
        for _ in range(1000):
            if not self.sql("SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)):
                return
            time.sleep(0.02)
        raise RuntimeError("app backends %s did not exit" % (pids,))

    def findings(self):
        rows = self.sql("""
            SELECT a.kind, coalesce(a.query, ''), coalesce(r.query, ''), a.calls
              FROM pg_perfgate_antipatterns a
              LEFT JOIN LATERAL (SELECT query FROM pg_perfgate_statements s
                                  WHERE s.queryid = a.related_queryid LIMIT 1) r ON true
             ORDER BY a.kind, a.query COLLATE "C", a.calls""")
        return [r for r in rows if not any(n in r[1] for n in OBSERVER_NOISE)]

    def check(self, name, want):
        """want: list of (kind, query substring, parent substring or None, calls or None: any).
        A finding about no statement (connection_per_request) has the query ''."""
        got = self.findings()
        unmatched = list(got)
        problems = []
        for kind, query, parent, calls in want:
            hit = [f for f in unmatched if f[0] == kind and query in f[1] and
                   (parent is None or parent in f[2]) and (calls is None or f[3] == calls)]
            if hit:
                unmatched.remove(hit[0])
            else:
                problems.append("missing %s on %r after %r with %s calls" % (kind, query, parent, calls))
        for f in unmatched:
            problems.append("unexpected %s on %r after %r with %d calls" % f)
        self.checks += 1
        if problems:
            self.failed += 1
            print("not ok %d - %s" % (self.checks, name))
            for p in problems:
                print("#   " + p)
            for f in got:
                print("#   found: %s | %s | after %s | %d calls" % f)
        else:
            print("ok %d - %s" % (self.checks, name))
        sys.stdout.flush()


def run_scenarios(obs, scenarios, setups):
    """scenarios: (name, setup key, function, expectation function). Runs each on fresh data."""
    current = None
    for name, setup, fn, want in scenarios:
        if setup != current:
            setups[setup]()
            current = setup
        obs.reset()
        pids = fn()
        obs.wait_gone(pids)
        obs.check(name, want())


# The children each of 20 parents has, for the child counts the tests use: 1, 3 (mixed 0-8,
# mean 3), 10 and 100.
CHILDREN = {
    1: [1] * 20,
    3: [0, 1, 2, 3, 4, 5, 6, 7, 8, 3, 0, 1, 2, 3, 4, 2, 1, 3, 2, 3],
    10: [10] * 20,
    100: [100] * 20,
    150: [150] * 20,  # 3,000 rows: more than pg_perfgate.huge_fetch_rows in t/050_orm.pl
}
