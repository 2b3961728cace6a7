"""Contention: many processes on one database at once. Concurrent imports
(with texts shared between them, so the duplicate index is contended) while
stats, info and export read; 8 annotators deciding 5,000 samples each while
an import and stats run. No "database is locked" reaches a user, every
process succeeds, no row is lost or doubled, and integrity holds.
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, eq  # noqa: E402
from reliability import (caption, connect, decisions_consistent, figure, has_command,  # noqa: E402
                         integrity_ok, spawn, unsafe_lock_message)

SERIAL = True

IMPORTERS = 6
PER_IMPORTER = 12000
SHARED = 1000
ANNOTATORS = 8
SAMPLES = 5000
LATE = 5000  # imported while the annotators decide


class Readers:
    """Runs read-only commands in a loop until stopped; keeps every result."""

    def __init__(self, db, cwd, commands, pause=0.0):
        self.db, self.cwd, self.commands, self.pause = db, cwd, commands, pause
        self.results = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.loop, args=(c,)) for c in commands]

    def loop(self, args):
        while not self.stop.is_set():
            p = spawn(self.db, *args, cwd=self.cwd)
            out, err = p.communicate(timeout=300)
            self.results.append((args, p.returncode, out, err))
            self.stop.wait(self.pause)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def write_importer_file(path, k):
    with open(path, "w") as f:
        for i in range(PER_IMPORTER):
            f.write(json.dumps(caption(k * PER_IMPORTER + i)) + "\n")
        for i in range(SHARED):  # the same texts in every file, under other ids
            rec = caption(10**7 + i)
            rec["id"] = f"shared-{k}-{i}"
            f.write(json.dumps(rec) + "\n")


def test_concurrent_imports_while_reading():
    with Workdir() as w:
        files = []
        for k in range(IMPORTERS):
            p = os.path.join(w.path, f"imp{k}.jsonl")
            write_importer_file(p, k)
            files.append(p)
        # A database to start from, so readers have something to read.
        seed = os.path.join(w.path, "seed.jsonl")
        with open(seed, "w") as f:
            f.write(json.dumps({"id": "seed", "text": "the first sample"}) + "\n")
        p = spawn(w.db, "import", "--no-score", "--quiet", seed)
        eq(p.wait(), 0)
        readers = [["stats", "--by", "batch"], ["export", "--status", "all", "-o", "-"],
                   ["info", "--json"]]
        t0 = time.monotonic()
        with Readers(w.db, w.path, readers) as rd:
            procs = [spawn(w.db, "import", "--no-score", "--batch", f"b{k}", f)
                     for k, f in enumerate(files)]
            results = [(p.communicate(timeout=600), p.returncode) for p in procs]
        took = time.monotonic() - t0
        for (out, err), code in results:
            unsafe_lock_message(err)
            eq(code, 0, err)
        n_reads = 0
        for args, code, out, err in rd.results:
            unsafe_lock_message(err)
            eq(code, 0, f"{args}: {err!r}")
            if args[0] == "export":
                for line in out.split(b"\n")[:-1]:
                    json.loads(line)
            if args[0] == "info":
                json.loads(out)
            n_reads += 1
        integrity_ok(w.db)
        con = connect(w.db)
        try:
            eq(con.execute("SELECT count(*) FROM samples").fetchone()[0],
               1 + IMPORTERS * PER_IMPORTER + SHARED, "samples")
            eq(con.execute("SELECT count(*) FROM duplicates").fetchone()[0],
               (IMPORTERS - 1) * SHARED, "duplicates")
            for k in range(IMPORTERS):
                eq(con.execute("SELECT n_imported + n_duplicate FROM batches WHERE name = ?",
                               (f"b{k}",)).fetchone()[0], PER_IMPORTER + SHARED, f"batch b{k}")
        finally:
            con.close()
        check(n_reads >= len(readers), f"readers ran {n_reads} times")
        figure("contention.importers", IMPORTERS)
        figure("contention.rows_imported_concurrently", IMPORTERS * (PER_IMPORTER + SHARED))
        figure("contention.reads_meanwhile", n_reads)
        figure("contention.import_seconds", round(took, 1))


def write_captions(path, lo, hi):
    with open(path, "w") as f:
        for i in range(lo, hi):
            f.write(json.dumps(caption(i)) + "\n")
    return path


def main_batch_and_late_file(w):
    """Imports SAMPLES captions as batch `main`; returns the path of LATE
    more, to import while the annotators work."""
    src = write_captions(os.path.join(w.path, "s.jsonl"), 0, SAMPLES)
    eq(spawn(w.db, "import", "--no-score", "--quiet", "--batch", "main", src).wait(), 0)
    return write_captions(os.path.join(w.path, "late.jsonl"), SAMPLES, SAMPLES + LATE)


def test_eight_annotators_deciding_while_importing():
    if not has_command("decide"):
        print("skipped: `assay decide` does not exist yet")
        return
    with Workdir() as w:
        late = main_batch_and_late_file(w)
        script = os.path.join(w.path, "decisions.jsonl")
        kinds = ("accept", "edit", "reject")
        with open(script, "w") as f:
            for i in range(SAMPLES):
                d = {"id": f"r{i}", "verdict": kinds[i % 3], "batch": "main"}
                if i % 3 == 1:
                    d["text"] = f"corrected caption {i}"
                if i % 3 == 2:
                    d["reason"] = "hallucination"
                f.write(json.dumps(d) + "\n")
        t0 = time.monotonic()
        with Readers(w.db, w.path, [["stats", "--by", "annotator"]], pause=0.5) as rd:
            procs = [spawn(w.db, "decide", "--annotator", f"ann{k}", "--from", script)
                     for k in range(ANNOTATORS)]
            procs.append(spawn(w.db, "import", "--no-score", "--batch", "late", late))
            results = [(p.communicate(timeout=600), p.returncode) for p in procs]
        took = time.monotonic() - t0
        for (out, err), code in results:
            unsafe_lock_message(err)
            eq(code, 0, err)
        for args, code, out, err in rd.results:
            unsafe_lock_message(err)
            eq(code, 0, f"{args}: {err!r}")
        integrity_ok(w.db)
        con = connect(w.db)
        try:
            decisions_consistent(con)
            per = con.execute("SELECT a.name, count(*), count(DISTINCT d.sample_id) "
                              "FROM decisions d JOIN annotators a ON a.id = d.annotator_id "
                              "GROUP BY a.name ORDER BY a.name").fetchall()
            eq(per, [(f"ann{k}", SAMPLES, SAMPLES) for k in range(ANNOTATORS)])
            eq(con.execute("SELECT count(*) FROM samples").fetchone()[0], SAMPLES + LATE)
        finally:
            con.close()
        figure("contention.annotators", ANNOTATORS)
        figure("contention.decisions_concurrently", ANNOTATORS * SAMPLES)
        figure("contention.decide_seconds", round(took, 1))


def test_eight_review_screens_share_5000_samples_exclusively():
    """Exclusive mode through the review engine itself: 8 review screens in
    real terminals (tmux), each annotator pressing `a` as fast as the keys
    arrive, over one 5,000-sample batch, while another batch is imported
    and `stats` runs in a loop. Every sample is decided exactly once, by
    one of the eight, through the queue's leases; nothing locked reaches a
    screen; every screen ends on "Nothing left" and quits cleanly."""
    import shutil
    from harness import BIN, Tmux
    if not shutil.which("tmux"):
        print("skipped: tmux is not installed")
        return
    with Workdir() as w:
        late = main_batch_and_late_file(w)
        screens = []
        try:
            for k in range(ANNOTATORS):
                cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db,
                       "review", "--batch", "main", "--order", "import"]
                screens.append(Tmux(cmd, env={"ASSAY_ANNOTATOR": f"ann{k}", "HOME": w.path,
                                              "XDG_CONFIG_HOME": w.path}, cwd=w.path))
            for t in screens:
                t.wait_for("main", timeout=30)

            def decided():
                con = connect(w.db)
                try:
                    return con.execute(
                        "SELECT count(*) FROM decisions d JOIN samples s ON s.id = d.sample_id"
                        " JOIN batches b ON b.id = s.batch_id WHERE b.name = 'main'").fetchone()[0]
                finally:
                    con.close()

            t0 = time.monotonic()
            with Readers(w.db, w.path, [["stats", "--by", "annotator"]], pause=0.5) as rd:
                imp = spawn(w.db, "import", "--no-score", "--quiet", "--batch", "late", late)
                sent = 0
                deadline = time.monotonic() + 600
                # keys in rounds: 20 per screen, then let them drain; stop
                # sending once the queue is nearly empty
                while decided() < SAMPLES and time.monotonic() < deadline:
                    if sent < SAMPLES + ANNOTATORS * 40:
                        for t in screens:
                            t.keys(*(["a"] * 20))
                        sent += 20 * ANNOTATORS
                    time.sleep(0.3)
                out, err = imp.communicate(timeout=300)
                unsafe_lock_message(err)
                eq(imp.returncode, 0, err)
            took = time.monotonic() - t0
            eq(decided(), SAMPLES, "every sample of the batch decided")
            for t in screens:
                s = t.wait_for("Nothing left", timeout=60)
                check("locked" not in s.lower(), s)
            for args, code, out, err in rd.results:
                unsafe_lock_message(err)
                eq(code, 0, f"{args}: {err!r}")
            for t in screens:
                t.keys("q")
            for t in screens:
                eq(t.wait_exit(timeout=30), 0, t.screen())
        finally:
            for t in screens:
                t.close()
        integrity_ok(w.db)
        con = connect(w.db)
        try:
            decisions_consistent(con)
            eq(con.execute("SELECT count(*), count(DISTINCT sample_id) FROM decisions").fetchone(),
               (SAMPLES, SAMPLES), "exactly one decision per sample")
            per = dict(con.execute("SELECT a.name, count(*) FROM decisions d JOIN annotators a"
                                   " ON a.id = d.annotator_id GROUP BY a.name").fetchall())
            eq(sum(per.values()), SAMPLES)
            check(len(per) == ANNOTATORS and min(per.values()) > 0,
                  f"all eight screens took samples: {per}")
            eq(con.execute("SELECT count(*) FROM samples").fetchone()[0], SAMPLES + LATE)
            eq(con.execute("SELECT count(*) FROM leases l JOIN samples s ON s.id = l.sample_id"
                           " JOIN batches b ON b.id = s.batch_id WHERE b.name = 'main'"
                           ).fetchone()[0], 0, "no lease left behind")
        finally:
            con.close()
        figure("contention.review_screens", ANNOTATORS)
        figure("contention.review_samples", SAMPLES)
        figure("contention.review_seconds", round(took, 1))
        print(f"8 screens: {SAMPLES} samples in {took:.1f} s; per annotator {sorted(per.values())}")
