# Regression (issue 18): steady OLTP traffic is not a loop. pgbench's select-only script (simple and
# prepared protocol, 1, 2 and 8 clients) was reported as an N+1 loop of tens of thousands of calls:
# independent transactions of one lookup each, with no statement that returned the ids. Its default
# tpcb-like script is one request after another, each transaction a handful of different statements.
# None of them may leave an n_plus_one, per_id_lookup_loop, row_by_row_write, session_setting or
# wide_fetch finding; a real loop, SET or wide fetch on the same server, run after them, still is one
# (so the check can fail).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('pgbench_quiet');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\n");
# Every SELECT is checked for identical repeated reads (the default samples 1 in 16), with the
# default threshold (200 runs of the same values in a minute): pgbench's random keys repeat, at
# scale 1 (100,000 accounts) and these durations a few times each, never that often (issue 20).
$node->append_conf('postgresql.conf', "pg_perfgate.cache_candidate_sample_rate = 1\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->command_ok([ 'pgbench', '-i', '-q', '-s', '1', 'postgres' ], 'pgbench -i');

my $loops = q{SELECT count(*) FROM pg_perfgate_antipatterns
               WHERE kind IN ('n_plus_one', 'per_id_lookup_loop', 'row_by_row_write')};
# pgbench sets nothing: no setting may be reported as left on its connections (issue 20).
my $session_setting = q{SELECT count(*) FROM pg_perfgate_antipatterns WHERE kind = 'session_setting'};
# Nor does it fetch wide rows many at a time (issue 20).
my $wide_fetch = q{SELECT count(*) FROM pg_perfgate_antipatterns WHERE kind = 'wide_fetch'};
my $cache = q{SELECT count(*) FROM pg_perfgate_antipatterns WHERE kind = 'cache_candidate'};
my $list = q{SELECT string_agg(kind || ' ' || calls || ' ' || coalesce(query, '?'), '; ')
               FROM pg_perfgate_antipatterns};

for my $run (
	[ 'select-only, simple, 1 client',    '-S', '-c', '1' ],
	[ 'select-only, simple, 2 clients',   '-S', '-c', '2' ],
	[ 'select-only, prepared, 2 clients', '-S', '-M', 'prepared', '-c', '2' ],
	[ 'select-only, simple, 8 clients',   '-S', '-c', '8', '-j', '2' ],
	[ 'select-only, prepared, 8 clients', '-S', '-M', 'prepared', '-c', '8', '-j', '2' ],
	[ 'tpcb-like, simple, 2 clients',     '-c', '2' ],
	[ 'tpcb-like, prepared, 2 clients',   '-M', 'prepared', '-c', '2' ])
{
	my ($name, @args) = @$run;
	$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
	$node->command_ok([ 'pgbench', '-n', '-T', '2', @args, 'postgres' ], "pgbench $name ran");
	my $statements = $node->safe_psql('postgres',
		q{SELECT coalesce(sum(calls), 0) FROM pg_perfgate_statements WHERE query LIKE '%pgbench_accounts%'});
	cmp_ok($statements, '>', 100, "pgbench $name: its statements were recorded");
	is($node->safe_psql('postgres', $loops), '0', "pgbench $name: no loop or row-by-row finding")
	  or diag($node->safe_psql('postgres', $list));
	is($node->safe_psql('postgres', $session_setting), '0', "pgbench $name: no session_setting finding")
	  or diag($node->safe_psql('postgres', $list));
	is($node->safe_psql('postgres', $wide_fetch), '0', "pgbench $name: no wide_fetch finding")
	  or diag($node->safe_psql('postgres', $list));
	is($node->safe_psql('postgres', $cache), '0', "pgbench $name: no cache_candidate finding")
	  or diag($node->safe_psql('postgres', $list));
}

# The control: a parent that returns 12 ids, then one lookup per id, is still an N+1 loop.
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
my $sql = "SELECT aid FROM pgbench_accounts WHERE aid <= 12 ORDER BY aid;\n";
$sql .= "SELECT abalance FROM pgbench_accounts WHERE aid = $_;\n" for 1 .. 12;
$node->safe_psql('postgres', "BEGIN;\n$sql COMMIT;");
is( $node->safe_psql('postgres',
		q{SELECT kind || ' ' || calls || ' ' || related_rows FROM pg_perfgate_antipatterns
           WHERE kind IN ('n_plus_one', 'per_id_lookup_loop', 'row_by_row_write')}),
	'n_plus_one 12 12',
	'a loop over a parent\'s rows is still found');

# The control of the session_setting check: a script that sets work_mem for the session after its
# first lookup, then runs three other statements in later transactions, is reported (issue 20).
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
my $script = $node->basedir . '/session_set.sql';
open(my $fh, '>', $script) or die "cannot write $script: $!";
print $fh "\\set aid random(1, 100000)\n"
  . "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n"
  . "SET work_mem = '64MB';\n"
  . "SELECT count(*) FROM pgbench_branches;\n"
  . "SELECT bid FROM pgbench_tellers WHERE tid = 1;\n"
  . "SELECT sum(bbalance) FROM pgbench_branches;\n";
close($fh);
$node->command_ok([ 'pgbench', '-n', '-t', '5', '-c', '1', '-f', $script, 'postgres' ],
	'pgbench with a session SET ran');
is( $node->safe_psql('postgres',
		q{SELECT kind || ' ' || query FROM pg_perfgate_antipatterns WHERE kind = 'session_setting'}),
	"session_setting SET work_mem = '64MB'",
	'a SET left on the connection for later transactions is found');

# The control of the wide_fetch check: a script that reads 2,000 whole rows of a table with a
# 1.5 kB column is reported, naming the column (issue 20).
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
$node->safe_psql(
	'postgres', q{
CREATE TABLE bench_docs (id int PRIMARY KEY, title text, status text, body text);
INSERT INTO bench_docs SELECT g, 'doc ' || g, 'draft',
  (SELECT string_agg(md5((g * 100 + k)::text), '') FROM generate_series(1, 47) k)
  FROM generate_series(1, 2000) g;
ANALYZE bench_docs;});
$script = $node->basedir . '/wide.sql';
open($fh, '>', $script) or die "cannot write $script: $!";
print $fh "SELECT * FROM bench_docs;\n";
close($fh);
$node->command_ok([ 'pgbench', '-n', '-t', '2', '-c', '1', '-f', $script, 'postgres' ],
	'pgbench with a wide fetch ran');
is( $node->safe_psql('postgres',
		q{SELECT kind || ' ' || query || ' ' || split_part(detail, ' ', 1) FROM pg_perfgate_antipatterns
           WHERE kind = 'wide_fetch'}),
	'wide_fetch SELECT * FROM bench_docs bench_docs.body',
	'a wide fetch is found');
# The control of the cache_candidate check: the same account looked up again and again, by two
# clients, is reported (issue 20).
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
$script = $node->basedir . '/same_lookup.sql';
open($fh, '>', $script) or die "cannot write $script: $!";
print $fh "SELECT abalance FROM pgbench_accounts WHERE aid = 42;\n";
close($fh);
$node->command_ok([ 'pgbench', '-n', '-t', '150', '-c', '2', '-f', $script, 'postgres' ],
	'pgbench with one repeated lookup ran');
is( $node->safe_psql('postgres',
		q{SELECT kind || ' ' || query || ' ' || related_rows FROM pg_perfgate_antipatterns
           WHERE kind = 'cache_candidate'}),
	'cache_candidate SELECT abalance FROM pgbench_accounts WHERE aid = $1 1',
	'the same lookup repeated across sessions is found');

$node->stop;
done_testing();
