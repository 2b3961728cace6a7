"""End-to-end tests of `assay import` and the CLI skeleton (real binary, real
database files)."""
import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Workdir, check, contains, eq, wait_for_handler  # noqa: E402


def good(i, text=None, **extra):
    rec = {"id": f"s{i}", "caption": text or f"A red kite number {i} flies over a beach.",
           "meta": {"model": "m1"}}
    rec.update(extra)
    return json.dumps(rec)


def samples(w):
    return w.sql("SELECT ext_id, text FROM samples ORDER BY id")


# ---- the CLI skeleton ------------------------------------------------------

def test_help_and_version():
    with Workdir() as w:
        r = w.run("--help", db=False)
        eq(r.code, 0)
        contains(r.out, "usage: assay [--db PATH] COMMAND")
        contains(r.out, "import")
        contains(r.out, "Exit codes:")
        contains(r.out, "65")
        r = w.run("--version", db=False)
        eq(r.code, 0)
        check(r.out.startswith("assay "), r)
        r = w.run("import", "--help")
        eq(r.code, 0)
        contains(r.out, "usage: assay import")
        r = w.run("info", "--help")
        eq(r.code, 0)


def test_unknown_command_and_option_exit_2():
    with Workdir() as w:
        r = w.run("frobnicate")
        eq(r.code, 2)
        contains(r.err, "unknown command 'frobnicate'; 'assay --help' lists the commands")
        eq(r.err.count("\n"), 1, r.err)  # one line, not the whole usage
        for typo, meant in (("stat", "stats"), ("improt", "import"), ("exprot", "export"),
                            ("rev", "review")):
            r = w.run(typo)
            eq(r.code, 2)
            contains(r.err, f"unknown command '{typo}' (did you mean '{meant}'?)")
        r = w.run("--db", db=False)
        eq(r.code, 2)
        contains(r.err, "--db needs a path")
        r = w.run("import", "--db", "x.db", "x.jsonl")
        eq(r.code, 2)
        contains(r.err, "--db goes before the command: assay --db PATH import")
        r = w.run("--bogus", db=False)
        eq(r.code, 2)
        contains(r.err, "unknown option '--bogus'")
        r = w.run("import", "--bogus", "x.jsonl")
        eq(r.code, 2)
        contains(r.err, "unknown option '--bogus'")
        contains(r.err, "Try 'assay import --help'")
        r = w.run("import")
        eq(r.code, 2)
        contains(r.err, "no source given")
        r = w.run("import", "--format", "xml", "x")
        eq(r.code, 2)
        contains(r.err, "--format: expected jsonl, json or csv")
        r = w.run("import", "--max-line", "lots", "x")
        eq(r.code, 2)
        r = w.run(db=False)
        eq(r.code, 2)
        contains(r.err, "no command given")


def test_database_path_precedence():
    with Workdir() as w:
        src = w.file("a.jsonl", good(1) + "\n")
        # ./assay.db by default (the harness runs in the workdir)
        r = w.run("import", src, db=False)
        eq(r.code, 0, r)
        check(os.path.exists(os.path.join(w.path, "assay.db")))
        envdb = os.path.join(w.path, "env.db")
        r = w.run("import", src, db=False, env={"ASSAY_DB": envdb})
        eq(r.code, 0, r)
        check(os.path.exists(envdb))
        flagdb = os.path.join(w.path, "flag.db")
        r = w.run("--db", flagdb, "import", src, db=False, env={"ASSAY_DB": envdb})
        eq(r.code, 0, r)
        check(os.path.exists(flagdb))


def test_refuses_files_that_are_not_assay_databases():
    with Workdir() as w:
        with open(w.db, "w") as f:
            f.write("my notes\n")
        src = w.file("a.jsonl", good(1) + "\n")
        r = w.run("import", src)
        eq(r.code, 65, r)
        contains(r.err, "not an assay database")
        eq(open(w.db).read(), "my notes\n")
        r = w.run("info")
        eq(r.code, 65)


