# The README's privilege table is a test (issue 19): each of its rows is checked against what a role without
# pg_read_all_stats actually sees, next to a superuser, after another role's workload that leaves rows
# in every view. For each view the table names: which rows that role sees ("every row" / "only the
# rows of queries the caller may see"), the columns it sees as the superuser does (every column the
# third cell does not name), and the columns only the entry's own role and pg_read_all_stats see
# (the third cell: the role sees NULL there, or for `advice` a generic text, never the owner's value).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $readme = slurp_file(($ENV{TESTDIR} // '.') . '/README.md');
my ($section) = $readme =~ /\n### Privileges\n(.*?)\n### /s;
ok(defined $section, 'the README has a Privileges section') or BAIL_OUT('no Privileges section');
my @rows;
for my $line (split /\n/, $section)
{
	next unless $line =~ /^\|\s*`pg_perfgate_/;
	my (undef, $views, $everyone, $own) = split /\s*\|\s*/, $line;
	my @views = $views =~ /`(pg_perfgate_\w+)`/g;
	my @own = $own =~ /`(\w+)`/g;
	push @rows, { views => \@views, everyone => $everyone, own => \@own, line => $line };
}
cmp_ok(scalar(@rows), '>=', 7, 'the privilege table has a row per view');

my $node = PostgreSQL::Test::Cluster->new('readme_privileges');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'pg_perfgate'\n");
$node->start;
# The readers record nothing of their own: every row belongs to another role than the plain reader.
$node->safe_psql('postgres', q{
CREATE EXTENSION pg_perfgate;
CREATE ROLE regress_owner LOGIN;
CREATE ROLE regress_plain LOGIN;
ALTER ROLE regress_plain SET pg_perfgate.track = 'none';
ALTER ROLE postgres SET pg_perfgate.track = 'none';
CREATE TABLE items (id int PRIMARY KEY, k int, v text);
INSERT INTO items SELECT g, g % 100, 'v' || g FROM generate_series(1, 5000) g;
ANALYZE items;
GRANT SELECT, INSERT ON items TO regress_owner;
});

# The owner's workload: a query with two plans (an index appears), an N+1 loop and a failure.
my $owner = sub { $node->psql('postgres', $_[0], extra_params => [ '-U', 'regress_owner' ]) };
$owner->(q{SELECT v FROM items WHERE k = 7});
$node->safe_psql('postgres', q{CREATE INDEX ON items (k); ANALYZE items;});
$owner->(q{SELECT v FROM items WHERE k = 7});
$owner->(q{
BEGIN;
SELECT id FROM items ORDER BY id LIMIT 12;
SELECT v FROM items WHERE id = 1; SELECT v FROM items WHERE id = 2; SELECT v FROM items WHERE id = 3;
SELECT v FROM items WHERE id = 4; SELECT v FROM items WHERE id = 5; SELECT v FROM items WHERE id = 6;
SELECT v FROM items WHERE id = 7; SELECT v FROM items WHERE id = 8; SELECT v FROM items WHERE id = 9;
SELECT v FROM items WHERE id = 10; SELECT v FROM items WHERE id = 11; SELECT v FROM items WHERE id = 12;
COMMIT;
INSERT INTO items VALUES (1, 1, 'duplicate');});
# And a statement running while the views are read, for pg_perfgate_activity (its group has a
# hot-query row already).
$owner->(q{SELECT pg_sleep(0.01), v FROM items WHERE id = 41});
# It starts when that view's turn comes, last (it adds an entry when it ends), and is cancelled when
# the checks are done.
my ($out, $err) = ('', '');
my $running;
sub start_running
{
	$running = IPC::Run::start(
		[ 'psql', '-X', '-U', 'regress_owner', '-d', $node->connstr('postgres'), '-c',
		  q{SELECT pg_sleep(60), v FROM items WHERE id = 42} ],
		'>', \$out, '2>', \$err);
	$node->poll_query_until('postgres',
		q{SELECT count(planid) = 1 FROM pg_perfgate_activity WHERE query LIKE 'SELECT pg_sleep(60)%'})
	  or die 'the running statement never showed';
}

sub as
{
	my ($role, $sql) = @_;
	return $node->safe_psql('postgres', $sql, extra_params => [ '-U', $role ]);
}

my @checks;
for my $row (@rows)
{
	push @checks, map { [ $row, $_ ] } @{ $row->{views} };
}
@checks = ((grep { $_->[1] ne 'pg_perfgate_activity' } @checks), (grep { $_->[1] eq 'pg_perfgate_activity' } @checks));
for my $check (@checks)
{
	my ($row, $view) = @$check;
	start_running() if $view eq 'pg_perfgate_activity';
	{
		my @columns = split /\n/, $node->safe_psql('postgres',
			"SELECT attname FROM pg_attribute WHERE attrelid = '$view'::regclass AND attnum > 0 ORDER BY attnum");
		my %exists = map { $_ => 1 } @columns;
		for my $c (@{ $row->{own} }, grep { !/^pg_/ } $row->{everyone} =~ /`(\w+)`/g)
		{
			ok($exists{$c}, "$view: the README's column $c exists");
		}
		my %own = map { $_ => 1 } @{ $row->{own} };
		# pg_perfgate_activity: the owner's running statement, read by both in one snapshot each.
		my $where = $view eq 'pg_perfgate_activity' ? q{WHERE usename = 'regress_owner'} : '';
		my $count_su = $node->safe_psql('postgres', "SELECT count(*) FROM $view $where");
		my $count_plain = as('regress_plain', "SELECT count(*) FROM $view $where");
		cmp_ok($count_su, '>', 0, "$view: the workload left rows to check");
		if ($row->{everyone} =~ /^every (row|client backend)/)
		{
			is($count_plain, $count_su, "$view: a plain role sees every row");
		}
		elsif ($row->{everyone} =~ /^only the rows of queries the caller may see/)
		{
			is($count_plain, '0', "$view: a plain role sees no row of another role's queries");
			next;
		}
		else
		{
			fail("$view: the README's second cell starts with neither 'every row' nor 'only the rows of queries the caller may see': $row->{everyone}");
			next;
		}
		for my $c (@columns)
		{
			my $values = "SELECT coalesce(string_agg(coalesce(${c}::text, '<null>'), E'\\x1f' ORDER BY ${c}::text), '') FROM $view $where";
			my $nonnull = "SELECT count($c) FROM $view $where";
			if ($own{$c})
			{
				if ($node->safe_psql('postgres', $nonnull) eq '0')
				{
					diag("$view.$c: the workload left no value to hide");
					next;
				}
				my %mine = map { $_ => 1 } grep { $_ ne '<null>' } split /\x1f/, $node->safe_psql('postgres', $values);
				my @seen = grep { $mine{$_} } split /\x1f/, as('regress_plain', $values);
				is(scalar(@seen), 0, "$view.$c: a plain role does not see the owner's value");
			}
			elsif ($view eq 'pg_perfgate_activity')
			{
				# What pg_stat_activity shows the same role (running_for is computed, not shown there).
				next if $c eq 'running_for';
				my %map = (queryid => 'query_id');
				my $a = $map{$c} // $c;
				my $in_psa = $node->safe_psql('postgres',
					"SELECT count(*) FROM pg_attribute WHERE attrelid = 'pg_stat_activity'::regclass AND attname = '$a'");
				if ($in_psa eq '0')
				{
					fail("$view.$c: not a pg_stat_activity column, and not in the README's third cell");
					next;
				}
				is( as('regress_plain',
						"SELECT count(*) FROM $view v JOIN pg_stat_activity a USING (pid) WHERE v.usename = 'regress_owner' AND v.$c IS DISTINCT FROM a.$a"),
					'0',
					"$view.$c: what pg_stat_activity shows a plain role");
			}
			elsif ($view eq 'pg_perfgate_connections' && $c eq 'sessions_per_minute')
			{
				# A rate over the last 60 seconds: it moves with the clock between two reads.
				next;
			}
			else
			{
				is(as('regress_plain', $values), $node->safe_psql('postgres', $values),
					"$view.$c: a plain role sees what the superuser sees");
			}
		}
	}
}

$node->safe_psql('postgres', q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE usename = 'regress_owner'});
$running->finish if $running;
$node->stop;
done_testing();
