# pg_perfgate_activity shows, for another backend running a tracked statement now, its plan id, its
# stored plan and its hot-query row; once the statement is over, none of it. A statement running for
# the first time (no entry yet) shows its plan and query group too. Its rows are exactly
# pg_stat_activity's client backends, with what pg_stat_activity shows the caller, row by row.
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

# Row by row against pg_stat_activity, as a role without pg_read_all_stats, in one transaction (one
# snapshot of the backends): the same client backends, the same columns, and no other process.
my $compare = q{BEGIN;
CREATE TEMP TABLE clients AS SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend';
GRANT SELECT ON clients TO regress_other;
SET LOCAL ROLE regress_other;
SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type IS NULL AND query = '<insufficient privilege>')
       || '|' || (SELECT count(*) FROM pg_perfgate_activity)
       || '|' || (SELECT count(*) FROM clients)
       || '|' || (SELECT count(*) FROM pg_perfgate_activity WHERE pid NOT IN (SELECT pid FROM clients))
       || '|' || (SELECT count(*)
                    FROM pg_perfgate_activity v
                    FULL JOIN (SELECT * FROM pg_stat_activity WHERE pid IN (SELECT pid FROM clients)) a ON a.pid = v.pid
                   WHERE v.pid IS NULL OR a.pid IS NULL
                      OR (v.datname, v.usename, v.application_name, v.state, v.query_start, v.wait_event_type,
                          v.wait_event, v.queryid, v.query)
                         IS DISTINCT FROM (a.datname, a.usename, a.application_name, a.state, a.query_start,
                                           a.wait_event_type, a.wait_event, a.query_id, a.query));
COMMIT;};
my ($hidden, $rows, $clients, $strangers, $differ) = split /\|/, $node->safe_psql('postgres', $compare);
cmp_ok($hidden, '>', 0, 'pg_stat_activity shows the role background processes it may not inspect');
is($rows, $clients, 'the view has a row for each client backend, and only those');
is($strangers, '0', 'no background process among them');
is($differ, '0', 'each row shows what pg_stat_activity shows the role');

$slow->finish;
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(4.0)%'"),
	'0', 'the statement is over: its backend is gone');
is($node->safe_psql('postgres', q{SELECT calls FROM pg_perfgate_statements WHERE query LIKE 'SELECT pg_sleep($1)%'}),
	'2', 'and it was counted');

# A statement never seen before: no entry yet, and still its plan and query group while it runs.
($out, $err) = ('', '');
my $first = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', q{SELECT pg_sleep(6.0), id, v FROM t WHERE id = 3} ],
	'>', \$out, '2>', \$err);
$node->poll_query_until('postgres', "SELECT count(planid) = 1 FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(6.0), id%'")
  or die 'the first run never showed';
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM pg_perfgate_statements WHERE query LIKE 'SELECT pg_sleep($1), id%'}),
	'0', 'a first run: no entry yet');
my ($fplanid, $fgroup, $fplan) = split /\|/,
  $node->safe_psql('postgres',
	q{SELECT planid, query_group, plan FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(6.0), id%'}), 3;
like($fplan, qr/^(Index Scan using t_pkey on t\n\s+Index Cond|Seq Scan on t\n\s+Filter): \(id = 3\)$/,
	'its plan shows while it runs');
isnt($fgroup, '', 'and its query group');
is( $node->safe_psql(
		'postgres', q{SET ROLE regress_other;
		SELECT count(*) || '|' || count(plan) FROM pg_perfgate_activity WHERE pid <> pg_backend_pid()}),
	'1|0',
	'another role: not its plan');
$first->finish;
is( $node->safe_psql(
		'postgres', q{SELECT planid || '|' || query_group || '|' || plan FROM pg_perfgate_statements
		 JOIN pg_perfgate_plans USING (dbid, queryid, planid) WHERE pg_perfgate_statements.query LIKE 'SELECT pg_sleep($1), id%'}),
	"$fplanid|$fgroup|$fplan",
	'the entry made at its end has the plan id, query group and plan it showed');

$node->stop;
done_testing();