def test_info_on_missing_database():
    with Workdir() as w:
        r = w.run("info")
        eq(r.code, 66, r)
        contains(r.err, "no such database")
        check(not os.path.exists(w.db))


# ---- import: the happy path ------------------------------------------------

def test_import_jsonl_counts_and_summary():
    with Workdir() as w:
        lines = [good(i) for i in range(1, 6)]
        src = w.file("caps.jsonl", "\n".join(lines) + "\n")
        r = w.run("import", "--batch", "b1", src)
        eq(r.code, 0, r)
        contains(r.out, 'batch "b1": 5 read, 5 imported, 0 duplicate, 0 rejected')
        eq(len(samples(w)), 5)
        rec = w.sql("SELECT record, text_field, line FROM samples WHERE ext_id='s3'")[0]
        eq(rec[0], lines[2])  # the original record exactly as received
        eq(rec[1], "caption")
        eq(rec[2], 3)
        r = w.run("info", "--json")
        eq(r.code, 0, r)
        info = json.loads(r.out)
        eq(info["samples"], 5)
        eq(info["batches"][0]["name"], "b1")
        eq(info["batches"][0]["complete"], True)


def test_default_text_field_order_and_paths():
    with Workdir() as w:
        recs = [
            {"id": 1, "response": "from response", "output": "from output"},
            {"id": 2, "completion": "from completion"},
            {"id": 3, "text": "from text", "caption": "from caption"},
        ]
        src = w.file("t.jsonl", "\n".join(json.dumps(r) for r in recs))
        eq(w.run("import", src).code, 0)
        eq(samples(w), [("1", "from output"), ("2", "from completion"), ("3", "from text")])
    with Workdir() as w:
        src = w.file("n.jsonl", json.dumps({"uid": "x9", "meta": {"caption": "nested text"}}))
        r = w.run("import", "--text", "meta.caption", "--id", "uid", src)
        eq(r.code, 0, r)
        eq(samples(w), [("x9", "nested text")])


def test_line_number_ids_and_tolerated_layout():
    with Workdir() as w:
        body = ("\ufeff" + json.dumps({"text": "first"}) + "\r\n" + "\n" + "   \n" +
                json.dumps({"text": "second"}) + "\r\n" + json.dumps({"text": "third"}))
        src = w.file("l.jsonl", body)
        r = w.run("import", src)
        eq(r.code, 0, r)
        eq(r.err, "")
        eq(samples(w), [("1", "first"), ("4", "second"), ("5", "third")])


def test_meta_fields_recorded_on_batch():
    with Workdir() as w:
        src = w.file("m.jsonl", good(1) + "\n")
        eq(w.run("import", "--meta", "meta.model, id", src).code, 0)
        eq(w.sql("SELECT meta_fields FROM batches"), [('["meta.model","id"]',)])


def test_exact_duplicates_dropped_and_kept_as_ids():
    with Workdir() as w:
        lines = [good(1, "A dog runs on the beach."), good(2, "a  DOG runs on the\tbeach."),
                 good(3, "A cat sleeps."), good(4, "A dog runs on the beach.")]
        src = w.file("d.jsonl", "\n".join(lines))
        r = w.run("import", "--batch", "b", src)
        eq(r.code, 0, r)
        contains(r.out, "4 read, 2 imported, 2 duplicate, 0 rejected")
        eq(w.sql("SELECT d.ext_id, s.ext_id FROM duplicates d JOIN samples s "
                 "ON s.id = d.sample_id ORDER BY d.line"), [("s2", "s1"), ("s4", "s1")])


def test_unicode_aware_normalization_for_duplicates():
    with Workdir() as w:
        lines = [good(1, "Straße im Café"), good(2, "STRASSE  im CAFÉ"),
                 good(3, "ﬁne print"), good(4, "fine print"), good(5, "x\u00a0y"), good(6, "X y")]
        src = w.file("u.jsonl", "\n".join(lines))
        r = w.run("import", "--batch", "b", src)
        eq(r.code, 0, r)
        contains(r.out, "6 read, 3 imported, 3 duplicate")


