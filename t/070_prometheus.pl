# The postgres_exporter queries file and the Grafana dashboard (prometheus/) against a real cluster
# with a workload that produces every kind of row they export: each query runs, as a superuser and
# as the documented exporter role (a login granted pg_monitor), returns the columns the file lists
# and no others, with types the exporter converts (text-like labels, integer or float values) and no
# two rows with the same labels (the exporter would fail the whole scrape). Then, when
# prometheus-postgres-exporter is installed (scripts/deps.sh installs it), the real exporter loads
# the file and is scraped: every metric family appears with its type, no query errs. Finally each
# metric the dashboard's expressions name must be one the file produces, with labels it has.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use JSON::PP;
use HTTP::Tiny;
use IPC::Run;
use Scalar::Util qw(looks_like_number);
use Time::HiRes qw(sleep);

my $dir = abs_path(dirname(__FILE__) . '/../prometheus');
my $queries_file = "$dir/pg_perfgate_queries.yaml";
my $dashboard_file = "$dir/grafana-dashboard.json";
my $exporter_bin = '/usr/bin/prometheus-postgres-exporter';

# Types lib/pq hands to the exporter as strings (labels) or as int64, float64 or a parseable
# numeric (values). bool and timestamps would convert too, but the file casts explicitly.
my %label_types = map { $_ => 1 } ('text', 'name', 'character varying');
my %value_types = map { $_ => 1 } ('bigint', 'integer', 'smallint', 'double precision', 'real', 'numeric');

# The file, parsed by python3-yaml (Perl has no YAML parser in Debian's base), as a list of
# namespaces: [name, query, [[column, usage, description], ...]].
my ($yaml_json, $yaml_err) = ('', '');
IPC::Run::run([ 'python3', '-c', 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)',
		$queries_file ],
	'>', \$yaml_json, '2>', \$yaml_err)
  or BAIL_OUT("cannot parse $queries_file: $yaml_err");
my $file = decode_json($yaml_json);
my @namespaces;
for my $ns (sort keys %$file)
{
	my $spec = $file->{$ns};
	my @metrics = map { my ($c) = keys %$_; [ $c, $_->{$c}{usage}, $_->{$c}{description} ] } @{ $spec->{metrics} };
	push @namespaces, [ $ns, $spec->{query}, \@metrics ];
}
is_deeply([ map { $_->[0] } @namespaces ],
	[qw(pg_perfgate_antipatterns pg_perfgate_connections pg_perfgate_errors pg_perfgate_plan_changes pg_perfgate_query_group pg_perfgate_store)],
	'the file has the six metric namespaces');

# What the file promises: metric name => usage, and the label columns of each metric.
my (%metric_usage, %metric_labels);
for my $n (@namespaces)
{
	my ($ns, $query, $metrics) = @$n;
	ok($file->{$ns}{master}, "$ns: master: true (the views show every database: query them once)");
	my @labels = map { $_->[0] } grep { $_->[1] eq 'LABEL' } @$metrics;
	for my $m (@$metrics)
	{
		my ($col, $usage, $desc) = @$m;
		like($usage, qr/^(LABEL|COUNTER|GAUGE)$/, "$ns.$col: usage $usage");
		ok(defined $desc && length $desc > 10, "$ns.$col: has a description");
		next if $usage eq 'LABEL';
		my $name = "${ns}_$col";
		like($name, $usage eq 'COUNTER' ? qr/_total$/ : qr/(?<!_total)$/,
			"$name: a counter's name ends in _total, a gauge's does not");
		$metric_usage{$name} = $usage;
		$metric_labels{$name} = \@labels;
	}
	unlike($query, qr/\bquery\b/, "$ns: exports no query text");
}

