#!/usr/bin/env bash
# clang-format over the project's C++ sources: `--check` fails on any difference, no argument
# rewrites the files in place.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
cf=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files -- 'extension/*.cpp' 'extension/*.hpp' 'extension/*.h' 'harness/*.cpp' 'harness/*.hpp' \
                                     'bench/*.cpp' 'bench/*.hpp')
if [ "${1:-}" = "--check" ]; then
  "$cf" --dry-run --Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
else
  "$cf" -i "${files[@]}"
fi