def test_reimport_same_batch_changes_nothing():
    with Workdir() as w:
        src = w.file("r.jsonl", "\n".join(good(i) for i in range(1, 50)) + "\nnot json\n")
        r = w.run("import", "--batch", "b", src)
        eq(r.code, 65, r)
        before = w.dump()
        r = w.run("import", "--batch", "b", src)
        eq(r.code, 65, r)
        contains(r.out, "0 imported")
        contains(r.out, "49 already present")
        after = w.dump()
        # finished_at is refreshed by the run; everything else is identical
        for t in before:
            if t != "batches":
                eq(after[t], before[t], t)
        eq([b[:8] + b[9:] for b in after["batches"]],
           [b[:8] + b[9:] for b in before["batches"]])
        # without --batch the source's own batch is found again
        r = w.run("import", src)
        contains(r.out, '(existing)')
        eq(len(w.sql("SELECT * FROM batches")), 1)


def test_stdin_and_several_sources():
    with Workdir() as w:
        r = w.run("import", "-", stdin=json.dumps({"text": "from stdin"}) + "\n")
        eq(r.code, 0, r)
        contains(r.out, 'stdin: batch "stdin@')
        a = w.file("a.jsonl", json.dumps({"text": "alpha"}))
        b = w.file("b.jsonl", json.dumps({"text": "beta"}))
        r = w.run("import", "--batch", "two", a, b)
        eq(r.code, 0, r)
        eq(sorted(w.sql("SELECT ext_id FROM samples s JOIN batches b ON b.id = s.batch_id "
                        "WHERE b.name = 'two'")),
           [(a + ":1",), (b + ":1",)])


def test_json_array_and_csv():
    with Workdir() as w:
        arr = [{"id": "a", "text": "one"}, {"id": "b", "text": "two\nlines"}, {"text": "three"}]
        src = w.file("arr.json", json.dumps(arr, indent=2))
        r = w.run("import", src)
        eq(r.code, 0, r)
        eq(samples(w), [("a", "one"), ("b", "two\nlines"), ("3", "three")])
        eq(json.loads(w.sql("SELECT record FROM samples WHERE ext_id='b'")[0][0]), arr[1])
    with Workdir() as w:
        csv = ('id,caption,model\r\n1,"A cat, sitting",m1\r\n'
               '2,"He said ""hi""\nthen left",m2\r\n3,Ünïcödé ok,m3\r\n')
        src = w.file("c.csv", csv)
        r = w.run("import", src)
        eq(r.code, 0, r)
        eq(samples(w), [("1", "A cat, sitting"), ("2", 'He said "hi"\nthen left'),
                        ("3", "Ünïcödé ok")])
        eq(json.loads(w.sql("SELECT record FROM samples WHERE ext_id='1'")[0][0]),
           {"id": "1", "caption": "A cat, sitting", "model": "m1"})


# ---- import: bad input -----------------------------------------------------

BAD_LINES = [
    ("not json", "not valid JSON: an unexpected character at byte 1"),
    ('{"text": "x", "n": 01}', "not valid JSON: a number with a leading zero at byte 21"),
    ('{"text": "tab\tinside"}', "not valid JSON: a raw control character inside a string at byte 14"),
    ("[1, 2]", "expected a JSON object, got an array"),
    ('"just a string"', "expected a JSON object, got a string"),
    ('{"id": "x"}', "no text field: none of text, caption, output, response, completion "
                    "(name it with --text FIELD)"),
    ('{"text": 42}', 'field "text": expected a string, got a number'),
    ('{"text": "   "}', 'field "text" is empty'),
    ('{"text": "a", "text": "b"}', 'duplicate key "text"'),
    ('{"text": "ok", "id": [1]}', 'field "id": expected a string or an integer, got an array'),
    ('{"text": "nul \\u0000 here"}', "contains \\u0000 (a NUL character), which assay refuses "
                                     "to store"),
    ('{"text": "ok"} trailing', "unexpected data after the JSON value at byte 16"),
    ('{"a":' * 200 + '1' + '}' * 200, "nesting deeper than 128 levels"),
]


