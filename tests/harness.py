"""harness.py — shared helpers for the end-to-end and TUI tests.

Everything here drives the real `assay` binary: a real SQLite file in a
fresh temporary directory, real HTTP over 127.0.0.1, a real terminal (tmux).
"""
import contextlib
import os
import signal
import shutil
import sqlite3
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
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def dump(self):
        """Every row of every table, for 'nothing changed' checks."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            out = {}
            for (name,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
                out[name] = con.execute(f"SELECT * FROM \"{name}\"").fetchall()
            return out
        finally:
            con.close()


def workdir():
    return Workdir()


def slow_skipped():
    return os.environ.get("ASSAY_SKIP_SLOW") == "1"


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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.screen()
            if text in s:
                return self._settled(s, text)
            time.sleep(0.05)
        raise AssertionError(f"{text!r} did not appear on screen:\n{self.screen()}")

    def _settled(self, s, text):
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            time.sleep(0.02)
            again = self.screen()
            if again == s:
                break
            if text not in again:  # moved on already: keep the frame that had it
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
