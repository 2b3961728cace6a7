#!/usr/bin/env python3
"""scale_10m.py — the scoring import at 10,000,000 generated captions: wall
time, peak memory and the database's size, with `import --no-score` of the
same file beside it, then `score` with nothing to do and 1,000 new samples
imported into the result. Not part of `make bench` (it needs ~6 GB of input,
~25 GB of disk and half an hour or more on two cores); `make bench-10m` runs it and writes
bench/RESULTS-10M.md, a file of its own with its own header.

  python3 bench/scale_10m.py BUILD_DIR [--count N]

Prints a Markdown section."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, checkpoint, fresh, generated, machine, measure, verdict  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=10_000_000)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    src = generated("captions", a.count)
    size = os.path.getsize(src)
    db = os.path.join(OUT, "scale-bench.db")
    fresh(db)
    bare, bare_mem, _ = measure([assay, "--db", db, "import", "--quiet", "--no-score",
                                 "--batch", "bench", src])
    fresh(db)
    secs, mem, _ = measure([assay, "--db", db, "import", "--quiet", "--batch", "bench", src])
    checkpoint(db)
    db_size = os.path.getsize(db)
    noop, noop_mem, _ = measure([assay, "--db", db, "score", "--quiet"])
    new_src = generated("captions", 1000, seed=2, id_prefix="new-")
    add, add_mem, _ = measure([assay, "--db", db, "import", "--quiet", "--batch", "new", new_src])
    fresh(db)
    print(f"## Scale: {a.count:,} generated captions ({size / 1e9:.1f} GB JSONL)\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `make bench-10m` (runs `python3 bench/scale_10m.py build --count {a.count}`); "
          "one run each, peak RSS of the process.\n")
    print("| what | wall s | peak RSS MiB |")
    print("|---|---:|---:|")
    print(f"| `assay import --no-score` | {bare:.1f} | {bare_mem:.0f} |")
    print(f"| `assay import` (default scoring) | {secs:.1f} | {mem:.0f} |")
    print(f"| `assay score` with nothing to do | {noop:.1f} | {noop_mem:.0f} |")
    print(f"| `assay import` of 1,000 new captions into it (default scoring) | {add:.1f} | "
          f"{add_mem:.0f} |")
    print()
    print(f"- Import with the default scoring: {secs / bare:.2f}x `--no-score` (target: at most "
          f"2.0x; {verdict(secs <= 2.0 * bare)}); peak RSS {mem:.0f} MiB (bounded: the 1M "
          "figure in RESULTS.md +10% is the target).")
    print(f"- Database: {db_size / 2**30:.2f} GiB, {db_size / size:.2f}x the JSONL (target: at "
          f"most 2x; {verdict(db_size <= 2 * size)}).")
    print(f"- `score` with nothing to do: {noop / bare:.3f}x the import; 1,000 new samples: "
          f"{add:.1f} s (the targets, 0.1x and 1 s, are set at 1M; the near-duplicate index "
          "reads every stored key block once for them, so this grows with the database).\n")


if __name__ == "__main__":
    main()