def test_each_bad_line_reported_and_skipped():
    for bad, reason in BAD_LINES:
        with Workdir() as w:
            body = good(1) + "\n" + bad + "\n" + good(3) + "\n"
            src = w.file("bad.jsonl", body)
            r = w.run("import", "--batch", "b", src)
            eq(r.code, 65, (bad, r))
            eq(r.err.strip(), f"{src}:2: {reason}", bad)
            contains(r.out, "3 read, 2 imported, 0 duplicate, 1 rejected")
            eq(samples(w), [("s1", "A red kite number 1 flies over a beach."),
                            ("s3", "A red kite number 3 flies over a beach.")], bad)
            eq(w.sql("SELECT line, reason FROM rejects"), [(2, reason)])


def test_unrecognised_text_field_three_lines():
    """Every record lacks the text field: one example, one summary naming
    the fields found and the one to use, the count line; not a line per
    record. The same for --text and --id naming a field that is not there."""
    with Workdir() as w:
        recs = [json.dumps({"IIW-P5B": f"A long caption {i} about a dog in a park.",
                            "image/key": f"k{i}", "image/source": f"https://x.org/{i}.jpg"})
                for i in range(3000)]
        src = w.file("iiw.jsonl", "\n".join(recs) + "\n")
        r = w.run("import", src)
        eq(r.code, 65, r)
        eq(r.err.splitlines(), [
            f"{src}:1: no text field: none of text, caption, output, response, completion "
            "(name it with --text FIELD)",
            f"{src}: no text field in 3,000 records; fields found: IIW-P5B, image/key, "
            "image/source; try --text IIW-P5B"])
        contains(r.out, "3000 read, 0 imported, 0 duplicate, 3000 rejected")
        eq(len(r.out.splitlines()), 1, "nothing to score: no score table")
        # nothing but refusals: the new batch is not kept, nor they
        contains(r.out, "no batch kept, every record was refused")
        eq(w.sql("SELECT count(*) FROM rejects"), [(0,)])
        eq(w.sql("SELECT count(*) FROM batches"), [(0,)])
        r = w.run("import", "--batch", "t", "--text", "caption", src)
        eq(r.err.splitlines()[1:], [
            f"{src}: no field \"caption\" (--text) in 3,000 records; fields found: IIW-P5B, "
            "image/key, image/source; try --text IIW-P5B"])
        r = w.run("import", "--batch", "i", "--text", "IIW-P5B", "--id", "uid", src)
        eq(r.code, 65, r)
        eq(r.err.splitlines(), [
            f"{src}:1: no field \"uid\" (the id field named by --id)",
            f"{src}: no field \"uid\" (--id) in 3,000 records; fields found: IIW-P5B, "
            "image/key, image/source; try --id image/key"])
        # A CSV without a text column: its columns are the fields.
        src = w.file("c.csv", "key,words\n" + "".join(f"k{i},some words here {i}\n"
                                                     for i in range(10)))
        r = w.run("import", src)
        eq(r.code, 65, r)
        eq(len(r.err.splitlines()), 2, r.err)
        contains(r.err, "no text field in 10 records; fields found: key, words; try --text words")