# A workload that leaves a row in every view: an IN-list in two lengths (one query group), an
# error, a query with two plans (the latest much slower), an N+1 loop and row-by-row inserts.
my $node = PostgreSQL::Test::Cluster->new('prometheus');
$node->init;
$node->append_conf('postgresql.conf', qq{shared_preload_libraries = 'pg_perfgate'
# The N+1 loop below is one transaction; nothing here depends on idle gaps.
pg_perfgate.burst_window = '10s'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate');
$node->safe_psql('postgres', q{
CREATE TABLE pf_items (id int PRIMARY KEY, owner int, name text);
INSERT INTO pf_items SELECT g, g % 100, 'n' || g FROM generate_series(1, 50000) g;
CREATE TABLE pf_owners (id int PRIMARY KEY, name text);
INSERT INTO pf_owners SELECT g, 'o' || g FROM generate_series(1, 100) g;
CREATE TABLE pf_log (id int PRIMARY KEY, msg text);
ANALYZE pf_items, pf_owners;
});
$node->safe_psql('postgres', q{
SELECT name FROM pf_items WHERE id IN (1, 2);
SELECT name FROM pf_items WHERE id IN (3, 4, 5);
});
# A group shows in the hot queries once it has succeeded: the same INSERT succeeds, then fails.
$node->safe_psql('postgres', q{INSERT INTO pf_log VALUES (1, 'a'), (2, 'b')});
$node->psql('postgres', q{INSERT INTO pf_log VALUES (3, 'c'), (1, 'd')});
# The index scan first, then a sequential scan of 50,000 rows: the latest plan is the slow one.
$node->safe_psql('postgres', q{
SELECT name FROM pf_items WHERE id = 42;
SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT name FROM pf_items WHERE id = 43;
});
$node->safe_psql('postgres', 'BEGIN; SELECT id FROM pf_owners WHERE id <= 12 ORDER BY id; '
	  . join(' ', map { "SELECT name FROM pf_owners WHERE id = $_;" } 1 .. 12)
	  . ' SELECT 1; '
	  . join(' ', map { "INSERT INTO pf_log VALUES (" . (100 + $_) . ", 'x');" } 1 .. 12)
	  . ' COMMIT;');
$node->poll_query_until('postgres',
	q{SELECT count(DISTINCT kind) = 2 FROM pg_perfgate_antipatterns WHERE kind IN ('n_plus_one', 'row_by_row_write')})
  or die 'the detectors never reported the loop and the inserts';
# A session of application pf_app that leaves its transaction idle for 1.2 s before COMMIT.
{
	local $ENV{PGAPPNAME} = 'pf_app';
	$node->safe_psql('postgres', "BEGIN;\nSELECT 1;\n\\! sleep 1.2\nCOMMIT;\n");
}
$node->poll_query_until('postgres',
	q{SELECT sessions_ended = 1 FROM pg_perfgate_connections WHERE application_name = 'pf_app'})
  or die 'the pf_app session never ended';
# The row-by-row inserts are accepted (issue 18): a muted finding, still counted.
$node->safe_psql('postgres', q{SELECT pg_perfgate_mute('row_by_row_write', queryid, 'a nightly job, accepted')
                                FROM pg_perfgate_antipatterns WHERE kind = 'row_by_row_write'});

# The exporter's role: pg_monitor (with pg_read_all_stats) and nothing else.
$node->safe_psql('postgres', 'CREATE ROLE pf_exporter LOGIN IN ROLE pg_monitor');

# By a statement's own text (pg_perfgate_statements): a group's row in the hot queries carries the
# text of its busiest query id, which for the INSERT group is the one- or the two-row VALUES
# depending on which took more time.
my $group_of = sub {
	$node->safe_psql('postgres',
		"SELECT DISTINCT query_group FROM pg_perfgate_statements WHERE toplevel AND query LIKE \$\$$_[0]\$\$");
};
my $in_group = $group_of->('SELECT name FROM pf_items WHERE id IN%');
my $err_group = $group_of->('INSERT INTO pf_log VALUES ($1, $2), %');
my $plan_group = $group_of->('SELECT name FROM pf_items WHERE id = $1');
note "query groups: IN-list $in_group, failing INSERT $err_group, two plans $plan_group";

# Runs a namespace's query as ROLE: its columns and types (\gdesc), and its rows as JSON.
sub run_query
{
	my ($role, $query) = @_;
	(my $q = $query) =~ s/;\s*$//;
	my $set = $role ? "SET ROLE $role;" : '';
	my @desc = map { [ split /\|/, $_, 2 ] } split /\n/, $node->safe_psql('postgres', "$set\n$q\n\\gdesc");
	my $rows = $node->safe_psql('postgres', "$set SELECT coalesce(json_agg(r), '[]') FROM ($q) r");
	return (\@desc, decode_json($rows));
}

my %rows_of;
for my $n (@namespaces)
{
	my ($ns, $query, $metrics) = @$n;
	my %usage = map { $_->[0] => $_->[1] } @$metrics;
	for my $role ('', 'pf_exporter')
	{
		my $who = $role ? "as $role (pg_monitor)" : 'as superuser';
		my ($desc, $rows) = eval { run_query($role, $query) };
		if (!ok($desc, "$ns $who: the query runs")) { diag $@; next; }
		is_deeply([ sort map { $_->[0] } @$desc ], [ sort keys %usage ],
			"$ns $who: the columns are exactly those listed under metrics");
		for my $d (@$desc)
		{
			my ($col, $type) = @$d;
			next unless $usage{$col};
			my $ok = $usage{$col} eq 'LABEL' ? $label_types{$type} : $value_types{$type};
			ok($ok, "$ns.$col $who: $type is a type the exporter reads as a $usage{$col}");
		}
		cmp_ok(scalar @$rows, '>=', 1, "$ns $who: the workload gives it rows");
		my (%seen, @bad);
		for my $r (@$rows)
		{
			my $key = join "\x1f", map { $r->{$_} // '<NULL>' } grep { $usage{$_} eq 'LABEL' } sort keys %usage;
			push @bad, "labels twice: $key" if $seen{$key}++;
			for my $col (sort keys %usage)
			{
				my $v = $r->{$col};
				if ($usage{$col} eq 'LABEL') { push @bad, "$col empty" unless defined $v && length $v; }
				else { push @bad, "$col = " . ($v // 'NULL') unless defined $v && looks_like_number($v); }
			}
		}
		is_deeply(\@bad, [], "$ns $who: labels set and unique per row, every value a number");
		$rows_of{$ns}{$role} = $rows;
	}
	# The role ran after the superuser: its rows are those and the groups of the statements between.
	my @labels = grep { $usage{$_} eq 'LABEL' } sort keys %usage;
	my %role_sees = map { my $r = $_; (join("\x1f", map { $r->{$_} } @labels) => 1) } @{ $rows_of{$ns}{pf_exporter} };
	my @unseen = grep { !$role_sees{$_} } map { my $r = $_; join("\x1f", map { $r->{$_} } @labels) } @{ $rows_of{$ns}{''} };
	is_deeply(\@unseen, [], "$ns: the exporter's role sees every row a superuser sees");
}

# A role without pg_monitor gets the same series from every query but the plan changes', which
# count query ids that only pg_read_all_stats sees of other roles' statements (README).
$node->safe_psql('postgres', 'CREATE ROLE pf_plain LOGIN');
for my $n (grep { $_->[0] ne 'pg_perfgate_plan_changes' } @namespaces)
{
	my ($ns, $query, $metrics) = @$n;
	my @labels = sort map { $_->[0] } grep { $_->[1] eq 'LABEL' } @$metrics;
	my $key = sub { my $r = shift; join "\x1f", map { $r->{$_} } @labels };
	my (undef, $rows) = run_query('pf_plain', $query);
	my %sees = map { ($key->($_) => 1) } @$rows;
	my @unseen = grep { !$sees{$_} } map { $key->($_) } @{ $rows_of{$ns}{''} };
	is_deeply(\@unseen, [], "$ns: a role without pg_monitor sees every row too");
}

# What the workload guarantees, as the exporter's role sees it.
my %by = (
	group => { map { ($_->{query_group} => $_) } grep { $_->{toplevel} eq 'true' } @{ $rows_of{pg_perfgate_query_group}{pf_exporter} } },
	kind => { map { ($_->{kind} => $_) } @{ $rows_of{pg_perfgate_antipatterns}{pf_exporter} } },
	sqlstate => { map { ($_->{sqlstate} => $_) } @{ $rows_of{pg_perfgate_errors}{pf_exporter} } },
	db => { map { ($_->{datname} => $_) } @{ $rows_of{pg_perfgate_plan_changes}{pf_exporter} } });
is($by{group}{$in_group}{calls_total}, 2, 'the IN-list in two lengths is one series with 2 calls');
is($by{group}{$in_group}{plans}, 1, 'whose two query ids share one plan');
is($by{group}{$err_group}{errors_total}, 1, 'the failed INSERT counts 1 error in its group');
is($by{group}{$plan_group}{plans}, 2, 'the query run with two plans shows plans = 2');
my ($ms, $p95_ms) = split /\|/, $node->safe_psql('postgres',
	"SELECT total_exec_time, p95_exec_time FROM pg_perfgate_hot_queries WHERE query_group = $plan_group");
ok(abs($by{group}{$plan_group}{exec_time_seconds_total} * 1000 - $ms) < 1e-6 * $ms
	  && abs($by{group}{$plan_group}{p95_exec_time_seconds} * 1000 - $p95_ms) < 1e-6 * $p95_ms,
	"times are the view's milliseconds in seconds ($ms ms, p95 $p95_ms ms)");
is($by{kind}{n_plus_one}{occurrences_total}, 1, 'the N+1 loop: one occurrence');
is($by{kind}{row_by_row_write}{calls_total}, 12, 'the row-by-row inserts: 12 calls');
is($by{kind}{row_by_row_write}{findings} . ' ' . $by{kind}{row_by_row_write}{muted_findings},
	'0 1', 'which are muted: no finding left, one muted');
is($by{kind}{n_plus_one}{findings} . ' ' . $by{kind}{n_plus_one}{muted_findings}, '1 0', 'the N+1 loop is not');
is($by{sqlstate}{23505}{total}, 1, 'the unique violation: one error of SQLSTATE 23505');
is($by{db}{postgres}{queries}, 1, 'plan changes: one query with two plans');
is($by{db}{postgres}{latest_slower_queries}, 1, 'and its latest plan is the slower one');
is($by{db}{template1}, undef, 'templates are left out');
my ($app) = grep { $_->{application_name} eq 'pf_app' } @{ $rows_of{pg_perfgate_connections}{pf_exporter} };
is(join(' ', map { $app->{$_} } qw(datname sessions_total sessions_ended_total statements_total idle_in_transaction_gaps_total)),
	'postgres 1 1 3 1', 'connections: the pf_app session, its 3 statements and its idle gap');
cmp_ok($app->{idle_in_transaction_seconds_total}, '>=', 1.2, 'connections: its idle time, in seconds');
cmp_ok($app->{max_idle_in_transaction_seconds}, '>=', 1.2, 'connections: its longest idle gap, in seconds');
cmp_ok($app->{longest_transaction_seconds}, '>=', 1.2, 'connections: its transaction, in seconds');
my ($store) = @{ $rows_of{pg_perfgate_store}{pf_exporter} };
is($store->{max_entries}, 5000, 'the store: pg_perfgate.max');

# The real exporter, when installed: load the file, scrape, find each metric family.
SKIP:
{
	skip "$exporter_bin is not installed (scripts/deps.sh installs prometheus-postgres-exporter)", 1
	  unless -x $exporter_bin;
	my $port = PostgreSQL::Test::Cluster::get_free_port();
	my $log = '';
	local $ENV{DATA_SOURCE_NAME} = sprintf('host=%s port=%d user=pf_exporter dbname=postgres sslmode=disable',
		$node->host, $node->port);
	my $exporter = IPC::Run::start(
		[
			$exporter_bin, "--extend.query-path=$queries_file",
			"--web.listen-address=127.0.0.1:$port", '--disable-default-metrics',
			'--disable-settings-metrics', '--no-collector.database',
			'--no-collector.bgwriter'
		],
		'>', \$log, '2>', \$log);
	my $http = HTTP::Tiny->new(timeout => 10);
	# Samples by metric name: [{label => value}, value]. The exporter adds the label server.
	my %samples;
	my ($body, $last) = ('', '');
	for (1 .. 100)
	{
		my $res = $http->get("http://127.0.0.1:$port/metrics");
		$last = "$res->{status} $res->{content}";
		if ($res->{success} && $res->{content} =~ /^pg_perfgate_store_entries\b/m) { $body = $res->{content}; last; }
		sleep 0.2;
	}
	$exporter->kill_kill;
	ok($body, 'the exporter serves pg_perfgate metrics') or diag "last response: $last\nlog: $log";
	for my $line (split /\n/, $body)
	{
		next unless $line =~ /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i;
		my ($name, $labels, $value) = ($1, $2 // '', $3);
		push @{ $samples{$name} }, [ { $labels =~ /([a-z_]+)="((?:[^"\\]|\\.)*)"/g }, $value ];
	}

	is_deeply([ map { $_->[1] } @{ $samples{pg_exporter_user_queries_load_error} || [] } ], [0],
		'it loaded the file without error');
	is_deeply([ map { $_->[1] } @{ $samples{pg_exporter_last_scrape_error} || [] } ], [0], 'and scraped without error');
	my @errors = grep { /level=(error|warn)|err=/ } split /\n/, $log;
	is_deeply(\@errors, [], 'its log has no error');
	for my $name (sort keys %metric_usage)
	{
		my $type = lc $metric_usage{$name};
		my @s = @{ $samples{$name} || [] };
		ok(@s && $body =~ /^# TYPE \Q$name\E $type$/m, "$name: exported as a $type");
		my @bad = grep { !looks_like_number($_->[1]) || join(',', sort grep { $_ ne 'server' } keys %{ $_->[0] }) ne join(',', sort @{ $metric_labels{$name} }) } @s;
		is(scalar @bad, 0, "$name: every sample a number with the labels the file lists");
	}
	my @in = grep { $_->[0]{query_group} eq $in_group && $_->[0]{toplevel} eq 'true' } @{ $samples{pg_perfgate_query_group_calls_total} };
	is_deeply([ map { $_->[1] } @in ], [2], 'the IN-list group, as Prometheus reads it: one series, 2 calls');
	my @filtered = grep { /^(# TYPE )?pg_perfgate_/ } split /\n/, $body;
	note join "\n", @filtered;
}

# The dashboard: valid JSON, and every metric its expressions name is one the file produces, used
# with labels that metric has (or that the exporter and Prometheus add: server, instance, job).
my $dashboard = eval { decode_json(slurp_file($dashboard_file)) };
ok($dashboard, 'the dashboard is valid JSON') or diag $@;
my @exprs;
my $walk;
$walk = sub {
	my ($v) = @_;
	if (ref $v eq 'HASH')
	{
		for my $k (keys %$v)
		{
			push @exprs, $v->{$k} if ($k eq 'expr' || ($k eq 'query' && !ref $v->{$k})) && defined $v->{$k};
			push @exprs, $v->{$k}{query} if $k eq 'query' && ref $v->{$k} eq 'HASH' && defined $v->{$k}{query};
			$walk->($v->{$k});
		}
	}
	elsif (ref $v eq 'ARRAY') { $walk->($_) for @$v; }
};
$walk->($dashboard);
my (%used_names, %bad_labels);
for my $expr (@exprs)
{
	my @names = $expr =~ /\b(pg_perfgate_[a-z0-9_]+)/g;
	$used_names{$_} = 1 for @names;
	# Labels grouped by or matched must be on every metric of the expression.
	my %has = map { $_ => 1 } ('instance', 'job', 'server');
	for my $l (map { @{ $metric_labels{$_} || [] } } @names)
	{
		$has{$l} = 1 if @names == grep { grep { $_ eq $l } @{ $metric_labels{$_} || [] } } @names;
	}
	for my $list (($expr =~ /\b(?:by|without)\s*\(([^)]*)\)/g), ($expr =~ /\{([^}]*)\}/g))
	{
		$has{$_} or $bad_labels{"$_ in $expr"} = 1 for map { /^\s*([a-z_]+)/ ? $1 : () } split /,/, $list;
	}
}
cmp_ok(scalar keys %used_names, '>=', 10, 'the dashboard queries pg_perfgate metrics');
ok($metric_usage{$_}, "dashboard: $_ is produced by the queries file") for sort keys %used_names;
is_deeply([ sort keys %bad_labels ], [], 'dashboard: every label it groups by or matches is on the metrics it names');
for my $ns (map { $_->[0] } @namespaces)
{
	ok((grep { /^\Q$ns\E_/ } keys %used_names), "dashboard: shows $ns");
}

$node->stop;
done_testing();
