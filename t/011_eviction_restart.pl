# What eviction and a clean restart keep: a statement that is hot survives a full store, a clean
# restart and then a burst of one-off statements larger than the store (its usage is saved with
# it); anti-pattern findings and error counts come back after a clean restart as they were; and
# each row's stats_since is the same before and after.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('eviction_restart');
$node->init;
$node->append_conf('postgresql.conf', qq{shared_preload_libraries = 'pg_perfgate'
pg_perfgate.max = 1000
pg_perfgate.track_utility = off
pg_perfgate.sample_rate = 1
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->safe_psql('postgres', 'CREATE TABLE t (id int PRIMARY KEY, v text)');
$node->safe_psql('postgres', q{INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g});

# n distinct statements (distinct query ids: an array of a elements and a row of b), one session.
sub distinct_statements {
	my ($from, $n) = @_;
	my $sql = '';
	for my $i ($from .. $from + $n - 1) {
		my ($a, $b) = (1 + int($i / 60), 1 + $i % 60);
		$sql .= 'SELECT ARRAY[' . join(',', (7) x $a) . '], ROW(' . join(',', (7) x $b) . ");\n";
	}
	$node->safe_psql('postgres', $sql);
}

my $hot = q{SELECT calls FROM pg_perfgate_statements WHERE query = 'SELECT v FROM t WHERE id = $1'};
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
$node->safe_psql('postgres', join('', map { "SELECT v FROM t WHERE id = " . (1 + $_ % 1000) . ";\n" } 1 .. 2000));
distinct_statements(0, 1600);
is($node->safe_psql('postgres', $hot), '2000', 'the hot statement is counted');
is($node->safe_psql('postgres', q{SELECT entries || ' of ' || max FROM pg_perfgate_info}), '1000 of 1000', 'the store is full');
my $since = q{SELECT stats_since || ' ' || minmax_stats_since FROM pg_perfgate_statements
              WHERE query = 'SELECT v FROM t WHERE id = $1'};
my $since_before = $node->safe_psql('postgres', $since);

$node->restart;
is($node->safe_psql('postgres', $hot), '2000', 'the hot statement survives the restart');
is($node->safe_psql('postgres', $since), $since_before, 'stats_since and minmax_stats_since survive the restart');
distinct_statements(5000, 1500);
is($node->safe_psql('postgres', 'SELECT evictions >= 1500 FROM pg_perfgate_info'), 't',
	'1,500 new statements evicted as many');
is($node->safe_psql('postgres', $hot), '2000',
	'after a restart, 1,500 one-off statements at max = 1000 do not evict the hot statement');

# The same without a restart: the hot statement goes on being used during the burst.
my $burst = '';
for my $i (0 .. 1499) {
	my ($a, $b) = (1 + int((9000 + $i) / 60), 1 + (9000 + $i) % 60);
	$burst .= 'SELECT ARRAY[' . join(',', (7) x $a) . '], ROW(' . join(',', (7) x $b) . ");\n";
	$burst .= "SELECT v FROM t WHERE id = 5;\n" if $i % 100 == 0;
}
$node->safe_psql('postgres', $burst);
is($node->safe_psql('postgres', $hot), '2015', 'a statement in use survives a burst without a restart');

# Findings and error counts: as they were before a clean restart, with stats_reset unchanged.
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
$node->safe_psql('postgres', join('', map { "SELECT id FROM t ORDER BY id LIMIT 5 OFFSET " . (1000 + $_) . ";\n" } 1 .. 3));
$node->psql('postgres', 'SELECT 1 / 0') for 1 .. 4;
$node->psql('postgres', 'SELECT * FROM no_such_table');
my $findings = q{SELECT kind || ':' || occurrences || ':' || calls || ':' || largest || ':' || first_seen
                 FROM pg_perfgate_antipatterns ORDER BY 1};
my $errors = q{SELECT sqlstate || ':' || errors || ':' || first_seen || ':' || last_seen
               FROM pg_perfgate_errors ORDER BY 1};
my $reset = 'SELECT stats_reset FROM pg_perfgate_info';
my ($f_before, $e_before, $r_before) = map { $node->safe_psql('postgres', $_) } $findings, $errors, $reset;
like($f_before, qr/^deep_offset:3:3:1003:/, 'a finding before the restart');
like($e_before, qr/^22012:4:.*\n42P01:1:/, 'error counts before the restart');

$node->restart;
is($node->safe_psql('postgres', $findings), $f_before, 'findings are the same after a clean restart');
is($node->safe_psql('postgres', $errors), $e_before, 'error counts are the same after a clean restart');
is($node->safe_psql('postgres', $reset), $r_before, 'stats_reset is the same after a clean restart');
$node->psql('postgres', 'SELECT 1 / 0');
like($node->safe_psql('postgres', $errors), qr/^22012:5:/, 'a reloaded error count goes on counting');

$node->stop;
done_testing();
