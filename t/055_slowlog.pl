# The slow-statement log: off by default; on, a fast statement writes nothing and a slow one writes
# one LOG line with its query id, plan id, figures, its own text, parameters and plan; at most
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
	qr/${line}[0-9.]+ ms, query id -?\d+, plan id -?\d+, 1 rows, shared blocks: \d+ hit \d+ read \d+ dirtied \d+ written, temp blocks: 0 read 0 written\n\s*query: SELECT pg_sleep\(0.15\), v FROM t WHERE id = 7\n\s*plan:\n\s*(Index Scan using t_pkey on t\n\s+Index Cond|Seq Scan on t\n\s+Filter): \(id = 7\)/,
	'a slow statement: one line with its figures, its own text and plan');
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


# The slow run's own text and plan, not the first execution's (issue 19): the entry and its stored
# plan were made above with id = 7, a fast run with id = 5 follows; the slow run with id = 777 must
# show 777.
$node->safe_psql('postgres', q{INSERT INTO t VALUES (777, 'v777')});
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_min_duration = '40ms'});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.log_min_duration') = '40ms'})
  or die 'setting not reloaded';
# The last line of the log written since $offset that says "slow statement", with its continuation.
sub slow_line
{
	my ($from) = @_;
	my @lines = split /(?=^\S.*LOG:  )/m, slurp_file($node->logfile, $from);
	my @slow = grep { /$line/ } @lines;
	return $slow[-1] // '';
}
$offset = -s $node->logfile;
$node->safe_psql('postgres', 'SELECT pg_sleep(0.001), v FROM t WHERE id = 5');
ok(!$node->log_contains($line, $offset), 'the first, fast run with id = 5 is not logged');
$node->safe_psql('postgres', 'SELECT pg_sleep(0.05), v FROM t WHERE id = 777');
$log = slow_line($offset);
like($log, qr/\n\s*query: SELECT pg_sleep\(0.05\), v FROM t WHERE id = 777\n/, 'id = 777: the text of the slow run');
like($log, qr/\n\s*plan:\n\s*(Index Scan using t_pkey on t\n\s+Index Cond|Seq Scan on t\n\s+Filter): \(id = 777\)/,
	'and the plan of the slow run');
unlike($log, qr/\(id = [0-9]\)/, 'not the stored plan\'s constants (the entry was made with id = 7, run again with id = 5)');
unlike($log, qr/parameters:/, 'no parameters line where the client bound none');

# Bound parameters: EXECUTE of a generic plan shows $1 in the plan and the value as core logs it.
# (The text of a prepared statement is its PREPARE, as pg_stat_statements shows it.)
my $execute = q{SET plan_cache_mode = force_generic_plan;
PREPARE q(int, text) AS SELECT pg_sleep(0.05), v FROM t WHERE id = $1 AND v <> $2;
EXECUTE q(5, 'x');
EXECUTE q(777, 'abcdefgh');};
$offset = -s $node->logfile;
$node->safe_psql('postgres', $execute);
$log = slow_line($offset);
like($log, qr/\n\s*query: PREPARE q\(int, text\) AS SELECT pg_sleep\(0.05\), v FROM t WHERE id = \$1 AND v <> \$2\n\s*parameters: \$1 = '777', \$2 = 'abcdefgh'\n\s*plan:\n\s*(Index Scan using t_pkey on t\n\s+Index Cond: \(id = \$1\)|Seq Scan on t\n\s+Filter: \(\(v <> \$2\) AND \(id = \$1\)\))/,
	'EXECUTE: the prepared text, the bound parameters ($1 = \'777\') and the generic plan');

# As auto_explain.log_parameter_max_length: values cut with "...", or no parameters at all.
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_parameter_max_length = 3});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.log_parameter_max_length') = '3B'})
  or die 'setting not reloaded';
$offset = -s $node->logfile;
$node->safe_psql('postgres', $execute);
like(slow_line($offset), qr/\n\s*parameters: \$1 = '777', \$2 = 'abc\.\.\.'\n/, 'log_parameter_max_length = 3 cuts each value');
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_parameter_max_length = 0});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.log_parameter_max_length') = '0'})
  or die 'setting not reloaded';
$offset = -s $node->logfile;
$node->safe_psql('postgres', $execute);
$log = slow_line($offset);
like($log, qr/\n\s*query: PREPARE q\(int, text\) AS SELECT pg_sleep\(0.05\), v FROM t WHERE id = \$1 AND v <> \$2\n\s*plan:/,
	'log_parameter_max_length = 0: the text and plan');
# \b: the plan id and query id are numbers that may hold the digits 777.
unlike($log, qr/parameters:|\b777\b|abc/, 'and no parameter value anywhere');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET pg_perfgate.log_parameter_max_length});

# A PL/pgSQL function's variables are not parameters the client bound: never written.
$node->safe_psql('postgres', q{CREATE FUNCTION slow_lookup(k int) RETURNS text LANGUAGE plpgsql AS
	$$ BEGIN RETURN (SELECT v FROM t, pg_sleep(0.05) WHERE id = k); END $$});
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.track = 'all'});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.track') = 'all'})
  or die 'setting not reloaded';
$offset = -s $node->logfile;
$node->safe_psql('postgres', q{SELECT slow_lookup(777)});
$log = slurp_file($node->logfile, $offset);
like($log, qr/query: \(SELECT v FROM t, pg_sleep\(0.05\) WHERE id = k\)/, 'the nested statement is logged under track = all');
unlike($log, qr/parameters:/, 'without the function\'s variables as parameters');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET pg_perfgate.track});

# A statement with no table: its text and its one-node plan (the issue saw neither).
$offset = -s $node->logfile;
$node->safe_psql('postgres', 'select pg_sleep(0.05)');
like(slow_line($offset), qr/\n\s*query: select pg_sleep\(0.05\)\n\s*plan:\n\s*Result\s*$/, 'select pg_sleep(0.05): its text and plan');

# Actual rows only when executions are sampled for them (off by default).
unlike(slurp_file($node->logfile), qr/actual rows=/, 'no actual rows by default');
$node->safe_psql('postgres', q{ALTER SYSTEM SET pg_perfgate.log_analyze_sample_rate = 1});
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('pg_perfgate.log_analyze_sample_rate') = '1'})
  or die 'setting not reloaded';
$offset = -s $node->logfile;
$node->safe_psql('postgres', 'SELECT pg_sleep(0.05), v FROM t WHERE id BETWEEN 97 AND 100');
like(slow_line($offset), qr/\n\s*plan \(actual rows: pg_perfgate.log_analyze_sample_rate\):\n\s*(Index Scan using t_pkey on t|Seq Scan on t) \(actual rows=4(?:\.00)? loops=1\)/,
	'log_analyze_sample_rate = 1: the plan with actual rows');

$node->stop;
done_testing();
