# pg_perfgate_activity shows, for another backend running a tracked statement now, its plan id, its
# stored plan and its hot-query row; once the statement is over, none of it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('activity');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->safe_psql('postgres', q{CREATE TABLE t (id int PRIMARY KEY, v text)});
$node->safe_psql('postgres', q{INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g});
$node->safe_psql('postgres', q{SELECT pg_sleep(0.01), v FROM t WHERE id = 1});

my ($out, $err) = ('', '');
my $slow = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', q{SELECT pg_sleep(4.0), v FROM t WHERE id = 2} ],
	'>', \$out, '2>', \$err);

my $row = q{SELECT planid, hot_calls, plan FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(4.0)%'};
$node->poll_query_until('postgres', "SELECT count(planid) = 1 FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(4.0)%'")
  or die 'the running statement never showed';
my ($planid, $calls, $plan) = split /\|/, $node->safe_psql('postgres', $row), 3;
is( $planid,
	$node->safe_psql('postgres', q{SELECT planid FROM pg_perfgate_statements WHERE query LIKE 'SELECT pg_sleep($1)%'}),
	'the running statement shows the plan id of its entry');
is($calls, '1', 'and its hot-query row (one call so far)');
like($plan, qr/(Index|Seq) Scan .*on t/, 'and its stored plan');

$node->safe_psql('postgres', 'CREATE ROLE regress_other');
is( $node->safe_psql(
		'postgres', q{SET ROLE regress_other;
		SELECT (count(*) >= 1) || '|' || count(planid) || '|' || count(plan) FROM pg_perfgate_activity
		 WHERE pid <> pg_backend_pid()}),
	'true|0|0',
	'another role sees the backend, not its plan id or plan');

$slow->finish;
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(4.0)%'"),
	'0', 'the statement is over: its backend is gone');
is($node->safe_psql('postgres', q{SELECT calls FROM pg_perfgate_statements WHERE query LIKE 'SELECT pg_sleep($1)%'}),
	'2', 'and it was counted');

$node->stop;
done_testing();
