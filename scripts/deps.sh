#!/usr/bin/env bash
# Installs what building and testing pg_perfgate needs, only when something is missing.
# Safe to run repeatedly; needs root (or sudo) only when it has to install.
set -euo pipefail

PACKAGES=(
  build-essential cmake clang-14 llvm-14 clang-format-14
  postgresql-15 postgresql-contrib postgresql-server-dev-15 libkrb5-dev
  libpq-dev libgtest-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libfmt-dev libxxhash-dev
  libipc-run-perl valgrind tmux
  python3-psycopg2 python3-sqlalchemy python3-django
  python3-yaml prometheus-postgres-exporter
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
