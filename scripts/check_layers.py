#!/usr/bin/env python3
"""Checks that every #include "..." between the files of extension/src points down or sideways in
the levels below, never up, and that there is no include cycle; and that every file of ours a
comment in extension/ cites (NAME.cpp, .hpp, .md, .sql, .sh, .py, .pl) exists in the repository
(PostgreSQL's own files, .c and .h, are not checked). A file's level is its module's (the
name without .cpp/.hpp/.h; a detector's file detect_NAME.cpp, or extension/src/detect/NAME.cpp, is in module detect).

Levels, lowest first (a module includes only modules of its own level or below):
  0 base      pg.hpp, compat.h, guard, srf, settings: PostgreSQL's headers, the C++ boundary, the
              SQL-function helpers, the settings several parts read
  1 tools     exec_state, plan_id, plan_text, plan_cache: per-backend mechanisms, no shared table
  2 tables    store, normalize, antipatterns, kinds, mute, errors, activity, slowlog: each owns a shared
              segment (or feeds one) and the views of its own data
  3 detect    detect, detect_*: the detectors, writing findings
  4 capture   capture, views, persist: the measuring at the hooks, the views that read several
              parts, saving and loading
  5 hooks     hooks: PostgreSQL's hooks, calling the levels below
  6 module    module: _PG_init and the table of the parts
extension/core/ (PostgreSQL-free) is below all of them and includes nothing from extension/src.
A new file adds its module to LEVELS.

Usage: python3 scripts/check_layers.py [REPOSITORY_ROOT]. Prints one line per problem; exit 1 if any.
"""
import os
import re
import sys

LEVELS = {
    "base": (0, ["pg", "compat", "guard", "srf", "settings"]),
    "tools": (1, ["exec_state", "plan_id", "plan_text", "plan_cache"]),
    "tables": (2, ["store", "normalize", "antipatterns", "kinds", "mute", "errors", "activity", "slowlog"]),
    "detect": (3, ["detect"]),
    "capture": (4, ["capture", "views", "persist"]),
    "hooks": (5, ["hooks"]),
    "module": (6, ["module"]),
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(path):
    """extension/src/detect/NAME.cpp -> detect; extension/src/detect_scan.cpp -> detect; extension/src/store.hpp -> store."""
    rel = os.path.relpath(path, "extension/src")
    parts = rel.split(os.sep)
    if len(parts) > 1:
        return parts[0]
    name = os.path.splitext(parts[0])[0]
    return "detect" if name.startswith("detect_") else name


def check(root):
    level = {m: lv for lv, mods in LEVELS.values() for m in mods}
    problems = []
    edges = {}
    src = os.path.join(root, "extension", "src")
    for dirpath, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".cpp", ".hpp", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            mod = module_of(os.path.relpath(path, root))
            if mod not in level:
                problems.append(f"{rel}: module {mod!r} has no level in scripts/check_layers.py")
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                if inc.startswith("core/"):
                    continue
                target = os.path.join("extension/src", inc)
                if not os.path.exists(os.path.join(root, target)):
                    # PostgreSQL's own headers, included with quotes as its sources do.
                    continue
                tmod = module_of(target)
                if tmod == mod:
                    continue
                edges.setdefault(mod, set()).add(tmod)
                if tmod in level and level[tmod] > level[mod]:
                    problems.append(f"{rel}: includes {inc} (level {level[tmod]}) from level {level[mod]}")
    core = os.path.join(root, "extension", "core")
    for dirpath, _, files in os.walk(core):
        for name in files:
            path = os.path.join(dirpath, name)
            if name.endswith((".cpp", ".hpp", ".h")):
                with open(path, encoding="utf-8") as f:
                    for inc in INCLUDE.findall(f.read()):
                        if os.path.exists(os.path.join(src, inc)):
                            problems.append(f"{os.path.relpath(path, root)}: includes {inc} from extension/src")
    # No cycle between modules (within a level included).
    state = {}

    def visit(m, stack):
        state[m] = 1
        for t in sorted(edges.get(m, ())):
            if state.get(t) == 1:
                problems.append("include cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [m])
    return problems


COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
SQL_COMMENT = re.compile(r"(?:^|(?<=\s))--[^\n]*", re.M)
CITED = re.compile(r"(?<![\w/.-])([\w/.-]*\w\.(?:cpp|hpp|md|sql|sh|py|pl))\b")


def check_cited(root):
    """Every file of ours that a comment in extension/ names exists (by path or, if only its name
    is given, somewhere in the repository)."""
    problems = []
    names = set()
    paths = set()
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "build"]
        for name in files:
            names.add(name)
            paths.add(os.path.relpath(os.path.join(dirpath, name), root))
    for dirpath, _, files in os.walk(os.path.join(root, "extension")):
        for name in sorted(files):
            if not name.endswith((".cpp", ".hpp", ".h", ".sql")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            comments = COMMENT.findall(text) if not name.endswith(".sql") else SQL_COMMENT.findall(text)
            for c in comments:
                for cited in CITED.findall(c):
                    if cited in paths or os.path.basename(cited) in names:
                        continue
                    problems.append(f"{os.path.relpath(path, root)}: a comment cites {cited}, which does not exist")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(root) + check_cited(root)
    for p in problems:
        print(p)
    if problems:
        print(f"layers: {len(problems)} problem(s)")
        return 1
    print("layers: every include in extension/src points down or sideways, no cycle; every file cited exists")
    return 0


if __name__ == "__main__":
    sys.exit(main())
