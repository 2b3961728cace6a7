"""Hostile and broken input: the corpus in tests/hostile/ (manifest.json says
what each file must give: exit code, messages, database state) and inputs
generated here because they are too big to commit (a 50 MB line, 100,000
levels of nesting, a file that grows or shrinks while it is read).

Whatever a sample holds, nothing of it reaches the terminal raw: the
output of import, info, stats and export's summary holds no C0/C1 control,
no ESC, no bidi control and no invalid UTF-8. Export output is data, so it
must instead be exact: it is parsed back and compared, and re-imported.
"""
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, ROOT, Workdir, check, contains, eq, slow_skipped  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reliability import known_bug  # noqa: E402

HOSTILE = os.path.join(ROOT, "tests", "hostile")
MANIFEST = json.load(open(os.path.join(HOSTILE, "manifest.json")))

# Bytes a terminal may act on: C0 but tab and newline, DEL, C1 as UTF-8,
# bidi overrides, embeddings, isolates and marks.
UNSAFE = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|"
                    rb"\xe2\x81[\xa6-\xa9]|\xd8\x9c")

# Decisions written the way the review screen records them, with escapes
# in annotator names, reasons and corrections.
ANNOTATORS = ["ann\x1b[31mred", "ann\u202eevil", "plain"]
EDIT = "Edited \x1b]0;title\x07 text \u009b2J with \u202e bidi."
REASON = "bad \x1b[2J reason \u009d0;x\u009c"


