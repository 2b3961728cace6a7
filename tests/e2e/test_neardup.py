"""End-to-end tests of the near-duplicate index on disk: on the sample data,
imported one file at a time (each import indexes only its new samples), the
same samples are flagged as near-duplicates as by the program that rebuilt
the whole index in memory on every run, and every value is within 0.05 of
its value then (a cheaper MinHash may move an estimate). The expected
scores in data/neardup_sample_data.json were made by that earlier program
(`ASSAY_BIN=OLD python3 tests/e2e/test_neardup.py --write`). A database
without the index gets it built by its next run, its scores unchanged."""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, SAMPLE_DATA, Workdir, check, eq, score_functions  # noqa: E402

EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                        "neardup_sample_data.json")
FILES = ("captions.jsonl", "instructions.jsonl", "chat.jsonl", "tasks.jsonl")
TOLERANCE = 0.05


def neardup(w):
    """ext_id: [value, flagged, reason] of every neardup score."""
    return {r[0]: [r[1], r[2], r[3]] for r in w.sql(
        "SELECT s.ext_id, sc.value, sc.flagged, sc.reason FROM scores sc"
        " JOIN samples s ON s.id = sc.sample_id WHERE sc.scorer = 'neardup'")}


def written(out):
    """The count of neardup scores a run reports writing."""
    rows = [line.split() for line in out.splitlines() if line.startswith("neardup ")]
    eq(len(rows), 1, out)
    return int(rows[0][1])


def imported(w):
    for name in FILES:
        r = w.run("import", os.path.join(SAMPLE_DATA, name))
        eq(r.code, 0, r)
    return neardup(w)


def close_to(got, want):
    eq(sorted(got), sorted(want), "the samples scored")
    flagged = sorted(k for k, v in got.items() if v[1])
    eq(flagged, sorted(k for k, v in want.items() if v[1]), "the samples flagged")
    check(len(flagged) >= 10, flagged)
    for k, v in want.items():
        check(abs(got[k][0] - v[0]) <= TOLERANCE, (k, got[k], v))
        # a cluster's first sample is still its first
        eq("first of a cluster" in got[k][2], "first of a cluster" in v[2], (k, got[k], v))


def test_sample_data_flags_as_before():
    with open(EXPECTED, encoding="utf-8") as f:
        want = json.load(f)
    with Workdir() as w:
        got = imported(w)
        close_to(got, want)
        # nothing to do: no score written again
        r = w.run("score")
        eq(r.code, 0, r)
        eq(written(r.out), 0)
        eq(neardup(w), got)
        # every sample indexed once; its 20 band keys in blocks appended in
        # id order, in well under the 80 bytes a sample's keys took as a
        # blob of their own
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        eq(w.sql("SELECT count(*), count(DISTINCT sample_id) FROM neardup"), [(n, n)])
        blocks = w.sql("SELECT last, length(entries) FROM neardup_bands ORDER BY id")
        eq([b[0] for b in blocks], sorted(b[0] for b in blocks))
        eq(blocks[-1][0], n)
        check(sum(b[1] for b in blocks) < 80 * n, blocks)
        eq(w.sql("SELECT upto FROM neardup_index"),
           w.sql("SELECT max(id) FROM samples"))


def test_database_without_the_index_gets_it_built():
    with Workdir() as w:
        got = imported(w)
        con = sqlite3.connect(w.db)
        try:  # as a build before the index left the file
            con.executescript("DROP TABLE neardup_bands; DROP TABLE neardup;"
                              " DROP TABLE neardup_index;")
        finally:
            con.close()
        r = w.run("score")
        eq(r.code, 0, r)
        eq(written(r.out), 0)
        eq(neardup(w), got)
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        eq(w.sql("SELECT count(*) FROM neardup")[0][0], n)
        # --rescore writes every score again, from the index, as they were
        r = w.run("score", "--rescore", "--scorer", "neardup")
        eq(r.code, 0, r)
        eq(written(r.out), n)
        eq(neardup(w), got)


def test_database_with_the_per_sample_keys_gets_the_band_blocks():
    """A database an earlier build left with each sample's keys in one blob
    (neardup_keys) has them replaced by the band blocks when opened; its
    next run builds the index again, its scores unchanged."""
    with Workdir() as w:
        got = imported(w)
        con = sqlite3.connect(w.db)
        try:  # as the earlier build left the file
            con.executescript("DROP TABLE neardup_bands;"
                              " CREATE TABLE neardup_keys (sample_id INTEGER PRIMARY KEY,"
                              "  keys BLOB NOT NULL);"
                              " INSERT INTO neardup_keys SELECT sample_id, zeroblob(80)"
                              "  FROM neardup;")
        finally:
            con.close()
        r = w.run("score")
        eq(r.code, 0, r)
        eq(written(r.out), 0)
        eq(neardup(w), got)
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        eq(w.sql("SELECT count(*) FROM sqlite_master WHERE name = 'neardup_keys'"), [(0,)])
        eq(w.sql("SELECT count(*) FROM neardup")[0][0], n)
        eq(w.sql("SELECT max(last) FROM neardup_bands"), [(n,)])


