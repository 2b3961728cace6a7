"""The text stored once: a sample whose text's bytes appear in its record
reads it from there; every reader (export with corrections, csv, --where
text predicates, the scorers, stats) sees the same bytes as when each text
was stored on its own, and a database an earlier build wrote (every text
twice) is moved once when opened."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import (OWN_TEXTS, SAMPLE_DATA, Workdir, check, contains, eq,  # noqa: E402
                     texts_twice_layout)

FILES = ["captions.jsonl", "instructions.jsonl", "chat.jsonl", "tasks.jsonl",
         "media-captions.jsonl", "pairs.jsonl"]


def fill(w):
    for f in FILES:
        r = w.run("import", os.path.join(SAMPLE_DATA, f))
        eq(r.code, 0, r)
    ids = [r[0] for r in w.sql("SELECT ext_id FROM samples WHERE text_field <> ''"
                               " AND ext_id LIKE 'cap-%' ORDER BY id LIMIT 40")]
    lines = []
    for i, ext in enumerate(ids):
        d = {"id": ext, "annotator": "ann", "verdict": ("accept", "reject", "edit")[i % 3]}
        if d["verdict"] == "edit":
            d["text"] = "corrected \u00e9 \"%d\"\n" % i
        if d["verdict"] == "reject":
            d["reason"] = "blurry"
        lines.append(json.dumps(d))
    r = w.run("decide", "--from", w.file("decisions.jsonl", "\n".join(lines) + "\n"))
    eq(r.code, 0, r)


def readings(w):
    """What the readers of the texts say, each as its bytes."""
    out = {}
    for name, args in [("jsonl", ["export", "--status", "all"]),
                       ("csv", ["export", "--status", "all", "--format", "csv"]),
                       ("edited", ["export"]),
                       ("regex", ["export", "--status", "all", "--where", "text ~ /[Hh]eron|dog/"]),
                       ("literal", ["info", "--json", "--where", 'text ~ "the"']),
                       ("stats", ["stats", "--format", "json"])]:
        r = w.run(*args)
        eq(r.code, 0, (name, r))
        out[name] = r.out
    eq(w.run("score", "--rescore").code, 0)
    out["scores"] = w.sql("SELECT sample_id, scorer, value, flagged, reason FROM scores"
                          " ORDER BY sample_id, scorer")
    out["texts"] = w.sql("SELECT id, text, length(text), hex(text) FROM samples ORDER BY id")
    # each text is its record's field as a JSON parser reads it
    for text, field, record in w.sql("SELECT text, text_field, record FROM samples"):
        v = json.loads(record)
        for key in field.split("."):
            v = v[int(key)] if isinstance(v, list) else v[key]
        eq(text, v)
    return out


def test_readers_see_the_same_texts_wherever_they_are_stored():
    with Workdir() as w:
        fill(w)
        n, once = w.sql("SELECT count(*), count(text_len) FROM samples")[0]
        # most texts are read from their records (the rest have escapes)
        check(once > 0.8 * n, (once, n))
        eq(w.sql("SELECT count(*) FROM samples WHERE text_len IS NOT NULL"
                 " AND stored_text <> ''"), [(0,)])
        stored_once = readings(w)
        con = sqlite3.connect(w.db)  # every text on its own, as before
        con.execute(OWN_TEXTS)
        con.commit()
        con.close()
        eq(w.sql("SELECT count(text_len) FROM samples"), [(0,)])
        stored_twice = readings(w)
        for k in stored_once:
            check(stored_once[k] == stored_twice[k], k)


def test_an_earlier_database_stores_its_texts_once_when_opened():
    with Workdir() as w:
        fill(w)
        once = w.sql("SELECT count(text_len) FROM samples")[0][0]
        before = readings(w)
        con = sqlite3.connect(w.db)  # the layout of earlier builds
        texts_twice_layout(con)
        con.close()
        eq(w.sql("SELECT count(*) FROM pragma_table_info('samples') WHERE name = 'text_at'"),
           [(0,)])
        r = w.run("info")
        eq(r.code, 0, r)
        check("texts stored once" not in r.err, r.err)  # small: no progress lines
        eq(w.sql("SELECT count(text_len) FROM samples"), [(once,)])
        after = readings(w)
        for k in before:
            check(before[k] == after[k], k)
        contains(w.sql("SELECT sql FROM sqlite_master WHERE name = 'samples'")[0][0],
                 "GENERATED ALWAYS")


def test_a_copy_into_sqlite_stores_its_texts_once():
    with Workdir() as w:
        for f in FILES[:3]:
            eq(w.run("import", "--no-score", os.path.join(SAMPLE_DATA, f)).code, 0)
        dst = os.path.join(w.path, "copy.db")
        r = w.run("copy", w.db, dst, db=False)
        eq(r.code, 0, r)
        layout = "SELECT id, text, stored_text, text_at, text_len FROM samples ORDER BY id"
        con = sqlite3.connect(dst)
        copied = con.execute(layout).fetchall()
        con.close()
        eq(copied, w.sql(layout))
        check(sum(1 for r in copied if r[4] is not None) > 0.8 * len(copied), len(copied))
