#!/usr/bin/env python3
"""scores_bench.py — the scorers' figures: built-in scorers' throughput on one
core, near-duplicate detection over N samples, and the LLM judge over 1,000
samples against a local server that answers in 50 ms.

  python3 bench/scores_bench.py BUILD_DIR [--count N]

Prints a Markdown section for bench/RESULTS.md."""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from common import OUT, fresh, generated, machine, measure, verdict  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    assay = os.path.join(build, "src", "cli", "assay")
    src = generated("captions", a.count)

    # 1. built-in scorers, texts in memory, one core
    out = subprocess.run([os.path.join(build, "src", "score", "score_bench"), src, "200000", "3"],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"without neardup\): (\d+) captions/s", out).group(1))
    # each scorer's own time (score_bench's extra round, a clock reading between two calls)
    own = [(m.group(1), m.group(2), float(m.group(3))) for m in re.finditer(
        r"^  (\S+)\s+(?:flagged\s+([\d.]+)%, )?\s*([\d.]+) us each$", out, re.M)]

    # 2. neardup over the whole database
    db = fresh(os.path.join(OUT, "scores-bench.db"))
    subprocess.run([assay, "--db", db, "import", "--quiet", "--no-score", "--batch", "b", src],
                   check=True)
    nd_secs, nd_mem, _ = measure([assay, "--db", db, "score", "--quiet", "--scorer", "neardup"])
    n_samples = int(subprocess.run(["sqlite3", db, "SELECT count(*) FROM samples"],
                                   capture_output=True, text=True).stdout)

    # 3. the LLM judge over 1,000 samples, server answering in 50 ms
    from httpd import TestServer
    small = fresh(os.path.join(OUT, "judge-bench.db"))
    subprocess.run([assay, "--db", small, "import", "--quiet", "--no-score", "--batch", "b",
                    generated("captions", 1000)], check=True)
    with TestServer() as srv:
        url = srv.url + "/v1/chat/completions?delay=50"
        t0 = time.perf_counter()
        subprocess.run([assay, "--db", small, "score", "--quiet", "--scorer", "llm-judge",
                        "--endpoint", url, "--model", "bench", "--concurrency", "32"], check=True)
        judge = time.perf_counter() - t0
        n_req = sum(1 for r in srv.requests if "chat/completions" in r["path"])

    print("## Scoring\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `python3 bench/scores_bench.py build --count {a.count}` (part of `make bench`).\n")
    print("| what | figure | target |")
    print("|---|---:|---|")
    print(f"| built-in scorers without `neardup`, one core (`score_bench`, 200,000 captions x 3) "
          f"| {rate:,.0f} captions/s | at least 200,000/s ({verdict(rate >= 200000)}) |")
    print(f"| `assay score --scorer neardup` over {n_samples:,} samples | {nd_secs:.1f} s, "
          f"{nd_mem:.0f} MiB peak | under 60 s and 1 GiB ({verdict(nd_secs < 60 and nd_mem < 1024)}) |")
    print(f"| `assay score --scorer llm-judge --concurrency 32`, 1,000 samples, server answering "
          f"in 50 ms ({n_req} requests) | {judge:.2f} s | under 3 s (the floor is 1.6 s; "
          f"{verdict(judge < 3)}) |")
    print()
    print("Each built-in scorer's own time in `score_bench` (one more round over the same "
          "200,000 captions, a clock reading between two calls; the shared analysis of the "
          "text is its own row):\n")
    print("| scorer | µs per caption | captions/s alone | flagged |")
    print("|---|---:|---:|---:|")
    for name, flagged, us in own:
        alone = f"{1e6 / us:,.0f}" if us > 0 else "-"
        print(f"| `{name}` | {us:.3f} | {alone} | {flagged + '%' if flagged else '-'} |")
    print()


if __name__ == "__main__":
    main()
