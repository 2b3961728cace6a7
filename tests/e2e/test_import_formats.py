"""End-to-end tests of the wrong --format said in one sentence: a JSON
array or a CSV file read as JSON Lines, a JSON Lines file read as CSV;
while a JSON Lines file with one bad first line keeps its per-line error.
And --context naming a field no record has is said once."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402

RECS = [{"id": f"r{i}", "instruction": f"Describe item {i}.", "output": f"Item {i} is red."}
        for i in range(40)]


def one_sentence(w, r, hint):
    """The import was refused with the hint as its only message, and left
    no batch."""
    eq(r.code, 65, r)
    eq(len(r.err.splitlines()), 1, r.err)
    contains(r.err, hint)
    eq(w.sql("SELECT count(*) FROM batches"), [(0,)])
    eq(w.sql("SELECT count(*) FROM samples"), [(0,)])


def test_json_array_read_as_json_lines():
    with Workdir() as w:
        # was: ~40 "not valid JSON" lines, then "... and N more refused like line 3"
        src = w.file("arr.jsonl", json.dumps(RECS, indent=2))
        r = w.run("import", "--no-score", src)
        one_sentence(w, r, f"{src}:1: this looks like a JSON array (it starts with '['), not "
                           "JSON Lines (one object per line): import it with --format json")
        # was: "expected a JSON object, got an array"
        src = w.file("one.jsonl", json.dumps(RECS) + "\n")
        one_sentence(w, w.run("import", "--no-score", src), "import it with --format json")
        r = w.run("import", "--no-score", "--format", "json", src)
        eq(r.code, 0, r)
        contains(r.out, "40 read, 40 imported")


def test_csv_read_as_json_lines_and_json_lines_as_csv():
    with Workdir() as w:
        src = w.file("s.csv", "id,caption,model\n" + "".join(
            f'{i},"A caption {i}, with a comma",m1\n' for i in range(60)))
        # was: "s.csv: all 60 records were refused like line 1"
        one_sentence(w, w.run("import", "--no-score", "--format", "jsonl", src),
                     f"{src}:1: this looks like a CSV header row (names separated by commas), "
                     "not JSON Lines (one object per line): import it with --format csv")
        jl = w.file("d.jsonl", "".join(json.dumps(x) + "\n" for x in RECS))
        # was: ":2: expected 3 fields (as in the header), got 4" and more
        r = w.run("import", "--no-score", "--format", "csv", jl)
        eq(r.code, 65, r)
        eq(r.err.strip(), f"assay: {jl}:1: this looks like JSON Lines, not CSV: import it "
                          "with --format jsonl")
        eq(w.sql("SELECT count(*) FROM batches"), [(0,)])


def test_json_lines_with_a_bad_first_line_keeps_its_per_line_errors():
    good = "".join(json.dumps(x) + "\n" for x in RECS[:3])
    for first, why in (('[{"output": "an array of one"}]', "expected a JSON object, got an array"),
                       ("[1, 2, 3]", "expected a JSON object, got an array"),
                       ("hello, world", "not valid JSON"),
                       ("[", "not valid JSON")):
        with Workdir() as w:
            src = w.file("x.jsonl", first + "\n" + good)
            r = w.run("import", "--no-score", src)
            eq(r.code, 65, r)
            contains(r.err, f"{src}:1: {why}")
            check("--format" not in r.err, r.err)
            contains(r.out, "4 read, 3 imported, 0 duplicate, 1 rejected")


def test_context_naming_a_field_no_record_has_is_said_once():
    with Workdir() as w:
        src = w.file("i.jsonl", "".join(json.dumps(x) + "\n" for x in RECS))
        r = w.run("import", "--no-score", "--context", "nosuch", src)
        eq(r.code, 0, r)  # a warning: a record may lack its context
        eq(r.err.splitlines(), [f"{src}: --context nosuch: no record has that field (40 read); "
                                "their samples have no context"])
        eq(w.sql("SELECT count(*) FROM samples WHERE context IS NULL"), [(40,)])
        r = w.run("import", "--no-score", "--batch", "two", "--context", "nosuch, nope", src)
        contains(r.err, "--context nosuch, nope: no record has any of these fields (40 read)")
    # a field every record has, --context "" (none asked for), and a field
    # one record has: nothing to say
    recs = [dict(x, note="n") if i == 7 else x for i, x in enumerate(RECS)]
    for ctx, with_context in (("instruction", 40), ("", 0), ("note", 1)):
        with Workdir() as w:
            src = w.file("i.jsonl", "".join(json.dumps(x) + "\n" for x in recs))
            r = w.run("import", "--no-score", "--context", ctx, src)
            eq((r.code, r.err), (0, ""), r)
            eq(w.sql("SELECT count(*) FROM samples WHERE context IS NOT NULL"),
               [(with_context,)])
