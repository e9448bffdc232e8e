#!/usr/bin/env bash
# scripts/majors.sh MAJOR...: builds and tests the extension on other PostgreSQL major versions, each
# from Debian's own packages in a minimal Debian root (debootstrap --variant=minbase) of the release
# that ships that major: 15 bookworm, 17 trixie, 18 sid. For each major:
#   1. makes the root, or reuses a cached one (outside the clone, in $PERFGATE_ROOTS, by default
#      /var/cache/pg_perfgate/roots/SUITE). A root counts as built only when its stamp file, written
#      last, names the packages it was built with: a half-built root (an interrupted run) is removed
#      and built again; a cached root is used as it is (remove it to take newer packages);
#   2. copies this source tree into the root and builds the extension there with -Werror (the
#      Makefile's flags) against that major's headers, and installs it into the root's PostgreSQL;
#   3. runs the pg_regress suites (scripts/regress.sh) and the TAP tests that need nothing outside
#      the root, each against throw-away servers of that major started as the postgres user;
#   4. with a host-built perfgate (build/harness/perfgate, when present): starts a server in the
#      root on a Unix socket under the root's /tmp and runs `perfgate gate` from the host against it,
#      through the root's path: a baseline taken there passes, and one taken on another major (the
#      previous major of this run) is refused as not comparable (exit 3).
# Prints the minutes each major took and closes with "majors: N passed, M failed", counting tests
# over all majors as `make test` counts them.
# /proc, /dev and /dev/shm are mounted into a root only while it is used and unmounted on exit, also
# on failure or interruption. Needs root (debootstrap, chroot, mount); installs debootstrap if missing.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
roots=${PERFGATE_ROOTS:-/var/cache/pg_perfgate/roots}
# The Debian archive this machine's own apt uses (its sources), unless PERFGATE_MIRROR names one.
host_mirror() {
  { awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}' /etc/apt/sources.list.d/*.sources 2>/dev/null
    awk '$1 == "deb" {print ($2 ~ /^\[/ ? $3 : $2)}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
  } | grep -v -e security -e '^$' | head -1
}
mirror=${PERFGATE_MIRROR:-$(host_mirror)}

prepare_only=0
if [ "${1:-}" = --prepare ]; then prepare_only=1; shift; fi
if [ $# -eq 0 ]; then
  echo "usage: scripts/majors.sh [--prepare] MAJOR... (e.g. 17 18; --prepare: only make the roots)" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "majors: needs root (debootstrap, chroot, mount)" >&2
  exit 2
fi

suite_of() {
  case $1 in
    15) echo bookworm ;;
    17) echo trixie ;;
    18) echo sid ;;
    *) return 1 ;;
  esac
}
for m in "$@"; do
  if ! suite_of "$m" >/dev/null; then
    echo "majors: no Debian release ships PostgreSQL $m (known: 15 bookworm, 17 trixie, 18 sid)" >&2
    exit 2
  fi
done

if ! command -v debootstrap >/dev/null; then
  echo "== installing debootstrap"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >/dev/null; then
    echo "majors: could not install debootstrap" >&2
    exit 2
  fi
fi

