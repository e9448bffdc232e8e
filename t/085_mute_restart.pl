# Accepted findings survive restarts (issue 18): a mute is written to pg_perfgate_mutes.dat in the
# data directory when it is made, and read back at start, after a clean shutdown and after a crash
# alike; under pg_perfgate.n_plus_one_action = error the muted loop still runs after the restart. A
# damaged file is ignored with a WARNING that names it, and the server starts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('mute_restart');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\npg_perfgate.track = all\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION pg_perfgate;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, name text);
INSERT INTO parent SELECT generate_series(1, 20);
INSERT INTO child SELECT g, 'c' || g FROM generate_series(1, 20) g;
CREATE FUNCTION each_child() RETURNS int LANGUAGE plpgsql AS $$
DECLARE p record; c int := 0;
BEGIN
  FOR p IN SELECT id FROM parent ORDER BY id LOOP
    PERFORM name FROM child WHERE id = p.id;
    c := c + 1;
  END LOOP;
  RETURN c;
END $$;
});
my $loop = q{SET pg_perfgate.n_plus_one_action = error; SELECT each_child();};
my ($ret, $out, $err) = $node->psql('postgres', $loop);
like($err, qr/N\+1 query loop/, 'error mode stops the loop');

my $id = $node->safe_psql('postgres',
	q{SELECT queryid FROM pg_perfgate_antipatterns WHERE kind = 'n_plus_one' AND query LIKE '%child%'});
ok($id ne '', 'the loop is a finding');
$node->safe_psql('postgres', "SELECT pg_perfgate_mute('n_plus_one', $id, 'accepted: twenty rows')");
is($node->safe_psql('postgres', $loop), '20', 'muted: the loop runs under error mode');

for my $how ('fast', 'immediate')
{
	$node->stop($how);
	$node->start;
	is($node->safe_psql('postgres', q{SELECT kind || ' ' || note FROM pg_perfgate_mutes}),
		'n_plus_one accepted: twenty rows', "the mute is back after a $how stop");
	is($node->safe_psql('postgres', $loop), '20', "after a $how stop the muted loop still runs under error mode");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FILTER (WHERE muted) || ' ' || count(*) FILTER (WHERE NOT muted)
                FROM pg_perfgate_antipatterns_all WHERE query LIKE '%child%'}),
		'1 0', "after a $how stop the finding is counted as muted");
}

# A damaged file: a WARNING that names it, no mutes, a server that starts.
$node->stop;
my $file = $node->data_dir . '/pg_perfgate_mutes.dat';
ok(-f $file, 'the mutes have a file of their own');
open(my $fh, '+<', $file) or die "open $file: $!";
binmode $fh;
seek($fh, 20, 0);
print $fh "\xff\xff\xff\xff";
close $fh;
my $log_start = -s $node->logfile;
$node->start;
my $log = slurp_file($node->logfile, $log_start);
like($log, qr/WARNING:.*ignoring "pg_perfgate_mutes\.dat"/, 'a damaged file is named in a WARNING');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_perfgate_mutes'), '0', 'and nothing is muted');
($ret, $out, $err) = $node->psql('postgres', $loop);
like($err, qr/N\+1 query loop/, 'so error mode stops the loop again');

$node->stop;
done_testing();
