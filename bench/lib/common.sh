# shellcheck shell=bash
# bench/lib/common.sh — shared by the bench scripts: a throw-away PostgreSQL cluster run as the
# `postgres` user in a temporary directory, on a Unix socket only, always removed on exit.
#
# Source it, then call bench_workdir (once), bench_initdb DIR, bench_start DIR [postgres -c options...],
# bench_stop DIR. Every cluster started is stopped and the work directory removed by the EXIT trap,
# also when the script fails or is interrupted.

PGBIN=${PGBIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
[ -x "$PGBIN/postgres" ] || PGBIN=/usr/lib/postgresql/15/bin
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$BENCH_ROOT/.." && pwd)

# Runs a command as the cluster owner (postgres refuses to run as root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

BENCH_WORK=""
BENCH_RUNNING=()

bench_cleanup() {
    local d
    for d in "${BENCH_RUNNING[@]}"; do
        [ -n "$d" ] && [ -f "$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1
    done
    [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ] && rm -rf "$BENCH_WORK"
}

bench_workdir() {
    BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgperfgate-bench.XXXXXX")
    chmod 755 "$BENCH_WORK"
    [ "$(id -u)" = 0 ] && chown postgres "$BENCH_WORK"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# bench_initdb DATADIR: a new cluster with settings that keep runs comparable and quiet.
bench_initdb() {
    local d=$1
    as_pg "$PGBIN/initdb" -D "$d" -A trust -U postgres --no-sync >"$BENCH_WORK/initdb.log" 2>&1 ||
        { cat "$BENCH_WORK/initdb.log" >&2; return 1; }
    cat >>"$d/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$BENCH_WORK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 8GB
checkpoint_timeout = 1h
shared_buffers = 256MB
jit = off
logging_collector = off
log_min_messages = warning
CONF
}

# bench_start DATADIR [-c name=value ...]: starts a postmaster with the given extra options.
bench_start() {
    local d=$1
    shift
    local opts="" o
    for o in "$@"; do opts="$opts $o"; done
    as_pg "$PGBIN/pg_ctl" -D "$d" -l "$d/server.log" -w -t 60 -o "$opts" start >/dev/null ||
        { tail -20 "$d/server.log" >&2; return 1; }
    BENCH_RUNNING+=("$d")
}

bench_stop() {
    as_pg "$PGBIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null
}

# psql/pgbench against the cluster's socket.
bench_psql() { as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$BENCH_WORK" -U postgres "$@"; }
bench_pgbench() { as_pg "$PGBIN/pgbench" -h "$BENCH_WORK" -U postgres "$@"; }

# The extensions needed, or a clear message.
bench_require_libs() {
    local lib libdir
    libdir=$(as_pg "$PGBIN/pg_config" --pkglibdir 2>/dev/null || pg_config --pkglibdir)
    for lib in "$@"; do
        [ -f "$libdir/$lib.so" ] || { echo "bench: $libdir/$lib.so is missing (make install? postgresql-contrib?)" >&2; return 1; }
    done
}

# --- Which pg_perfgate is measured ------------------------------------------------------------
# The installed library can be replaced by a `make install` in the middle of a run (others work on
# this machine), so every run measures a private copy, loaded by absolute path:
#   bench_pgperfgate_snapshot          copy the installed pg_perfgate.so and its SQL script
#   bench_pgperfgate_snapshot REV      build extension/ at git revision REV (PGXS, no bitcode) instead
#   bench_pgperfgate_snapshot FILE.so  use that library (and the installed SQL script)
# Sets PGPF_LIB (absolute path for shared_preload_libraries), PGPF_SQL, PGPF_DESC.
bench_pgperfgate_snapshot() {
    local what=${1:-} libdir sharedir ver
    libdir=$("$PGBIN/pg_config" --pkglibdir)
    sharedir=$("$PGBIN/pg_config" --sharedir)/extension
    mkdir -p "$BENCH_WORK/pgpf"
    if [ -z "$what" ]; then
        [ -f "$libdir/pg_perfgate.so" ] || { echo "bench: pg_perfgate is not installed (make install)" >&2; return 1; }
        cp "$libdir/pg_perfgate.so" "$BENCH_WORK/pgpf/pg_perfgate.so"
        ver=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$sharedir/pg_perfgate.control")
        cp "$sharedir/pg_perfgate--$ver.sql" "$BENCH_WORK/pgpf/pg_perfgate.sql"
        PGPF_DESC="installed $libdir/pg_perfgate.so ($(date -u -r "$libdir/pg_perfgate.so" +%Y-%m-%dT%H:%M:%SZ))"
    elif [ -f "$what" ]; then
        cp "$what" "$BENCH_WORK/pgpf/pg_perfgate.so"
        ver=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$sharedir/pg_perfgate.control")
        cp "$sharedir/pg_perfgate--$ver.sql" "$BENCH_WORK/pgpf/pg_perfgate.sql"
        PGPF_DESC="library $what"
    else
        local src=$BENCH_WORK/pgpf/src rev
        rev=$(git -C "$REPO_ROOT" rev-parse --verify "$what^{commit}") || return 1
        mkdir -p "$src"
        git -C "$REPO_ROOT" archive "$rev" Makefile extension | tar -x -C "$src"
        echo "bench: building pg_perfgate at ${rev:0:12}" >&2
        make -C "$src" -j"$(nproc)" with_llvm=no PG_CONFIG="$PGBIN/pg_config" >"$BENCH_WORK/pgpf/build.log" 2>&1 ||
            { tail -30 "$BENCH_WORK/pgpf/build.log" >&2; return 1; }
        cp "$src/pg_perfgate.so" "$BENCH_WORK/pgpf/pg_perfgate.so"
        ver=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$src/extension/pg_perfgate.control")
        cp "$src/extension/pg_perfgate--$ver.sql" "$BENCH_WORK/pgpf/pg_perfgate.sql"
        PGPF_DESC="git ${rev:0:12}, extension/ as of $(git -C "$REPO_ROOT" log -1 --format='%h (%s)' "$rev" -- extension)"
    fi
    chmod -R a+rX "$BENCH_WORK/pgpf"
    PGPF_LIB=$BENCH_WORK/pgpf/pg_perfgate.so
    PGPF_SQL=$BENCH_WORK/pgpf/pg_perfgate.sql
    echo "bench: pg_perfgate measured: $PGPF_DESC" >&2
}

# bench_pgperfgate_objects PORT: the extension's SQL objects (views, reset), bound to the snapshot.
bench_pgperfgate_objects() {
    sed -e '/^\\echo/d' -e "s|MODULE_PATHNAME|$PGPF_LIB|g" "$PGPF_SQL" >"$BENCH_WORK/pgpf/objects.sql"
    chmod a+r "$BENCH_WORK/pgpf/objects.sql"
    bench_psql -p "$1" -f "$BENCH_WORK/pgpf/objects.sql" postgres >/dev/null
}
