// The burst tracker: N+1 loops and row-by-row writes are reported, batched work is not.
#include "burst.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace pgpf;

namespace
{

struct Feed
{
    BurstTracker t;
    BurstConfig cfg{10, 10, 0, 10}; // the defaults: no row cap, 10 ms between transactions
    std::vector<BurstReport> reports;
    int64_t now = 1000000;

    Feed() { t.reset(); }
    double ms = 0.5; // each execution's duration
    void exec(uint64_t q, BurstKind k, int64_t rows, uint64_t xact = 1, int64_t gap_us = 10,
              int32_t level = 0)
    {
        now += gap_us;
        t.start(q, xact, level); // as detect.cpp does at ExecutorStart
        BurstReport out[BurstTracker::kMaxReports];
        const int n = t.observe(Execution{q, k, rows, ms, now, xact, level}, cfg, out);
        now += int64_t(ms * 1000); // gap_us is the idle time between two executions
        reports.insert(reports.end(), out, out + n);
    }
    void parent(uint64_t q, int64_t rows) { exec(q, BurstKind::NPlusOne, rows); }
    void flush()
    {
        BurstReport out[BurstTracker::kSlots];
        const int n = t.flush(cfg, out);
        reports.insert(reports.end(), out, out + n);
    }
    int64_t total_calls(uint64_t q) const
    {
        int64_t c = 0;
        for (auto &r : reports)
            if (r.queryid == q)
                c += r.calls;
        return c;
    }
    BurstClass cls(uint64_t q) const
    {
        for (auto &r : reports)
            if (r.queryid == q)
                return r.cls;
        return BurstClass::Pending;
    }
    int occurrences(uint64_t q) const
    {
        int c = 0;
        for (auto &r : reports)
            c += r.queryid == q && r.new_occurrence;
        return c;
    }
};

} // namespace

TEST(BurstTracker, NPlusOneLoopAfterParentIsReportedOnceWithParent)
{
    for (int n : {10, 25, 100, 1000})
    {
        Feed f;
        f.parent(7, n);
        for (int i = 0; i < n; i++)
            f.exec(42, BurstKind::NPlusOne, 1);
        f.flush();
        EXPECT_EQ(f.occurrences(42), 1) << n;
        EXPECT_EQ(f.total_calls(42), n) << n;
        ASSERT_FALSE(f.reports.empty());
        EXPECT_EQ(f.reports.back().parent_queryid, 7u);
        EXPECT_EQ(f.reports.back().parent_rows, n);
        EXPECT_EQ(f.reports.back().burst_len, n);
        EXPECT_EQ(f.reports.front().kind, BurstKind::NPlusOne);
    }
}