def run(w, *args, stdin=None, env=None, timeout=300):
    """Runs assay on w's database; returns (code, stdout bytes, stderr bytes)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([BIN, "--db", w.db] + [str(a) for a in args], input=stdin,
                       capture_output=True, env=e, timeout=timeout, cwd=w.path)
    return p.returncode, p.stdout, p.stderr


def safe(what, data):
    """Fails when data (bytes meant for a terminal) holds an active byte."""
    m = UNSAFE.search(data)
    if m:
        lo = max(m.start() - 40, 0)
        raise AssertionError(f"{what}: raw {m.group()!r} at byte {m.start()}: "
                             f"{data[lo:m.end() + 40]!r}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError(f"{what}: invalid UTF-8 on a terminal: {e}")


def counts(w):
    if not os.path.exists(w.db):
        return 0, 0
    return (w.sql("SELECT count(*) FROM samples")[0][0],
            w.sql("SELECT count(*) FROM rejects")[0][0])


def integrity(w):
    con = sqlite3.connect(w.db)
    try:
        eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)], "integrity_check")
    finally:
        con.close()


def decide_all(w):
    """Each annotator decides every sample: accepted, edited or rejected in turn."""
    con = sqlite3.connect(w.db)
    ids = [r[0] for r in con.execute("SELECT id FROM samples ORDER BY id")]
    for k, name in enumerate(ANNOTATORS):
        a = con.execute("INSERT INTO annotators(name, first_seen) VALUES (?, 0)", (name,)).lastrowid
        for i, sid in enumerate(ids):
            verdict = ("accepted", "edited", "rejected")[(i + k) % 3]
            kind = {"accepted": "accept", "edited": "edit", "rejected": "reject"}[verdict]
            text = EDIT if verdict == "edited" else None
            reason = REASON if verdict == "rejected" else None
            at = 1767225600000 + i * 1000 + k
            ev = con.execute("INSERT INTO events(sample_id, annotator_id, kind, text, reason, at,"
                             " ms_spent) VALUES (?,?,?,?,?,?,1500)",
                             (sid, a, kind, text, reason, at)).lastrowid
            con.execute("INSERT INTO decisions(sample_id, annotator_id, verdict, text, reason,"
                        " event_id, decided_at, ms_spent, edit_distance, words)"
                        " VALUES (?,?,?,?,?,?,?,1500,?,?)",
                        (sid, a, verdict, text, reason, ev, at,
                         3 if text else None, 6 if text else None))
    con.commit()
    con.close()


def check_display(w, label):
    """info, stats and export's messages are terminal-safe; data formats
    (info --json, stats --format json/csv, export) parse back exactly."""
    check_round_trip(w, label)
    recs = {r[0]: r[1] for r in w.sql("SELECT ext_id, text FROM samples")}
    check_csv_export(w, label, recs, set())
    decide_all(w)
    code, out, err = run(w, "info")
    eq(code, 0, err)
    safe(f"{label}: info", out + err)
    code, out, err = run(w, "info", "--json")
    eq(code, 0, err)
    info = json.loads(out)
    eq(sorted(b["name"] for b in info["batches"]),
       sorted(r[0] for r in w.sql("SELECT name FROM batches")), f"{label}: info --json names")
    for by in (["annotator"], ["batch"], ["reason"], ["model"], ["meta.model"],
               ["annotator", "reason"]):
        args = [x for b in by for x in ("--by", b)]
        code, out, err = run(w, "stats", *args)
        eq(code, 0, err)
        safe(f"{label}: stats {' '.join(args)}", out + err)
        code, out, err = run(w, "stats", "--format", "json", *args)
        eq(code, 0, err)
        json.loads(out)
    code, out, err = run(w, "stats", "--agreement")
    eq(code, 0, err)
    safe(f"{label}: stats --agreement", out + err)
    code, out, err = run(w, "stats", "--format", "json", "--by", "annotator")
    names = {g["annotator"] for g in json.loads(out)["groups"]}
    eq(names, set(ANNOTATORS), f"{label}: annotator names exact in JSON")
    code, out, err = run(w, "stats", "--format", "csv", "--by", "reason")
    eq(code, 0, err)
    safe(f"{label}: stats --format csv", out.replace(b"\r\n", b"\n"))  # RFC 4180 lines
    code, out, err = run(w, "stats", "--format", "csv", "--csv-raw", "--by", "reason")
    eq(code, 0, err)
    rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
    check(any(REASON in r for r in rows), f"{label}: reason exact in --csv-raw: {rows}")
    for rule in ("majority", "any-reject", "unanimous"):
        check_csv_export(w, label, recs, {EDIT}, "--resolve", rule)


def check_csv_export(w, label, recs, corrections, *args):
    """CSV export: the summary is terminal-safe; by default the CSV itself
    is (controls shown as the screen shows them); with --csv-raw each text
    cell is the stored text or a correction, exactly."""
    code, out, err = run(w, "export", "--status", "all", "--format", "csv", *args)
    eq(code, 0, err)
    safe(f"{label}: export summary", err)
    safe(f"{label}: export --format csv", out.replace(b"\r\n", b"\n"))  # RFC 4180 lines
    code, out, err = run(w, "export", "--status", "all", "--format", "csv", "--csv-raw", *args)
    eq(code, 0, err)
    rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    check("id" in header, header)
    tcol = [c for c in header if c in ("text", "caption")][0]
    ti, ii = header.index(tcol), header.index("id")
    for r in body:
        check(r[ti] == recs[r[ii]] or r[ti] in corrections,
              f"{label}: CSV text of {r[ii]!r} is {r[ti]!r}, stored {recs[r[ii]]!r}")


def check_round_trip(w, label):
    """Undecided, the export is every stored record byte for byte, one per
    line; imported into a fresh database and exported again, the same bytes."""
    code, out1, err = run(w, "export", "--status", "all")
    eq(code, 0, err)
    safe(f"{label}: export summary", err)
    # (a pretty-printed array element is put on one line: its raw line
    # breaks are JSON white space)
    stored = [r[0].encode().replace(b"\n", b" ").replace(b"\r", b" ")
              for r in w.sql("SELECT record FROM samples ORDER BY id")]
    eq(out1.split(b"\n")[:-1], stored, f"{label}: export is the records as received")
    with Workdir() as w2:
        src = os.path.join(w2.path, "exported.jsonl")
        with open(src, "wb") as f:
            f.write(out1)
        code, _, err = run(w2, "import", "--no-score", "--batch", "again", src)
        eq(code, 0, err)
        code, out2, err = run(w2, "export", "--status", "all")
        eq(code, 0, err)
        eq(out2, out1, f"{label}: round trip")


def run_case(c):
    with Workdir() as w:
        src = os.path.join(w.path, c["file"])
        shutil.copy(os.path.join(HOSTILE, c["file"]), src)
        code, out, err = run(w, "import", "--no-score", *c["args"], c["file"])
        safe(f"{c['file']}: import", out + err)
        eq(code, c["exit"], f"{c['file']}: exit code\n{err!r}")
        text = (out + err).decode()
        shown = text.replace("\x1b", "^[")
        for s in c["stderr"]:
            contains(shown, s, f"{c['file']}: message")
        eq(counts(w), (c["imported"], c["rejected"]), f"{c['file']}: samples, rejects")
        if "ids" in c:
            eq(sorted(r[0] for r in w.sql("SELECT ext_id FROM samples")), sorted(c["ids"]),
               f"{c['file']}: ids kept")
        if os.path.exists(w.db):
            integrity(w)
        if c.get("display"):
            check_display(w, c["file"])
        return 1


def test_manifest_lists_every_file_and_nothing_else():
    files = sorted(f for f in os.listdir(HOSTILE) if f != "manifest.json")
    eq(sorted(c["file"] for c in MANIFEST["cases"]), files)


def test_hostile_corpus():
    failures = []
    for c in MANIFEST["cases"]:
        try:
            if "known_bug" in c:
                known_bug(c["known_bug"], run_case, c)
            else:
                run_case(c)
        except AssertionError as e:
            failures.append(f"{c['file']}: {e}")
    eq(failures, [], "hostile cases")


def test_file_and_batch_names_with_escapes():
    with Workdir() as w:
        name = "evil\x1b]0;T\x07\u009b\u202e.jsonl"
        w.file(name, json.dumps({"id": "n1", "text": "A caption."}) + "\n")
        code, out, err = run(w, "import", "--no-score", name)
        eq(code, 0, err)
        safe("import of an escaped file name", out + err)
        batch = "batch\x1b[2J\u009dx"
        w.file("b.jsonl", json.dumps({"id": "n2", "text": "Another caption."}) + "\n")
        code, out, err = run(w, "import", "--no-score", "--batch", batch, "b.jsonl")
        eq(code, 0, err)
        safe("import into an escaped batch name", out + err)
        check(batch in [r[0] for r in w.sql("SELECT name FROM batches")], "batch name exact")
        code, out, err = run(w, "export", "--batch", batch, "--status", "all")
        eq(code, 0, err)
        contains(out.decode(), '"n2"')
        safe("export summary naming an escaped batch", err)
        code, out, err = run(w, "export", "--batch", batch, "--status", "all",
                             "--annotator", "ann\x1b]52;c;eA==\x07", "-o", "out\x1b[2J.jsonl")
        safe("export summary naming an escaped annotator and output", out + err)
        code, out, err = run(w, "import", "--no-score", "missing\x1b[2J.jsonl")
        eq(code, 66)
        safe("a missing file named with escapes", out + err)
        check_display(w, "escaped names")


def test_line_of_50_mb():
    if slow_skipped():
        return
    with Workdir() as w:
        big = "w" * (50 << 20)
        src = os.path.join(w.path, "big.jsonl")
        with open(src, "w") as f:
            f.write(json.dumps({"id": "before", "text": "small one"}) + "\n")
            f.write('{"id":"huge","text":"' + big + '"}\n')
            f.write(json.dumps({"id": "after", "text": "small two"}) + "\n")
        code, out, err = run(w, "import", "--no-score", "--batch", "b", src)
        eq(code, 65, err)
        contains(err.decode(), "big.jsonl:2: line is longer than --max-line (")
        contains(err.decode(), " bytes > 16777216)")
        eq(counts(w), (2, 1))
        # With room for it, the line is imported whole.
        code, out, err = run(w, "import", "--no-score", "--batch", "b", "--max-line", "64M", src)
        eq(code, 0, err)
        eq(w.sql("SELECT length(text) FROM samples WHERE ext_id = 'huge'"), [(50 << 20,)])
        code, out, err = run(w, "info")
        eq(code, 0, err)
        code, out, err = run(w, "export", "--status", "all", "-o", "all.jsonl")
        eq(code, 0, err)
        eq(os.path.getsize(os.path.join(w.path, "all.jsonl")), os.path.getsize(src))
        integrity(w)


def test_a_line_of_a_million_combining_marks():
    # Zalgo text at its worst: one run of 1,000,000 combining marks whose
    # classes (230, 220, 202, 1) are out of canonical order throughout. An
    # ordering by exchanging neighbours (utf8proc's) takes hours on it; the
    # normal form orders each run in linear time. The same marks in
    # canonical order are the same text: an exact duplicate.
    with Workdir() as w:
        marks = "\u0301\u0316\u0327\u0334" * 250000
        ordered = "".join(sorted(marks, key=lambda c: {"\u0334": 1, "\u0327": 202,
                                                        "\u0316": 220, "\u0301": 230}[c]))
        src = os.path.join(w.path, "zalgo.jsonl")
        with open(src, "w") as f:
            f.write(json.dumps({"id": "zalgo", "text": "a" + marks + " b"}) + "\n")
            f.write(json.dumps({"id": "ordered", "text": "a" + ordered + " b"}) + "\n")
            f.write(json.dumps({"id": "other", "text": "a" + ordered + " c"}) + "\n")
        code, out, err = run(w, "import", "--batch", "z", src, timeout=120)
        eq(code, 0, err)
        contains((out + err).decode(), "3 read, 2 imported, 1 duplicate, 0 rejected")
        eq(w.sql("SELECT ext_id FROM samples ORDER BY id"), [("zalgo",), ("other",)])
        code, out, err = run(w, "export", "--status", "all", "-o", "all.jsonl")
        eq(code, 0, err)
        integrity(w)


def test_100000_levels_of_nesting():
    deep = "[" * 100000 + "]" * 100000
    objs = '{"a":' * 100000 + "1" + "}" * 100000
    with Workdir() as w:
        w.file("deep.jsonl", "\n".join([
            json.dumps({"id": "ok1", "text": "fine"}),
            '{"id":"arr","text":"x","d":' + deep + "}",
            '{"id":"obj","text":"x","d":' + objs + "}",
            '{"id":"open","text":"x","d":' + "[" * 100000,
            "[" * 100000,
            json.dumps({"id": "ok2", "text": "fine too"})]) + "\n")
        code, out, err = run(w, "import", "--no-score", "deep.jsonl")
        eq(code, 65, err)
        for line in (2, 3, 4, 5):
            contains(err.decode(), f"deep.jsonl:{line}: nesting deeper than 128 levels")
        eq(counts(w), (2, 4))
        w.file("deep.json", "[" + json.dumps({"id": "ok", "text": "fine"}) + ",\n" +
               '{"id":"arr","text":"x","d":' + deep + "}]")
        code, out, err = run(w, "import", "--no-score", "deep.json")
        eq(code, 65, err)
        contains(err.decode(), "deep.json:2: nesting deeper than 128 levels")
        w.file("deeparray.json", "[" + deep + "]")
        code, out, err = run(w, "import", "--no-score", "deeparray.json")
        eq(code, 65, err)
        contains(err.decode(), "deeparray.json:1: nesting deeper than 128 levels")
        w.file("unclosed.json", "[" * 100000)
        code, out, err = run(w, "import", "--no-score", "unclosed.json")
        eq(code, 65, err)
        contains(err.decode(), "the file ends inside an array element")
        # 128 levels is the limit, not one less.
        w.file("edge.jsonl", '{"id":"edge","text":"x","d":' + "[" * 127 + "]" * 127 + "}\n")
        code, out, err = run(w, "import", "--no-score", "edge.jsonl")
        eq(code, 0, err)
        integrity(w)


def lines(a, b):
    return "".join(json.dumps({"id": f"g{i}", "text": f"caption number {i} of a growing file"})
                   + "\n" for i in range(a, b))


def test_file_that_grows_while_it_is_read():
    """Lines appended during an import are either read or left for the
    next run; a re-run brings the batch to the full count, nothing twice."""
    n0, n1 = 60000, 120000
    with Workdir() as w:
        src = w.file("grow.jsonl", lines(0, n0))
        p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", "--batch", "g", src],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=w.path)
        step = (n1 - n0) // 20
        with open(src, "a") as f:
            for k in range(n0, n1, step):
                f.write(lines(k, k + step))
                f.flush()
                time.sleep(0.005)
        out, err = p.communicate(timeout=300)
        safe("import of a growing file", out + err)
        check(p.returncode in (0, 65), err)
        first = counts(w)[0]
        check(n0 <= first <= n1, f"first run imported {first}")
        if p.returncode == 65:  # a line torn by the writer: reported, not half-stored
            contains(err.decode(), "not valid JSON")
        integrity(w)
        code, out, err = run(w, "import", "--no-score", "--batch", "g", src)
        check(code in (0, 65), err)
        eq(counts(w)[0], n1, "after the re-run")
        eq(w.sql("SELECT count(DISTINCT ext_id) FROM samples"), [(n1,)])
        integrity(w)


def test_file_that_shrinks_while_it_is_read():
    n = 80000
    with Workdir() as w:
        src = w.file("shrink.jsonl", lines(0, n))
        p = subprocess.Popen([BIN, "--db", w.db, "import", "--no-score", "--batch", "s", src],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=w.path)
        time.sleep(0.05)
        half = lines(0, n // 2).encode()
        with open(src, "r+b") as f:
            f.truncate(len(half))
        out, err = p.communicate(timeout=300)
        safe("import of a shrinking file", out + err)
        check(p.returncode in (0, 65), err)
        got = counts(w)[0]
        check(got <= n, f"imported {got}")
        integrity(w)
        w.file("shrink.jsonl", lines(0, n))
        code, out, err = run(w, "import", "--no-score", "--batch", "s", src)
        check(code in (0, 65), err)
        eq(counts(w)[0], n)
        integrity(w)
