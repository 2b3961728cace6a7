"""End-to-end tests of `assay decide --auto`: the newest model's confident
rejections, by the threshold whose out-of-fold precision has a 95% lower
bound at or above the target. The dry run writes nothing; the real run
decides exactly what the dry run said, as auto:learned@VERSION, left out of
agreement, marked in export provenance, and undone in bulk."""
import hashlib
import json
import os
import re
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, contains, eq, workdir  # noqa: E402


def learned_db(w, n=360):
    """sample-data, the first n labels decided by ana, a model learned from
    them and every sample scored by it."""
    r = w.run("import", "--batch", "demo", os.path.join(SAMPLE_DATA, "captions.jsonl"),
              os.path.join(SAMPLE_DATA, "instructions.jsonl"))
    eq(r.code, 0, r)
    labels = [json.loads(l) for l in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))][:n]
    lines = [json.dumps({"id": l["id"], "verdict": "reject" if l["flaws"] else "accept",
                         "reason": l["flaws"][0] if l["flaws"] else None}) for l in labels]
    r = w.run("decide", "--annotator", "ana", "--from", "-", stdin="\n".join(lines) + "\n")
    check(r.code in (0, 65), r)  # sample-data's exact duplicates were never imported
    eq(w.run("learn").code, 0)
    eq(w.run("score").code, 0)


def files(w):
    """The database byte for byte, and what its WAL holds (a reader of a WAL
    database, as every read-only command is, may leave an empty one and the
    -shm index beside it; neither holds data)."""
    wal = w.db + "-wal"
    return (hashlib.sha256(open(w.db, "rb").read()).hexdigest(),
            os.path.getsize(wal) if os.path.exists(wal) else 0)


def would(out):
    m = re.search(r"would reject (\d+) undecided samples as (auto:learned@\d+)", out)
    check(m, out)
    return int(m.group(1)), m.group(2)


def test_dry_run_writes_nothing_and_the_real_run_decides_the_same():
    with Workdir() as w:
        learned_db(w)
        before, rows = files(w), w.dump()
        r = w.run("decide", "--auto", "--precision", "0.9", "--dry-run")
        eq(r.code, 0, r)
        eq(files(w), before)
        eq(w.dump(), rows)
        n, who = would(r.out)
        eq(who, "auto:learned@1")
        contains(r.out, "reject where P(reject) >= ")
        contains(r.out, "(95% Wilson; target 0.9)")
        contains(r.out, "--dry-run: nothing written")
        t = float(re.search(r"P\(reject\) >= ([0-9.]+)", r.out).group(1))
        # the samples it names are undecided, at or above the threshold
        undecided = ("FROM scores sc JOIN samples s ON s.id = sc.sample_id WHERE sc.scorer ="
                     " 'learned' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE"
                     " d.sample_id = s.id) AND 1 - sc.value >= ?")
        eq(w.sql("SELECT count(*) " + undecided, t - 1e-9), [(n,)])
        check(n > 10, r.out)
        (top,), = w.sql("SELECT s.ext_id " + undecided + " ORDER BY sc.value LIMIT 1", t - 1e-9)
        contains(r.out, f"  {top}  p=")
        # the real run: exactly that many rejections by the machine
        r = w.run("decide", "--auto", "--precision", "0.9")
        eq(r.code, 0, r)
        contains(r.out, f"rejected {n} undecided samples as {who}")
        eq(w.sql("SELECT count(*), min(d.verdict), max(d.verdict) FROM decisions d JOIN"
                 " annotators a ON a.id = d.annotator_id WHERE a.name = ?", who),
           [(n, "rejected", "rejected")])
        eq(w.sql("SELECT count(*) FROM decisions d JOIN annotators a ON a.id = d.annotator_id"
                 " WHERE a.name = ? AND d.reason = ''", who), [(0,)])
        # nothing left for a second run
        r = w.run("decide", "--auto", "--precision", "0.9", "--dry-run")
        eq(would(r.out)[0], 0)


def test_agreement_leaves_the_machine_out_and_provenance_marks_it():
    with Workdir() as w:
        learned_db(w)
        r = w.run("stats", "--format", "json", "--agreement")
        eq(r.code, 0, r)
        eq(json.loads(r.out)["agreement"]["samples"], 0)
        # bob decides a few samples the machine is about to reject too
        ids = [x for (x,) in w.sql(
            "SELECT s.ext_id FROM scores sc JOIN samples s ON s.id = sc.sample_id"
            " WHERE sc.scorer = 'learned' AND NOT EXISTS (SELECT 1 FROM decisions d"
            " WHERE d.sample_id = s.id) ORDER BY sc.value LIMIT 3")]
        r = w.run("decide", "--auto", "--precision", "0.9")
        eq(r.code, 0, r)
        who = re.search(r"as (auto:learned@\d+)", r.out).group(1)
        for x in ids:
            eq(w.run("decide", "--annotator", "bob", x, "accept").code, 0)
        out = json.loads(w.run("stats", "--format", "json", "--agreement").out)["agreement"]
        eq(out["samples"], 0)  # bob and the machine on 3 samples: no agreement figure
        r = w.run("export", "--provenance", "--status", "rejected")
        eq(r.code, 0, r)
        recs = [json.loads(x) for x in r.out.splitlines()]
        auto = [d for rec in recs for d in rec["_assay"]["decisions"] if d["annotator"] == who]
        check(len(auto) > 10, r.out[:500])
        check(all(d.get("auto") is True for d in auto), auto[:3])
        human = [d for rec in recs for d in rec["_assay"]["decisions"] if d["annotator"] == "ana"]
        check(human and all("auto" not in d for d in human), human[:3])


