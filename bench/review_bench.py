#!/usr/bin/env python3
"""review_bench.py — the review screen on a large database, driven through a
real pseudo-terminal, against visidata opening the same samples.

  python3 bench/review_bench.py BUILD_DIR [--count N] [--keys K]

Measures, for databases of 10,000 and N samples (imported from the same
generator with the default scoring, reviewed in the default quality order;
the samples shown are known in advance from the stored quality scores):
- time from start to the first sample's id on screen;
- per keypress ('a', accept), the time from writing the key to the pty
  until the next sample's id has been drawn (the redraw is complete when
  the id appears: it is drawn before the screen is flushed);
- resident memory of the process after the keys (VmRSS from /proc).
The peer, visidata, opens the same samples as JSONL: time until the first
row's id is on screen, and its resident memory then.
Prints a Markdown section for bench/RESULTS.md."""
import argparse
import json
import os
import pty
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, copy_db, generated, machine, scored_db, verdict  # noqa: E402


class Pty:
    def __init__(self, argv, env=None, cols=100, rows=30):
        e = dict(os.environ, TERM="xterm-256color", LINES=str(rows), COLUMNS=str(cols))
        e.update(env or {})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe(argv[0], argv, e)
        import fcntl
        import struct
        import termios
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.buf = b""

    def wait_for(self, needle, timeout=30.0):
        """Reads output until needle appears after what was already seen."""
        start = len(self.buf)
        deadline = time.perf_counter() + timeout
        while needle not in self.buf[start:]:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{needle!r} did not appear")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    raise TimeoutError(f"process ended before {needle!r}")
                self.buf += chunk
                if len(self.buf) > 1 << 22:
                    self.buf = self.buf[-(1 << 20):]
                    start = 0
        return time.perf_counter()

    def settle(self, quiet=0.05, timeout=10.0):
        """Reads until the output has been quiet for `quiet` seconds; returns
        the time the last byte arrived (when the screen settled)."""
        last = None
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            r, _, _ = select.select([self.fd], [], [], quiet if last is not None else timeout)
            if not r:
                return last
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                break
            last = time.perf_counter()
            self.buf = (self.buf + chunk)[-(1 << 20):]
        raise TimeoutError("the screen did not settle")

    def send(self, data):
        """Writes data to the terminal; returns the time just BEFORE the
        write: the reader may run (and answer) before write() returns to
        us, so a time taken after it can miss the whole response."""
        sent = time.perf_counter()
        os.write(self.fd, data)
        return sent

    def rss_mib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, quiet=1.0, timeout=600.0):
        """Reads output until the process has used almost no CPU for `quiet`
        seconds (a loader running in the background has finished); returns
        the time it went quiet."""
        deadline = time.perf_counter() + timeout
        last_cpu, since = self.cpu_seconds(), time.perf_counter()
        while time.perf_counter() < deadline:
            if select.select([self.fd], [], [], 0.1)[0]:
                try:
                    self.buf += os.read(self.fd, 65536)
                except OSError:
                    break
            now = time.perf_counter()
            if now - since >= quiet:
                cpu = self.cpu_seconds()
                if cpu - last_cpu < 0.05 * quiet:
                    return since
                last_cpu, since = cpu, now
        raise TimeoutError("the process never went idle")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def ids_in_order(db, n):
    """The first n external ids of the queue's default quality order:
    unscored samples first, then by (quality, id) ascending."""
    import sqlite3
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT s.ext_id FROM samples s JOIN sample_quality q ON q.sample_id = s.id"
                       " ORDER BY q.quality IS NOT NULL, q.quality, s.id LIMIT ?", (n,)).fetchall()
    con.close()
    return [r[0].encode() for r in rows]


def first_id_of_file(count):
    with open(generated("captions", count)) as f:
        return json.loads(f.readline())["id"].encode()


def review(assay, count, keys):
    work = copy_db(scored_db(assay, count), os.path.join(OUT, f"review-{count}-work.db"))
    ids = ids_in_order(work, keys + 1)
    t0 = time.perf_counter()
    p = Pty([assay, "--db", work, "review", "--annotator", "bench"])
    try:
        first = p.wait_for(ids[0]) - t0
        time.sleep(0.2)
        while select.select([p.fd], [], [], 0)[0]:
            os.read(p.fd, 65536)
        lat = []
        for _ in range(keys):
            sent = p.send(b"a")
            # curses redraws only what changed: the redraw is done when the
            # output goes quiet; its last byte is when the screen settled
            lat.append(p.settle() - sent)
        rss = p.rss_mib()
    finally:
        p.close()
    import sqlite3
    con = sqlite3.connect(work)
    decided = con.execute("SELECT count(*) FROM decisions").fetchone()[0]
    con.close()
    if decided != keys:
        raise SystemExit(f"expected {keys} decisions, found {decided}")
    return first, lat, rss


def visidata(count):
    vd = shutil.which("vd") or shutil.which("visidata")
    if not vd:
        return None
    src = generated("captions", count)
    first_id = first_id_of_file(count)
    t0 = time.perf_counter()
    p = Pty([vd, "-f", "jsonl", src], env={"HOME": OUT})
    try:
        first = p.wait_for(first_id, timeout=300) - t0
        loaded = p.wait_idle() - t0
        rss = p.rss_mib()
    finally:
        p.close()
    return first, rss, loaded


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=1_000_000)
    ap.add_argument("--keys", type=int, default=300)
    a = ap.parse_args()
    assay = os.path.join(os.path.abspath(a.build), "src", "cli", "assay")
    rows = []
    for n in (10_000, a.count):
        first, lat, rss = review(assay, n, a.keys)
        vd = visidata(n)
        rows.append((n, first, lat, rss, vd))
    print("## Review screen\n")
    print(f"Machine: {machine()}.\n")
    print(f"Command: `python3 bench/review_bench.py build --count {a.count} --keys {a.keys}` "
          "(part of `make bench`): the real binary in a pseudo-terminal (100x30), "
          f"{a.keys} accepts in a row in the default quality order of a database imported with "
          "the default scoring; visidata "
          f"{'(vd)' if shutil.which('vd') else '(not installed)'} "
          "opening the same samples as JSONL, its memory read once it has finished loading (its "
          "CPU time has stopped growing for a second).\n")
    print("| samples | first sample on screen ms | keypress to next sample: median ms | p95 ms "
          "| RSS MiB | visidata first row ms | visidata fully loaded ms | visidata RSS MiB, loaded |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, first, lat, rss, vd in rows:
        lat_s = sorted(lat)
        p95 = lat_s[int(len(lat_s) * 0.95) - 1]
        vdf = f"{vd[0] * 1000:.0f}" if vd else "-"
        vdm = f"{vd[1]:.0f}" if vd else "-"
        vdl = f"{vd[2] * 1000:.0f}" if vd else "-"
        print(f"| {n:,} | {first * 1000:.0f} | {statistics.median(lat) * 1000:.2f} | "
              f"{p95 * 1000:.2f} | {rss:.1f} | {vdf} | {vdl} | {vdm} |")
    first = max(r[1] for r in rows)
    lat = max(statistics.median(r[2]) for r in rows)
    rss = max(r[3] for r in rows)
    print(f"\nTargets: first sample within 50 ms in the quality order ({verdict(first <= 0.05)}); "
          f"median keypress-to-next-sample under 1 ms ({verdict(lat < 0.001)}); resident memory "
          f"under 32 MiB ({verdict(rss < 32)}) and the same at 10,000 and "
          f"{a.count:,} samples.\n")


if __name__ == "__main__":
    main()
