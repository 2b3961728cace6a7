"""End-to-end tests of Ctrl-C on a piped import (`producer | assay import -`):
the whole pipeline gets the signal, so the input ends inside a line. That
unfinished line is unread input, not a bad record; and since standard
input has no batch of its own to go back to, the hint names the batch to
send the same input to again."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, WriteLock, check, contains, eq, wait_for_handler  # noqa: E402


def signal_taken(pid, sig, timeout=30):
    """Waits until sig, sent to pid, is no longer pending (its handler has
    taken it)."""
    bit = 1 << (sig - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as f:
            pending = [int(line.split()[1], 16) for line in f
                       if line.startswith(("SigPnd:", "ShdPnd:"))]
        if not any(p & bit for p in pending):
            return True
        time.sleep(0.01)
    return False


LINES = [json.dumps({"id": f"p{i}", "text": f"piped sample number {i} of four"})
         for i in range(4)]


def test_ctrl_c_on_a_pipe_keeps_no_cut_off_line_and_names_the_batch():
    with Workdir() as w:
        eq(w.run("import", "--no-score", "--batch", "first", "-",
                 stdin='{"text": "makes the database"}\n').code, 0)
        r_fd, w_fd = os.pipe()
        # Another writer holds the database, so the import waits at its first
        # write with its input read: the signal lands before any record is
        # taken, whatever the timing, and the input ends inside a line as it
        # does when the producer is interrupted with it.
        with WriteLock(w):
            p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", "-"],
                                 stdin=r_fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
            os.close(r_fd)
            os.write(w_fd, LINES[0][:25].encode())
            os.close(w_fd)
            check(wait_for_handler(p.pid, signal.SIGINT), "the import ended early")
            p.send_signal(signal.SIGINT)
            check(signal_taken(p.pid, signal.SIGINT), "the signal was not taken")
        out, err = p.communicate(timeout=120)
        eq(p.returncode, 130, err)
        # was: stdin:1: not valid JSON: a string that is not closed, kept in rejects
        check("not valid JSON" not in err, err)
        contains(out, "0 read, 0 imported, 0 duplicate, 0 rejected")
        eq(w.sql("SELECT count(*) FROM rejects"), [(0,)])
        batch = out.split('batch "', 1)[1].split('"', 1)[0]
        check(batch.startswith("stdin@"), out)
        # was: "run the same command again", which makes another stdin@ batch
        contains(err, f'what was read is saved in batch "{batch}"; to finish, send the same '
                      f'input again with --batch "{batch}"')
        eq(w.sql("SELECT finished_at FROM batches WHERE name = ?", batch), [(0,)])
        # as the hint says: the whole input again, into that batch
        r = w.run("import", "--no-score", "--batch", batch, "-", stdin="\n".join(LINES) + "\n")
        eq(r.code, 0, r)
        eq(w.sql("SELECT n_read, n_imported, n_rejected, finished_at > 0 FROM batches "
                 "WHERE name = ?", batch), [(4, 4, 0, 1)])
        eq(w.sql("SELECT count(*) FROM batches"), [(2,)])


def test_a_pipe_whose_last_line_is_cut_off_without_a_stop_is_still_refused():
    with Workdir() as w:
        r = w.run("import", "--no-score", "-", stdin=LINES[0] + "\n" + LINES[1][:25])
        eq(r.code, 65, r)
        contains(r.err, "stdin:2: not valid JSON")


def test_interrupted_file_import_says_run_the_same_command_again():
    with Workdir() as w:
        src = w.file("a.jsonl", "\n".join(LINES) + "\n")
        eq(w.run("import", "--no-score", "--batch", "first", "-",
                 stdin='{"text": "makes the database"}\n').code, 0)
        with WriteLock(w):
            p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", src],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            check(wait_for_handler(p.pid, signal.SIGINT), "the import ended early")
            p.send_signal(signal.SIGINT)
            check(signal_taken(p.pid, signal.SIGINT), "the signal was not taken")
        out, err = p.communicate(timeout=120)
        eq(p.returncode, 130, err)
        contains(err, "what was read is saved; run the same command again to finish")
        r = w.run("import", "--no-score", src)
        eq(r.code, 0, r)
        contains(r.out, "(existing)")


def test_a_stop_before_the_fifo_has_a_writer_is_never_lost():
    """A FIFO source without a writer: the import waits for one, and a
    Ctrl-C or SIGTERM ends the wait. Sent as soon as the handler is in
    place, the signal can arrive before the source is opened; a blocking
    open() would then wait for a writer for ever (seen 1 run in 30). Each
    run must end with 130 and nothing imported."""
    with Workdir() as w:
        fifo = os.path.join(w.path, "in.fifo")
        os.mkfifo(fifo)
        for i in range(12):
            sig = signal.SIGINT if i % 2 else signal.SIGTERM
            db = os.path.join(w.path, f"{i}.db")
            p = subprocess.Popen([BIN, "--db", db, "import", "--no-score", fifo],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                check(wait_for_handler(p.pid, sig), "the import never caught the signal")
                p.send_signal(sig)
                out, err = p.communicate(timeout=30)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.communicate()
            eq(p.returncode, 130, (i, out, err))
            contains(err, "interrupted")
        # and a writer that comes later is read as before
        db = os.path.join(w.path, "late.db")
        p = subprocess.Popen([BIN, "--db", db, "import", "--no-score", "--quiet", fifo],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            with open(fifo, "w") as f:
                f.write('{"id": "a", "text": "A heron."}\n{"id": "b", "text": "A crane."}\n')
            out, err = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        eq(p.returncode, 0, err)
        eq(w.run("--db", db, "info", "--json", db=False).code, 0)
        eq(json.loads(w.run("--db", db, "info", "--json", db=False).out)["samples"], 2)
