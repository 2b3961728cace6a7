"""End-to-end tests of `assay export --format csv`: the columns are every
top-level key of the records exported (first seen first), so records of
different shapes lose nothing; values are copied as the record has them."""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, contains, eq  # noqa: E402


def rows_of(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def load(w, name, records, *opts):
    src = w.file(name, "\n".join(records) + "\n")
    r = w.run("import", "--no-score", "--batch", name, *opts, src)
    eq(r.code, 0, r)


def accept(w, *ids):
    for i in ids:
        eq(w.run("decide", "--annotator", "ann", i, "accept").code, 0)


def test_sample_data_of_three_shapes_loses_no_field():
    """The three sample sets in one database: each row carries every field
    of its own record; a field its record lacks is an empty cell."""
    with Workdir() as w:
        files = [os.path.join(SAMPLE_DATA, f)
                 for f in ("captions.jsonl", "instructions.jsonl", "pairs.jsonl")]
        eq(w.run("import", "--quiet", "--no-score", *files).code, 0)
        r = w.run("export", "--status", "all", "--format", "csv", "--csv-raw")
        eq(r.code, 0, r)
        rows = rows_of(r.out)
        head = rows[0]
        eq(head[:4], ["id", "caption", "meta", "logprob"])
        for k in ("instruction", "response", "prompt", "chosen", "rejected"):
            check(k in head, f"{k} not in {head}")
        eq(len(head), len(set(head)))
        source = {}
        for f in files:
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        rec = json.loads(line)
                        source.setdefault(rec["id"], rec)
        eq(len(rows) - 1, int(r.err.split("exported ")[1].split()[0]))
        for row in rows[1:]:
            eq(len(row), len(head))
            rec = source[row[0]]
            for k, cell in zip(head, row):
                if k not in rec or rec[k] is None:
                    eq(cell, "", f"{row[0]} {k}")
                elif isinstance(rec[k], str):
                    eq(cell, rec[k], f"{row[0]} {k}")
                else:
                    eq(json.loads(cell), rec[k], f"{row[0]} {k}")
        ins = next(x for x in rows if x[0] == "ins-000001")
        check(ins[head.index("instruction")] and ins[head.index("response")], ins)
        # numbers as written in the file, not re-printed
        contains(ins[head.index("meta")], '"temperature": 1.0')


MIXED = [
    '{"id": "a", "caption": "A cat.", "meta": {"t": 1.0, "l": [1.50, 2]}, "score": 1.0}',
    '{"id": "r", "caption": "Rejected.", "secret": "only in a rejected record"}',
    '{"id": "b", "instruction": "Say hi.", "response": "Hi.", "n": 1e3, "neg": -0.50}',
    '{"id": "c", "caption": "A dog.", "ok": true, "none": null, "response": "x"}',
]


def test_header_is_the_union_of_the_exported_records_keys():
    with Workdir() as w:
        load(w, "m.jsonl", MIXED)
        accept(w, "a", "b", "c")
        eq(w.run("decide", "--annotator", "ann", "r", "reject", "--reason", "x").code, 0)
        r = w.run("export", "--format", "csv")
        eq(r.code, 0, r)
        rows = rows_of(r.out)
        # first seen first; the rejected record's key is not exported
        eq(rows[0], ["id", "caption", "meta", "score", "instruction", "response", "n", "neg",
                     "ok", "none"])
        eq(rows[1], ["a", "A cat.", '{"t": 1.0, "l": [1.50, 2]}', "1.0", "", "", "", "", "", ""])
        eq(rows[2], ["b", "", "", "", "Say hi.", "Hi.", "1e3", "-0.50", "", ""])
        eq(rows[3], ["c", "A dog.", "", "", "", "x", "", "", "true", ""])
        r = w.run("export", "--format", "csv", "--status", "all", "--provenance")
        eq(r.code, 0, r)
        rows = rows_of(r.out)
        eq((rows[0][4], rows[0][-1], len(rows[0])), ("secret", "_assay", 12))
        eq(json.loads(rows[1][-1])["verdict"], "accepted")
        # every file of a split has the whole header
        r = w.run("export", "--format", "csv", "-o", "set.csv", "--split", "x=0.5,y=0.5",
                  "--seed", "3")
        eq(r.code, 0, r)
        heads = set()
        for name in ("set.x.csv", "set.y.csv"):
            with open(os.path.join(w.path, name), newline="") as f:
                got = rows_of(f.read())
            heads.add(tuple(got[0]))
            check(all(len(x) == 10 for x in got), got)
        eq(len(heads), 1)


def test_fields_copy_raw_values_in_csv_as_in_jsonl():
    with Workdir() as w:
        load(w, "m.jsonl", MIXED)
        accept(w, "a", "b")
        r = w.run("export", "--format", "csv", "--fields", "id,meta.t,meta.l,score,n,neg")
        eq(r.code, 0, r)
        rows = rows_of(r.out)
        eq(rows[0], ["id", "meta.t", "meta.l", "score", "n", "neg"])
        eq(rows[1], ["a", "1.0", "[1.50, 2]", "1.0", "", ""])
        eq(rows[2], ["b", "", "", "", "1e3", "-0.50"])
        r = w.run("export", "--fields", "id,meta.t,score")
        eq(r.out.splitlines()[0], '{"id":"a","meta.t":1.0,"score":1.0}')


def test_more_keys_than_a_table_holds_is_refused_and_nothing_written():
    with Workdir() as w:
        load(w, "wide.jsonl", [json.dumps({"id": f"s{i}", "caption": f"x {i}", f"k{i}": i})
                               for i in range(1100)])
        out = os.path.join(w.path, "wide.csv")
        with open(out, "w") as f:
            f.write("before\n")
        r = w.run("export", "--format", "csv", "--status", "all", "-o", out)
        eq(r.code, 65, r)
        contains(r.err, "more than 1024 different fields")
        contains(r.err, "--fields")
        with open(out) as f:
            eq(f.read(), "before\n")
        eq(sorted(x for x in os.listdir(w.path) if not x.startswith("assay.db")),
           ["wide.csv", "wide.jsonl"])
        r = w.run("export", "--format", "csv", "--status", "all", "--fields", "id,k5")
        eq(r.code, 0, r)
        eq(rows_of(r.out)[6], ["s5", "5"])
