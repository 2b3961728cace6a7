"""reliability.py — what the tests of tests/reliability/ share: running the
real binary as a child to kill, database checks, generated data sets, and
the figures they measured (written to BUILD/reliability-figures.json for
the README's reliability section)."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, check, eq, score_functions  # noqa: E402

_lock = threading.Lock()


def figure(key, value):
    """Records a measured figure (added to what earlier tests recorded)."""
    path = os.path.join(os.environ.get("ASSAY_BUILD", "."), "reliability-figures.json")
    with _lock:
        try:
            with open(path) as f:
                figs = json.load(f)
        except (OSError, ValueError):
            figs = {}
        figs[key] = value
        with open(path, "w") as f:
            json.dump(figs, f, indent=1, sort_keys=True)


def has_command(name):
    """Whether `assay --help` lists the command (capabilities that are still
    being built are tested once they exist)."""
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    return re.search(r"^\s+" + re.escape(name) + r"\s", out, re.M) is not None


def spawn(db, *args, env=None, cwd=None, stdin=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.Popen([BIN, "--db", db] + [str(a) for a in args], env=e, cwd=cwd,
                            stdin=stdin if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def connect(db, timeout=30):
    return score_functions(sqlite3.connect(db, timeout=timeout))


def integrity_ok(db):
    con = connect(db)
    try:
        eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)], f"{db}: integrity_check")
        eq(con.execute("PRAGMA foreign_key_check").fetchall(), [], f"{db}: foreign keys")
    finally:
        con.close()


def caption(n):
    return {"id": f"r{n}", "text": f"Caption {n}: a red kite over beach {n * 7919 % 100003}.",
            "meta": {"model": f"m{n % 3}"}}


def write_parts(dirpath, parts, per_part, start=0):
    """Writes parts JSONL files of per_part records; returns their paths and
    {id: line} of every record."""
    paths, lines = [], {}
    for k in range(parts):
        p = os.path.join(dirpath, f"part{k:03d}.jsonl")
        with open(p, "w") as f:
            for i in range(per_part):
                n = start + k * per_part + i
                line = json.dumps(caption(n))
                lines[f"r{n}"] = line
                f.write(line + "\n")
        paths.append(p)
    return paths, lines


SUBJECTS = ("a woman in a red coat", "two children", "an old fisherman", "a grey cat",
            "a cyclist", "three students", "a street vendor", "a small dog")
ACTIONS = ("walks along the river", "crosses a busy street", "repairs a net on the pier",
           "sleeps on a sunny windowsill", "waits at a red light", "reads under an oak tree",
           "sells fruit from a cart", "chases a ball across the lawn")
PLACES = ("at dusk", "in the morning rain", "beside the harbour", "near the old station",
          "under a cloudy sky", "in a quiet square")


def scored_caption(n, near=True):
    """A caption for the scorers: varied sentences, with near-duplicates of
    earlier ones (clusters for neardup), machine hedges, cut-off endings
    and stray artifacts among them."""
    rnd = (n * 2654435761) % 4294967296
    words = [SUBJECTS[rnd % 8], ACTIONS[(rnd >> 3) % 8], PLACES[(rnd >> 6) % 6]]
    text = f"{words[0].capitalize()} {words[1]} {words[2]}, photo {n} of set {rnd % 977}."
    if near and n % 11 == 5 and n > 11:  # a near-duplicate of caption n - 11
        text = scored_caption(n - 11, False)["text"].replace(" of set ", f" in roll {n} of set ")
    elif n % 13 == 7:
        text = f"As an AI language model, I cannot see image {n}, but {words[0]} {words[1]}."
    elif n % 17 == 3:
        text = f"{words[0].capitalize()} {words[1]} and then the camera {n} slowly pans towa"
    elif n % 19 == 2:
        text = f"<img src=x> {words[0]} {words[1]} {n} [INST] caption [/INST]"
    return {"id": f"q{n}", "text": text, "meta": {"model": f"m{n % 3}"}}


def write_scored_parts(dirpath, parts, per_part):
    """Like write_parts with scored_caption; returns the paths, {id: line}
    and {path: [ids]}."""
    paths, lines, ids = [], {}, {}
    for k in range(parts):
        p = os.path.join(dirpath, f"scored{k:03d}.jsonl")
        ids[p] = []
        with open(p, "w") as f:
            for i in range(per_part):
                rec = scored_caption(k * per_part + i)
                line = json.dumps(rec)
                lines[rec["id"]] = line
                ids[p].append(rec["id"])
                f.write(line + "\n")
        paths.append(p)
    return paths, lines, ids


def scored_without_combined(con):
    """Samples that hold a score but no combined score (the review queue
    and `export --min quality=` would pass them over)."""
    return con.execute("SELECT count(*) FROM sample_quality s WHERE s.quality IS NULL AND EXISTS "
                       "(SELECT 1 FROM scores WHERE sample_id = s.sample_id)").fetchone()[0]


def scores_state(con, detail=True):
    """What scoring leaves, by external id: every score row (but its time,
    and its detail unless asked: a remote answer's holds its latency) and
    every combined score."""
    rows = set(con.execute(
        "SELECT s.ext_id, sc.scorer, sc.version, sc.value, sc.flagged, sc.reason, "
        "CASE WHEN ? THEN sc.detail END FROM scores sc JOIN samples s ON s.id = sc.sample_id",
        (int(detail),)))
    return rows, dict(con.execute("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id"))


def batch_counts_consistent(con):
    """Every batch's stored counts are the counts of its rows."""
    for bid, n_imp, n_dup, n_rej in con.execute(
            "SELECT id, n_imported, n_duplicate, n_rejected FROM batches"):
        eq(n_imp, con.execute("SELECT count(*) FROM samples WHERE batch_id = ?",
                              (bid,)).fetchone()[0], "batch n_imported")
        eq(n_dup, con.execute("SELECT count(*) FROM duplicates WHERE batch_id = ?",
                              (bid,)).fetchone()[0], "batch n_duplicate")
        eq(n_rej, con.execute("SELECT count(*) FROM rejects WHERE batch_id = ?",
                              (bid,)).fetchone()[0], "batch n_rejected")


def decisions_consistent(con):
    """Each verdict event has exactly its decision row (none lost, none
    twice), and each decision points at its own event."""
    dup = con.execute("SELECT sample_id, annotator_id, count(*) FROM events "
                      "WHERE kind IN ('accept','edit','reject') "
                      "GROUP BY sample_id, annotator_id HAVING count(*) > 1").fetchall()
    eq(dup, [], "a sample decided twice by one annotator")
    lost = con.execute("SELECT e.id FROM events e LEFT JOIN decisions d "
                       "ON d.sample_id = e.sample_id AND d.annotator_id = e.annotator_id "
                       "WHERE e.kind IN ('accept','edit','reject') AND d.event_id IS NULL"
                       ).fetchall()
    eq(lost, [], "committed events without their decision")
    orphan = con.execute("SELECT d.sample_id FROM decisions d LEFT JOIN events e "
                         "ON e.id = d.event_id WHERE e.id IS NULL OR e.sample_id != d.sample_id "
                         "OR e.annotator_id != d.annotator_id").fetchall()
    eq(orphan, [], "decisions without their event")
    bad = con.execute("SELECT e.id FROM events e JOIN decisions d ON d.event_id = e.id "
                      "WHERE d.verdict != CASE e.kind WHEN 'accept' THEN 'accepted' "
                      "WHEN 'edit' THEN 'edited' WHEN 'reject' THEN 'rejected' "
                      "ELSE d.verdict END").fetchall()
    eq(bad, [], "decision verdict differs from its event")


def unsafe_lock_message(err):
    """The raw SQLite wording must never reach a user."""
    check(b"database is locked" not in err, err)


def known_bug(why, fn, *args):
    """Runs a check that a known product bug makes fail; fails when it
    passes (the bug is fixed: remove the mark)."""
    try:
        fn(*args)
    except AssertionError:
        return
    raise AssertionError(f"passes now, remove the known-bug mark: {why}")
