# Sourced by the other scripts: where PostgreSQL is, and how to run things as the postgres user.
# initdb refuses root, so as root every server runs as "postgres" in a directory it owns.

PG_CONFIG=${PG_CONFIG:-pg_config}
PG_BINDIR=$("$PG_CONFIG" --bindir)
PG_PKGLIBDIR=$("$PG_CONFIG" --pkglibdir)
PG_REGRESS="$PG_PKGLIBDIR/pgxs/src/test/regress/pg_regress"
PG_PERL5LIB="$PG_PKGLIBDIR/pgxs/src/test/perl"
export PATH="$PG_BINDIR:$PATH"

# as_pg CMD...: run CMD as the postgres user when we are root, as ourselves otherwise.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- env PATH="$PATH" PERL5LIB="${PERL5LIB:-}" "$@"
  else
    "$@"
  fi
}

# pg_tmpdir NAME: a fresh temporary directory the server user can write.
pg_tmpdir() {
  local d
  d=$(mktemp -d "/tmp/pg_perfgate.$1.XXXXXX")
  chmod 755 "$d"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$d"; fi
  echo "$d"
}
