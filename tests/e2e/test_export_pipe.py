"""End-to-end tests of `assay export` into a pipe whose reader goes away
(`assay export | head`): it ends silently by SIGPIPE (status 141), as
every other command of assay and cat or grep do, and a file written
beside the pipe (a split) is never left half written."""
import json
import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, check, eq  # noqa: E402

# more than 2 x 4096 samples: JSONL is written from several threads too
N = 9000


def setup(w):
    recs = [json.dumps({"id": f"s{i}", "caption": f"Caption number {i} of the set.",
                        "meta": {"t": 1.0}}) for i in range(N)]
    src = w.file("b.jsonl", "\n".join(recs) + "\n")
    r = w.run("import", "--no-score", "--quiet", "--batch", "b", src)
    eq(r.code, 0, r)


def closed_early(w, *args, restore_signals=True):
    """Runs export into a pipe, reads a little of it and closes the pipe."""
    p = subprocess.Popen([BIN, "--db", w.db, "export", "--status", "all", *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=w.path,
                         restore_signals=restore_signals)
    check(len(p.stdout.read(100)) == 100)
    p.stdout.close()
    err = p.stderr.read()
    p.stderr.close()
    return p.wait(timeout=120), err


def test_a_reader_closing_the_pipe_ends_the_export_quietly():
    with Workdir() as w:
        setup(w)
        for fmt in ("jsonl", "json", "csv"):
            code, err = closed_early(w, "--format", fmt)
            eq((code, err), (-signal.SIGPIPE, b""), fmt)
        # where SIGPIPE was ignored from the start: the shell's status alike
        code, err = closed_early(w, restore_signals=False)
        eq((code, err), (128 + signal.SIGPIPE, b""))
        # in a shell: `| head` is not an error worth a message
        p = subprocess.run(["bash", "-c", 'set -o pipefail; "$0" --db "$1" export --status all '
                            '| head -n 1 >/dev/null; echo "status $?"', BIN, w.db],
                           capture_output=True, text=True, timeout=120)
        eq((p.stdout, p.stderr), ("status 141\n", ""))
        # a reader that takes everything: exit 0 and the summary, as before
        r = w.run("export", "--status", "all")
        eq(r.code, 0, r)
        eq(len(r.out.splitlines()), N)


def test_a_split_beside_a_closed_fifo_leaves_no_file_half_written():
    """One file of a --split is a FIFO whose reader leaves early: the other
    file, a regular one, keeps its old bytes and no hidden file remains."""
    with Workdir() as w:
        setup(w)
        fifo = os.path.join(w.path, "set.a.jsonl")
        os.mkfifo(fifo)
        other = w.file("set.b.jsonl", "old\n")
        got = []

        def read_a_little():
            with open(fifo, "rb") as f:
                got.append(f.read(10))
        t = threading.Thread(target=read_a_little)
        t.start()
        p = subprocess.run([BIN, "--db", w.db, "export", "--status", "all", "-o", "set.jsonl",
                            "--split", "a=0.5,b=0.5"], capture_output=True, cwd=w.path,
                           timeout=120)
        t.join(30)
        eq((p.returncode, p.stderr), (-signal.SIGPIPE, b""))
        eq(len(got[0]), 10)
        with open(other) as f:
            eq(f.read(), "old\n")
        eq(sorted(x for x in os.listdir(w.path) if not x.startswith("assay.db")),
           ["b.jsonl", "set.a.jsonl", "set.b.jsonl"])
