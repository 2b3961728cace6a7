"""End-to-end tests of an import long enough that its write-ahead log is
folded into the database by the checkpoint thread while it writes: the log
stays bounded, a reader (`assay stats`) works during it, a SIGKILL leaves a
database that opens and holds what was committed, a SIGINT commits and
ends cleanly, and the same command then completes the batch."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, check, contains, ended, eq, wait_for_handler  # noqa: E402

N = 120000  # ~80 MB of log: several times the thread's threshold


def write_source(w):
    src = os.path.join(w.path, "long.jsonl")
    filler = " ".join(f"word{k}" for k in range(60))
    with open(src, "w") as f:
        for i in range(N):
            f.write(json.dumps({"id": i, "text": f"sample {i} {filler} {i * 7919 % 100003}"}) + "\n")
    return src


def committed(w):
    try:
        return w.sql("SELECT count(*) FROM samples")[0][0]
    except sqlite3.Error:
        return 0  # not made yet, or its schema not yet committed


def wal_size(w):
    try:
        return os.path.getsize(w.db + "-wal")
    except FileNotFoundError:
        return 0


def consistent(w):
    eq(w.sql("PRAGMA integrity_check"), [("ok",)])
    n = w.sql("SELECT count(*) FROM samples")[0][0]
    eq(w.sql("SELECT n_imported FROM batches"), [(n,)])
    return n


def schema_made(w):
    try:
        w.sql("SELECT count(*) FROM samples")
        return True
    except sqlite3.Error:
        return False


def test_a_reader_and_the_log_during_a_long_import():
    with Workdir() as w:
        src = write_source(w)
        # the records come through a pipe: the import cannot end before the
        # test has run a reader beside it, however fast it is (a reader ran
        # only if one was started in the moments between its commit and its
        # exit)
        r_fd, w_fd = os.pipe()
        p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", "--batch", "long", "-"],
                             stdin=r_fd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        os.close(r_fd)
        out = os.fdopen(w_fd, "wb")
        f = open(src, "rb")

        def rest():
            try:
                shutil.copyfileobj(f, out)
                out.close()
            except (BrokenPipeError, ValueError):
                pass
        feeder = threading.Thread(target=rest, daemon=True)
        biggest, stats_runs = 0, 0
        try:
            for _ in range(N // 2):  # returns once the import has read nearly all of it
                out.write(f.readline())
            out.flush()
            deadline = time.monotonic() + 30
            while not schema_made(w):
                check(time.monotonic() < deadline and p.poll() is None, "no database made")
                time.sleep(0.01)
            r = w.run("stats")
            eq(r.code, 0, r)
            stats_runs += 1
            check(p.poll() is None, "the import ended before the rest of its input")
            feeder.start()
            while p.poll() is None:
                biggest = max(biggest, wal_size(w))
                if committed(w) > 0:
                    r = w.run("stats")
                    eq(r.code, 0, r)
                    stats_runs += 1
                time.sleep(0.05)
            _, err = p.communicate(timeout=120)
        finally:
            try:
                out.close()
            except (BrokenPipeError, ValueError):
                pass
            ended(p)
            if feeder.is_alive():
                feeder.join(30)
            f.close()
        eq(p.returncode, 0, err)
        check(stats_runs > 0, "no reader ran during the import")
        # the thread's threshold is 8,000 frames, the writer's own fold at 4x
        check(biggest < 40000 * 4120, f"-wal grew to {biggest} bytes")
        eq(consistent(w), N)


def test_kill_and_interrupt_mid_import_then_complete():
    with Workdir() as w:
        src = write_source(w)
        cmd = [BIN, "--db", w.db, "import", "--no-score", "--batch", "long", src]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while p.poll() is None and committed(w) < 20000:
            time.sleep(0.02)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()
        check(consistent(w) > 0, "nothing committed before the kill")
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait_for_handler(p.pid, signal.SIGINT):
            before = committed(w)
            while p.poll() is None and committed(w) < before + 20000:
                time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        if p.returncode != 0:
            eq(p.returncode, 130, err)
            contains(err, "interrupted: what was read is saved")
        consistent(w)
        r = w.run("import", "--no-score", "--batch", "long", src)
        eq(r.code, 0, r)
        eq(consistent(w), N)
        eq(w.sql("SELECT n_read, finished_at > 0 FROM batches"), [(N, 1)])
