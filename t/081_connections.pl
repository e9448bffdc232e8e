# Connection churn (issue 20): pgbench opening a connection per transaction (-C) is the
# connection_per_request finding, and nothing else; pgbench on long sessions (select-only and its
# default tpcb-like script, simple and prepared) is quiet, and leaves no idle_in_transaction either.
# pg_perfgate_connections shows a client address over TCP only to the sessions' role and
# pg_read_all_stats, as pg_stat_activity does.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('connections');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\nlisten_addresses = '127.0.0.1'\n");
$node->append_conf('pg_hba.conf', "host all all 127.0.0.1/32 trust\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->command_ok([ 'pgbench', '-i', '-q', '-s', '1', 'postgres' ], 'pgbench -i');
# pgbench runs as its own role and application. The test's own psql calls (a connection each, every
# 100 ms while polling) are a connection per request too: off for the role that makes them.
$node->safe_psql('postgres', q{CREATE ROLE bench LOGIN SUPERUSER;
                               ALTER ROLE CURRENT_USER SET pg_perfgate.connection_per_request_rate = 0});
my $bench_db = 'dbname=postgres user=bench application_name=pgbench';

my $kinds = q{SELECT coalesce(string_agg(kind || ' ' || occurrences, ', ' ORDER BY kind), '') FROM pg_perfgate_antipatterns};
my $list = q{SELECT string_agg(kind || ' ' || calls || ' ' || coalesce(query, '?') || ' ' || coalesce(detail, ''), '; ')
               FROM pg_perfgate_antipatterns};

# pgbench's backends write their session figures when they exit, after pgbench itself has.
sub wait_pgbench_gone
{
	$node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE application_name = 'pgbench'})
	  or die 'pgbench backends did not exit';
}

for my $run (
	[ 'select-only, 2 clients',            '-S', '-c', '2' ],
	[ 'select-only, prepared, 2 clients',  '-S', '-M', 'prepared', '-c', '2' ],
	[ 'tpcb-like, 2 clients',              '-c', '2' ],
	[ 'tpcb-like, prepared, 8 clients',    '-M', 'prepared', '-c', '8', '-j', '2' ])
{
	my ($name, @args) = @$run;
	$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
	$node->command_ok([ 'pgbench', '-n', '-T', '2', @args, $bench_db ], "pgbench $name ran");
	wait_pgbench_gone();
	my ($sessions, $statements) = split /\|/, $node->safe_psql('postgres',
		q{SELECT sessions_ended, statements FROM pg_perfgate_connections WHERE application_name = 'pgbench'});
	cmp_ok($statements, '>', 100, "pgbench $name: its sessions' statements were counted");
	is($node->safe_psql('postgres', $kinds), '', "pgbench $name: no finding at all")
	  or diag($node->safe_psql('postgres', $list));
}

# -C: a new connection for every transaction, at pgbench's natural rate (300 transactions, a few
# seconds here): connection_per_request for application pgbench, and no other kind (its one-lookup
# sessions are not loops).
for my $run ([ 'select-only -C', '-S' ], [ 'tpcb-like -C', '-M', 'prepared' ], [ 'tpcb-like -C, 2 clients', '-c', '2' ])
{
	my ($name, @args) = @$run;
	$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
	$node->command_ok([ 'pgbench', '-n', '-C', '-t', '300', @args, $bench_db ], "pgbench $name ran");
	wait_pgbench_gone();
	my $figures = $node->safe_psql('postgres',
		q{SELECT sessions || ' sessions, ' || round(sessions_per_minute) || ' a minute, ' ||
		         round(statements_per_session::numeric, 1) || ' statements, ' ||
		         round(mean_session_time::numeric, 1) || ' ms each'
		    FROM pg_perfgate_connections WHERE application_name = 'pgbench'});
	diag("pgbench $name: $figures");
	like($node->safe_psql('postgres', $kinds), qr/^connection_per_request \d+$/,
		"pgbench $name: connection_per_request and nothing else")
	  or diag($node->safe_psql('postgres', $list));
	like( $node->safe_psql('postgres',
			q{SELECT detail FROM pg_perfgate_antipatterns WHERE kind = 'connection_per_request'}),
		qr/^application "pgbench": \d+ short sessions a minute, [\d.]+ statements and [\d.]+ ms each$/,
		"pgbench $name: the detail names the application, rate, statements and lifetime");
}

# The client address, over TCP: the sessions' own role and pg_read_all_stats see it, others not.
$node->safe_psql('postgres', q{CREATE ROLE tcp_user LOGIN; CREATE ROLE other_user LOGIN;
                               CREATE ROLE stats_user LOGIN IN ROLE pg_read_all_stats});
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
my $tcp = 'host=127.0.0.1 port=' . $node->port . ' dbname=postgres application_name=tcp_app';
$node->command_ok([ 'psql', '-X', '-d', "$tcp user=tcp_user", '-c', 'SELECT 1' ], 'a session over TCP');
$node->poll_query_until('postgres',
	q{SELECT sessions_ended = 1 FROM pg_perfgate_connections WHERE application_name = 'tcp_app'})
  or die 'the TCP session did not end';
my $addr = q{SELECT coalesce(host(client_addr), 'NULL') FROM pg_perfgate_connections WHERE application_name = 'tcp_app'};
is($node->safe_psql('postgres', $addr, extra_params => [ '-U', 'tcp_user' ]), '127.0.0.1',
	'the sessions\' own role sees the client address');
is($node->safe_psql('postgres', $addr, extra_params => [ '-U', 'stats_user' ]), '127.0.0.1',
	'pg_read_all_stats sees the client address');
is($node->safe_psql('postgres', $addr, extra_params => [ '-U', 'other_user' ]), 'NULL',
	'another role does not see the client address');
is($node->safe_psql('postgres', q{SELECT sessions FROM pg_perfgate_connections WHERE application_name = 'tcp_app'},
		extra_params => [ '-U', 'other_user' ]), '1', 'another role sees the sessions\' figures');

$node->stop;
done_testing();
