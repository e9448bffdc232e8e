# The slow-statement log: off by default; on, a fast statement writes nothing and a slow one writes
# one LOG line with its query id, plan id, figures and stored plan; at most
# pg_perfgate.log_max_per_minute lines a minute, and the next line written says how many were left out.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);

my $node = PostgreSQL::Test::Cluster->new('slowlog');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_perfgate'\npg_perfgate.log_max_per_minute = 3\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->safe_psql('postgres', q{CREATE TABLE t (id int PRIMARY KEY, v text)});
$node->safe_psql('postgres', q{INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g});
$node->safe_psql('postgres', 'ANALYZE t');

my $slow = 'SELECT pg_sleep(0.15), v FROM t WHERE id = 7';
my $line = qr/LOG:  pg_perfgate: slow statement: /;

my $offset = -s $node->logfile;
$node->safe_psql('postgres', $slow);
ok(!$node->log_contains($line, $offset), 'off by default: nothing logged');

$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_min_duration = '100ms'});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.log_min_duration') = '100ms'})
  or die 'setting not reloaded';

# The clock's minute decides the rate limit: start where one begins.
sub next_minute { sleep(60.5 - (time() % 60)); }
next_minute();

$offset = -s $node->logfile;
$node->safe_psql('postgres', 'SELECT v FROM t WHERE id = 3');
ok(!$node->log_contains($line, $offset), 'on, nothing slow: nothing logged');

$node->safe_psql('postgres', $slow);
my $log = slurp_file($node->logfile, $offset);
like($log,
	qr/${line}[0-9.]+ ms, query id -?\d+, plan id -?\d+, 1 rows, shared blocks: \d+ hit \d+ read \d+ dirtied \d+ written, temp blocks: 0 read 0 written\n\s*query: SELECT pg_sleep\(\$1\), v FROM t WHERE id = \$2\n\s*plan:\n\s*(Index Scan using t_pkey on t\n\s+Index Cond|Seq Scan on t\n\s+Filter): \(id = 7\)/,
	'a slow statement: one line with its figures, normalized text and stored plan');
my ($queryid, $planid) = $log =~ /query id (-?\d+), plan id (-?\d+)/;
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_perfgate_statements WHERE queryid = $queryid AND planid = $planid"),
	'1',
	'the logged query id and plan id are those of its entry');
unlike($log, qr/STATEMENT:/, 'the statement with its constants is not repeated');

# A storm: four more slow executions in the same minute; two fit under the limit of three.
$node->safe_psql('postgres', $slow) for 1 .. 4;
$log = slurp_file($node->logfile, $offset);
my $lines = () = $log =~ /$line/g;
is($lines, 3, 'at most log_max_per_minute lines a minute');

next_minute();
$offset = -s $node->logfile;
$node->safe_psql('postgres', $slow);
$log = slurp_file($node->logfile, $offset);
like($log, qr/${line}.*\(2 slow executions before this one were not logged: pg_perfgate.log_max_per_minute\)/,
	'the next line says how many were left out');

# Utility statements are logged too, without a plan.
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_min_duration = 0});
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_max_per_minute = 1000});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.log_min_duration') = '0'})
  or die 'setting not reloaded';
$offset = -s $node->logfile;
$node->safe_psql('postgres', 'CREATE TABLE u (id int)');
$log = slurp_file($node->logfile, $offset);
like($log, qr/${line}.*plan id 0,.*\n\s*query: CREATE TABLE u \(id int\)\n\s*plan:\n\s*\(utility statement\)/,
	'a utility statement: logged without a plan');

$node->stop;
done_testing();