def test_same_scores_as_the_in_memory_index():
    """The expected file holds what the in-memory index wrote: the same
    values (to float rounding: it kept similarities as floats), flags and
    reasons, whether the files come one import at a time (each run matches
    its samples against the stored index) or in one import (one bulk build)."""
    with open(EXPECTED, encoding="utf-8") as f:
        want = json.load(f)
    with Workdir() as w:
        one_at_a_time = imported(w)
    with Workdir() as w:
        r = w.run("import", *[os.path.join(SAMPLE_DATA, name) for name in FILES])
        eq(r.code, 0, r)
        at_once = neardup(w)
    for got in (one_at_a_time, at_once):
        eq(sorted(got), sorted(want))
        for k, v in want.items():
            check(abs(got[k][0] - v[0]) < 1e-6, (k, got[k], v))
            eq(got[k][1:], v[1:], k)


def test_a_text_two_of_whose_bands_share_a_key():
    """The 32 words "u4302w0" .. "u4302w31" make two band keys alike (a
    32-bit collision): the sample is no near-duplicate of itself (it was
    flagged as 100% similar to its own number), and a copy of it is one."""
    text = " ".join("u4302w%d" % i for i in range(32))
    with Workdir() as w:
        path = w.file("collide.jsonl", "".join(
            json.dumps({"id": i, "caption": t}) + "\n" for i, t in enumerate(
                (text, "a different caption altogether", text + " again"))))
        r = w.run("import", path)
        eq(r.code, 0, r)
        got = neardup(w)
        eq(len(got), 3, got)
        first = got["0"]
        check(not first[1] and "similar to sample" not in first[2], first)
        eq(first[0], 1.0, first)
        check(got["2"][1] and "similar to sample #1 " in got["2"][2], got["2"])


def caption(n):
    """Distinct captions; every 7th repeats an earlier one with a word changed."""
    src = n - 40 if n % 7 == 6 and n >= 40 else n
    words = [f"w{src * p % 9973}" for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31)]
    if src != n:
        words[4] = f"changed{n}"
    return {"id": f"c{n}", "text": f"caption {src} shows " + " ".join(words) + " at dusk"}


def index_state(db):
    """The neardup scores and the index's rows, for 'same as an uninterrupted run'."""
    con = score_functions(sqlite3.connect(db))
    try:
        scores = con.execute("SELECT sample_id, value, flagged, reason FROM scores"
                             " WHERE scorer = 'neardup' ORDER BY sample_id").fetchall()
        rows = con.execute("SELECT * FROM neardup ORDER BY sample_id").fetchall()
        keys = con.execute("SELECT * FROM neardup_bands ORDER BY id").fetchall()
        return scores, rows, keys, con.execute("SELECT * FROM neardup_index").fetchall()
    finally:
        con.close()


def indexed_up_to(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return (con.execute("SELECT upto FROM neardup_index").fetchall() or [(0,)])[0][0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def consistent(db):
    """After a kill: the file is whole, every sample up to the id the index
    says it is complete up to has its row, and the band blocks hold no
    sample past it."""
    con = sqlite3.connect(db)
    try:
        eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        upto = (con.execute("SELECT upto FROM neardup_index").fetchall() or [(0,)])[0][0]
        n = con.execute("SELECT count(*) FROM samples WHERE id <= ?", (upto,)).fetchone()[0]
        eq(con.execute("SELECT count(*) FROM neardup WHERE sample_id <= ?",
                       (upto,)).fetchone()[0], n)
        eq(con.execute("SELECT count(*) FROM neardup_bands WHERE last > ?",
                       (upto,)).fetchone()[0], 0)
        if upto:
            eq(con.execute("SELECT max(last) FROM neardup_bands").fetchone()[0], upto)
        return upto
    finally:
        con.close()


N_KILLED = 70000  # three chunks


def test_kill_during_indexing_leaves_a_consistent_database():
    rng = random.Random(int(os.environ.get("ASSAY_SEED", "16")))
    with Workdir() as w:
        src = w.file("c.jsonl", "".join(json.dumps(caption(n)) + "\n" for n in range(N_KILLED)))
        eq(w.run("import", "--no-score", "--quiet", src, timeout=300).code, 0)
        pristine = os.path.join(w.path, "pristine.db")
        shutil.copyfile(w.db, pristine)
        args = [BIN, "--db", w.db, "score", "--quiet", "--scorer", "neardup"]
        t0 = time.monotonic()
        eq(subprocess.run(args, capture_output=True).returncode, 0)
        span = time.monotonic() - t0
        want = index_state(w.db)
        check(sum(1 for s in want[0] if s[2]) >= N_KILLED // 10, "near-duplicates flagged")
        partial = 0
        for kill in range(8):
            if kill % 4 == 0:
                for sfx in ("-wal", "-shm"):
                    if os.path.exists(w.db + sfx):
                        os.remove(w.db + sfx)
                shutil.copyfile(pristine, w.db)
            p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if kill % 2:  # at a random moment
                time.sleep(rng.uniform(0, span))
            else:  # once a chunk is committed and more are to come
                while p.poll() is None and not 0 < indexed_up_to(w.db) < N_KILLED:
                    time.sleep(0.005)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
            p.wait()
            upto = consistent(w.db)
            partial += 0 < upto < N_KILLED  # chunks of 32,768 are committed
            if kill % 4 == 3:  # the next run completes it as an uninterrupted one
                r = subprocess.run(args, capture_output=True)
                eq(r.returncode, 0, r.stderr)
                eq(index_state(w.db), want)
        check(partial >= 1, "some kill came in the middle of indexing")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    with Workdir() as wd:
        result = imported(wd)
    with open(EXPECTED, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(json.dumps(k) + ": " + json.dumps(result[k])
                                    for k in sorted(result)) + "\n}\n")
