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


def test_eight_annotators_deciding_while_importing():
    if not has_command("decide"):
        print("skipped: `assay decide` does not exist yet")
        return
    with Workdir() as w:
        src = os.path.join(w.path, "s.jsonl")
        with open(src, "w") as f:
            for i in range(SAMPLES):
                f.write(json.dumps(caption(i)) + "\n")
        p = spawn(w.db, "import", "--no-score", "--quiet", "--batch", "main", src)
        eq(p.wait(), 0)
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
        late = os.path.join(w.path, "late.jsonl")
        with open(late, "w") as f:
            for i in range(SAMPLES, SAMPLES + LATE):
                f.write(json.dumps(caption(i)) + "\n")
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
