#!/usr/bin/env bash
# Makes a private, relocated copy of the system PostgreSQL under DIR, so that an extension build
# can be installed and tested there without touching the system-wide installation (two people
# working on the extension at once, or a build of another revision beside the current one).
# PostgreSQL finds its share and lib directories relative to its own binaries, so the binaries are
# copied and everything else is linked; only the extension directory and the library directory are
# real directories, so that `make install` writes there.
#
# Usage: scripts/pg_private.sh DIR
# Then:  export PG_CONFIG=DIR/usr/lib/postgresql/15/bin/pg_config
#        make install PG_CONFIG=$PG_CONFIG && bash scripts/regress.sh   (scripts honour PG_CONFIG)
set -euo pipefail
dir=${1:?usage: scripts/pg_private.sh DIR}
sys_config=/usr/lib/postgresql/15/bin/pg_config
bindir=$("$sys_config" --bindir)
libdir=$("$sys_config" --pkglibdir)
sharedir=$("$sys_config" --sharedir)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
root="$dir/usr"
mkdir -p "$root/lib/postgresql/15/bin" "$root/lib/postgresql/15/lib" "$root/share/postgresql/15/extension"
cp -a "$bindir"/. "$root/lib/postgresql/15/bin/"
for f in "$libdir"/*; do ln -sfn "$f" "$root/lib/postgresql/15/lib/$(basename "$f")"; done
for f in "$sharedir"/*; do
  [ "$(basename "$f")" = extension ] || ln -sfn "$f" "$root/share/postgresql/15/$(basename "$f")"
done
for f in "$sharedir"/extension/*; do ln -sfn "$f" "$root/share/postgresql/15/extension/$(basename "$f")"; done
[ -e "$root/include" ] || ln -s /usr/include "$root/include"
# The server user must be able to read the copy.
chmod -R a+rX "$dir"
got=$("$root/lib/postgresql/15/bin/pg_config" --pkglibdir)
[ "$got" = "$root/lib/postgresql/15/lib" ] || { echo "pg_private: pg_config reports $got" >&2; exit 1; }
echo "$root/lib/postgresql/15/bin/pg_config"
