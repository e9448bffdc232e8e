#!/usr/bin/env python3
"""Checks META.json against the PGXN Meta Spec 1.0.0 (its required keys and their forms) and
checks that the release's version is one number everywhere: META.json's version, the version it
gives pg_perfgate in `provides`, extension/pg_perfgate.control's default_version (1.0 reads as
1.0.0), the install script of that version, and the newest section of CHANGELOG.md. Also checks that
every repository file a document or a comment cites exists: a path under one of the repository's
top-level directories (`bench/results/churn.txt`, `t/010_restart`, `sql/plan_id_shapes`) and every
Markdown file named on its own (`workloads.md`); and that no two TAP files share a number. Runs
scripts/check_layers.py too (no include in extension/src points back up; every file of ours a
comment in extension/ names on its own, detect_spill.cpp, exists).

Usage: python3 scripts/check_meta.py [REPOSITORY_ROOT]. Prints one line per problem; exit 1 if any.
"""
import json
import os
import re
import subprocess
import sys

# Semantic Versioning 1.0.0, as the PGXN Meta Spec requires for every version.
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)([A-Za-z][0-9A-Za-z-]*)?$")
# A PGXN prerequisite: a version, or comparisons joined by commas (">= 15.0.0, < 16.0.0"); 0 is "any".
PREREQ = re.compile(r"^(0|(?:(?:==|!=|>=|<=|>|<)\s*)?[0-9]+\.[0-9]+\.[0-9]+)(\s*,\s*(?:==|!=|>=|<=|>|<)\s*[0-9]+\.[0-9]+\.[0-9]+)*$")
REQUIRED = ("name", "abstract", "maintainer", "version", "license", "provides", "meta-spec")
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}


def as_semver(version):
    """A PostgreSQL extension version like 1.0 as the x.y.z PGXN uses."""
    parts = version.split(".")
    return ".".join(parts + ["0"] * (3 - len(parts))) if len(parts) < 3 else version


def control_default_version(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*default_version\s*=\s*'([^']*)'", line)
            if m:
                return m.group(1)
    return None


