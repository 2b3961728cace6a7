"""Faults: disk full during import and export (a small tmpfs), a read-only
database file and directory, a database locked by another process for
longer than the busy timeout, truncated and corrupted database files, and
remote endpoints that hang, reset or answer garbage. Each gives a clear
message and its exit code, loses nothing already committed, and leaves no
partial file.
"""
import contextlib
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, ROOT, Workdir, check, contains, eq, slow_skipped  # noqa: E402
from reliability import caption, has_command, integrity_ok  # noqa: E402


def run(db, *args, env=None, cwd=None, user=None, timeout=300):
    e = dict(os.environ)
    e.update(env or {})
    cmd = [BIN, "--db", db] + [str(a) for a in args]
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, cwd=cwd, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def jsonl(path, a, b):
    with open(path, "w") as f:
        for i in range(a, b):
            f.write(json.dumps(caption(i)) + "\n")
    return path


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def count(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM samples").fetchone()[0]
    finally:
        con.close()


@contextlib.contextmanager
def tmpfs(size):
    """A tmpfs of the given size; skips (returns None) where mounting is not allowed."""
    d = tempfile.mkdtemp(prefix="assay-tmpfs-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", d],
                       capture_output=True)
    if p.returncode != 0:
        os.rmdir(d)
        print(f"skipped: cannot mount a tmpfs here ({p.stderr.decode().strip()})")
        yield None
        return
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d])
        os.rmdir(d)


def can_drop_privileges():
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


# ---- disk full ---------------------------------------------------------------

def test_disk_full_during_import_keeps_what_was_committed():
    with Workdir() as w, tmpfs("1m") as small:
        if small is None:
            return
        db = os.path.join(small, "full.db")
        code, out, err = run(db, "import", "--no-score", "--batch", "first",
                             jsonl(os.path.join(w.path, "a.jsonl"), 0, 100))
        eq(code, 0, err)
        code, out, err = run(db, "import", "--no-score", "--batch", "second",
                             jsonl(os.path.join(w.path, "b.jsonl"), 100, 30100))
        eq(code, 74, err)
        contains(err, "disk or database full")
        contains(err, "nothing of this step was saved")
        integrity_ok(db)
        eq(count(db), 100, "the first batch is intact")
        con = sqlite3.connect(db)
        eq(con.execute("SELECT name, n_imported FROM batches").fetchall(), [("first", 100)])
        con.close()
        # With room again, the same command completes.
        roomy = os.path.join(w.path, "full.db")
        shutil.copy(db, roomy)
        code, out, err = run(roomy, "import", "--no-score", "--batch", "second",
                             os.path.join(w.path, "b.jsonl"))
        eq(code, 0, err)
        eq(count(roomy), 30100)


def test_disk_full_during_export_leaves_no_partial_file():
    with Workdir() as w, tmpfs("256k") as small:
        if small is None:
            return
        code, out, err = run(w.db, "import", "--no-score", jsonl(os.path.join(w.path, "a.jsonl"),
                                                                 0, 20000))
        eq(code, 0, err)
        dest = os.path.join(small, "out.jsonl")
        with open(dest, "w") as f:
            f.write("the previous export\n")
        for fmt in ("jsonl", "csv", "json"):
            code, out, err = run(w.db, "export", "--status", "all", "--format", fmt, "-o", dest)
            eq(code, 74, err)
            contains(err, "disk full while writing; nothing was written there")
            with open(dest) as f:
                eq(f.read(), "the previous export\n", "the destination is untouched")
            eq(sorted(os.listdir(small)), ["out.jsonl"], "no temporary file left")
        code, out, err = run(w.db, "export", "--status", "all", "--split", "a=0.5,b=0.5",
                             "-o", os.path.join(small, "set.jsonl"))
        eq(code, 74, err)
        eq(sorted(os.listdir(small)), ["out.jsonl"], "no split file, no temporary file")


def fill(directory):
    """Fills the file system of directory; returns the filler's path."""
    path = os.path.join(directory, "filler")
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
    return path


def screen_on_small_disk(w, small, name, samples):
    """A database of `samples` imported captions on the small file system
    `small`; returns its path and the ext ids in import order."""
    db = os.path.join(small, name)
    code, out, err = run(db, "import", "--no-score", "--batch", "b",
                         jsonl(os.path.join(w.path, "a.jsonl"), 0, samples))
    eq(code, 0, err)
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT ext_id FROM samples ORDER BY id")]
    con.close()
    return db, ids