def test_identical_refusals_summarised():
    """Refusals alike but for figures: the first five of each kind, in
    order, then one count per kind; every one is still in the rejects table."""
    with Workdir() as w:
        lines = []
        for i in range(100):
            lines.append(good(i) if i % 3 == 0 else
                         json.dumps({"other": "x", "id": i}) if i % 3 == 1 else f"not json {i}")
        src = w.file("m.jsonl", "\n".join(lines) + "\n")
        r = w.run("import", "--no-score", src)
        eq(r.code, 65, r)
        err = r.err.splitlines()
        eq(len(err), 12, r.err)
        eq([e.split(": ")[0] for e in err[:10]],
           [f"{src}:{n}" for n in (2, 3, 5, 6, 8, 9, 11, 12, 14, 15)])
        eq(err[10:], [f"{src}: ... and 28 more refused like line 2",
                      f"{src}: ... and 28 more refused like line 3"])
        eq(w.sql("SELECT count(*) FROM rejects"), [(66,)])
        # Every record refused the same way, not for a missing field.
        src = w.file("bad.jsonl", "".join(f"not json {i}\n" for i in range(50)))
        r = w.run("import", src)
        eq(r.err.splitlines(), [f"{src}:1: not valid JSON: an unexpected character at byte 1",
                                f"{src}: all 50 records were refused like line 1"])
        # A few alike: each is shown.
        src = w.file("few.jsonl", "".join(f"not json {i}\n" for i in range(3)))
        r = w.run("import", src)
        eq(len(r.err.splitlines()), 3, r.err)


def test_invalid_utf8_and_long_lines():
    with Workdir() as w:
        body = (good(1).encode() + b"\n" + b'{"text": "caf\xc3"}\n' + b'{"text": "\xc0\xafx"}\n' +
                b'{"text": "' + b"x" * 3000 + b'"}\n' + good(5).encode() + b"\n")
        src = w.file("u.jsonl", body, mode="wb")
        r = w.run("import", "--max-line", "1K", src)
        eq(r.code, 65, r)
        eq(r.err.splitlines(), [f"{src}:2: invalid UTF-8 at byte 14",
                                f"{src}:3: invalid UTF-8 at byte 11",
                                f"{src}:4: line is longer than --max-line (3012 bytes > 1024)"])
        eq(len(samples(w)), 2)


def test_strict_leaves_database_exactly_as_before():
    with Workdir() as w:
        first = w.file("first.jsonl", good(1) + "\n")
        eq(w.run("import", "--batch", "keep", first).code, 0)
        before = w.dump()
        src = w.file("s.jsonl", good(2) + "\n" + good(3) + "\n{broken\n" + good(4) + "\n")
        r = w.run("import", "--strict", "--batch", "new", src)
        eq(r.code, 65, r)
        contains(r.err, f"{src}:3: not valid JSON")
        contains(r.err, "--strict: nothing imported")
        eq(w.dump(), before)


def ok_source(w):
    """Five good records, ids 100..104."""
    return w.file("ok.jsonl", "\n".join(
        good(i, f"A small grey cat number {i} sleeps on a warm windowsill.")
        for i in range(100, 105)) + "\n")


def strict_refused_then_ok(w):
    """`import --strict` of a source of 20 good records and a broken one
    (refused whole), then ok_source: exit 65."""
    bad = w.file("bad.jsonl", "\n".join(good(i) for i in range(20)) + "\n{broken\n")
    r = w.run("import", "--strict", bad, ok_source(w))
    eq(r.code, 65, r)
    return r


def test_strict_failure_leaves_no_scores_for_the_next_source():
    """A source refused by --strict after records it had taken: they go with
    its rollback, and the next source's samples (which take the same ids) get
    their own scores, and no others."""
    with Workdir() as w:
        r = strict_refused_then_ok(w)
        contains(r.err, "--strict: nothing imported")
        eq(w.sql("SELECT count(*) FROM samples"), [(5,)])
        eq(w.sql("SELECT count(*) FROM sample_scores"), [(5,)])
        eq(w.sql("SELECT count(*) FROM sample_scores ss"
                 " WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.id = ss.sample_id)"), [(0,)])
        eq(w.sql("SELECT count(*) FROM score_notes n"
                 " WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.id = n.sample_id)"), [(0,)])
        got = w.sql("SELECT s.ext_id, ss.flags, hex(ss.vals) FROM samples s"
                    " JOIN sample_scores ss ON ss.sample_id = s.id ORDER BY s.ext_id")
    with Workdir() as w:
        eq(w.run("import", ok_source(w)).code, 0)
        eq(w.sql("SELECT s.ext_id, ss.flags, hex(ss.vals) FROM samples s"
                 " JOIN sample_scores ss ON ss.sample_id = s.id ORDER BY s.ext_id"), got)


