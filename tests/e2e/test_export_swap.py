"""export to a name swapped under it: what the name reaches is judged on the
open file, not on what a look at the name found a moment before."""
import json
import os
import sys

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