def whole_then_rows(db, sql):
    """Checks the database's integrity, then returns the rows of sql."""
    integrity_ok(db)
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def review_screen(w, db, annotator, *args, width=100):
    """`assay review ARGS` on db in tmux, as annotator (None without tmux)."""
    from harness import Tmux
    if not shutil.which("tmux"):
        print("skipped: tmux is not installed")
        return None
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", db, "review", *args]
    return Tmux(cmd, width=width, height=30, env={"ASSAY_ANNOTATOR": annotator,
                                                 "HOME": w.path, "XDG_CONFIG_HOME": w.path},
                cwd=w.path)


def test_disk_full_during_review_keeps_the_sample_and_the_edit():
    """The review screen on a database whose disk fills up: a verdict is
    refused with a clear message and the sample stays on screen; an edit the
    store refused is kept and `e` opens it again; once there is room, both
    are saved and the session goes on. Nothing the screen moved past is
    lost, and the database stays whole."""
    with Workdir() as w, tmpfs("2m") as small:
        if small is None:
            return
        db, first = screen_on_small_disk(w, small, "review.db", 20)
        t = review_screen(w, db, "ann", "--order", "import")
        if t is None:
            return
        try:
            t.wait_for(first[0])
            t.keys("a")
            t.wait_for(first[1])
            filler = fill(small)
            t.keys("a")
            s = t.wait_for("not saved")
            contains(s, "full")
            contains(s, first[1])  # still the same sample
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("C-a")
            t.keys("-l", "FIXED ")
            t.keys("C-s")
            s = t.wait_for("your edit is kept")
            contains(s, first[1])
            t.keys("q")  # the unsaved edit holds the first q back
            t.wait_for("q again quits without it")
            os.unlink(filler)
            t.keys("e")  # the kept edit, not the original
            s = t.wait_for("Ctrl-S save")
            contains(s, "FIXED ")
            t.keys("C-s")
            t.wait_for("edit saved")
            t.keys("l")
            t.wait_for(first[2])
            t.keys("a")
            t.keys("q")
            eq(t.wait_exit(timeout=20), 0, t.screen())
        finally:
            t.close()
        rows = whole_then_rows(db, "SELECT s.ext_id, d.verdict, substr(d.text, 1, 6)"
                               " FROM decisions d JOIN samples s ON s.id = d.sample_id"
                               " ORDER BY s.id")
        eq(rows, [(first[0], "accepted", None), (first[1], "edited", "FIXED "),
                  (first[2], "accepted", None)])



def test_disk_full_during_adjudication_keeps_the_leads_edit():
    """The adjudication screen (`review --conflicts`) on a full disk: the
    lead's edit the store refused is kept, `e` opens it again (not the
    original), the first q warns that it would be lost, and once there is
    room it is saved as the sample's adjudication."""
    with Workdir() as w, tmpfs("2m") as small:
        if small is None:
            return
        db, ids = screen_on_small_disk(w, small, "adj.db", 5)
        for sid in ids[:2]:  # two annotators disagree on the first two samples
            for who, verdict in (("ann", ["accept"]), ("bob", ["reject", "--reason", "x"])):
                code, out, err = run(db, "decide", "--annotator", who, sid, *verdict)
                eq(code, 0, err)
        t = review_screen(w, db, "lead", "--conflicts", width=180)
        if t is None:
            return
        try:
            t.wait_for(f"{ids[0]}  (b)  2 verdicts")
            filler = fill(small)
            t.keys("e")
            t.wait_for("Ctrl-S save")
            t.keys("C-a")
            t.keys("-l", "FIXED ")
            t.keys("C-s")
            s = t.wait_for("your edit is kept")
            contains(s, "full")
            contains(s, f"{ids[0]}  (b)  2 verdicts")  # still the same sample
            t.keys("q")  # the unsaved edit holds the first q back
            t.wait_for("q again quits without it")
            os.unlink(filler)
            t.keys("e")  # the kept edit, not the original
            s = t.wait_for("Ctrl-S save")
            contains(s, "FIXED ")
            t.keys("C-s")
            t.wait_for(f"{ids[1]}  (b)  2 verdicts")
            t.keys("q")  # nothing unsaved any more: one q quits
            eq(t.wait_exit(timeout=20), 0, t.screen())
        finally:
            t.close()
        rows = whole_then_rows(db, "SELECT s.ext_id, a.verdict, substr(a.text, 1, 6)"
                               " FROM adjudications a JOIN samples s ON s.id = a.sample_id")
        eq(rows, [(ids[0], "edited", "FIXED ")])

