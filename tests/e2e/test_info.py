"""`assay info`: batches, counts, decisions and scorers, as a table and JSON."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402


def test_info_table_and_json():
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"A heron number {i} in water."})
                for i in range(4)]
        recs.append(recs[0].replace('"s0"', '"dup"'))
        recs.append("broken")
        r = w.run("import", "--batch", "herons", w.file("h.jsonl", "\n".join(recs)))
        eq(r.code, 65, r)
        eq(w.run("decide", "--annotator", "ann", "s0", "accept").code, 0)
        eq(w.run("decide", "--annotator", "ann", "s1", "reject", "--reason", "other").code, 0)
        eq(w.run("decide", "--annotator", "bob", "s2", "edit", "--text", "A heron.").code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.out, "samples   4 (3 decided, 1 undecided) by 2 annotators")
        contains(r.out, "herons")
        row = [line for line in r.out.splitlines() if line.startswith("herons")][0].split()
        eq(row[1:8], ["4", "1", "1", "3", "1", "1", "1"])
        contains(r.out, "scorer")
        info = json.loads(w.run("info", "--json").out)
        b = info["batches"][0]
        eq((b["samples"], b["duplicates"], b["rejected_records"], b["decided"], b["accepted"],
            b["edited"], b["rejected"], b["complete"]), (4, 1, 1, 3, 1, 1, 1, True))
        eq(info["annotators"], 2)
        eq(info["undecided"], 1)
        names = {s["name"] for s in info["scorers"]}
        eq({"length", "repetition", "neardup"} <= names, True)
        eq(w.run("info", "extra").code, 2)


def test_info_on_an_empty_database():
    with Workdir() as w:
        eq(w.run("import", w.file("e.jsonl", "")).code, 0)
        r = w.run("info")
        eq(r.code, 0, r)
        contains(r.out, "samples   0")