def check(root):
    problems = []
    try:
        with open(os.path.join(root, "META.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        return [f"META.json: {e}"]
    if not isinstance(meta, dict):
        return ["META.json: not a JSON object"]

    for key in REQUIRED:
        if key not in meta:
            problems.append(f"META.json: required key '{key}' missing")
    if problems:
        return problems

    if meta["name"] != "pg_perfgate":
        problems.append(f"META.json: name is {meta['name']!r}, not 'pg_perfgate'")
    if not isinstance(meta["abstract"], str) or not meta["abstract"].strip():
        problems.append("META.json: abstract must be a non-empty string")
    maintainers = meta["maintainer"] if isinstance(meta["maintainer"], list) else [meta["maintainer"]]
    if not maintainers or not all(isinstance(m, str) and m.strip() for m in maintainers):
        problems.append("META.json: maintainer must be a non-empty string or list of strings")
    if not isinstance(meta["version"], str) or not SEMVER.match(meta["version"]):
        problems.append(f"META.json: version {meta['version']!r} is not a semantic version")
    if meta["license"] != "postgresql":
        problems.append(f"META.json: license is {meta['license']!r}, not 'postgresql'")
    spec = meta["meta-spec"]
    if not isinstance(spec, dict) or spec.get("version") != "1.0.0":
        problems.append("META.json: meta-spec must be an object with version '1.0.0'")
    if "release_status" in meta and meta["release_status"] not in ("stable", "testing", "unstable"):
        problems.append(f"META.json: release_status {meta['release_status']!r} is not allowed")

    provides = meta["provides"]
    ext = provides.get("pg_perfgate") if isinstance(provides, dict) else None
    if not isinstance(ext, dict):
        problems.append("META.json: provides has no object for pg_perfgate")
    else:
        for key in ("file", "version"):
            if key not in ext:
                problems.append(f"META.json: provides.pg_perfgate.{key} missing")
        if "file" in ext and not os.path.isfile(os.path.join(root, ext["file"])):
            problems.append(f"META.json: provides.pg_perfgate.file {ext['file']!r} does not exist")
        if "docfile" in ext and not os.path.isfile(os.path.join(root, ext["docfile"])):
            problems.append(f"META.json: provides.pg_perfgate.docfile {ext['docfile']!r} does not exist")
        if ext.get("version") != meta["version"]:
            problems.append(f"META.json: provides.pg_perfgate.version {ext.get('version')!r} "
                            f"differs from version {meta['version']!r}")

    prereqs = meta.get("prereqs", {})
    for phase, relations in prereqs.items():
        if phase not in PHASES:
            problems.append(f"META.json: prereqs phase {phase!r} is not allowed")
            continue
        for relation, modules in relations.items():
            if relation not in RELATIONS:
                problems.append(f"META.json: prereqs.{phase}.{relation} is not allowed")
                continue
            for module, version in modules.items():
                if not isinstance(version, str) or not PREREQ.match(version):
                    problems.append(f"META.json: prereqs.{phase}.{relation}.{module} = {version!r} "
                                    "is not a version or version range")
    pg = prereqs.get("runtime", {}).get("requires", {}).get("PostgreSQL")
    if pg is None:
        problems.append("META.json: prereqs.runtime.requires.PostgreSQL missing")

    default_version = control_default_version(os.path.join(root, "extension", "pg_perfgate.control"))
    if default_version is None:
        problems.append("extension/pg_perfgate.control: no default_version")
    else:
        if as_semver(default_version) != meta["version"]:
            problems.append(f"META.json: version {meta['version']!r} differs from the control file's "
                            f"default_version {default_version!r}")
        script = os.path.join("extension", f"pg_perfgate--{default_version}.sql")
        if not os.path.isfile(os.path.join(root, script)):
            problems.append(f"{script}: the install script of default_version is missing")

    try:
        with open(os.path.join(root, "CHANGELOG.md"), encoding="utf-8") as f:
            newest = next((m.group(1) for m in (re.match(r"^## \[([^\]]+)\]", line) for line in f) if m), None)
        if newest != meta["version"]:
            problems.append(f"CHANGELOG.md: newest section is {newest!r}, not {meta['version']!r}")
    except OSError as e:
        problems.append(f"CHANGELOG.md: {e}")
    return problems


def repository_files(root):
    """The tracked files (git ls-files), else (a tarball) every file under root but .git, the build
    tree and pg_regress's output."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True, check=True).stdout
        return [f for f in out.decode("utf-8", "replace").split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d, subdirs, names in os.walk(root):
            # the build tree and pg_regress's output (results/) at the top, never bench/results
            top_level = os.path.samefile(d, root)
            subdirs[:] = [s for s in subdirs if s != ".git" and not (top_level and s in ("build", "results"))]
            found += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return found


# Files whose text cites others: documentation, sources, scripts, build files.
CITING = re.compile(r"(\.(md|cpp|hpp|h|c|sh|py|pl|pm|sql|cmake|yaml|yml|conf)|/Makefile|^Makefile|CMakeLists\.txt)$")
# A path-like word: not part of a longer path, a URL, a variable ($x/...), or a placeholder (<rev>, *).
CITED = re.compile(r"(?<![\w./$<>{}@%*\\-])([A-Za-z0-9_][\w.-]*(?:/[\w.-]+)*/?)(?![\w/*<>{}\\-])")
EXTENSION = re.compile(r"\.[A-Za-z]{1,5}$")
# A placeholder in a path names no file: sql/NAME.sql, harness/src/cmd_NAME.cpp, t/NNN_name.pl.
PLACEHOLDER = re.compile(r"(^|[_.-])(NAME|NNN|NN|N|FORMAT|FILE|DIR|REV)([_.-]|$)")


def check_citations(root):
    """Every repository file a document or comment cites exists. A cited path without an extension
    (`t/090`, `sql/plan_id_shapes`) must be the start of a file's or directory's path."""
    files = repository_files(root)
    tracked = set(files)
    dirs = {"/".join(f.split("/")[:i]) for f in files for i in range(1, f.count("/") + 1)}
    top = {f.split("/")[0] for f in files}
    basenames = {os.path.basename(f) for f in files}
    problems = []
    for f in files:
        if not CITING.search(f):
            continue
        try:
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                lines = fh.read().split("\n")
        except (OSError, UnicodeDecodeError):
            continue
        markdown = f.endswith(".md")
        for lineno, line in enumerate(lines, 1):
            if line.lstrip().startswith("#include"):
                continue
            for m in CITED.finditer(line):
                cited = m.group(1).rstrip(".")
                quoted = m.start(1) > 0 and line[m.start(1) - 1] == '"' and line[m.end(1):m.end(1) + 1] == '"'
                if quoted and not markdown:
                    continue  # a string in code names a file the code makes, not one it cites
                path = cited.rstrip("/")
                parts = path.split("/")
                if "/" in path:
                    if parts[0] not in top or any(PLACEHOLDER.search(p) for p in parts):
                        continue
                    if path in tracked or path in dirs:
                        continue
                    if not EXTENSION.search(parts[-1]) and any(t.startswith(path) for t in tracked):
                        continue
                elif not path.endswith(".md") or path in basenames:
                    continue
                problems.append(f"{f}:{lineno}: cites {cited}, which is not in the repository")
    return problems


def check_tap_numbers(root):
    """Each TAP file's number (t/NNN_name.pl) is its own: the order prove runs them in is the numbers'."""
    seen = {}
    for name in sorted(os.listdir(os.path.join(root, "t"))):
        m = re.match(r"^(\d+)_.*\.pl$", name)
        if m:
            seen.setdefault(m.group(1), []).append(name)
    return [f"t/: number {n} is taken by {', '.join(names)}" for n, names in sorted(seen.items()) if len(names) > 1]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(root) + check_citations(root) + check_tap_numbers(root)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import check_layers

    problems += check_layers.check(root) + check_layers.check_cited(root)
    for p in problems:
        print(p)
    if problems:
        print(f"meta: {len(problems)} problem(s)")
        return 1
    print("meta: META.json valid (PGXN Meta Spec 1.0.0); version agrees with the control file and CHANGELOG.md; "
          "every repository file a document or comment cites exists; TAP file numbers unique; includes follow the levels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
