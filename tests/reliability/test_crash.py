"""Crash consistency: `assay import`, `assay export` (and `assay decide
--from` once it exists) killed with SIGKILL at random moments, well over
200 kills per run. After every kill: PRAGMA integrity_check is ok, what is
stored is exactly what was committed (records byte for byte, batch counts
equal to the rows, every committed decision present once), the next run
completes the work to the right count, and no export destination is
partial: it is either absent or complete and identical to a full export.
"""
import json
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, eq  # noqa: E402
from reliability import (batch_counts_consistent, connect, decisions_consistent,  # noqa: E402
                         figure, has_command, integrity_ok, spawn, write_parts)

SERIAL = True  # timing matters: nothing else runs meanwhile

IMPORT_KILLS = 130
EXPORT_KILLS = 90
DECIDE_KILLS = 60


def timed(p, timeout=300):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def kill_after(p, delay):
    """SIGKILLs p after delay seconds; True when it was still running."""
    time.sleep(delay)
    if p.poll() is not None:
        return False
    os.kill(p.pid, signal.SIGKILL)
    p.communicate()
    return True


def full_duration(*cmd_args, db, reset):
    """How long an uninterrupted run takes (to spread the kills over it)."""
    reset()
    t0 = time.monotonic()
    code, _, err = timed(spawn(db, *cmd_args))
    check(code == 0, err)
    return time.monotonic() - t0


def check_import(db, lines):
    """Checks the state a kill left; returns the samples stored (None when
    the kill came before the schema was committed)."""
    integrity_ok(db)
    con = connect(db)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'samples'").fetchall():
            eq(con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0], 0,
               "a half-made schema")
            return None
        for ext, rec in con.execute("SELECT ext_id, record FROM samples"):
            eq(rec, lines.get(ext), f"sample {ext}: stored record")
        batch_counts_consistent(con)
        return con.execute("SELECT count(*) FROM samples").fetchone()[0]
    finally:
        con.close()


def test_kill_import_at_random_moments():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")))
    with Workdir() as w:
        paths, lines = write_parts(w.path, 12, 1500)
        total = len(lines)
        args = ["import", "--no-score", "--quiet", "--batch", "crash"] + paths

        def reset():
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(w.db + sfx):
                    os.remove(w.db + sfx)

        span = full_duration(*args, db=w.db, reset=reset)
        reset()
        kills = completions = partial_states = before_schema = 0
        while kills < IMPORT_KILLS:
            p = spawn(w.db, *args)
            if kill_after(p, rng.uniform(0, span * 1.1)):
                kills += 1
                n = check_import(w.db, lines) if os.path.exists(w.db) else None
                if n is None:  # killed while creating the database: usable at once
                    before_schema += 1
                    code, _, err = timed(spawn(w.db, *args))
                    eq(code, 0, err)
                    eq(check_import(w.db, lines), total, "samples after the re-run")
                    reset()
                    continue
                partial_states += 0 < n < total
            else:
                eq(p.returncode, 0, p.stderr.read() if p.stderr else "")
            if kills % 10 == 0 or p.returncode == 0:
                # The same command completes the batch, whatever state the kill left.
                code, _, err = timed(spawn(w.db, *args))
                eq(code, 0, err)
                eq(check_import(w.db, lines), total, "samples after the re-run")
                completions += 1
                reset()
        figure("crash.import_kills", kills)
        figure("crash.import_partial_states", partial_states)
        figure("crash.import_completions", completions)
        figure("crash.import_kills_before_schema", before_schema)
        check(completions >= IMPORT_KILLS // 10, completions)


def test_kill_export_at_random_moments():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")) + 1)
    with Workdir() as w:
        paths, lines = write_parts(w.path, 4, 5000)
        code, _, err = timed(spawn(w.db, "import", "--no-score", "--quiet", "--batch", "b", *paths))
        eq(code, 0, err)
        variants = [
            (["-o", "out.jsonl"], ["out.jsonl"]),
            (["--provenance", "-o", "prov.jsonl"], ["prov.jsonl"]),
            (["--format", "csv", "-o", "out.csv"], ["out.csv"]),
            (["--format", "json", "-o", "out.json"], ["out.json"]),
            (["--split", "train=0.5,val=0.5", "-o", "set.jsonl"],
             ["set.train.jsonl", "set.val.jsonl"]),
        ]
        reference = {}
        spans = []
        for args, dests in variants:
            t0 = time.monotonic()
            code, _, err = timed(spawn(w.db, "export", "--status", "all", *args, cwd=w.path))
            eq(code, 0, err)
            spans.append(time.monotonic() - t0)
            for d in dests:
                with open(os.path.join(w.path, d), "rb") as f:
                    reference[d] = f.read()
                os.remove(os.path.join(w.path, d))
        check(len(reference["out.jsonl"].split(b"\n")) == len(lines) + 1, "reference export")
        kills = absent = complete = 0
        while kills < EXPORT_KILLS:
            v = kills % len(variants)
            args, dests = variants[v]
            p = spawn(w.db, "export", "--status", "all", *args, cwd=w.path)
            killed = kill_after(p, rng.uniform(0, spans[v] * 1.1))
            if not killed:
                eq(p.returncode, 0)
            kills += killed
            for d in dests:
                path = os.path.join(w.path, d)
                if not os.path.exists(path):
                    check(killed, f"{d} missing after a finished export")
                    absent += 1
                    continue
                with open(path, "rb") as f:
                    got = f.read()
                # Never partial: present means complete and identical.
                check(got == reference[d], f"{d}: {len(got)} bytes after a kill, "
                      f"want absent or {len(reference[d])}")
                complete += 1
                os.remove(path)
            integrity_ok(w.db)
        strays = [f for f in os.listdir(w.path) if ".assay-" in f]
        for f in strays:
            check(f.startswith("."), f"temporary file {f} is not hidden")
        if unnamed_files(w.path):
            # the output is an unnamed file until it is complete: a kill
            # leaves nothing behind, not even a temporary file
            eq(strays, [], "temporary files left by killed exports")
        figure("crash.export_kills", kills)
        figure("crash.export_dest_absent", absent)
        figure("crash.export_dest_complete", complete)
        figure("crash.export_stray_temp_files", len(strays))


def unnamed_files(directory):
    """Whether the file system of directory has unnamed (O_TMPFILE) files."""
    try:
        os.close(os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600))
        return True
    except OSError:
        return False


