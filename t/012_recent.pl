# Recent windows: pg_perfgate_recent(seconds) ranks what ran in the last seconds, not since the
# reset. An old workload whose intervals have left the ring is gone from it while it still leads
# the since-reset ranking; the windows are kept over a clean restart. Intervals of 2 s, 6 of them,
# so that the test waits seconds, not minutes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $node = PostgreSQL::Test::Cluster->new('recent');
$node->init;
$node->append_conf('postgresql.conf', qq{shared_preload_libraries = 'pg_perfgate'
pg_perfgate.track_utility = off
pg_perfgate.window_buckets = 6
pg_perfgate.window_bucket_seconds = 2
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', 'CREATE TABLE t (id int PRIMARY KEY, v text)');
$node->safe_psql('app', q{INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g});
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');

# The old workload: one statement worth 1 s, the most of all since the reset.
$node->safe_psql('app', "SELECT pg_sleep(0.1) AS old;\n" x 10);

# Wait until its intervals have left the ring (it keeps 10 to 12 s: long enough for the new
# workload, the checks and a restart below to stay in it on a slow machine).
my $old_in_window = q{SELECT count(*) FROM pg_perfgate_recent() WHERE query LIKE '%AS old%'};
is($node->safe_psql('postgres', $old_in_window), '1', 'the old workload is in the window at first');
# No polling meanwhile: the polls would be statements of the window too, and on a loaded machine
# their time would crowd the ranking below.
sleep(12.5);
is($node->safe_psql('postgres', $old_in_window), '0', 'the old workload has left the window');

# The new workload: six statements of 600, 500, ... 100 ms in all, each below the old one, and one
# that reads the table.
my $new = '';
for my $k (1 .. 6) {
	my $cols = join(', ', map { "$_ AS c$_" } 1 .. $k);
	$new .= "SELECT pg_sleep(0.1), $cols;\n" x (7 - $k);
}
$new .= "SELECT v FROM t WHERE id = 1;\n" x 3;
$node->safe_psql('app', $new);

my $top5 = q{SELECT string_agg(rank || ':' || (SELECT count(*) FROM regexp_matches(query, ' AS c', 'g')) || ':' || calls, ' '
                                ORDER BY rank)
             FROM pg_perfgate_recent(300) WHERE rank <= 5 AND datname = 'app'};
is($node->safe_psql('postgres', $top5), '1:1:6 2:2:5 3:3:4 4:4:3 5:5:2',
	'top 5 by time in the last 5 minutes: the new workload, largest first');
like($node->safe_psql('postgres', q{SELECT query FROM pg_perfgate_hot_queries WHERE rank = 1}), qr/AS old/,
	'since the reset the old workload still ranks first');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_perfgate_recent(300) WHERE query LIKE '%AS old%'}), '0',
	'and it is not in the recent ranking');

# What a recent row carries: time, p95, rows, I/O, where the window starts.
is($node->safe_psql('postgres', q{SELECT calls || ' ' || rows || ' ' || (shared_blks_hit > 0) || ' ' ||
                                          (p95_exec_time > 0) || ' ' || (window_start <= now())
                                     FROM pg_perfgate_recent() WHERE query = 'SELECT v FROM t WHERE id = $1'}),
	'3 3 true true true', 'calls, rows, buffers, p95 and the window start of a recent query group');
# (pg_sleep never returns early: each call took 100 ms or more, however loaded the machine.)
is($node->safe_psql('postgres', q{SELECT calls || ' ' || (min_exec_time >= 100) || ' ' ||
                                          (p95_exec_time BETWEEN min_exec_time AND max_exec_time) || ' ' || (plan IS NOT NULL)
                                     FROM pg_perfgate_recent_plans() WHERE query ~ 'AS c1$'}),
	'6 true true true', 'per plan: calls, min and p95 of the calls of 100 ms or more, the plan');
# The last second is the current interval and the one before it (1 s reaches into it): the window
# starts 2 to 4 s ago; the whole ring, 6 intervals, 10 to 12 s ago.
is($node->safe_psql('postgres', q{SELECT bool_and(clock_timestamp() - window_start BETWEEN interval '2 s' AND interval '5 s')
                                    FROM pg_perfgate_recent(1)}),
	't', 'the last second: the current interval and the one before it');
is($node->safe_psql('postgres', q{SELECT bool_and(clock_timestamp() - window_start BETWEEN interval '10 s' AND interval '13 s')
                                    FROM pg_perfgate_recent()}),
	't', 'all of it: the six intervals of the ring');
is($node->safe_psql('postgres', q{SELECT sum(calls) FROM pg_perfgate_recent()
                                   WHERE datname = 'app' AND query LIKE '%pg_sleep%'}),
	'21', 'the whole ring holds them all');

# Bad arguments are errors that say what is wrong.
my ($rc, $out, $err) = $node->psql('postgres', 'SELECT * FROM pg_perfgate_recent(-5)');
like($err, qr/seconds must be 0 \(all the recent intervals kept\) or more, not -5/, 'a negative window is refused');

# The windows survive a clean restart (the same intervals, so the same figures).
my $group = q{SELECT calls FROM pg_perfgate_recent() WHERE query ~ 'AS c1$'};
$node->restart;
is($node->safe_psql('postgres', $group), '6', 'the recent figures survive a clean restart');

# With window_buckets = 0 there are none, and asking says how to get them.
$node->append_conf('postgresql.conf', "pg_perfgate.window_buckets = 0\n");
$node->restart;
($rc, $out, $err) = $node->psql('postgres', 'SELECT * FROM pg_perfgate_recent()');
like($err, qr/pg_perfgate keeps no recent intervals/, 'no windows: a clear error');
is($node->safe_psql('postgres', 'SELECT calls FROM pg_perfgate_statements WHERE query = \'SELECT v FROM t WHERE id = $1\''),
	'3', 'since-reset figures reload without windows');

$node->stop;
done_testing();