# ---- read-only ------------------------------------------------------------------

def test_read_only_database_file_and_directory():
    if not can_drop_privileges():
        print("skipped: needs root and setpriv to test permissions as another user")
        return
    with Workdir() as w:
        ro = os.path.join(w.path, "ro")
        os.mkdir(ro)
        db = os.path.join(ro, "r.db")
        src = jsonl(os.path.join(ro, "a.jsonl"), 0, 100)
        code, out, err = run(db, "import", "--no-score", "--batch", "b", src)
        eq(code, 0, err)
        os.chmod(w.path, 0o755)
        os.chmod(src, 0o644)
        os.chmod(db, 0o444)
        before = sha(db)
        # A read-only file in a writable directory: reads work, writes are refused.
        os.chmod(ro, 0o777)
        code, out, err = run(db, "import", "--no-score", "--batch", "x", src, user=65534)
        eq(code, 74, err)
        contains(err, "the database is read-only")
        code, out, err = run(db, "info", user=65534)
        eq(code, 0, err)
        contains(out, "samples   100")
        eq(sha(db), before, "the file is not modified")
        for sfx in ("-wal", "-shm"):
            if os.path.exists(db + sfx):
                os.remove(db + sfx)
        # A read-only directory as well: writing is refused with the same
        # clear message; reading works (nobody can be writing the file, so
        # it is read as it is, without the -shm file it could not create).
        os.chmod(ro, 0o755)
        code, out, err = run(db, "import", "--no-score", "--batch", "x", src, user=65534)
        eq(code, 74, err)
        contains(err, "the database is read-only")
        for args in (["info"], ["stats"], ["info", "--check"],
                     ["export", "--status", "all", "-o", "-"]):
            code, out, err = run(db, *args, user=65534)
            eq(code, 0, f"{args}: {err}")
        contains(run(db, "info", user=65534)[1], "samples   100")
        check(not os.path.exists(db + "-shm"), "no -shm file was created")
        eq(sha(db), before)
        eq(count(db), 100)


def test_read_only_file_system():
    with Workdir() as w, tmpfs("4m") as fs:
        if fs is None:
            return
        db = os.path.join(fs, "r.db")
        code, out, err = run(db, "import", "--no-score", jsonl(os.path.join(w.path, "a.jsonl"),
                                                               0, 200))
        eq(code, 0, err)
        before = sha(db)
        eq(subprocess.run(["mount", "-o", "remount,ro", fs]).returncode, 0)
        code, out, err = run(db, "import", "--no-score", "--batch", "x",
                             os.path.join(w.path, "a.jsonl"))
        eq(code, 74, err)
        contains(err, "the database is read-only: its file system is mounted read-only")
        code, out, err = run(db, "export", "--status", "all", "-o", os.path.join(fs, "o.jsonl"))
        check(code != 0, err)
        check(not os.path.exists(os.path.join(fs, "o.jsonl")))
        # reading works, and an export to a writable place
        code, out, err = run(db, "info")
        eq(code, 0, err)
        contains(out, "samples   200")
        code, out, err = run(db, "export", "--status", "all", "-o", os.path.join(w.path, "o.jsonl"))
        eq(code, 0, err)
        eq(len(open(os.path.join(w.path, "o.jsonl")).read().splitlines()), 200)
        eq(sha(db), before)


# ---- locked -------------------------------------------------------------------------

