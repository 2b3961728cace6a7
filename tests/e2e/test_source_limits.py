"""The code rules every change keeps: no source file over 600 lines, no
function over 80 (a function's body counted from its opening brace at the
start of a line to its closing one)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from harness import ROOT, check  # noqa: E402


def sources():
    for top in ("src", "include"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.join(d, f)


def rel(path):
    return os.path.relpath(path, ROOT)


def test_no_source_file_over_600_lines():
    long = []
    for p in sources():
        with open(p, encoding="utf-8", errors="replace") as f:
            n = sum(1 for _ in f)
        if n > 600:
            long.append(f"{rel(p)}: {n} lines")
    check(not long, "files over 600 lines:\n" + "\n".join(long))


def test_no_function_over_80_lines():
    long = []
    for p in sources():
        if not p.endswith(".c"):
            continue
        with open(p, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        start = None
        for i, line in enumerate(lines):
            if line == "{" and i > 0 and lines[i - 1].rstrip().endswith(")"):
                start = i
            elif line.startswith("}") and start is not None:
                n = i - start + 1
                if n > 80:
                    long.append(f"{rel(p)}:{start}: {lines[start - 1].strip()[:60]} {n} lines")
                start = None
    check(not long, "functions over 80 lines:\n" + "\n".join(long))
