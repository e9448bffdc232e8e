# perfgate capture end to end (issue 22): a SQLAlchemy shop (t/orm/capture_app.py) runs against a
# server with pg_perfgate.capture_params = on; `perfgate capture` turns its hot statements into a
# workload; the workload replays on a fresh embedded cluster with no hand edits, with the server's plan
# shapes for the captured statements and the observed statement mix within 10%; as a baseline, an
# unchanged rerun passes and a capture after a migration that drops an index fails the gate, naming
# the statement and its plan change. A role without pg_read_all_stats cannot capture another role's
# statements (their texts and samples are not shown to it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use JSON::PP;

my $python = '/usr/bin/python3';
my $orm = abs_path(dirname(__FILE__)) . '/orm';
my $perfgate = $ENV{PERFGATE_BIN} // '';
plan skip_all => 'perfgate is not built (scripts/tap.sh sets PERFGATE_BIN to build/harness/perfgate)'
  unless $perfgate ne '' && -x $perfgate;
plan skip_all => 'sqlalchemy is not installed (scripts/deps.sh installs python3-sqlalchemy)'
  if system($python, '-c', 'import sqlalchemy, psycopg2') != 0;

my $node = PostgreSQL::Test::Cluster->new('capture');
$node->init;
$node->append_conf('postgresql.conf', qq{shared_preload_libraries = 'pg_perfgate'
pg_perfgate.capture_params = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE shop');
$node->safe_psql('shop', 'CREATE EXTENSION pg_perfgate');
my $dir = PostgreSQL::Test::Utils::tempdir();
my @server = ('-h', $node->host, '-p', $node->port, '-d', 'shop');

sub app
{
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ $python, "$orm/capture_app.py", $node->host, $node->port, 'shop', @_ ],
		'>', \$out, '2>', \$err);
	ok($ok, "app: @_") or diag($err);
	return $out;
}