TEST(BurstTracker, ThresholdReportComesAtTheThresholdExecution)
{
    Feed f;
    for (int i = 0; i < 9; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    EXPECT_TRUE(f.reports.empty());
    f.exec(42, BurstKind::NPlusOne, 1);
    ASSERT_EQ(f.reports.size(), 1u);
    EXPECT_TRUE(f.reports[0].new_occurrence);
    EXPECT_EQ(f.reports[0].calls, 10);
}

TEST(BurstTracker, ShortLoopsAndCappedResultsAreNotReported)
{
    Feed f;
    f.cfg.max_rows = 5; // the optional cap
    for (int i = 0; i < 9; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    f.exec(43, BurstKind::NPlusOne, 1000); // one query
    for (int i = 0; i < 50; i++)
        f.exec(44, BurstKind::NPlusOne, 6); // more rows than the cap each time
    f.flush();
    EXPECT_TRUE(f.reports.empty());
}

// Regression (issue 9.1): a lazy one-to-many load returning each parent's 10 children was not
// reported, and children counts above 5 split the loop of a typical app into fragments.
TEST(BurstTracker, LazyCollectionLoadsAreOneLoopWhateverTheirRowCounts)
{
    for (int children : {1, 10, 100})
    {
        Feed f;
        f.parent(7, 60);
        for (int i = 0; i < 60; i++)
            f.exec(42, BurstKind::NPlusOne, children);
        f.flush();
        EXPECT_EQ(f.occurrences(42), 1) << children;
        EXPECT_EQ(f.total_calls(42), 60) << children;
        EXPECT_EQ(f.reports.back().rows_min, children);
        EXPECT_EQ(f.reports.back().rows_max, children);
        EXPECT_EQ(f.reports.back().rows_sum, 60 * children);
    }
    Feed g; // children per parent vary from 0 to 8
    g.parent(7, 50);
    int64_t sum = 0;
    for (int i = 0; i < 50; i++)
    {
        g.exec(42, BurstKind::NPlusOne, (i * 5) % 9);
        sum += (i * 5) % 9;
    }
    g.flush();
    EXPECT_EQ(g.occurrences(42), 1);
    EXPECT_EQ(g.total_calls(42), 50);
    EXPECT_EQ(g.reports.back().parent_queryid, 7u);
    EXPECT_EQ(g.reports.back().rows_min, 0);
    EXPECT_EQ(g.reports.back().rows_max, 8);
    EXPECT_EQ(g.reports.back().rows_sum, sum);
}

// Regression (issue 9.3): independent requests of a pooled connection, 30 ms apart, each a lookup
// and an insert in its own transaction, were one N+1 loop and one row-by-row burst.
TEST(BurstTracker, PooledRequestsThirtyMsApartAreNotOneBurst)
{
    Feed f;
    for (int i = 0; i < 12; i++)
    {
        f.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 2 * i + 1, /*gap*/ 30000);
        f.exec(50, BurstKind::RowByRow, 1, /*xact*/ 2 * i + 2, /*gap*/ 200);
    }
    f.flush();
    EXPECT_TRUE(f.reports.empty());
}

// An ORM in autocommit mode (each statement its own transaction) loops with gaps of an iteration's
// overhead: that is one loop, even when each lookup is slow.
TEST(BurstTracker, AutocommitLoopWithTightGapsIsOneBurst)
{
    Feed f;
    f.ms = 25; // a slow lookup: the gap is measured from its end
    f.parent(7, 30);
    for (int i = 0; i < 30; i++)
        f.exec(42, BurstKind::NPlusOne, 3, /*xact*/ 100 + i, /*gap*/ 800);
    f.flush();
    EXPECT_EQ(f.occurrences(42), 1);
    EXPECT_EQ(f.total_calls(42), 30);
    EXPECT_EQ(f.reports.back().parent_queryid, 7u);
}

// A garbage collection in the client (41 ms measured under SQLAlchemy) in the middle of an
// autocommit loop does not split it; requests that each run the lookup twice are not one loop.
TEST(BurstTracker, OnePauseInAnAutocommitLoopIsForgivenButNotARequestsRhythm)
{
    Feed f;
    f.parent(7, 20);
    for (int i = 0; i < 20; i++)
        f.exec(42, BurstKind::NPlusOne, 100, /*xact*/ 100 + i, /*gap*/ i == 4 || i == 13 ? 41000 : 2000);
    f.flush();
    EXPECT_EQ(f.occurrences(42), 1);
    EXPECT_EQ(f.total_calls(42), 20);

    Feed early; // the pause comes after the first lookup
    early.parent(7, 20);
    for (int i = 0; i < 20; i++)
        early.exec(42, BurstKind::NPlusOne, 10, /*xact*/ 100 + i, /*gap*/ i == 1 ? 41000 : 2000);
    early.flush();
    EXPECT_EQ(early.total_calls(42), 20);

    Feed one; // one lookup a request (GET /users/:id), requests 30 ms apart
    for (int i = 0; i < 24; i++)
        one.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 100 + i, /*gap*/ 30000);
    one.flush();
    EXPECT_TRUE(one.reports.empty());

    Feed g; // two lookups a request, requests 30 ms apart
    for (int i = 0; i < 24; i++)
        g.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 100 + i, /*gap*/ i % 2 == 0 ? 30000 : 300);
    g.flush();
    EXPECT_TRUE(g.reports.empty());

    Feed h; // two requests 50 ms apart, each a parent and a loop of 6
    for (int r = 0; r < 2; r++)
    {
        h.exec(7, BurstKind::None, 6, /*xact*/ 10 * r + 1, /*gap*/ 50000);
        for (int i = 0; i < 6; i++)
            h.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 10 * r + 2 + i, /*gap*/ 300);
    }
    h.flush();
    EXPECT_TRUE(h.reports.empty());
}

