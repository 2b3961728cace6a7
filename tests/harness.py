"""harness.py — shared helpers for the end-to-end and TUI tests.

Everything here drives the real `assay` binary: a real SQLite file in a
fresh temporary directory, real HTTP over 127.0.0.1, a real terminal (tmux).
"""
import contextlib
import os
import signal
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time

ROOT = os.environ.get("ASSAY_SOURCE",
                      os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("ASSAY_BIN", os.path.join(ROOT, "build", "src", "cli", "assay"))
DATA = os.path.join(ROOT, "tests", "data")
SAMPLE_DATA = os.path.join(ROOT, "sample-data")


class Result:
    def __init__(self, p):
        self.code = p.returncode
        self.out = p.stdout
        self.err = p.stderr

    def __repr__(self):
        return f"<exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}>"


def check(cond, msg=""):
    """assert that survives python -O and says what went wrong."""
    if not cond:
        raise AssertionError(msg)


def eq(got, want, msg=""):
    if got != want:
        raise AssertionError(f"{msg}\n  got:  {got!r}\n  want: {want!r}")


def contains(hay, needle, msg=""):
    if needle not in hay:
        raise AssertionError(f"{msg}\n  {needle!r} not found in:\n{hay}")


class Workdir:
    """A temporary directory with a database path; removed on exit."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="assay-test-")
        self.db = os.path.join(self.path, "assay.db")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

    def file(self, name, content, mode="w"):
        p = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, mode) as f:
            f.write(content)
        return p

    def run(self, *args, stdin=None, env=None, timeout=120, db=True):
        """Runs assay with --db pointing at this workdir's database."""
        cmd = [BIN] + (["--db", self.db] if db else []) + [str(a) for a in args]
        e = dict(os.environ)
        e.setdefault("ASSAY_ANNOTATOR", "tester")
        if env:
            e.update(env)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                           env=e, timeout=timeout, cwd=self.path)
        return Result(p)

    def sql(self, query, *params):
        """Reads the database directly (read-only) to check what assay wrote."""
        con = score_functions(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True))
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def dump(self):
        """Every row of every table, for 'nothing changed' checks."""
        con = score_functions(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True))
        try:
            out = {}
            for (name,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
                out[name] = con.execute(f"SELECT * FROM \"{name}\"").fetchall()
            return out
        finally:
            con.close()


def wait_for_handler(pid, sig, timeout=30):
    """Waits until process pid catches signal sig (its bit in SigCgt of
    /proc/PID/status), so a signal sent next reaches the program's handler
    instead of killing it before it installed one. False when the process
    ended or the time ran out."""
    bit = 1 << (sig - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                caught = next((int(line.split()[1], 16) for line in f
                               if line.startswith("SigCgt:")), 0)
        except (FileNotFoundError, ProcessLookupError):
            return False
        if caught & bit:
            return True
        time.sleep(0.01)
    return False


def _proc_state(pid):
    """(state letter, wchan) of process pid, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/wchan") as f:
            return state, f.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return None


_wchan_named = []


def wchan_named():
    """Whether this kernel names where a process sleeps in /proc/PID/wchan
    (some show "0" for every process): a sleeping child is looked at once."""
    if not _wchan_named:
        p = subprocess.Popen(["sleep", "60"])
        try:
            deadline = time.monotonic() + 10
            seen = _proc_state(p.pid)
            while seen and seen[0] != "S" and time.monotonic() < deadline:
                time.sleep(0.01)
                seen = _proc_state(p.pid)
            _wchan_named.append(bool(seen) and seen[1] not in ("", "0"))
        finally:
            p.kill()
            p.wait()
    return _wchan_named[0]


def wait_for_wchan(pid, names, timeout=30):
    """Waits until process pid sleeps in the kernel in a function whose
    name contains one of names (/proc/PID/wchan): "wait_for_partner" is
    open() of a FIFO that has no process at its other end yet. Where the
    kernel names no function, asleep is all that can be seen, and enough.
    False when the process ended or the time ran out (the timeout only
    guards against a hang)."""
    named = wchan_named()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = _proc_state(pid)
        if not seen or seen[0] == "Z":
            return False
        there = any(n in seen[1] for n in names) if named else seen[0] == "S"
        if there:
            return True
        time.sleep(0.01)
    return False


def ended(p):
    """Kills process p if it still runs and reaps it (for a finally: a test
    that failed leaves no process behind, blocked on a FIFO or otherwise)."""
    if p.poll() is None:
        p.kill()
        p.communicate()


def workdir():
    return Workdir()


def slow_skipped():
    return os.environ.get("ASSAY_SKIP_SLOW") == "1"


class WriteLock:
    """Another writer holding the store of workdir w until release() (or the
    end of a with block, whatever happened in it): on SQLite an IMMEDIATE
    transaction (every write waits, reads go on; .con is its connection),
    on PostgreSQL a psql session holding `table` in EXCLUSIVE mode (writes
    to it wait), taken once the server says so. Releasing rolls back what
    is still open; a second release does nothing."""

    def __init__(self, w, table="events"):
        self.con = self.psql = None
        if not w.db.startswith("postgresql:"):
            self.con = sqlite3.connect(w.db, isolation_level=None, timeout=30)
            self.con.execute("BEGIN IMMEDIATE")
            return
        import pgserver
        exe = os.path.join(pgserver.bindir() or "/usr/bin", "psql")
        self.psql = subprocess.Popen([exe, "-X", "-q", "-v", "ON_ERROR_STOP=1", w.db],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.psql.stdin.write(f"BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE;\n")
        self.psql.stdin.flush()
        ask = ("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
               f" WHERE c.relname = '{table}' AND l.mode = 'ExclusiveLock' AND l.granted")
        end = time.monotonic() + 30
        while time.monotonic() < end:
            r = subprocess.run([exe, "-X", "-q", "-A", "-t", w.db, "-c", ask],
                               capture_output=True, text=True)
            if r.stdout.strip() == "1":
                return
            time.sleep(0.05)
        self.release()
        raise AssertionError(f"psql did not lock {table}")

    def release(self):
        if self.con:
            if self.con.in_transaction:
                self.con.execute("ROLLBACK")
            self.con.close()
        if self.psql:
            self.psql.stdin.write("ROLLBACK;\n")
            self.psql.stdin.close()
            eq(self.psql.wait(timeout=30), 0)
        self.con = self.psql = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def press_locked(w, t, keys, waits_for, table="events", timeout=30):
    """Presses keys on screen t while another writer holds the store
    (WriteLock), waits for waits_for on the screen (the key's work kept,
    waiting), checks it was not refused, then lets the lock go. Returns the
    screen seen meanwhile."""
    with WriteLock(w, table):
        for k in keys:
            t.keys(k)
        s = t.wait_for(waits_for, timeout=timeout)
        check("not saved" not in s, s)
    return s


class Tmux:
    """One tmux server and window per test, running a command in a real pty."""

    _counter = 0

    def __init__(self, cmd, width=80, height=24, env=None, cwd=None):
        Tmux._counter += 1
        self.sock = f"assay-test-{os.getpid()}-{Tmux._counter}-{time.monotonic_ns()}"
        e = dict(os.environ)
        e.setdefault("ASSAY_ANNOTATOR", "tester")
        e["TERM"] = "xterm-256color"
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        self.env = e
        envargs = []
        for k in ("ASSAY_ANNOTATOR", "ASSAY_DB", "NO_COLOR", "VISUAL", "EDITOR",
                  "XDG_CONFIG_HOME", "ASSAY_API_KEY", "LANG", "LC_ALL", "HOME"):
            if k in e:
                envargs += ["-e", f"{k}={e[k]}"]
        # remain-on-exit from the start: a program that exits at once keeps
        # its pane (and its exit status) for the test to read
        conf = tempfile.NamedTemporaryFile("w", prefix="assay-tmux-", suffix=".conf",
                                           delete=False)
        conf.write("set -g remain-on-exit on\n")
        conf.close()
        self.conf = conf.name
        # tmux 3.3 sometimes never records a dead pane's exit status: the
        # status also goes to a file
        self.status_file = conf.name + ".status"
        cmd = ["sh", "-c", '"$0" "$@"; s=$?; echo $s > "$ASSAY_TMUX_STATUS"; exit $s', *cmd]
        envargs += ["-e", f"ASSAY_TMUX_STATUS={self.status_file}"]
        subprocess.run(["tmux", "-L", self.sock, "-f", self.conf,
                        "new-session", "-d", "-x", str(width), "-y", str(height)]
                       + envargs + ["-c", cwd or os.getcwd(), "--", *cmd],
                       check=True, env=e)

    def keys(self, *keys, literal=False):
        args = ["tmux", "-L", self.sock, "send-keys", "-t", "0"]
        if literal:
            args.append("-l")
        subprocess.run(args + list(keys), check=True, env=self.env)

    def screen(self):
        return subprocess.run(["tmux", "-L", self.sock, "capture-pane", "-p", "-t", "0"],
                              capture_output=True, text=True, env=self.env).stdout

    def screen_escapes(self):
        """The screen with attributes, to check colours."""
        return subprocess.run(["tmux", "-L", self.sock, "capture-pane", "-p", "-e", "-t", "0"],
                              capture_output=True, text=True, env=self.env).stdout

    def wait_for(self, text, timeout=10.0):
        """The screen once `text` is on it and the screen has settled: a
        capture can land while the program is half-way through writing a
        frame (the row waited for drawn, the rows below it not yet), so the
        screen is read again until two captures agree (at most 1 s more)."""
        return self.wait_until(lambda s: text in s, timeout, f"{text!r} did not appear on screen")

    def wait_until(self, pred, timeout=10.0, what="the screen waited for never came"):
        """The screen once pred(screen) holds and the screen has settled
        (as wait_for), for what one text on it cannot say: a text gone
        while another is there, say."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.screen()
            if pred(s):
                return self._settled(s, pred)
            time.sleep(0.05)
        raise AssertionError(f"{what}:\n{self.screen()}")

    def _settled(self, s, pred):
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            time.sleep(0.02)
            again = self.screen()
            if again == s:
                break
            if not pred(again):  # moved on already: keep the frame that had it
                break
            s = again
        return s

    def wait_gone(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.screen()
            if text not in s:
                return s
            time.sleep(0.05)
        raise AssertionError(f"{text!r} still on screen:\n{self.screen()}")

    def resize(self, width, height):
        subprocess.run(["tmux", "-L", self.sock, "resize-window", "-t", "0",
                        "-x", str(width), "-y", str(height)], check=True, env=self.env)

    def dead(self):
        """(dead, exit status or None while unknown)."""
        out = subprocess.run(["tmux", "-L", self.sock, "display", "-p", "-t", "0",
                              "#{pane_dead}"],
                             capture_output=True, text=True, env=self.env).stdout.split()
        dead = not out or out[0] == "1"
        try:
            with open(self.status_file) as f:
                return True, int(f.read().strip())
        except (OSError, ValueError):
            return dead, None

    def wait_exit(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            d, status = self.dead()
            if d:
                return 0 if status is None else status
            time.sleep(0.05)
        raise AssertionError(f"program did not exit:\n{self.screen()}")

    def pid(self):
        """The pane's process: the leader of the group the program runs in."""
        out = subprocess.run(["tmux", "-L", self.sock, "display", "-p", "-t", "0", "#{pane_pid}"],
                             capture_output=True, text=True, env=self.env).stdout.strip()
        return int(out) if out else None

    def kill9(self):
        """SIGKILL to the pane's whole process group (the wrapper and the
        program alike)."""
        os.killpg(self.pid(), signal.SIGKILL)

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"],
                       capture_output=True, env=self.env)
        for path in (self.conf, self.status_file):
            try:
                os.unlink(path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- the packed scores (src/store/score_pack.c), read and written by hand ----

def _leb(b, i):
    """A value of a compact notes record (LEB128 of the value plus one)."""
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v - 1, i


def _form(con, fid):
    return "" if fid == 0 else con.execute("SELECT form FROM score_forms WHERE id = ?",
                                           (fid,)).fetchone()[0]


def _unform(con, b, i):
    """One text of a compact entry (src/store/score_forms.c): its form's id,
    then a number for each 0x01 byte of the form."""
    fid, i = _leb(b, i)
    out = []
    for ch in _form(con, fid):
        if ch == "\x01":
            v, i = _leb(b, i)
            out.append(str(v))
        else:
            out.append(ch)
    return "".join(out), i


def _notes(notes, con=None):
    """{slot: (reason, detail)} of a notes blob: records of one byte of slot,
    the reason and a NUL, the detail and a NUL; and a compact one (0xC0, the
    slots' mask, each slot's texts as forms and numbers, two NULs) read
    through con's score_forms."""
    notes, i, out = notes or b"", 0, {}
    while i < len(notes):
        at = notes[i]
        r_end = notes.index(b"\0", i + 1)
        d_end = notes.index(b"\0", r_end + 1)
        if at == 0xC0 and con is not None:
            mask, shift, j = 0, 0, i + 1
            while True:
                mask |= (notes[j] & 0x7F) << shift
                shift += 7
                j += 1
                if not notes[j - 1] & 0x80:
                    break
            for slot in range(64):
                if mask >> slot & 1:
                    r, j = _unform(con, notes, j)
                    d, j = _unform(con, notes, j)
                    out.setdefault(slot, (r, d))
        elif at < 64:
            out.setdefault(at, (notes[i + 1:r_end].decode(), notes[r_end + 1:d_end].decode()))
        i = d_end + 1
    return out


def _note(notes, slot, con=None):
    """(reason, detail) of slot in a notes blob (_notes)."""
    return _notes(notes, con).get(slot, ("", ""))


def score_vals(b):
    """The values of a row's vals (NaN: none), in either layout of
    src/store/score_pack.c: 8 bytes a slot, or the compact one (its length
    not a multiple of 8: the count, 2 bits a slot, the float32s and
    float64s)."""
    b = b or b""
    if len(b) % 8 == 0:
        return [struct.unpack_from("<d", b, i * 8)[0] for i in range(len(b) // 8)]
    n, at, out = b[0], 1 + (b[0] + 3) // 4, []
    for i in range(n):
        code = b[1 + i // 4] >> (i % 4 * 2) & 3
        if code == 2:
            out.append(struct.unpack_from("<f", b, at)[0])
            at += 4
        elif code == 3:
            out.append(struct.unpack_from("<d", b, at)[0])
            at += 8
        else:
            out.append(1.0 if code == 1 else float("nan"))
    return out


def _vers(b):
    """The version ids of a row's vers: 4 bytes a slot, or the count and
    LEB128 numbers (its length not a multiple of 4)."""
    b = b or b""
    if len(b) % 4 == 0:
        return [struct.unpack_from("<I", b, i * 4)[0] for i in range(len(b) // 4)]
    out, at = [], 1
    for _ in range(b[0]):
        v, at = _leb(b, at)
        out.append(v + 1)
    return out


class _Row:
    def __init__(self, v):
        self.v = v

    def fetchone(self):
        return (self.v,)


def score_functions(con):
    """Registers on a connection the SQL functions assay's view `scores`
    reads the packed scores with (score_at, ver_at, note_at); returns it."""
    def score_at(vals, slot):
        v = score_vals(vals)
        if slot is None or slot >= len(v):
            return None
        return None if v[slot] != v[slot] else v[slot]

    def ver_at(vers, slot):
        k = _vers(vers)
        return k[slot] or None if slot is not None and slot < len(k) else None

    # the forms are read on a connection of their own (a function may not
    # query the connection it runs on), open only while reading them: a
    # connection left open would write its WAL into a file a test replaces
    path = con.execute("PRAGMA database_list").fetchone()[2]

    class Forms:
        cache = {}

        def execute(self, sql, args):
            if args[0] not in self.cache:
                c = sqlite3.connect(path) if path else con
                try:
                    self.cache.update(c.execute("SELECT id, form FROM score_forms"))
                finally:
                    if path:
                        c.close()
            return _Row(self.cache.get(args[0], ""))

    forms = Forms()

    def note_at(notes, slot, part):
        r, d = _note(notes, slot, forms)
        return r if part == 0 else (d or None)

    con.create_function("score_at", 2, score_at, deterministic=True)
    con.create_function("ver_at", 2, ver_at, deterministic=True)
    con.create_function("note_at", 3, note_at, deterministic=True)
    return con


def connect(path):
    """A read-write connection to an assay database with score_functions."""
    return score_functions(sqlite3.connect(path))


def put_score(con, sample_id, scorer, value, flagged=False, reason="", version="1",
              detail=None, scored_at=0):
    """Writes one score straight into the packed layout, as assay stores it,
    for tests that need scores no scorer computes."""
    row = con.execute("SELECT slot FROM scorers WHERE name = ?", (scorer,)).fetchone()
    if row is None:
        con.execute("INSERT INTO scorers (slot, name) SELECT coalesce(max(slot) + 1, 0), ?"
                    " FROM scorers", (scorer,))
        row = con.execute("SELECT slot FROM scorers WHERE name = ?", (scorer,)).fetchone()
    slot = row[0]
    con.execute("INSERT OR IGNORE INTO scorer_versions (slot, version) VALUES (?, ?)",
                (slot, str(version)))
    (ver,) = con.execute("SELECT id FROM scorer_versions WHERE slot = ? AND version = ?",
                         (slot, str(version))).fetchone()
    old = con.execute("SELECT flags, learned, vals, vers FROM sample_scores"
                      " WHERE sample_id = ?", (sample_id,)).fetchone()
    flags, learned, vals, vers = old or (0, None, b"", b"")
    v, k = score_vals(vals), _vers(vers)
    n = max(len(v), slot + 1)
    v += [float("nan")] * (n - len(v))
    k += [0] * (n - len(k))
    v[slot] = float("nan") if value is None else float(value)
    k[slot] = ver
    flags = (flags & ~(1 << slot)) | (int(bool(flagged) and value is not None) << slot)
    if scorer == "learned":
        learned = value
    con.execute("INSERT OR REPLACE INTO sample_scores (sample_id, flags, learned, scored_at,"
                " vals, vers) VALUES (?, ?, ?, ?, ?, ?)",
                (sample_id, flags, learned, scored_at, struct.pack(f"<{n}d", *v),
                 struct.pack(f"<{n}I", *k)))
    notes = (con.execute("SELECT notes FROM score_notes WHERE sample_id = ?",
                         (sample_id,)).fetchone() or (b"",))[0]
    kept = _notes(notes, con)
    kept.pop(slot, None)
    if reason or detail:
        kept[slot] = (reason or "", detail or "")
    out = b"".join(bytes([k]) + r.encode() + b"\0" + d.encode() + b"\0"
                   for k, (r, d) in sorted(kept.items()))
    con.execute("INSERT OR REPLACE INTO score_notes (sample_id, notes) VALUES (?, ?)",
                (sample_id, out))


# Reads each sample's text into its own column (stored_text) instead of
# from its record, as before a test rewrites records or texts by hand.
OWN_TEXTS = "UPDATE samples SET stored_text = text, text_at = NULL, text_len = NULL"


def texts_twice_layout(con):
    """Turns the samples of an assay database back into the layout of
    earlier builds: every text stored in column text, beside its record."""
    con.executescript(
        OWN_TEXTS + ";"
        "ALTER TABLE samples DROP COLUMN text;"
        "ALTER TABLE samples DROP COLUMN text_at;"
        "ALTER TABLE samples DROP COLUMN text_len;"
        "ALTER TABLE samples RENAME COLUMN stored_text TO text;")
    con.commit()


def quality_in_samples_layout(con, version=4):
    """Turns the combined scores of an assay database back into the column
    samples.quality of schemas 1 to 4, with its two indexes, and sets the
    schema version (as an earlier build left it)."""
    con.executescript(
        "ALTER TABLE samples ADD COLUMN quality REAL;"
        "UPDATE samples SET quality = (SELECT q.quality FROM sample_quality q"
        "  WHERE q.sample_id = samples.id);"
        "DROP TABLE sample_quality;"
        "CREATE INDEX samples_by_quality ON samples(quality, id);"
        "CREATE INDEX samples_by_batch_quality ON samples(batch_id, quality, id);"
        f"PRAGMA user_version = {int(version)};")
    con.commit()


def old_scores_layout(con, v1=False):
    """Turns the packed scores of an assay database back into the table of
    schemas 1 to 3 as earlier builds left it (one row per sample and scorer;
    v1: its first index only), keeping every score."""
    score_functions(con)
    rows = con.execute("SELECT sample_id, scorer, value, flagged, reason, version, detail,"
                       " scored_at FROM scores").fetchall()
    con.executescript(
        "DROP VIEW scores; DROP TABLE score_notes; DROP TABLE sample_scores;"
        "DROP TABLE scorer_versions; DROP TABLE scorers;"
        "CREATE TABLE scores (sample_id INTEGER NOT NULL REFERENCES samples(id),"
        " scorer TEXT NOT NULL, value REAL, flagged INTEGER NOT NULL DEFAULT 0,"
        " reason TEXT NOT NULL DEFAULT '', version TEXT NOT NULL, detail TEXT,"
        " scored_at INTEGER NOT NULL, PRIMARY KEY (sample_id, scorer)) WITHOUT ROWID;"
        + ("CREATE INDEX scores_by_scorer ON scores(scorer, value);" if v1 else
           "CREATE INDEX scores_by_scorer ON scores(scorer, value, flagged);"
           "CREATE INDEX scores_by_version ON scores(scorer, version);"))
    con.executemany("INSERT INTO scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    return rows