def test_undo_all_restores_the_state_before():
    with Workdir() as w:
        learned_db(w)
        before = w.sql("SELECT sample_id, annotator_id, verdict, reason FROM decisions"
                       " ORDER BY 1, 2")
        r = w.run("decide", "--auto", "--precision", "0.9")
        eq(r.code, 0, r)
        m = re.search(r"rejected (\d+) undecided samples as (auto:learned@\d+)", r.out)
        n, who = int(m.group(1)), m.group(2)
        r = w.run("decide", "--undo", "--annotator", who, "--all")
        eq(r.code, 0, r)
        contains(r.out, f"undid {n} decisions of {who}")
        eq(w.sql("SELECT sample_id, annotator_id, verdict, reason FROM decisions ORDER BY 1, 2"),
           before)
        eq(w.sql("SELECT count(*) FROM events e JOIN annotators a ON a.id = e.annotator_id"
                 " WHERE a.name = ? AND e.kind = 'undo'", who), [(n,)])
        r = w.run("decide", "--undo", "--annotator", who, "--all")
        eq(r.code, 0, r)
        contains(r.out, f"undid 0 decisions of {who}")
        r = w.run("decide", "--auto", "--precision", "0.9", "--dry-run")
        eq(would(r.out)[0], n)


def test_refusals():
    with Workdir() as w:
        eq(w.run("import", "--batch", "demo",
                 os.path.join(SAMPLE_DATA, "captions.jsonl")).code, 0)
        r = w.run("decide", "--auto", "--precision", "0.95")
        eq(r.code, 1, r)
        contains(r.err, "no model yet")
        for args in (["--auto"], ["--auto", "--precision", "1.5"], ["--auto", "--precision", "x"],
                     ["--precision", "0.9"], ["--dry-run"], ["--all"],
                     ["--auto", "--precision", "0.9", "--undo"],
                     ["--auto", "--precision", "0.9", "s1", "accept"]):
            eq(w.run("decide", *args).code, 2, args)
    with Workdir() as w:
        learned_db(w)
        # an unreachable target
        r = w.run("decide", "--auto", "--precision", "0.999")
        eq(r.code, 1, r)
        contains(r.err, "no threshold of model version 1 reaches precision 0.999")
        # a model stored without a precision table (an older learn)
        with __import__("sqlite3").connect(w.db) as con:
            con.execute("UPDATE models SET info = json_remove(info, '$.precision')")
        r = w.run("decide", "--auto", "--precision", "0.9", "--dry-run")
        eq(r.code, 1, r)
        contains(r.err, "has no out-of-fold precision table")


def test_a_model_never_learns_from_the_machines_own_decisions():
    with workdir() as w:
        learned_db(w)
        before = json.loads(w.run("learn", "--json", "--dry-run").out)
        r = w.run("decide", "--auto", "--precision", "0.9")
        eq(r.code, 0, r)
        n = w.sql("SELECT count(*) FROM decisions d JOIN annotators a ON a.id = d.annotator_id"
                  " WHERE a.name LIKE 'auto:%'")[0][0]
        check(n > 0, "nothing was auto-decided")
        after = json.loads(w.run("learn", "--json", "--dry-run").out)
        eq((after["verdicts"], after["rejected"], after["kept"]),
           (before["verdicts"], before["rejected"], before["kept"]),
           "learn counted the auto-decisions as labels")


def test_auto_leaves_a_sample_on_someones_screen_alone():
    with workdir() as w:
        learned_db(w)
        sure = w.sql("SELECT s.id FROM scores sc JOIN samples s ON s.id = sc.sample_id"
                     " WHERE sc.scorer = 'learned' AND NOT EXISTS (SELECT 1 FROM decisions d"
                     " WHERE d.sample_id = s.id) ORDER BY sc.value LIMIT 1")[0][0]
        con = sqlite3.connect(w.db)
        con.execute("INSERT INTO annotators (name, first_seen) VALUES ('carol', 0)")
        con.execute("INSERT INTO leases (sample_id, annotator_id, expires_at) VALUES "
                    "(?, (SELECT id FROM annotators WHERE name = 'carol'), ?)",
                    (sure, int(time.time() * 1000) + 600000))
        con.commit()
        con.close()
        r = w.run("decide", "--auto", "--precision", "0.9")
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM decisions WHERE sample_id = ?", sure), [(0,)],
           "a sample on carol's screen was auto-rejected")


def test_undo_all_needs_the_annotator_named():
    with workdir() as w:
        learned_db(w)
        before = w.dump()
        r = w.run("decide", "--undo", "--all", env={"ASSAY_ANNOTATOR": "ana"})
        eq(r.code, 2, r)
        contains(r.err, "name them with --annotator NAME")
        eq(w.dump(), before, "--undo --all without a name changed the database")
        r = w.run("decide", "--undo", "--all", "--annotator", "auto:learned@9")
        eq(r.code, 0, r)
        contains(r.out, "undid 0 decisions of auto:learned@9 (no decision by that name")
