# Statistics survive a clean restart; a missing, truncated, corrupted or older file is ignored with a
# WARNING and the server starts anyway; with pg_perfgate.save = off nothing is kept.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('restart');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\n");
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->safe_psql('postgres', 'CREATE TABLE t (id int PRIMARY KEY, v text)');
$node->safe_psql('postgres', q{INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g});
$node->safe_psql('postgres', 'SELECT pg_perfgate_reset()');
$node->safe_psql('postgres', "SELECT v FROM t WHERE id = $_") for 1 .. 7;

my $query = q{SELECT calls || '|' || rows || '|' || (p95_exec_time > 0) FROM pg_perfgate_statements
              WHERE query = 'SELECT v FROM t WHERE id = $1'};
my $plan = q{SELECT plan FROM pg_perfgate_plans WHERE query = 'SELECT v FROM t WHERE id = $1'};
is($node->safe_psql('postgres', $query), '7|7|true', 'counted before the restart');
my $plan_before = $node->safe_psql('postgres', $plan);
like($plan_before, qr/Index Scan using t_pkey on t/, 'plan text recorded');

$node->restart;
is($node->safe_psql('postgres', $query), '7|7|true', 'counters survive a clean restart');
is($node->safe_psql('postgres', $plan), $plan_before, 'plan text survives a clean restart');
$node->safe_psql('postgres', 'SELECT v FROM t WHERE id = 8');
is($node->safe_psql('postgres', $query), '8|8|true', 'the reloaded entry keeps counting');

my $file = $node->data_dir . '/pg_stat/pg_perfgate.stat';

# Damage the saved file in three ways; each time the server must start, warn and begin empty.
# Overwrites the file's bytes at an offset (the header's fields: format at 4, plan id version at 16).
sub overwrite {
	my ($path, $offset, $bytes) = @_;
	open(my $fh, '+<', $path) or die "open: $!";
	binmode $fh;
	seek($fh, $offset, 0);
	print $fh $bytes;
	close $fh;
}

my %damage = (
	'truncated' => sub { truncate($_[0], (-s $_[0]) / 2) or die "truncate: $!"; },
	'corrupted' => sub { overwrite($_[0], (-s $_[0]) / 2, "garbage in the middle of the file"); },
	# A file an earlier pg_perfgate wrote: its entries have another layout, so it must not be read.
	'older format' => sub { overwrite($_[0], 4, pack('L', 1)); },
	# A file whose plan ids an earlier walk computed: loaded, every query would show a plan change.
	'older plan ids' => sub { overwrite($_[0], 16, pack('L', 1)); },
	'not ours' => sub {
		open(my $fh, '>', $_[0]) or die "open: $!";
		print $fh "x" x 1000;
		close $fh;
	},
);
for my $kind (sort keys %damage) {
	$node->stop;
	ok(-f $file, "stats file written at shutdown (before $kind)");
	$damage{$kind}->($file);
	my $log_offset = -s $node->logfile;
	$node->start;
	ok($node->log_contains(qr/WARNING:  ignoring pg_perfgate statistics file/, $log_offset),
		"$kind file ignored with a warning");
	ok($node->log_contains(qr/plan ids were computed by another version of pg_perfgate/, $log_offset),
		"$kind file: the warning says why") if $kind eq 'older plan ids';
	is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_perfgate_statements WHERE query LIKE \'%FROM t WHERE%\''),
		'0', "$kind file: store starts empty");
	$node->safe_psql('postgres', "SELECT v FROM t WHERE id = $_") for 1 .. 3;
}

# A missing file is no warning at all.
$node->stop;
unlink $file;
my $log_offset = -s $node->logfile;
$node->start;
ok(!$node->log_contains(qr/pg_perfgate statistics file/, $log_offset), 'missing file: no warning');

# With save = off nothing is written.
$node->safe_psql('postgres', "SELECT v FROM t WHERE id = $_") for 1 .. 3;
$node->append_conf('postgresql.conf', "pg_perfgate.save = off\n");
$node->restart;
ok(!-f $file, 'save = off: no file after shutdown');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_perfgate_statements WHERE query LIKE \'%FROM t WHERE%\''),
	'0', 'save = off: nothing reloaded');

$node->stop;
done_testing();
