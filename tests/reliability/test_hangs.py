"""Hangs: sources that never open, never speak or never end a line. A FIFO
without a writer, a silent pipe on standard input, an endless line from a
URL, standard input or a CSV field: each import ends, by itself (within
--max-line) or on SIGTERM/SIGINT with exit 130, within seconds. Every run
has a timeout, so a regression fails instead of hanging the suite.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, check, contains, eq  # noqa: E402


def interrupt_after(cmd, sig, wait=0.5, stdin=None, limit=5.0):
    """Runs cmd, sends sig after wait seconds; returns (exit code, stderr,
    seconds from the signal to the exit). Kills it when it outlives limit."""
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(wait)
    p.send_signal(sig)
    t0 = time.monotonic()
    try:
        _, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"{cmd[3:]}: still running {limit} s after {sig.name}")
    return p.returncode, err, time.monotonic() - t0


def test_fifo_without_a_writer_is_interrupted_by_sigterm_and_sigint():
    with Workdir() as w:
        eq(w.run("import", "--no-score", w.file("a.jsonl", '{"text": "a heron"}\n')).code, 0)
        fifo = os.path.join(w.path, "fifo")
        os.mkfifo(fifo)
        for sig in (signal.SIGTERM, signal.SIGINT):
            code, err, secs = interrupt_after([BIN, "--db", w.db, "import", "--no-score",
                                               fifo], sig)
            eq(code, 130, err)
            contains(err, "interrupted")
            check(secs < 2, f"{sig.name}: {secs:.1f} s to stop")
        eq(w.sql("SELECT count(*) FROM samples"), [(1,)])
        # a writer that comes later is read as before
        p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", "--batch", "f", fifo],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        with open(fifo, "w") as f:
            f.write('{"text": "an egret"}\n')
        out, err = p.communicate(timeout=10)
        eq(p.returncode, 0, err)
        contains(out, "1 imported")


def test_silent_standard_input_is_interrupted_by_sigterm():
    with Workdir() as w:
        r, wr = os.pipe()
        try:
            code, err, secs = interrupt_after([BIN, "--db", w.db, "import", "--no-score", "-"],
                                              signal.SIGTERM, stdin=r)
        finally:
            os.close(r)
            os.close(wr)
        eq(code, 130, err)
        check(secs < 2, f"{secs:.1f} s to stop")
