"""End-to-end tests of what an import that cannot start, or that takes
nothing, leaves behind: a missing file source is found before the
database is opened (none is created), and a new batch whose every record
was refused is not kept, so the corrected command starts afresh."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402


def test_missing_source_creates_no_database():
    with Workdir() as w:
        r = w.run("import", "nosuch.jsonl")
        eq(r.code, 66, r)
        contains(r.err, "assay: nosuch.jsonl: No such file or directory")
        check(not os.path.exists(w.db), "a database was made for an import that never began")
        r = w.run("info")
        eq(r.code, 66, r)
        contains(r.err, "no such database")
        # a directory is no source either; the database is still not made
        r = w.run("import", w.path)
        eq(r.code, 74, r)
        contains(r.err, "is a directory")
        check(not os.path.exists(w.db))


def test_a_missing_source_among_several_imports_nothing():
    with Workdir() as w:
        good = w.file("good.jsonl", json.dumps({"text": "a fine sample"}) + "\n")
        eq(w.run("import", "--no-score", "--batch", "old", good).code, 0)
        other = w.file("other.jsonl", json.dumps({"text": "another sample"}) + "\n")
        before = w.dump()
        r = w.run("import", "--no-score", other, "typo.jsonl", "typo2.jsonl")
        eq(r.code, 66, r)
        contains(r.err, "typo.jsonl: No such file or directory")
        contains(r.err, "typo2.jsonl: No such file or directory")
        eq(w.dump(), before)


def test_every_record_refused_keeps_no_batch():
    with Workdir() as w:
        keep = w.file("keep.jsonl", json.dumps({"text": "kept"}) + "\n")
        eq(w.run("import", "--no-score", keep).code, 0)
        labels = w.file("labels.jsonl", "".join(
            json.dumps({"id": f"l{i}", "label": f"a label text {i}"}) + "\n" for i in range(30)))
        r = w.run("import", "--no-score", labels)
        eq(r.code, 65, r)
        contains(r.err, "no text field in 30 records")
        contains(r.out, "30 read, 0 imported, 0 duplicate, 30 rejected; no batch kept, "
                        "every record was refused")
        eq(w.sql("SELECT count(*) FROM batches"), [(1,)])
        eq(w.sql("SELECT count(*) FROM rejects"), [(0,)])
        # was: refused, "batch ... was imported with --text (default)"
        r = w.run("import", "--no-score", "--text", "label", labels)
        eq(r.code, 0, r)
        contains(r.out, "30 read, 30 imported")
        check("(existing)" not in r.out, r.out)
        # a batch that took some records keeps them and its refusals
        mixed = w.file("mixed.jsonl", json.dumps({"text": "fine"}) + "\nnot json\n")
        r = w.run("import", "--no-score", mixed)
        eq(r.code, 65, r)
        contains(r.out, '1 imported, 0 duplicate, 1 rejected\n')
        eq(w.sql("SELECT count(*) FROM rejects"), [(1,)])


def test_refusals_into_an_existing_batch_are_kept():
    with Workdir() as w:
        a = w.file("a.jsonl", json.dumps({"id": "a", "text": "first"}) + "\n")
        eq(w.run("import", "--no-score", "--batch", "b", a).code, 0)
        bad = w.file("bad.jsonl", "not json\n")
        r = w.run("import", "--no-score", "--batch", "b", bad)
        eq(r.code, 65, r)
        contains(r.out, 'batch "b" (existing)')
        eq(w.sql("SELECT n_rejected FROM batches WHERE name = 'b'"), [(1,)])
