"""export's last steps under attack or interruption: a name swapped under it
is judged on the open file, not on what a look at the name found a moment
before; a stop while the output is copied into place is honoured at once."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, check, contains, eq  # noqa: E402


def shim(name):
    p = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(BIN))),
                     "tests", "export", name)
    check(os.path.exists(p), f"{p} is built with the tests")
    return p


def test_a_fifo_swapped_for_a_link_to_the_database_is_refused():
    """The destination is a FIFO when looked at, then a symbolic link to
    the database when opened (renamed over it in between, by a shim on
    open): the export is refused (exit 2) and the database is unchanged;
    before, the database was opened for writing and overwritten in place."""
    with Workdir() as w:
        src = w.file("in.jsonl", "".join(json.dumps({"id": f"s{i}", "caption": f"c {i}"}) + "\n"
                                         for i in range(50)))
        eq(w.run("import", "--no-score", src).code, 0)
        before = w.dump()
        with open(w.db, "rb") as f:
            raw = f.read()
        fifo = os.path.join(w.path, "out.jsonl")
        link = os.path.join(w.path, "swap")
        for args in (["export", "--status", "all", "-o", fifo],
                     ["report", "--html", fifo]):
            os.mkfifo(fifo)
            os.symlink(w.db, link)
            env = {"LD_PRELOAD": shim("libswapopen.so"), "SWAPOPEN_PATH": fifo,
                   "SWAPOPEN_FROM": link,
                   "ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=1"}
            r = w.run(*args, env=env, timeout=30)
            check(os.path.islink(fifo), "the shim swapped the name")
            eq(r.code, 2, (args, r))
            contains(r.err, "refusing to write there", args)
            with open(w.db, "rb") as f:
                eq(f.read() == raw, True, "the database's bytes are unchanged")
            os.unlink(fifo)
        eq(w.dump(), before)
        eq(w.sql("PRAGMA integrity_check"), [("ok",)])


def test_a_stop_during_the_copy_into_place_is_honoured():
    """Where links through /proc are refused the output is copied into a
    hidden file and synced (slowed down here to 3 s a sync): SIGINT during
    that copy stops the export (exit 130), leaving neither the destination
    nor a hidden file; before, the signals were held through the whole copy
    and the export finished (exit 0) with the file in place."""
    with Workdir() as w:
        src = w.file("in.jsonl", "".join(json.dumps({"id": f"s{i}", "caption": f"{i} " + "x" * 200}) + "\n"
                                         for i in range(2000)))
        eq(w.run("import", "--no-score", src).code, 0)
        dest = os.path.join(w.path, "out.jsonl")
        env = dict(os.environ, LD_PRELOAD=shim("libnolink.so") + " " + shim("libsyncshim.so"),
                   ASSAY_TEST_FSYNC="sleep:3000",
                   ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=1")
        p = subprocess.Popen([BIN, "--db", w.db, "export", "--status", "all", "-o", dest],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        hidden = []
        deadline = time.time() + 30
        while not hidden and time.time() < deadline and p.poll() is None:
            hidden = [f for f in os.listdir(w.path) if f.startswith(".out.jsonl.")]
            time.sleep(0.01)
        check(hidden, "the copy into a hidden file started")
        t0 = time.time()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        eq(p.returncode, 130, f"stopped, not finished: {err}")
        contains(err, "interrupted")
        check(time.time() - t0 < 5, "stopped within the one sync under way")
        check(not os.path.exists(dest), "nothing in place")
        eq([f for f in os.listdir(w.path) if f.startswith(".out.jsonl.")], [])