def test_kill_decide_from_at_random_moments():
    if not has_command("decide"):
        print("skipped: `assay decide` does not exist yet; its kills start counting when it does")
        figure("crash.decide_kills", 0)
        return
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "7")) + 2)
    with Workdir() as w:
        paths, lines = write_parts(w.path, 1, 3000)

        def fresh():
            for sfx in ("", "-wal", "-shm"):
                if os.path.exists(w.db + sfx):
                    os.remove(w.db + sfx)
            code, _, err = timed(spawn(w.db, "import", "--no-score", "--quiet", "--batch", "b",
                                       *paths))
            eq(code, 0, err)

        fresh()
        ids = sorted(lines)
        verdict = {e: ("accept", "edit", "reject")[i % 3] for i, e in enumerate(ids)}

        def remaining():
            con = connect(w.db)
            try:
                done = {r[0] for r in con.execute(
                    "SELECT s.ext_id FROM decisions d JOIN samples s ON s.id = d.sample_id "
                    "JOIN annotators a ON a.id = d.annotator_id WHERE a.name = 'crash'")}
            finally:
                con.close()
            return [e for e in ids if e not in done]

        def script(todo):
            path = os.path.join(w.path, "decisions.jsonl")
            with open(path, "w") as f:
                for e in todo:
                    d = {"id": e, "verdict": verdict[e], "annotator": "crash"}
                    if verdict[e] == "edit":
                        d["text"] = f"corrected {e}"
                    if verdict[e] == "reject":
                        d["reason"] = "hallucination"
                    f.write(json.dumps(d) + "\n")
            return path

        def check_all_decided():
            eq(remaining(), [], "every sample decided after the last run")
            con = connect(w.db)
            try:
                decisions_consistent(con)
                got = dict(con.execute("SELECT s.ext_id, d.verdict FROM decisions d "
                                       "JOIN samples s ON s.id = d.sample_id"))
            finally:
                con.close()
            past = {"accept": "accepted", "edit": "edited", "reject": "rejected"}
            eq(got, {e: past[v] for e, v in verdict.items()}, "the verdicts decided")

        t0 = time.monotonic()
        code, _, err = timed(spawn(w.db, "decide", "--annotator", "crash", "--from",
                                   script(ids[:500])))
        eq(code, 0, err)
        span = (time.monotonic() - t0) * len(ids) / 500
        kills = rounds = 0
        while kills < DECIDE_KILLS:
            todo = remaining()
            if not todo:  # all decided: check, then start over
                check_all_decided()
                fresh()
                rounds += 1
                continue
            p = spawn(w.db, "decide", "--annotator", "crash", "--from", script(todo))
            kills += kill_after(p, rng.uniform(0, span * 0.3))
            integrity_ok(w.db)
            con = connect(w.db)
            try:
                decisions_consistent(con)
            finally:
                con.close()
        todo = remaining()
        if todo:
            code, _, err = timed(spawn(w.db, "decide", "--annotator", "crash", "--from",
                                       script(todo)))
            eq(code, 0, err)
        check_all_decided()
        figure("crash.decide_kills", kills)
        figure("crash.decide_rounds_completed", rounds)