def test_strict_failure_not_counted_in_the_scores_summary():
    """The scorers' summary after a source refused by --strict counts only the
    scores written: the refused source's records were scored, but their scores
    went with its rollback (the summary said 25 rows for the 5 there are)."""
    with Workdir() as w:
        r = strict_refused_then_ok(w)
        eq(w.sql("SELECT count(*) FROM sample_scores"), [(5,)])
        eq(w.sql("SELECT count(*) FROM sample_quality WHERE quality IS NOT NULL"), [(5,)])
        contains(r.out, "combined scores written: 5\n")


def test_binary_and_compressed_files_refused():
    with Workdir() as w:
        gz = os.path.join(w.path, "c.jsonl.gz")
        with gzip.open(gz, "wt") as f:
            f.write(good(1) + "\n")
        r = w.run("import", gz)
        eq(r.code, 65, r)
        eq(r.err.strip(), f"assay: {gz}: this is a gzip-compressed file, not JSONL, JSON or CSV "
                          "text (decompress it first, e.g. zcat FILE | assay import -)")
        # each kind is named with its article
        for name, magic, said in (("x.xz", b"\xfd7zXZ\x00", "an xz-compressed file"),
                                  ("z.zst", b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
                                  ("b.bz2", b"BZh91AY", "a bzip2-compressed file"),
                                  ("p.zip", b"PK\x03\x04", "a zip archive file")):
            r = w.run("import", w.file(name, magic + b"rest", mode="wb"))
            eq(r.code, 65, r)
            contains(r.err, f"this is {said}, not JSONL")
        binf = w.file("b.jsonl", bytes(range(256)) * 40, mode="wb")
        r = w.run("import", binf)
        eq(r.code, 65, r)
        contains(r.err, "binary data (a NUL byte at offset 0)")
        eq(w.sql("SELECT count(*) FROM batches"), [(0,)])


def test_empty_and_missing_files():
    with Workdir() as w:
        empty = w.file("e.jsonl", "")
        r = w.run("import", empty)
        eq(r.code, 0, r)
        contains(r.out, "0 read, 0 imported")
        r = w.run("import", os.path.join(w.path, "nope.jsonl"))
        eq(r.code, 66, r)
        contains(r.err, "nope.jsonl: No such file or directory")


def test_json_array_structure_errors():
    with Workdir() as w:
        src = w.file("broken.json", '[{"text": "one"}, {"text": "two"} {"text": "three"}]')
        r = w.run("import", src)
        eq(r.code, 65, r)
        contains(r.err, f"{src}:1: expected ',' or ']' after array element 2")
        eq(len(samples(w)), 2)
        src = w.file("obj.json", '"not an array"')
        r = w.run("import", src)
        eq(r.code, 65, r)
        contains(r.err, "expected a JSON array ('['), got '\"'")


def test_csv_errors():
    with Workdir() as w:
        src = w.file("c.csv", 'id,text\n1,fine\n2,too,many\n3,"unterminated\n')
        r = w.run("import", src)
        eq(r.code, 65, r)
        eq(r.err.splitlines(), [f"{src}:3: expected 2 fields (as in the header), got 3",
                                f"{src}:4: unterminated quoted field (the file ends inside it)"])
        eq(samples(w), [("1", "fine")])
        src = w.file("d.csv", "id,text,id\n1,a,2\n")
        r = w.run("import", src)
        eq(r.code, 65, r)
        contains(r.err, 'duplicate column name "id" in the header')


def test_duplicate_ids_in_one_batch_rejected():
    with Workdir() as w:
        src = w.file("i.jsonl", json.dumps({"id": "a", "text": "one"}) + "\n" +
                     json.dumps({"id": "a", "text": "two"}) + "\n")
        r = w.run("import", src)
        eq(r.code, 65, r)
        contains(r.err, f'{src}:2: id "a" is already used by another record of this batch')


def test_killed_import_resumes_to_the_right_count():
    with Workdir() as w:
        n = 60000
        src = os.path.join(w.path, "big.jsonl")
        with open(src, "w") as f:
            for i in range(n):
                f.write(json.dumps({"id": i, "text": f"sample {i} of a long generated set"}) + "\n")
        killed = 0
        for delay in (0.05, 0.15):
            p = subprocess.Popen([BIN, "--db", w.db, "import", "--batch", "big", src],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed += 1
            p.wait()
            if os.path.exists(w.db):
                eq(w.sql("PRAGMA integrity_check"), [("ok",)])
        r = w.run("import", "--batch", "big", src)
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM samples"), [(n,)])
        eq(w.sql("SELECT n_imported, n_read, finished_at > 0 FROM batches"), [(n, n, 1)])


def test_sigint_commits_and_says_how_to_finish():
    with Workdir() as w:
        src = os.path.join(w.path, "big.jsonl")
        with open(src, "w") as f:
            for i in range(200000):
                f.write(json.dumps({"id": i, "text": f"interrupted sample {i}"}) + "\n")
        p = subprocess.Popen([BIN, "--db", w.db, "import", "--batch", "b", src],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # the signal goes once import catches it and has committed something
        if wait_for_handler(p.pid, signal.SIGINT):
            deadline = time.monotonic() + 30
            while p.poll() is None and time.monotonic() < deadline:
                try:
                    if w.sql("SELECT count(*) FROM samples")[0][0] > 0:
                        break
                except sqlite3.Error:
                    pass  # not made yet, or its schema not yet committed
                time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        if p.returncode == 0:
            return  # finished before the signal: nothing to check on this machine
        eq(p.returncode, 130, err)
        contains(err, "interrupted: what was read is saved")
        done = w.sql("SELECT count(*) FROM samples")[0][0]
        check(done > 0, "nothing was committed before the interrupt")
        eq(w.sql("SELECT finished_at FROM batches"), [(0,)])
        r = w.run("import", "--batch", "b", src)
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM samples"), [(200000,)])


# ---- import over HTTP ------------------------------------------------------

def test_import_from_url_streams_plain_and_chunked():
    from httpd import TestServer
    with Workdir() as w, TestServer(root=None) as srv:
        srv.state.root = w.path
        lines = [good(i) for i in range(1, 3001)]
        w.file("remote.jsonl", "\n".join(lines) + "\n")
        for i, q in enumerate(("", "?chunked=1", "?drip=1")):
            r = w.run("import", "--batch", f"b{i}", srv.url + "/remote.jsonl" + q)
            eq(r.code, 0, r)
            contains(r.out, "3000 read")
        eq(w.sql("SELECT count(*) FROM samples"), [(3000,)])
        eq(w.sql("SELECT count(*) FROM duplicates"), [(6000,)])
        # the batch records the URL without user information
        r = w.run("import", "--batch", "cred",
                  srv.url.replace("http://", "http://user:secret@") + "/remote.jsonl")
        eq(r.code, 0, r)
        src = w.sql("SELECT source FROM batches WHERE name = 'cred'")[0][0]
        check("secret" not in src, src)


def test_import_from_url_errors_and_retries():
    from httpd import TestServer
    with Workdir() as w, TestServer() as srv:
        srv.state.root = w.path
        w.file("r.jsonl", "\n".join(good(i) for i in range(1, 11)) + "\n")
        r = w.run("import", srv.url + "/missing.jsonl")
        eq(r.code, 69, r)
        contains(r.err, "/missing.jsonl: the server answered HTTP 404: no such file: missing.jsonl")
        r = w.run("import", "--batch", "retry", srv.url + "/r.jsonl?fault=503,500")
        eq(r.code, 0, r)
        contains(r.out, "10 imported")
        r = w.run("import", "--batch", "reset", srv.url + "/r.jsonl?fault=reset")
        eq(r.code, 69, r)
        contains(r.err, "the transfer broke off")
        r = w.run("import", "http://127.0.0.1:9/nothing-listens-here.jsonl")
        eq(r.code, 69, r)