def test_database_locked_longer_than_the_busy_timeout():
    with Workdir() as w:
        src = jsonl(os.path.join(w.path, "a.jsonl"), 0, 500)
        code, out, err = run(w.db, "import", "--no-score", "--batch", "b", src)
        eq(code, 0, err)
        before = count(w.db)
        con = sqlite3.connect(w.db, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            env = {"ASSAY_BUSY_TIMEOUT_MS": "700"}
            writers = [["import", "--no-score", "--batch", "c",
                        jsonl(os.path.join(w.path, "c.jsonl"), 500, 600)]]
            if has_command("decide"):
                writers.append(["decide", "--annotator", "lk", "r1", "accept"])
            for args in writers:
                t0 = time.monotonic()
                code, out, err = run(w.db, *args, env=env)
                took = time.monotonic() - t0
                eq(code, 75, f"{args[0]}: {err}")
                contains(err, "the database stayed locked by another process for longer than "
                         "the busy timeout")
                check(0.6 <= took < 10, f"{args[0]} gave up after {took:.1f} s")
            # Readers are not blocked by a writer (WAL).
            for args in (["info"], ["stats"], ["export", "--status", "all", "-o", "-"]):
                code, out, err = run(w.db, *args, env=env)
                eq(code, 0, f"{args[0]}: {err}")
        finally:
            con.execute("ROLLBACK")
            con.close()
        eq(count(w.db), before, "nothing half-written")
        integrity_ok(w.db)
        # A lock released within the timeout is waited for, not reported.
        con = sqlite3.connect(w.db, isolation_level=None, check_same_thread=False)
        con.execute("BEGIN EXCLUSIVE")
        threading.Timer(0.5, lambda: con.execute("ROLLBACK")).start()
        code, out, err = run(w.db, "import", "--no-score", "--batch", "c",
                             os.path.join(w.path, "c.jsonl"), env={"ASSAY_BUSY_TIMEOUT_MS": "5000"})
        time.sleep(0.1)
        con.close()
        eq(code, 0, err)
        eq(count(w.db), before + 100)


def test_busy_timeout_variable_is_validated():
    with Workdir() as w:
        src = jsonl(os.path.join(w.path, "a.jsonl"), 0, 10)
        for bad in ("", "0", "-5", "abc", "99999999999"):
            code, out, err = run(w.db, "import", "--no-score", src,
                                 env={"ASSAY_BUSY_TIMEOUT_MS": bad})
            eq(code, 0, f"ASSAY_BUSY_TIMEOUT_MS={bad!r} falls back to the default: {err}")


# ---- damaged database files -----------------------------------------------------

def damaged_variants(db):
    size = os.path.getsize(db)

    def truncate(n):
        return lambda p: os.truncate(p, n)

    def write_at(off, data):
        def f(p):
            with open(p, "r+b") as fh:
                fh.seek(off)
                fh.write(data)
        return f

    return [
        ("truncated to half", truncate(size // 2)),
        ("truncated inside the header", truncate(50)),
        ("header overwritten", write_at(16, b"\xff" * 20)),
        ("schema page zeroed", write_at(100, b"\0" * 3996)),
    ]


def test_truncated_or_corrupted_database():
    with Workdir() as w:
        code, out, err = run(w.db, "import", "--no-score",
                             jsonl(os.path.join(w.path, "a.jsonl"), 0, 30000))
        eq(code, 0, err)
        more = jsonl(os.path.join(w.path, "m.jsonl"), 30000, 30100)
        for what, damage in damaged_variants(w.db):
            bad = os.path.join(w.path, "bad.db")
            shutil.copy(w.db, bad)
            damage(bad)
            before = sha(bad)
            for args in (["info"], ["stats"], ["export", "--status", "all", "-o", "x.jsonl"],
                         ["import", "--no-score", "--batch", "more", more]):
                code, out, err = run(bad, *args, cwd=w.path)
                eq(code, 65, f"{what}: {args[0]}: {err}")
                contains(err, "the database file is damaged or not a database",
                         f"{what}: {args[0]}")
                eq(sha(bad), before, f"{what}: {args[0]} modified the file")
                check(not os.path.exists(os.path.join(w.path, "x.jsonl")), "export wrote a file")
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(bad + sfx):
                    os.remove(bad + sfx)


def test_damaged_data_pages_stop_export():
    with Workdir() as w:
        code, out, err = run(w.db, "import", "--no-score",
                             jsonl(os.path.join(w.path, "a.jsonl"), 0, 30000))
        eq(code, 0, err)
        size = os.path.getsize(w.db)
        with open(w.db, "r+b") as f:
            f.seek(size // 2)
            f.write(bytes((i * 89 + 7) % 256 for i in range(8192)))
        before = sha(w.db)
        with open(os.path.join(w.path, "x.jsonl"), "w") as f:
            f.write("previous\n")
        code, out, err = run(w.db, "export", "--status", "all", "-o", "x.jsonl", cwd=w.path)
        eq(code, 65, err)
        contains(err, "the database file is damaged")
        with open(os.path.join(w.path, "x.jsonl")) as f:
            eq(f.read(), "previous\n", "the destination is untouched")
        eq(sha(w.db), before)
        # `info --check` finds the damage that `info` does not read, and
        # lists it, without touching the file
        for full in ([], ["--full"]):
            code, out, err = run(w.db, "info", "--check", *full)
            eq(code, 65, err)
            contains(err, "the database file is damaged: ")
            contains(err, "check found ")
            contains(err, ".recover' salvages what is readable")
            check(out.strip(), "the problems are listed on stdout")
            code, out, err = run(w.db, "info", "--check", "--json", *full)
            eq(code, 65, err)
            report = json.loads(out)
            eq(report["ok"], False)
            check(report["problems"], "problems in the JSON")
        eq(sha(w.db), before)


# ---- remote endpoints ---------------------------------------------------------------

class RawServer:
    """A TCP server with one behaviour: 'hang' (accepts, never answers) or
    'garbage' (answers bytes that are not HTTP, then closes)."""

    def __init__(self, mode):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/data.jsonl"
        self.conns = []
        self.done = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.mode == "garbage":
                with contextlib.suppress(OSError):
                    c.sendall(bytes((i * 131 + 17) % 256 for i in range(4096)))
                    c.close()

    def close(self):
        self.done = True
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()
        self.sock.close()


def committed_then(w, url, *args):
    """Imports a first batch, then the URL; returns the second run's result."""
    code, out, err = run(w.db, "import", "--no-score", "--batch", "first",
                         jsonl(os.path.join(w.path, "a.jsonl"), 0, 50))
    eq(code, 0, err)
    r = run(w.db, "import", "--no-score", "--batch", "remote", *args, url)
    eq(count(w.db), 50, "the committed batch is intact")
    integrity_ok(w.db)
    return r


def test_remote_endpoint_answering_garbage():
    srv = RawServer("garbage")
    try:
        with Workdir() as w:
            code, out, err = committed_then(w, srv.url)
            eq(code, 69, err)
            contains(err, srv.url)
    finally:
        srv.close()


def test_remote_endpoint_sending_binary_or_resetting():
    from httpd import TestServer
    with Workdir() as w, TestServer() as srv:
        srv.state.root = w.path
        with open(os.path.join(w.path, "bin.jsonl"), "wb") as f:
            f.write(bytes((i * 37 + 11) % 256 for i in range(100000)))
        code, out, err = committed_then(w, srv.url + "/bin.jsonl")
        eq(code, 65, err)
        contains(err, "binary data")
        jsonl(os.path.join(w.path, "r.jsonl"), 1000, 3000)
        code, out, err = run(w.db, "import", "--no-score", "--batch", "remote",
                             srv.url + "/r.jsonl?fault=reset&bytes=50000")
        eq(code, 69, err)
        contains(err, "the transfer broke off")
        eq(count(w.db), 50, "nothing half-imported from the broken transfer")
        code, out, err = run(w.db, "import", "--no-score", "--batch", "remote", srv.url + "/r.jsonl")
        eq(code, 0, err)
        eq(count(w.db), 2050, "the re-run completes")
        integrity_ok(w.db)


def test_remote_endpoint_that_hangs():
    if slow_skipped():
        return
    srv = RawServer("hang")
    try:
        with Workdir() as w:
            t0 = time.monotonic()
            code, out, err = committed_then(w, srv.url)
            took = time.monotonic() - t0
            eq(code, 69, err)
            contains(err, srv.url)
            check(took < 180, f"gave up after {took:.0f} s")
    finally:
        srv.close()


def test_export_upload_to_a_failing_endpoint():
    from httpd import TestServer
    with Workdir() as w, TestServer() as srv:
        code, out, err = run(w.db, "import", "--no-score",
                             jsonl(os.path.join(w.path, "a.jsonl"), 0, 2000))
        eq(code, 0, err)
        for fault, msg in (("500", "HTTP 500"), ("reset", "")):
            code, out, err = run(w.db, "export", "--status", "all", "--to",
                                 srv.url + f"/up/set.jsonl?fault={fault}", cwd=w.path)
            eq(code, 69, f"{fault}: {err}")
            if msg:
                contains(err, msg)
            eq([f for f in os.listdir(w.path) if ".assay-" in f], [], "no temporary file")
        srv_ok = run(w.db, "export", "--status", "all", "--to", srv.url + "/up/ok.jsonl")
        eq(srv_ok[0], 0, srv_ok[2])