// A pool's reset statement (DISCARD ALL, SET ROLE ...) hands the connection to someone else.
TEST(BurstTracker, SessionBoundaryEndsBurstsAndForgetsTheParent)
{
    Feed f;
    f.parent(7, 20);
    for (int i = 0; i < 6; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    BurstReport out[BurstTracker::kSlots];
    EXPECT_EQ(f.t.session_boundary(f.cfg, out), 0); // below the threshold: nothing to report
    for (int i = 0; i < 6; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    f.flush();
    EXPECT_TRUE(f.reports.empty());

    Feed g;
    g.parent(7, 20);
    for (int i = 0; i < 12; i++)
        g.exec(42, BurstKind::NPlusOne, 1);
    BurstReport out2[BurstTracker::kSlots];
    EXPECT_EQ(g.t.session_boundary(g.cfg, out2), 1);
    EXPECT_EQ(out2[0].calls, 2);
    for (int i = 0; i < 12; i++)
        g.exec(42, BurstKind::NPlusOne, 1);
    g.flush();
    EXPECT_EQ(g.occurrences(42), 2);
    EXPECT_EQ(g.reports.back().parent_queryid, 0u); // nothing before the boundary is a parent
}

TEST(BurstTracker, InterleavedLookupsAreBothSeen)
{
    Feed f;
    f.parent(7, 30);
    for (int i = 0; i < 30; i++)
    {
        f.exec(42, BurstKind::NPlusOne, 1);
        f.exec(43, BurstKind::NPlusOne, 3);
    }
    f.flush();
    EXPECT_EQ(f.occurrences(42), 1);
    EXPECT_EQ(f.occurrences(43), 1);
    EXPECT_EQ(f.total_calls(42), 30);
    EXPECT_EQ(f.total_calls(43), 30);
}

TEST(BurstTracker, PauseOutsideTransactionEndsBurstButNotInside)
{
    Feed f;
    for (int i = 0; i < 8; i++)
        f.exec(42, BurstKind::NPlusOne, 1, /*xact*/ i + 1, /*gap*/ 200000);
    f.flush();
    EXPECT_TRUE(f.reports.empty()); // each gap is longer than the window, each call its own xact

    Feed g;
    for (int i = 0; i < 12; i++)
        g.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 5, /*gap*/ 200000);
    g.flush();
    EXPECT_EQ(g.occurrences(42), 1); // slow, but one transaction
    EXPECT_EQ(g.total_calls(42), 12);
}

TEST(BurstTracker, RowByRowWritesAndMultiRowInsert)
{
    Feed f;
    for (int i = 0; i < 20; i++)
        f.exec(50, BurstKind::RowByRow, 1);
    f.exec(51, BurstKind::RowByRow, 500); // a multi-row insert
    f.flush();
    EXPECT_EQ(f.occurrences(50), 1);
    EXPECT_EQ(f.reports[0].kind, BurstKind::RowByRow);
    EXPECT_EQ(f.total_calls(50), 20);
    EXPECT_EQ(f.total_calls(51), 0);
}

TEST(BurstTracker, EndlessBurstReportsAtDoublingsAndSumsExactly)
{
    Feed f;
    for (int i = 0; i < 1000; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    EXPECT_EQ(f.occurrences(42), 1);
    EXPECT_EQ(f.reports.size(), 7u); // 10, 20, 40, 80, 160, 320, 640
    f.flush();
    EXPECT_EQ(f.total_calls(42), 1000);
    EXPECT_EQ(f.reports.back().burst_len, 1000);
}

TEST(BurstTracker, ParentRowsLearnedWhenParentEndsAfterTheLoop)
{
    Feed f;
    f.t.note_statement(7, -1, 0); // a PL/pgSQL FOR loop's query starts ...
    for (int i = 0; i < 15; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    f.t.note_statement(7, 15, 0); // ... and ends after its loop
    f.flush();
    ASSERT_FALSE(f.reports.empty());
    EXPECT_EQ(f.reports.back().parent_queryid, 7u);
    EXPECT_EQ(f.reports.back().parent_rows, 15);
}

TEST(BurstTracker, DisabledThresholdReportsNothing)
{
    Feed f;
    f.cfg.select_threshold = 0;
    for (int i = 0; i < 100; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    f.flush();
    EXPECT_TRUE(f.reports.empty());
}

TEST(BurstTracker, LoopsInTwoCallsOfAFunctionAreTwoBursts)
{
    Feed f;
    for (int call = 0; call < 2; call++)
    {
        f.t.note_statement(7, -1, 1); // the FOR query, level 1
        for (int i = 0; i < 15; i++)
            f.exec(42, BurstKind::NPlusOne, 1, 1, 10, /*level*/ 1);
        f.t.note_statement(7, 15, 1);
        f.exec(99, BurstKind::NPlusOne, 1, 1, 10, /*level*/ 0); // the calling statement ends
    }
    f.flush();
    EXPECT_EQ(f.occurrences(42), 2);
    EXPECT_EQ(f.total_calls(42), 30);
    for (auto &r : f.reports)
    {
        if (r.queryid == 42 && !r.new_occurrence) // the report at each burst's end
        {
            EXPECT_EQ(r.burst_len, 15);
        }
    }
}

TEST(BurstTracker, EndLevelClosesOnlyDeeperBursts)
{
    Feed f;
    for (int i = 0; i < 12; i++)
        f.exec(42, BurstKind::NPlusOne, 1, 1, 10, 0);
    for (int i = 0; i < 12; i++)
        f.exec(43, BurstKind::NPlusOne, 1, 1, 10, 2);
    BurstReport out[BurstTracker::kSlots];
    const int n = f.t.end_level(0, f.cfg, out);
    ASSERT_EQ(n, 1);
    EXPECT_EQ(out[0].queryid, 43u);
}

// Regression (issue 18): pgbench -S (one lookup per autocommit transaction, no parent row source)
// was an N+1 loop of tens of thousands of calls. A stream of lookups that crosses transactions
// without a parent that returned the ids is no evidence of a loop.
TEST(BurstTracker, SteadyLookupsOfALoadGeneratorAreQuiet)
{
    Feed f;
    f.parent(3, 1); // pgbench's start: SELECT count(*) FROM pgbench_branches
    for (int i = 0; i < 5000; i++)
        f.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 100 + i, /*gap*/ 50);
    f.flush();
    EXPECT_TRUE(f.reports.empty());
}

// ... while the same lookups inside one transaction are a loop over ids from the client.
TEST(BurstTracker, LookupsInOneTransactionWithoutParentAreAPerIdLoop)
{
    Feed f;
    f.exec(1, BurstKind::None, 0, /*xact*/ 7); // BEGIN
    for (int i = 0; i < 25; i++)
        f.exec(42, BurstKind::NPlusOne, 1, /*xact*/ 7);
    f.flush();
    EXPECT_EQ(f.occurrences(42), 1);
    EXPECT_EQ(f.total_calls(42), 25);
    EXPECT_EQ(f.cls(42), BurstClass::IdLoop);
}

// Regression (issue 18): pgbench's tpcb-like transaction (BEGIN; UPDATE; SELECT; UPDATE; UPDATE;
// INSERT; END) repeated is one request after another, not a loop of any of its statements.
TEST(BurstTracker, TpcbLikeTransactionsAreQuiet)
{
    for (int slots_used : {3, 5})
    {
        Feed f;
        for (int x = 0; x < 2000; x++)
        {
            const uint64_t xact = 10 + x;
            f.exec(1, BurstKind::None, 0, xact, 30); // BEGIN
            f.exec(50, BurstKind::RowByRow, 1, xact, 30);
            f.exec(42, BurstKind::NPlusOne, 1, xact, 30);
            f.exec(51, BurstKind::RowByRow, 1, xact, 30);
            if (slots_used == 5)
            {
                f.exec(52, BurstKind::RowByRow, 1, xact, 30);
                f.exec(53, BurstKind::RowByRow, 1, xact, 30);
            }
            f.exec(2, BurstKind::None, 0, xact, 30); // END
        }
        f.flush();
        EXPECT_TRUE(f.reports.empty()) << slots_used;
    }
}

// A pooled service whose request lists rows and then looks one of them up: the list running
// again is the next request, whatever the rate.
TEST(BurstTracker, ParentRunningAgainIsTheNextRequest)
{
    Feed f;
    for (int r = 0; r < 500; r++)
    {
        f.exec(7, BurstKind::None, 50, 10 + 2 * r, 50);
        f.exec(42, BurstKind::NPlusOne, 1, 11 + 2 * r, 50);
    }
    f.flush();
    EXPECT_TRUE(f.reports.empty());
}

// The ORM shape in autocommit: parents, then one lookup (or two interleaved) per parent row; the
// second lookup of the loop shares the first one's parent.
TEST(BurstTracker, OrmLoopsInAutocommitNameTheirParent)
{
    for (int n : {10, 20, 100})
    {
        Feed f;
        f.exec(7, BurstKind::None, n, 1);
        for (int i = 0; i < n; i++)
        {
            f.exec(42, BurstKind::NPlusOne, 1, 100 + 2 * i, 300);
            f.exec(43, BurstKind::NPlusOne, 3, 101 + 2 * i, 300);
        }
        f.flush();
        EXPECT_EQ(f.cls(42), BurstClass::ParentLoop) << n;
        EXPECT_EQ(f.cls(43), BurstClass::ParentLoop) << n;
        EXPECT_EQ(f.total_calls(42), n);
        EXPECT_EQ(f.total_calls(43), n);
        EXPECT_EQ(f.reports.back().parent_queryid, 7u);
    }
}

// A parent that returned fewer rows than the loop ran is not what drove it; in one transaction it is
// a loop over ids all the same, across transactions nothing.
TEST(BurstTracker, ParentWithTooFewRowsIsNoParent)
{
    Feed f;
    f.exec(7, BurstKind::None, 1, 5);
    for (int i = 0; i < 30; i++)
        f.exec(42, BurstKind::NPlusOne, 1, 5);
    f.flush();
    EXPECT_EQ(f.cls(42), BurstClass::IdLoop);

    Feed g;
    g.exec(7, BurstKind::None, 1, 5);
    for (int i = 0; i < 30; i++)
        g.exec(42, BurstKind::NPlusOne, 1, 6 + i);
    g.flush();
    EXPECT_TRUE(g.reports.empty());
}

// Single-row writes in autocommit are a burst only while nothing else runs between them: a loop of
// saves is, the inserts of independent requests (a lookup, then an insert) are not, at any rate.
TEST(BurstTracker, AutocommitWritesCrossTransactionsOnlyBackToBack)
{
    Feed f;
    for (int i = 0; i < 30; i++)
        f.exec(50, BurstKind::RowByRow, 1, 10 + i, 200);
    f.flush();
    EXPECT_EQ(f.total_calls(50), 30);
    EXPECT_EQ(f.cls(50), BurstClass::Writes);

    Feed g;
    for (int i = 0; i < 300; i++)
    {
        g.exec(42, BurstKind::NPlusOne, 1, 10 + 2 * i, 100);
        g.exec(50, BurstKind::RowByRow, 1, 11 + 2 * i, 100);
    }
    g.flush();
    EXPECT_TRUE(g.reports.empty());
}

// A loop over its parent's rows in autocommit mode on a loaded machine: pauses of 60 ms (more than
// the window, several in a row) between lookups, nothing else in between, do not split it; the
// same pauses without a parent that returned the rows do.
TEST(BurstTracker, LoopWithAParentMayPauseLonger)
{
    Feed f;
    f.exec(7, BurstKind::None, 20, 1);
    for (int i = 0; i < 20; i++)
        f.exec(42, BurstKind::NPlusOne, 1, 100 + i, i % 3 == 0 ? 60000 : 2000);
    f.flush();
    EXPECT_EQ(f.occurrences(42), 1);
    EXPECT_EQ(f.total_calls(42), 20);

    Feed g; // the parent returned 5 rows: the loop is not its
    g.exec(7, BurstKind::None, 5, 1);
    for (int i = 0; i < 20; i++)
        g.exec(42, BurstKind::NPlusOne, 1, 100 + i, i % 3 == 0 ? 60000 : 2000);
    g.flush();
    EXPECT_TRUE(g.reports.empty());

    Feed h; // two pauses in a row longer than kParentPause windows end it (the first is forgiven)
    h.exec(7, BurstKind::None, 20, 1);
    for (int i = 0; i < 20; i++)
        h.exec(42, BurstKind::NPlusOne, 1, 100 + i, i == 8 || i == 9 ? 300000 : 2000);
    h.flush();
    ASSERT_FALSE(h.reports.empty());
    EXPECT_EQ(h.reports.back().burst_len, 11);
}

// Issue 24: a stream (independent requests, never reported) keeps no rows or time; the same lookup
// looping inside one transaction afterwards is a burst of its own, with its own rows and time only.
TEST(BurstTracker, StreamStaysQuietAndALaterLoopHasOnlyItsOwnFigures)
{
    Feed f;
    f.ms = 2.0;
    for (uint64_t x = 1; x <= 200; x++)
        f.exec(42, BurstKind::NPlusOne, 5, x); // one lookup per autocommit transaction: a stream
    EXPECT_TRUE(f.reports.empty());
    f.exec(9, BurstKind::None, 0, 500); // the next request's own statement
    f.ms = 0.5;
    for (int i = 0; i < 12; i++)
        f.exec(42, BurstKind::NPlusOne, 1, 501, 100000); // a loop in one transaction, after a pause
    f.flush();
    ASSERT_FALSE(f.reports.empty());
    EXPECT_EQ(f.cls(42), BurstClass::IdLoop);
    EXPECT_EQ(f.total_calls(42), 12);
    const BurstReport &r = f.reports.back();
    EXPECT_EQ(r.burst_len, 12);
    EXPECT_EQ(r.rows_min, 1);
    EXPECT_EQ(r.rows_max, 1);
    EXPECT_EQ(r.rows_sum, 12);
    double ms = 0;
    for (auto &rep : f.reports)
        ms += rep.ms;
    EXPECT_DOUBLE_EQ(ms, 12 * 0.5);
}

// Issue 24: a burst's reports carry the rows and time of every execution, those counted on the
// quick path included (a loop after a parent, rows varying, reported at 10, 20, 40 and at its end).
TEST(BurstTracker, QuickPathKeepsRowsAndTimeOfReportedBursts)
{
    Feed f;
    f.parent(7, 50);
    for (int i = 0; i < 50; i++)
        f.exec(42, BurstKind::NPlusOne, i % 4);
    f.flush();
    EXPECT_EQ(f.cls(42), BurstClass::ParentLoop);
    EXPECT_EQ(f.total_calls(42), 50);
    const BurstReport &r = f.reports.back();
    EXPECT_EQ(r.burst_len, 50);
    EXPECT_EQ(r.rows_min, 0);
    EXPECT_EQ(r.rows_max, 3);
    int64_t sum = 0;
    for (int i = 0; i < 50; i++)
        sum += i % 4;
    EXPECT_EQ(r.rows_sum, sum);
    double ms = 0;
    for (auto &rep : f.reports)
        ms += rep.ms;
    EXPECT_DOUBLE_EQ(ms, 50 * 0.5);
}

// Issue 24: the least recently used burst (by its last execution's stamp) gives its slot to a fifth
// lookup; the four others go on.
TEST(BurstTracker, FifthLookupReplacesTheLeastRecentlyUsed)
{
    Feed f;
    // Four interleaved lookups in one transaction, 1 used least recently.
    for (int i = 0; i < 3; i++)
        for (uint64_t q : {1, 2, 3, 4})
            f.exec(q, BurstKind::NPlusOne, 1, 1);
    for (uint64_t q : {2, 3, 4})
        f.exec(q, BurstKind::NPlusOne, 1, 1);
    f.exec(5, BurstKind::NPlusOne, 1, 1); // takes 1's slot
    for (int i = 0; i < 10; i++)
        for (uint64_t q : {2, 3, 4})
            f.exec(q, BurstKind::NPlusOne, 1, 1);
    f.flush();
    EXPECT_EQ(f.total_calls(1), 0); // 3 executions, ended below the threshold
    for (uint64_t q : {2, 3, 4})
        EXPECT_EQ(f.total_calls(q), 14) << q;
    EXPECT_EQ(f.total_calls(5), 0);
}

// The parents' filter (a bit per query id's low six bits): a statement whose id shares the parent's
// bits (here a second lookup of the loop) does not end the loop, the parent itself does; BEGIN, a
// lookup and COMMIT, BEGIN its parent, are quiet however many transactions.
TEST(BurstTracker, ParentFilterKeepsWhatEndsALoop)
{
    Feed f;
    f.parent(1, 100); // the parent of a loop
    for (int i = 0; i < 12; i++)
    {
        f.exec(42, BurstKind::NPlusOne, 1);
        f.exec(65, BurstKind::NPlusOne, 1); // same low bits as the parent, not the parent
    }
    f.parent(1, 100); // the parent again: the next request
    for (int i = 0; i < 12; i++)
        f.exec(42, BurstKind::NPlusOne, 1);
    f.flush();
    EXPECT_EQ(f.occurrences(42), 2);
    EXPECT_EQ(f.total_calls(42), 24);
    EXPECT_EQ(f.occurrences(65), 1);
    EXPECT_EQ(f.total_calls(65), 12);
    EXPECT_EQ(f.cls(42), BurstClass::ParentLoop);
    EXPECT_EQ(f.cls(65), BurstClass::ParentLoop);

    Feed g;
    for (uint64_t x = 100; x < 150; x++)
    {
        g.t.start(3, x, 0); // BEGIN, a utility statement: started, its rows never known
        g.exec(42, BurstKind::NPlusOne, 1, x, 50);
        g.t.start(4, x, 0); // COMMIT
    }
    g.flush();
    EXPECT_TRUE(g.reports.empty());
}

// The second lookup of a loop is found through the bursts' filter (a bit per query id's low six
// bits): a lookup after an open burst of another query sharing its bits gets no second parent, a
// lookup right after the loop's first lookup does, and both are the parent's loop.
TEST(BurstTracker, SecondLookupFoundThroughTheBurstsFilter)
{
    Feed f;
    f.parent(1, 100);
    for (int i = 0; i < 12; i++)
    {
        f.exec(42, BurstKind::NPlusOne, 1);
        f.exec(106, BurstKind::NPlusOne, 1); // 106 = 42 + 64: same bits as the first lookup
    }
    f.flush();
    EXPECT_EQ(f.cls(42), BurstClass::ParentLoop);
    EXPECT_EQ(f.cls(106), BurstClass::ParentLoop);
    EXPECT_EQ(f.total_calls(106), 12);
    for (auto &r : f.reports)
    {
        if (r.queryid == 106)
        {
            EXPECT_EQ(r.parent_queryid, 1u);
        }
    }

    // No parent: lookups of ids one after the other in one transaction, each after the other's burst
    // (a per-id loop each, without a second parent).
    Feed g;
    for (int i = 0; i < 12; i++)
    {
        g.exec(42, BurstKind::NPlusOne, 1);
        g.exec(43, BurstKind::NPlusOne, 1);
    }
    g.flush();
    EXPECT_EQ(g.cls(42), BurstClass::IdLoop);
    EXPECT_EQ(g.cls(43), BurstClass::IdLoop);
    EXPECT_EQ(g.total_calls(43), 12);
}
