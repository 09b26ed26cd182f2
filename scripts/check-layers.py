#!/usr/bin/python3
"""check-layers.py: fail when a source under src/server/ includes what its
layer may not (the "Layers" table of the design; docs/ARCHITECTURE.md).

Every `#include "..."` of a file under src/server/ is resolved to a path
(relative to the including file, else to src/server/, else include/) and
checked against the including file's layer. Also checked: no file under
src/server/dialect/ includes another dialect's folder, no source file
is longer than MAX_LINES, and the migrations numbered LOCKSTEP_FROM and up
are the same files (number and name) on both backends.

  scripts/check-layers.py           check, print each violation, exit 1 if any
  scripts/check-layers.py --list    print each file's layer and includes
  scripts/check-layers.py --baseline FILE
                                    the violations listed in FILE (one per line,
                                    as printed, # comments) are known and
                                    tolerated; any other fails, and so does a
                                    listed one that is gone (remove its line)
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "src", "server")
INCLUDE = os.path.join(ROOT, "include")
MAX_LINES = 1000
MIGRATIONS = os.path.join(SERVER, "store", "migrations")
# From this number on a migration number is one change on both backends
# (before it, SQLite's and PostgreSQL's numbers went their own ways).
LOCKSTEP_FROM = 10

TOP = "top"  # main.c, config.c, router.c, app.c and their headers: anything

# layer -> what it may include (layers, or layer/file for a single header).
# "kassa" is the public libkassa API (include/kassa/).
ALLOWED = {
    "base": {"base", "kassa"},
    "model": {"model", "base", "kassa"},
    "store": {"store", "model", "base", "kassa"},
    "provider": {"provider", "store/store.h", "model", "base", "kassa"},
    "core": {"core", "store/store.h", "provider", "model", "base", "kassa"},
    "txn": {"txn", "store/store.h", "http", "model", "base", "kassa"},
    "http": {"http", "base", "kassa"},
    # A dialect: its own folder, the shared files at dialect/'s root (the
    # registry and the wire helpers every dialect uses), and below.
    "dialect": {"dialect-root", "core", "model", "txn/submit.h", "http", "base", "kassa"},
    # The outbox records go through the group commit like any other write.
    "callback": {"callback", "store/store.h", "txn/writer.h", "dialect/dialect.h", "model", "base",
                 "kassa"},
}
LAYERS = set(ALLOWED) | {TOP}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Layers whose code may not name a dialect: a dialect is one folder plus
# its registry line, and what differs per dialect is data.
NEUTRAL = {"base", "model", "store", "txn", "http", "core", "callback"}
DIALECT_NAME_RE = re.compile(r"panda|tegro", re.I)
COMMENT_RE = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def layer_of(rel):
    """The layer of a path relative to src/server/ ('base/log.h' -> 'base')."""
    head = rel.split("/", 1)[0]
    if "/" not in rel:
        return TOP
    return head if head in LAYERS else None


def resolve(src, inc):
    """The included file as a path relative to src/server/, or 'kassa/...'
    for the public API, or None when it is neither."""
    for base in (os.path.dirname(src), SERVER):
        p = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(p) and p.startswith(SERVER + os.sep):
            return os.path.relpath(p, SERVER)
    p = os.path.normpath(os.path.join(INCLUDE, inc))
    if os.path.exists(p) and p.startswith(INCLUDE + os.sep):
        return os.path.relpath(p, INCLUDE)
    # Generated files (migrations_*.c) and the like: not ours to check.
    return None


def dialect_name(rel):
    """'dialect/panda/panda.c' -> 'panda'; a file at dialect/'s root -> None."""
    parts = rel.split("/")
    return parts[1] if parts[0] == "dialect" and len(parts) > 2 else None


def allowed(rel, target):
    layer = layer_of(rel)
    if layer == TOP:
        return True
    if layer is None:
        return False
    tlayer = target.split("/", 1)[0] if "/" in target else TOP
    if tlayer == "kassa" and not os.path.exists(os.path.join(SERVER, target)):
        return "kassa" in ALLOWED[layer]
    rules = ALLOWED[layer]
    if layer == "dialect":
        mine, theirs = dialect_name(rel), dialect_name(target)
        if tlayer == "dialect":
            if theirs is None:  # dialect/'s root: the registry and shared helpers
                return True
            return theirs == mine
    return tlayer in rules or target in rules


def sources():
    for d, _, files in os.walk(SERVER):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def migration_problems(root=MIGRATIONS):
    """Violations of the lockstep rule: each backend's NNN_name.sql files
    numbered LOCKSTEP_FROM and up must be the same on both, and no backend
    may use a number twice."""
    bad = []
    names = {}
    for backend in ("sqlite", "pg"):
        names[backend] = {}
        for f in sorted(os.listdir(os.path.join(root, backend))):
            m = re.match(r"(\d+)_.*\.sql$", f)
            if m is None:
                bad.append(f"store/migrations/{backend}/{f}: not NNN_name.sql")
                continue
            v = int(m.group(1))
            if v in names[backend]:
                bad.append(f"store/migrations/{backend}/{f}: number {v} used twice")
            names[backend][v] = f
    for v in sorted(set(names["sqlite"]) | set(names["pg"])):
        if v < LOCKSTEP_FROM:
            continue
        a, b = names["sqlite"].get(v), names["pg"].get(v)
        if a != b:
            bad.append(f"store/migrations: {v:03d} is {a or 'missing'} on sqlite, "
                       f"{b or 'missing'} on pg (numbers from {LOCKSTEP_FROM:03d} are in lockstep)")
    return bad


def read_baseline(path):
    known = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                known.add(line)
    return known


def main():
    args = sys.argv[1:]
    listing = "--list" in args
    known = set()
    if "--baseline" in args:
        known = read_baseline(args[args.index("--baseline") + 1])
    bad = []
    for path in sorted(sources()):
        rel = os.path.relpath(path, SERVER)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.count("\n")
        if lines > MAX_LINES:
            bad.append(f"{rel}: over {MAX_LINES} lines")
        if layer_of(rel) is None:
            bad.append(f"{rel}: in no layer's folder")
            continue
        if layer_of(rel) in NEUTRAL:
            named = len(DIALECT_NAME_RE.findall(COMMENT_RE.sub("", text)))
            if named:
                bad.append(f"{rel}: names a dialect in code")
        incs = []
        for inc in INCLUDE_RE.findall(text):
            target = resolve(path, inc)
            if target is None:
                continue
            incs.append(target)
            if not allowed(rel, target):
                bad.append(f"{rel}: includes {target}, which the {layer_of(rel)} layer may not")
        if listing:
            print(f"{layer_of(rel):9} {rel}: {' '.join(incs)}")
    bad += migration_problems()
    new = [b for b in bad if b not in known]
    gone = sorted(known - set(bad))
    for b in new:
        print(f"layers: {b}", file=sys.stderr)
    for g in gone:
        print(f"layers: fixed, remove it from the baseline: {g}", file=sys.stderr)
    if new or gone:
        print(f"layers: {len(new)} new violation(s), {len(gone)} baseline line(s) to remove",
              file=sys.stderr)
        return 1
    if known:
        print(f"layers: no new violation ({len(known)} known, listed in the baseline)")
    else:
        print("layers: every include is allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
