# Many backends recording at once while the store evicts and is reset: the lock-free path for
# existing entries, eviction under churn and reset racing with them must neither crash the server
# nor leave the store unusable, and counts taken after the storm are exact. (Partial resets, so
# that the eviction counter, which a full reset clears, shows the churn.)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('concurrency');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\npg_perfgate.max = 100\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->command_ok([ 'pgbench', '-i', '-q', '-s', '1', '-p', $node->port, '-h', $node->host, 'postgres' ],
	'pgbench -i');

# 250 statements of distinct shapes: with max = 100, every pass evicts.
my $script = $node->basedir . '/churn.sql';
open(my $fh, '>', $script) or die "open: $!";
print $fh 'SELECT ' . join(' + ', ('1') x $_) . ";\n" for 1 .. 250;
close $fh;

my @conn = ('-p', $node->port, '-h', $node->host, 'postgres');
my ($out1, $out2, $out3, $err1, $err2, $err3) = ('', '', '', '', '', '');
my $churn = IPC::Run::start([ 'pgbench', '-n', '-f', $script, '-c', '3', '-j', '3', '-T', '8', @conn ],
	'>', \$out1, '2>', \$err1);
my $hits = IPC::Run::start([ 'pgbench', '-n', '-S', '-M', 'prepared', '-c', '2', '-j', '2', '-T', '8', @conn ],
	'>', \$out2, '2>', \$err2);
my $resets = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '1', '-T', '8', '-R', '20', '-f', '-', @conn ],
	'<', \"SELECT pg_perfgate_reset(0, 0, queryid) FROM pg_perfgate_statements LIMIT 10;\n",
	'>', \$out3, '2>', \$err3);
$churn->finish;
$hits->finish;
$resets->finish;
is($churn->result(0), 0, 'churn clients finished cleanly') or diag($err1);
is($hits->result(0), 0, 'select-only clients finished cleanly') or diag($err2);
is($resets->result(0), 0, 'resetting client finished cleanly') or diag($err3);
like($out2, qr/number of transactions actually processed: [1-9]/, 'select-only clients got work done');

is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server alive after the storm');
ok(!$node->log_contains(qr/server process .* was terminated/), 'no backend crashed');
my ($entries, $max, $evictions) =
  split /\|/, $node->safe_psql('postgres', 'SELECT entries, max, evictions FROM pg_perfgate_info');
cmp_ok($entries, '<=', $max, "entries ($entries) within max ($max)");
cmp_ok($evictions, '>', 0, "evicted under churn ($evictions)");

# Exact counts once the storm is over.
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
$node->safe_psql('postgres', "SELECT aid FROM pgbench_accounts WHERE aid = $_") for 1 .. 50;
is( $node->safe_psql(
		'postgres', q{SELECT calls || '/' || rows FROM pg_perfgate_statements
		               WHERE query = 'SELECT aid FROM pgbench_accounts WHERE aid = $1'}),
	'50/50',
	'counts exact after the storm');

$node->stop;
done_testing();
