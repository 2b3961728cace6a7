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
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, eq  # noqa: E402

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
        # every sample indexed once, with its 20 band keys
        n = w.sql("SELECT count(*) FROM samples")[0][0]
        eq(w.sql("SELECT count(*), count(DISTINCT sample_id) FROM neardup"), [(n, n)])
        eq(w.sql("SELECT count(*) FROM neardup_keys")[0][0], 20 * n)


def test_database_without_the_index_gets_it_built():
    with Workdir() as w:
        got = imported(w)
        con = sqlite3.connect(w.db)
        try:  # as a build before the index left the file
            con.executescript("DROP TABLE neardup_keys; DROP TABLE neardup;"
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


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    with Workdir() as wd:
        result = imported(wd)
    with open(EXPECTED, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(json.dumps(k) + ": " + json.dumps(result[k])
                                    for k in sorted(result)) + "\n}\n")
