"""Contention on a PostgreSQL store: 16 scripted annotators claiming and
deciding 10,000 samples at once through the review engine's queue
(`assay review --script`: the screen's claims, leases and decisions
without the screen), four of them killed with SIGKILL mid-way and
started again. Every sample is decided exactly once, every decision a
client saw acknowledged is stored as it was acknowledged, and no lease is
left. The server is the one tests/run starts ($ASSAY_TEST_PG); without it
the test says so."""
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from harness import check, eq  # noqa: E402
from reliability import caption, figure, spawn, unsafe_lock_message  # noqa: E402
import test_pg_store as pgs  # noqa: E402

SERIAL = True

ANNOTATORS = 16
SAMPLES = 10000
KILLED = 4          # clients killed with SIGKILL once they have this many...
KILL_AFTER = 40     # ...decisions acknowledged
VERDICTS = ("accept", "reject off-topic", "edit A corrected caption.")


class Client:
    """One annotator's `assay review --script`, fed next/verdict pairs,
    its acknowledged lines collected as they arrive."""

    def __init__(self, w, name, script):
        self.name = name
        with open(script) as f:
            self.p = spawn(w.db, "review", "--script", "--batch", "main", "--order", "import",
                           env={"ASSAY_ANNOTATOR": name}, stdin=f)
        self.lines = []
        self.err = ""
        self.reader = threading.Thread(target=self.read)
        self.reader.start()

    def read(self):
        for line in self.p.stdout:
            self.lines.append(line.decode().strip())
        self.err = self.p.stderr.read()

    def decided(self):
        return [ln.split()[1:] for ln in self.lines if ln.startswith("decided ")]

    def wait(self):
        self.p.wait(timeout=900)
        self.reader.join()
        return self.p.returncode


def rows(w, sql):
    return [tuple(ln.split("|")) for ln in pgs.psql(w.db, sql).splitlines() if ln]


def test_sixteen_annotators_share_10000_samples_on_postgresql():
    uri = pgs.server()
    if not uri:
        return
    w = pgs.pg_workdir(uri, "contention")
    try:
        src = os.path.join(w.path, "s.jsonl")
        with open(src, "w") as f:
            for i in range(SAMPLES):
                f.write(json.dumps(caption(i)) + "\n")
        r = w.run("import", "--no-score", "--quiet", "--batch", "main", src, timeout=600)
        eq(r.code, 0, r)
        script = os.path.join(w.path, "script.txt")
        with open(script, "w") as f:  # more than any one client can use
            for i in range(SAMPLES):
                f.write(f"next\n{VERDICTS[i % 3]}\n")
        t0 = time.monotonic()
        clients = [Client(w, f"ann{k}", script) for k in range(ANNOTATORS)]
        killed = clients[:KILLED]
        deadline = time.monotonic() + 300
        for c in killed:  # SIGKILL mid-stream: between or inside decisions
            while len(c.decided()) < KILL_AFTER and c.p.poll() is None:
                check(time.monotonic() < deadline, f"{c.name} made no progress")
                time.sleep(0.01)
            c.p.send_signal(signal.SIGKILL)
        acked = {}
        for c in clients:
            code = c.wait()
            unsafe_lock_message(c.err)
            if c in killed:
                eq(code, -signal.SIGKILL, c.err.decode())
            else:
                eq(code, 0, c.err.decode())
                eq(c.lines[-1], "empty", c.name)
            for sid, verdict in c.decided():
                check(sid not in acked, f"sample {sid} acknowledged twice")
                acked[sid] = (c.name, verdict)
        # the killed annotators come back and finish what they held
        again = [Client(w, c.name, script) for c in killed]
        for c in again:
            eq(c.wait(), 0, c.err.decode())
            unsafe_lock_message(c.err)
            for sid, verdict in c.decided():
                check(sid not in acked, f"sample {sid} acknowledged twice")
                acked[sid] = (c.name, verdict)
        took = time.monotonic() - t0
        eq(rows(w, "SELECT count(*), count(DISTINCT sample_id) FROM decisions"),
           [(str(SAMPLES), str(SAMPLES))], "each sample decided exactly once")
        stored = {sid: (name, verdict) for sid, name, verdict in rows(
            w, "SELECT s.ext_id, a.name, d.verdict FROM decisions d"
               " JOIN annotators a ON a.id = d.annotator_id"
               " JOIN samples s ON s.id = d.sample_id")}
        lost = [(sid, v) for sid, v in acked.items() if stored.get(sid) != v]
        eq(lost, [], "every acknowledged decision stored as acknowledged")
        # a client killed after its decision's commit was sent but before
        # the answer arrived leaves one decision stored unacknowledged (its
        # restart finds it decided): at most one per killed client, theirs
        unacked = [(sid, v) for sid, v in stored.items() if sid not in acked]
        per_name = collections.Counter(v[0] for _, v in unacked)
        check(set(per_name) <= {c.name for c in killed} and max(per_name.values(), default=0) <= 1,
              f"decisions stored but never acknowledged: {unacked}")
        eq(rows(w, "SELECT count(*) FROM leases"), [("0",)], "no lease left")
        # a decision and its event in one transaction: nothing half-written
        eq(rows(w, "SELECT count(*) FROM decisions d JOIN events e ON e.id = d.event_id"
                   " AND e.sample_id = d.sample_id AND e.annotator_id = d.annotator_id"),
           [(str(SAMPLES),)])
        per = rows(w, "SELECT count(DISTINCT annotator_id) FROM decisions")
        eq(per, [(str(ANNOTATORS),)], "all sixteen took samples")
        figure("pg_contention.annotators", ANNOTATORS)
        figure("pg_contention.decisions", SAMPLES)
        figure("pg_contention.seconds", round(took, 1))
    finally:
        w.__exit__(None, None, None)
