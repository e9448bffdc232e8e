# With pg_stat_statements and pg_perfgate both preloaded, a pgbench run gives the same calls, rows,
# shared buffers and WAL records for every query id in both (pg_perfgate summed over plan ids), in
# either load order. Run on every major (scripts/majors.sh): the query ids are each major's own.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

for my $order ('pg_stat_statements, pg_perfgate', 'pg_perfgate, pg_stat_statements') {
	my $node = PostgreSQL::Test::Cluster->new('agree');
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = '$order'\n");
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION pg_perfgate; CREATE EXTENSION pg_stat_statements');
	$node->command_ok([ 'pgbench', '-i', '-q', '-s', '2', '-p', $node->port, '-h', $node->host, 'postgres' ],
		'pgbench -i');
	$node->safe_psql('postgres', 'SELECT pg_stat_statements_reset(), pg_perfgate_reset()');
	$node->command_ok(
		[ 'pgbench', '-n', '-c', '4', '-j', '2', '-t', '750', '-p', $node->port, '-h', $node->host, 'postgres' ],
		'pgbench tpcb-like, 3000 transactions');
	$node->command_ok(
		[ 'pgbench', '-n', '-S', '-M', 'prepared', '-c', '2', '-t', '500', '-p', $node->port, '-h', $node->host, 'postgres' ],
		'pgbench select-only, prepared');
	# IN lists of three lengths, 500 times each: three query ids until 17, one from 18, which
	# squashes a list of constants into one element; either way both extensions count alike.
	my $in_lists = $node->basedir . '/in_lists.sql';
	open(my $fh, '>', $in_lists) or die "$in_lists: $!";
	print $fh "SELECT abalance FROM pgbench_accounts WHERE aid IN (1, 2);\n"
	  . "SELECT abalance FROM pgbench_accounts WHERE aid IN (3, 4, 5);\n"
	  . "SELECT abalance FROM pgbench_accounts WHERE aid IN (6, 7, 8, 9);\n";
	close($fh);
	$node->command_ok(
		[ 'pgbench', '-n', '-f', $in_lists, '-c', '2', '-t', '250', '-p', $node->port, '-h', $node->host, 'postgres' ],
		'pgbench IN lists of three lengths');

	# Snapshot both in one statement, then compare outside the measured views.
	$node->safe_psql('postgres', q{
		CREATE TABLE snap AS
		SELECT 'pgss' AS src, queryid, sum(calls)::bigint AS calls, sum(rows)::bigint AS rows,
		       sum(shared_blks_hit + shared_blks_read)::bigint AS blks,
		       sum(shared_blks_dirtied)::bigint AS dirtied, sum(wal_records)::bigint AS wal
		  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'postgres')
		 GROUP BY queryid
		UNION ALL
		SELECT 'pgpf', queryid, sum(calls)::bigint, sum(rows)::bigint,
		       sum(shared_blks_hit + shared_blks_read)::bigint, sum(shared_blks_dirtied)::bigint,
		       sum(wal_records)::bigint
		  FROM pg_perfgate_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'postgres')
		 GROUP BY queryid});
	my $where = q{queryid IN (SELECT queryid FROM snap WHERE src = 'pgss' AND calls >= 500)};
	my $n = $node->safe_psql('postgres', "SELECT count(*) FROM snap WHERE src = 'pgss' AND $where");
	cmp_ok($n, '>=', 7, "$order: pgbench's statements are in pg_stat_statements ($n query ids)");
	my $diff = $node->safe_psql('postgres', qq{
		SELECT string_agg(format('%s: pgss %s/%s, pgpf %s/%s', a.queryid, a.calls, a.rows, b.calls, b.rows), '; ')
		  FROM snap a FULL JOIN snap b ON a.queryid = b.queryid AND b.src = 'pgpf'
		 WHERE a.src = 'pgss' AND a.$where
		   AND (b.calls IS DISTINCT FROM a.calls OR b.rows IS DISTINCT FROM a.rows)});
	is($diff, '', "$order: same calls and rows for every pgbench query id");
	my $bdiff = $node->safe_psql('postgres', qq{
		SELECT string_agg(format('%s: pgss %s/%s/%s, pgpf %s/%s/%s', a.queryid, a.blks, a.dirtied, a.wal,
		                         b.blks, b.dirtied, b.wal), '; ')
		  FROM snap a FULL JOIN snap b ON a.queryid = b.queryid AND b.src = 'pgpf'
		 WHERE a.src = 'pgss' AND a.$where
		   AND (b.blks IS DISTINCT FROM a.blks OR b.dirtied IS DISTINCT FROM a.dirtied OR b.wal IS DISTINCT FROM a.wal)});
	is($bdiff, '', "$order: same shared buffers, buffers dirtied and WAL records for every pgbench query id");
	my $calls = $node->safe_psql('postgres', "SELECT sum(calls) FROM snap WHERE src = 'pgpf' AND $where");
	cmp_ok($calls, '>=', 3000 * 7 + 1000 + 1500, "$order: pg_perfgate counted every statement ($calls)");
	my $in_ids = $node->safe_psql('postgres', q{
		SELECT count(DISTINCT queryid) FROM pg_stat_statements WHERE query LIKE '%pgbench_accounts WHERE aid IN%'});
	my $major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);
	is($in_ids, $major >= 18 ? 1 : 3, "$order: the IN lists are $in_ids query ids on $major");
	# The same normalized text as pg_stat_statements for each of them ("IN ($1 /*, ... */)" on 18).
	my $texts = $node->safe_psql('postgres', q{
		SELECT string_agg(format('%s: pgss %s, pgpf %s', s.queryid, s.query, p.query), '; ')
		  FROM pg_stat_statements s LEFT JOIN pg_perfgate_statements p
		    ON p.queryid = s.queryid AND p.dbid = s.dbid AND p.userid = s.userid AND p.toplevel = s.toplevel
		 WHERE s.query LIKE '%pgbench_accounts WHERE aid IN%' AND p.query IS DISTINCT FROM s.query});
	is($texts, '', "$order: the IN lists' texts are pg_stat_statements' texts");
	$node->stop;
	$node->clean_node;
}

done_testing();