# Mounts made by this run, unmounted in reverse order on exit.
mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount -l "${mounts[$i]}" 2>/dev/null || true
  done
  mounts=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_root() { # mount_root ROOT
  local r=$1
  mount -t proc proc "$r/proc" && mounts+=("$r/proc") || return 1
  mount --bind /dev "$r/dev" && mounts+=("$r/dev") || return 1
  mount -t tmpfs -o mode=1777,size=1g shm "$r/dev/shm" && mounts+=("$r/dev/shm") || return 1
}
unmount_root() { # unmount_root ROOT: only this root's mounts
  local r=$1 i keep=()
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    if [[ ${mounts[$i]} == "$r"/* ]]; then umount -l "${mounts[$i]}" 2>/dev/null || true; fi
  done
  for i in "${mounts[@]}"; do [[ $i == "$r"/* ]] || keep+=("$i"); done
  mounts=("${keep[@]+"${keep[@]}"}")
}

in_root() { # in_root ROOT CMD...: run CMD in ROOT, as root, with a clean environment
  local r=$1
  shift
  chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

packages_of() { # the packages a root for MAJOR needs
  echo "postgresql-$1 postgresql-server-dev-$1 postgresql-client-$1 g++ make libkrb5-dev libipc-run-perl" \
    "libjson-pp-perl util-linux ca-certificates"
}

# make_root MAJOR: builds ROOT from nothing unless its stamp says it is complete for these packages.
make_root() {
  local major=$1 suite root stamp pkgs
  suite=$(suite_of "$major")
  root="$roots/$suite"
  stamp="$root/.pg_perfgate-root"
  pkgs=$(packages_of "$major")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$suite: $pkgs" ]; then
    echo "== root $root: cached (built $(stat -c %y "$stamp" | cut -d. -f1))"
    return 0
  fi
  if [ -z "$mirror" ]; then
    echo "majors: no Debian archive in this machine's apt sources: set PERFGATE_MIRROR" >&2
    return 1
  fi
  echo "== root $root: building from nothing ($suite, minbase)"
  # Whatever is there is incomplete: a stale mount of a killed run first, then the files.
  for d in dev/shm dev proc; do umount -l "$root/$d" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
  mkdir -p "$roots"
  if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$roots/$suite.debootstrap.log" 2>&1; then
    tail -20 "$roots/$suite.debootstrap.log"
    echo "majors: debootstrap $suite failed (log: $roots/$suite.debootstrap.log)" >&2
    return 1
  fi
  # No service starts inside the root (package scripts ask policy-rc.d), and no default cluster.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mkdir -p "$root/etc/postgresql-common"
  echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.conf"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  # sid's Release file is valid for a week only; a mirror or snapshot that lags behind (or a clock
  # ahead of it) would stop the test root from installing anything. These roots only run tests.
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99pg_perfgate"
  mount_root "$root" || return 1
  # shellcheck disable=SC2086
  if ! { in_root "$root" apt-get update -qq &&
         in_root "$root" apt-get install -y -qq --no-install-recommends \
           -o Dpkg::Options::=--force-confold $pkgs; } >"$roots/$suite.apt.log" 2>&1; then
    tail -30 "$roots/$suite.apt.log"
    echo "majors: installing PostgreSQL $major in the $suite root failed (log: $roots/$suite.apt.log)" >&2
    unmount_root "$root"
    return 1
  fi
  in_root "$root" apt-get clean
  unmount_root "$root"
  echo "$suite: $pkgs" >"$stamp"
}

# copy_source DEST: the files of this tree that git knows (tracked, or untracked and not ignored),
# or, outside a git checkout, the tree without its build outputs.
copy_source() {
  local dest=$1
  mkdir -p "$dest"
  if git -C "$here" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$here" && git ls-files -z -co --exclude-standard | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
      tar -c --null -T - -f -) | tar -x -C "$dest" -f -
  else
    (cd "$here" && tar -c --exclude=./build --exclude=./.git --exclude=./results --exclude='*.o' --exclude='*.so' \
      --exclude='*.bc' -f - .) | tar -x -C "$dest" -f -
  fi
}

# test_major MAJOR: prints its stages; exit 0 when everything passed.
test_major() {
  local major=$1 suite root src pgc status=0 log
  suite=$(suite_of "$major")
  root="$roots/$suite"
  make_root "$major" || return 1
  [ "$prepare_only" -eq 0 ] || return 0
  mount_root "$root" || { unmount_root "$root"; return 1; }
  src=$(mktemp -d "$root/tmp/pg_perfgate-src.XXXXXX")
  local isrc=${src#"$root"}
  copy_source "$src"
  chmod -R a+rX "$src"
  pgc=/usr/lib/postgresql/$major/bin/pg_config
  log="$src/majors.log"

  echo "== PostgreSQL $major ($suite): $(in_root "$root" "$pgc" --version)"
  echo "== build and install the extension (-Werror)"
  if ! in_root "$root" sh -c "cd $isrc && make -s -j2 PG_CONFIG=$pgc && make -s install PG_CONFIG=$pgc" >"$log" 2>&1; then
    cat "$log"
    echo "not ok: PostgreSQL $major: the build failed"
    tally 0 1
    unmount_root "$root"; rm -rf "$src"
    return 1
  fi
  echo "ok: built with PostgreSQL $major's headers"
  tally 1 0

  echo "== pg_regress suites"
  in_root "$root" env PG_CONFIG="$pgc" bash "$isrc/scripts/regress.sh" >"$log" 2>&1 || status=1
  cat "$log"
  local ok bad
  ok=$(grep -cE '^(ok|test) .*\.\.\. ok|^ok [0-9]+ ' "$log")
  bad=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+ ' "$log")
  [ "$status" -eq 0 ] || [ "$bad" -gt 0 ] || bad=1
  tally "$ok" "$bad"
  if [ "$status" -ne 0 ] && [ -d "$src/results" ]; then
    rm -rf "$here/results/pg$major"; mkdir -p "$here/results"
    cp -r "$src/results" "$here/results/pg$major" && echo "majors: the failing outputs are in results/pg$major"
  fi

  echo "== TAP tests (those that need nothing outside the root)"
  local tap_status=0
  in_root "$root" env PG_CONFIG="$pgc" TAP_TESTS="$tap_tests" bash "$isrc/scripts/tap.sh" >"$log" 2>&1 || tap_status=1
  cat "$log"
  ok=$(grep -cE '^ok [0-9]+' "$log")
  bad=$(grep -cE '^not ok [0-9]+' "$log")
  if [ "$tap_status" -ne 0 ]; then status=1; [ "$bad" -gt 0 ] || bad=1; fi
  tally "$ok" "$bad"

  if [ -x "$here/build/harness/perfgate" ]; then
    echo "== perfgate (built on the host) against a PostgreSQL $major server in the root"
    gate_major "$major" "$root" >"$log" 2>&1 || status=1
    cat "$log"
    tally "$(grep -c '^ok: ' "$log")" "$(grep -c '^not ok: ' "$log")"
  else
    echo "== perfgate: not built on the host (build/harness/perfgate): gate check skipped"
  fi

  unmount_root "$root"
  rm -rf "$src"
  return $status
}

# gate_major MAJOR ROOT: a server of MAJOR in ROOT on a socket under ROOT/tmp, reached from the host
# through the root's path; the host's perfgate records a baseline against it and gates against that
# baseline (exit 0), and gating against a baseline recorded on another major (the previous major of
# this run, else this baseline with its server version changed) is refused: exit 3, naming both.
gate_major() {
  local major=$1 root=$2 sock data rc status=0 bin=/usr/lib/postgresql/$1/bin
  local pf="$here/build/harness/perfgate" w
  sock=$(mktemp -d "$root/tmp/pg_perfgate-sock.XXXXXX")
  data=$(mktemp -d "$root/tmp/pg_perfgate-data.XXXXXX")
  chmod 755 "$sock" "$data"
  in_root "$root" chown postgres: "${sock#"$root"}" "${data#"$root"}"
  w="$gates/$major"
  mkdir -p "$w"
  in_root "$root" runuser -u postgres -- "$bin/initdb" -A trust -U postgres -D "${data#"$root"}/pg" >/dev/null || status=1
  if [ $status -eq 0 ]; then
    in_root "$root" runuser -u postgres -- "$bin/pg_ctl" -D "${data#"$root"}/pg" -w -l "${data#"$root"}/log" \
      -o "-c listen_addresses='' -c unix_socket_directories='${sock#"$root"}' -c port=5432 -c shared_preload_libraries=pg_perfgate" \
      start >/dev/null || status=1
  fi
  if [ $status -eq 0 ]; then
    # The host's libpq, the root's server: the socket is reached through the root's path.
    local conn=(-h "$sock" -p 5432 -U postgres -d postgres) opts=(--scenario lookups --iterations 6 --warmup 1 --no-progress)
    "$bin_psql" "${conn[@]}" -X -q -c 'CREATE EXTENSION pg_perfgate' || status=1
    if [ $status -eq 0 ] && ! "$pf" run "${conn[@]}" "${opts[@]}" -o "$w/base.json" >"$w/run.out" 2>&1; then
      cat "$w/run.out"; status=1
    fi
    if [ $status -eq 0 ]; then
      grep -q "\"server_version_num\": *$major" "$w/base.json" ||
        { echo "not ok: the baseline does not record PostgreSQL $major"; status=1; }
      "$pf" gate "${conn[@]}" "${opts[@]}" -b "$w/base.json" >"$w/gate.out" 2>&1
      rc=$?
      if [ $rc -eq 0 ]; then
        echo "ok: perfgate (host) gates against PostgreSQL $major in the root: passes its own baseline"
      else
        cat "$w/gate.out"; echo "not ok: perfgate gate against PostgreSQL $major: exit $rc"; status=1
      fi
      # A baseline from another major: the previous major's of this run, else this one relabelled.
      local other other_major
      other=$(ls "$gates"/*/base.json 2>/dev/null | grep -v "^$w/" | tail -1)
      if [ -z "$other" ]; then
        other_major=$((major == 15 ? 17 : 15))
        sed -E -e "s/(\"server_version_num\": *)$major([0-9]{4})/\1${other_major}\2/" \
          -e "s/(\"server_version\": *\")$major\./\1${other_major}./" "$w/base.json" >"$w/other.json"
        other="$w/other.json"
      else
        other_major=$(basename "$(dirname "$other")")
      fi
      "$pf" gate "${conn[@]}" "${opts[@]}" -b "$other" >"$w/other.out" 2>&1
      rc=$?
      if [ $rc -eq 3 ] && grep -q "not comparable" "$w/other.out" &&
         grep -q "baseline PostgreSQL $other_major .*this run PostgreSQL $major " "$w/other.out"; then
        echo "ok: a baseline recorded on PostgreSQL $other_major is not comparable on $major (exit 3):"
        grep "server major version" "$w/other.out" | sed 's/^/    /'
      else
        cat "$w/other.out"; echo "not ok: a baseline from PostgreSQL $other_major on $major: exit $rc"; status=1
      fi
    fi
    in_root "$root" runuser -u postgres -- "$bin/pg_ctl" -D "${data#"$root"}/pg" -m fast -w stop >/dev/null || true
  fi
  [ $status -eq 0 ] || tail -20 "$data/log" 2>/dev/null
  rm -rf "$sock" "$data"
  return $status
}

# The host's psql (any recent libpq client talks to 15 to 18) and the gate checks' files.
bin_psql=$(command -v psql || echo /usr/bin/psql)
gates=$(mktemp -d /tmp/pg_perfgate.majors.XXXXXX)
trap 'cleanup; rm -rf "$gates"' EXIT

# The TAP tests a bare root runs: not t/050_orm.pl (Python ORMs) nor t/070_prometheus.pl (exporter).
tap_tests="t/010_restart.pl t/020_agree_with_pgss.pl t/030_concurrency.pl t/040_long_session.pl t/055_slowlog.pl t/060_activity.pl"

# Tests passed and failed, over all majors (a build, each pg_regress test, each TAP assertion, each
# gate check), and per major.
passed=0
failed=0
tally() { passed=$((passed + $1)); failed=$((failed + $2)); major_passed=$((major_passed + $1)); major_failed=$((major_failed + $2)); }
summary=()
status=0
for major in "$@"; do
  start=$(date +%s)
  major_passed=0
  major_failed=0
  echo
  echo "==== PostgreSQL $major"
  if test_major "$major"; then
    verdict=passed
  else
    verdict=FAILED; status=1
    [ "$major_failed" -gt 0 ] || tally 0 1 # a root that could not be made
  fi
  secs=$(($(date +%s) - start))
  line=$(printf 'PostgreSQL %s (%s): %s in %d.%d min (%d tests passed, %d failed)' "$major" "$(suite_of "$major")" "$verdict" \
    $((secs / 60)) $((secs % 60 * 10 / 60)) "$major_passed" "$major_failed")
  summary+=("$line")
  echo "---- $line"
done
echo
for line in "${summary[@]}"; do echo "$line"; done
echo "majors: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