sub perfgate
{
	my ($out, $err) = ('', '');
	IPC::Run::run([ $perfgate, @_ ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# The application: its migration, then its requests, recorded from a clean slate.
sub serve
{
	app('migrate', @_);
	$node->safe_psql('shop', 'SELECT pg_perfgate_reset()');
	my %calls = app('serve') =~ /^calls (\w+) (\d+)$/mg;
	return %calls;
}
my %calls = serve();
is(scalar(keys %calls), 4, 'the app served its four kinds of requests');

# What the server saw of the app's statements: text -> calls and the plans it ran with (a statement
# may have several: the planner picks by value, here an index scan for a frequent user, a bitmap scan
# for the others).
sub server_statements
{
	my $rows = $node->safe_psql('shop', q{
		SELECT replace(s.query, E'\n', '\n'), s.calls, replace(coalesce(p.plan, ''), E'\n', '\n')
		  FROM pg_perfgate_statements s
		  LEFT JOIN pg_perfgate_plans p USING (dbid, queryid, planid)
		 WHERE s.toplevel AND s.query LIKE '%shop\_%' AND s.query NOT LIKE '%pg_perfgate%'});
	my %by_text;
	for my $line (split /\n/, $rows)
	{
		my ($q, $c, $p) = split /\|/, $line, 3;
		s/\\n/\n/g for ($q, $p);
		$by_text{$q}{calls} += $c;
		push @{ $by_text{$q}{plans} }, $p;
	}
	return %by_text;
}
my %server = server_statements();

# The plan's shape: its node lines, conditions and costs left out.
sub shape
{
	my @nodes;
	for my $line (split /\n/, $_[0] // '')
	{
		next if $line =~ /^\s*(?:[A-Z][A-Za-z ]*:|Planning|Execution)/;
		$line =~ s/^\s*(?:->\s*)?//;
		$line =~ s/\s+\(.*$//;
		push @nodes, $line if $line ne '';
	}
	return join(' / ', @nodes);
}

# 1. Capture as the superuser: four statements, the transaction control listed as not replayed.
my ($rc, $out, $err) = perfgate('capture', @server, '-n', '4', '--by', 'calls', '-o', "$dir/shop.yaml");
is($rc, 0, 'capture exits 0') or diag("$out\n$err");
note($out);
like($out, qr/4 statements of database "shop" written/, 'capture names what it wrote');
like($out, qr/not replayed: (BEGIN|COMMIT).*utility statement/, 'utility statements are listed with why');
my $yaml = slurp_file("$dir/shop.yaml");
like($yaml, qr/^# Not replayed:/m, 'the file lists what it does not replay');
like($yaml, qr/Parameter values: real, sampled by pg_perfgate.capture_params/, 'the file says its values are real');

# 2. Replay on a fresh embedded cluster, as written.
($rc, $out, $err) = perfgate('run', "$dir/shop.yaml", '--embedded', '--iterations', '3', '--warmup', '1',
	'--no-progress', '-o', "$dir/run.json");
is($rc, 0, 'the captured workload runs on an embedded cluster with no edits') or diag("$out\n$err");
my $run = decode_json(slurp_file("$dir/run.json"));
my ($scenario) = @{ $run->{scenarios} };
my (%replay_calls, $total_replay, $total_server);
for my $v (@{ $scenario->{variants} })
{
	my $size = $v->{sizes}[0];
	for my $st (@{ $size->{extension}{statements} // [] })
	{
		next unless exists $server{ $st->{query} };
		$replay_calls{ $st->{query} } += $st->{calls};
		my %shapes = map { shape($_) => 1 } @{ $server{ $st->{query} }{plans} };
		ok($shapes{ shape($st->{plan}) }, "replayed plan has a shape the server ran: $st->{query}")
		  or diag(shape($st->{plan}) . "\nserver: " . join("\nserver: ", keys %shapes));
	}
}
is(scalar(keys %replay_calls), 4, 'the four captured statements ran in the replay');
# Each variant repeats one captured statement: a replay, not a loop the application ran. The harness
# starts every variant as a new request, so no variant's rows look like another's parent.
is(join(', ', map { "$_->{variant}: $_->{kind}" } @{ $scenario->{antipatterns} // [] }), '',
	'the replay is not flagged (no variant is taken for a loop over another)');
$total_replay += $_ for values %replay_calls;
$total_server += $server{$_}{calls} for keys %replay_calls;
for my $q (sort keys %replay_calls)
{
	my $want = $server{$q}{calls} / $total_server;
	my $got = $replay_calls{$q} / $total_replay;
	ok(abs($got - $want) <= 0.10 * $want,
		sprintf('mix within 10%%: %.3f replayed, %.3f observed: %s', $got, $want, $q));
}

# Against a scratch database of a server, too (the workload runs in a schema of its own there).
$node->safe_psql('postgres', 'CREATE DATABASE scratch');
$node->safe_psql('scratch', 'CREATE EXTENSION pg_perfgate');
($rc, $out, $err) = perfgate('run', "$dir/shop.yaml", '-h', $node->host, '-p', $node->port, '-d', 'scratch',
	'--iterations', '2', '--warmup', '1', '--no-progress');
is($rc, 0, 'the captured workload runs against a scratch database') or diag("$out\n$err");

# What cannot be replayed is listed with why: COPY's data is not captured, a temporary table is gone.
$node->safe_psql('shop', q{
	CREATE TEMP TABLE scratchpad (a int);
	INSERT INTO scratchpad VALUES (1);
	SELECT a FROM scratchpad WHERE a = 1;
	COPY shop_comments (post_id, body) FROM PROGRAM 'echo 1,copied' WITH (FORMAT csv);
});
($rc, $out, $err) = perfgate('capture', @server, '-n', '100', '-o', "$dir/all.yaml");
is($rc, 0, 'capture of every statement') or diag("$out\n$err");
like($out, qr/not replayed: COPY .*: COPY: the data it carried is not captured/, 'COPY is listed with why');
like($out, qr/not replayed: SELECT a FROM scratchpad .*temporary table/, 'a temporary table is listed with why');

# --redact: values drawn from pg_stats; the file says so, and it runs as well.
($rc, $out, $err) = perfgate('capture', @server, '-n', '4', '--by', 'calls', '--redact', '-o', "$dir/redacted.yaml");
is($rc, 0, 'capture --redact exits 0') or diag("$out\n$err");
like(slurp_file("$dir/redacted.yaml"), qr/Parameter values: drawn from pg_stats \(--redact\)/,
	'the redacted file says where its values come from');
($rc, $out, $err) = perfgate('run', "$dir/redacted.yaml", '--embedded', '--iterations', '2', '--warmup', '1',
	'--no-progress');
is($rc, 0, 'the redacted workload runs') or diag("$out\n$err");

# 3. As a baseline: an unchanged rerun passes.
($rc, $out, $err) = perfgate('gate', "$dir/shop.yaml", '--embedded', '--iterations', '3', '--warmup', '1',
	'--no-progress', '-b', "$dir/base.json", '--update-baseline');
is($rc, 0, 'baseline written') or diag("$out\n$err");
($rc, $out, $err) = perfgate('gate', "$dir/shop.yaml", '--embedded', '--iterations', '3', '--warmup', '1',
	'--no-progress', '-b', "$dir/base.json");
is($rc, 0, 'an unchanged rerun passes the gate') or diag("$out\n$err");

# 4. The planted regression: the migration drops the index on shop_posts.user_id; the app runs, is
# captured again, and the gate fails naming the statement and its plan change.
serve('--drop-index');
($rc, $out, $err) = perfgate('capture', @server, '-n', '4', '--by', 'calls', '-o', "$dir/shop_dropped.yaml");
is($rc, 0, 'capture after the regression') or diag("$out\n$err");
($rc, $out, $err) = perfgate('gate', "$dir/shop_dropped.yaml", '--embedded', '--iterations', '3', '--warmup',
	'1', '--no-progress', '-b', "$dir/base.json");
is($rc, 1, 'the dropped index fails the gate') or diag("$out\n$err");
like($out, qr/plan of `SELECT shop_posts\.id AS shop_posts_id.*` changed: [^\n]*ix_shop_posts_user_id[^\n]* -> /,
	'the failure names the statement and its plan change: it no longer uses the dropped index');

# 5. A role without pg_read_all_stats sees neither another role's texts nor its samples.
$node->safe_psql('shop', 'CREATE ROLE capture_plain LOGIN');
($rc, $out, $err) = perfgate('capture', @server, '-U', 'capture_plain', '-n', '4', '-o', "$dir/plain.yaml");
is($rc, 2, "a role without pg_read_all_stats cannot capture another role's statements") or diag("$out\n$err");
like($err, qr/not visible to this role/, 'and is told why');
is($node->safe_psql('shop', q{SET ROLE capture_plain;
	SELECT count(*) FROM pg_perfgate_param_samples() WHERE userid <> 'capture_plain'::regrole}),
	'0', "it reads none of another role's samples");
isnt($node->safe_psql('shop', q{SELECT count(*) FROM pg_perfgate_param_samples()}), '0',
	'while the superuser reads them');

$node->stop;
done_testing();
