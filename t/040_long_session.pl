# Regressions of issue 8 that need one long session or a second preloaded library.
#  1. Backend memory stays flat over 100k+ misses of the per-backend text cache: the core lexer used
#     to run in the session-lifetime cache context, leaking ~1.6 kB per miss. The misses come from
#     the pooled-role pattern (one query, SET ROLE alternating) and from 400 query shapes.
#  2. A detector's message does not outlive an error: a finding queued at ExecutorEnd whose
#     statement then fails in the next ExecutorEnd hook (auto_explain's EXPLAIN, here) must not
#     fire on a later, unrelated statement.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('long_session');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'auto_explain, pg_perfgate'
auto_explain.log_min_duration = -1
pg_perfgate.track = 'all'
pg_perfgate.track_utility = off
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION pg_perfgate;
CREATE ROLE regress_a;
CREATE ROLE regress_b;
CREATE FUNCTION churn(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    -- The pooled-role pattern: the same statement under two roles in turn, a miss every time.
    EXECUTE 'SET ROLE regress_a';
    EXECUTE 'SELECT 1 + 1';
    EXECUTE 'SET ROLE regress_b';
    EXECUTE 'SELECT 1 + 1';
    EXECUTE 'RESET ROLE';
    -- 400 shapes: more than the cache's 256 slots.
    EXECUTE 'SELECT ' || repeat('1, ', i % 400) || '1';
  END LOOP;
END $$;
});

# Memory of the whole backend and of the text cache, read in the session that did the work.
my $measure = q{SELECT (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) || '|' ||
  coalesce((SELECT total_bytes FROM pg_backend_memory_contexts WHERE name = 'pg_perfgate query texts'), 0) || '|' ||
  (SELECT text_cache_bytes FROM pg_perfgate_backend_state());};
my $out = $node->safe_psql('postgres', qq{
SELECT churn(2000);
$measure
SELECT churn(34000);
$measure
});
my @lines = grep { /\|/ } split /\n/, $out;
my ($total0, $cache0, $state0) = split /\|/, $lines[0];
my ($total1, $cache1, $state1) = split /\|/, $lines[1];
my $misses = 34000 * 3;
note("backend: $total0 -> $total1 bytes; text cache: $cache0 -> $cache1 bytes over $misses misses");
cmp_ok($misses, '>=', 100000, 'at least 100k cache misses');
cmp_ok($cache1, '<=', 1024 * 1024, 'text cache context under 1 MB');
cmp_ok($cache1 - $cache0, '<=', 64 * 1024, 'text cache flat (< 64 kB growth) over 100k misses');
cmp_ok($total1 - $total0, '<=', 1024 * 1024, 'backend memory flat (< 1 MB growth) over 100k misses');
is($state1, $cache1, 'pg_perfgate_backend_state reports the cache context');

# 2. The message of a finding queued for a statement that then failed.
$node->safe_psql('postgres', q{
CREATE FUNCTION pf_abs(int) RETURNS int AS 'int4abs' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION pf_maybe_drop(really boolean) RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF really THEN DROP FUNCTION IF EXISTS pf_abs(int); END IF;
  RETURN 1;
END $$;
CREATE TABLE pages AS SELECT g AS x FROM generate_series(1, 100) g;
ANALYZE pages;
});
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
SET pg_perfgate.track = 'top';
SET pg_perfgate.deep_offset_threshold = 10;
SET pg_perfgate.deep_offset_action = 'warning';
SET auto_explain.log_min_duration = 0;
SELECT x FROM pages WHERE pf_abs(x) = pf_maybe_drop(false) OFFSET 50;
\warn ==== the failing statement
SELECT x FROM pages WHERE pf_abs(x) = pf_maybe_drop(true) OFFSET 50;
\warn ==== an unrelated statement
SELECT 1 AS unrelated;
\warn ==== end
}, on_error_stop => 0);
my ($first, $failing, $unrelated) = (split /==== [^\n]*\n/, $stderr)[0, 1, 2];
like($first, qr/deep OFFSET/, 'the deep OFFSET is reported for the statement that had it');
like($failing, qr/ERROR/, 'the second statement failed in the next ExecutorEnd hook');
unlike($unrelated // '', qr/deep OFFSET/, 'no stray finding on the unrelated statement after the error');
like($stdout, qr/^1$/m, 'the unrelated statement ran');

$node->stop;
done_testing();
