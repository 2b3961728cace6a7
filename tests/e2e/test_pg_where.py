"""Slices on a PostgreSQL store: every command that takes `--where` (info,
stats, export, report, decide, decide --undo, decide --sample's spot-check) gives
the same output on sample-data in an SQLite file and in a schema of the
test server ($ASSAY_TEST_PG), for every field of the filter language;
records that try the edges of the JSON test (numbers beyond a double, an
array where an object is looked for) and hostile values (quotes,
backslashes, placeholders, braces) select alike and change nothing.

Without $ASSAY_TEST_PG these tests say so and pass nothing (see
test_pg_store.py)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, Workdir, eq  # noqa: E402
import test_pg_same_output as same  # noqa: E402
import test_pg_store as pgs  # noqa: E402

SAMPLE_DATA = os.path.join(ROOT, "sample-data")

# every field and operator of the language, and their combinations
EXPRS = [
    'flagged(repetition)', 'not flagged(truncation)', 'score.length > 0.5',
    'score.repetition <= 0.25', 'quality < 0.6', 'quality >= 0.9',
    'meta.model = "llava-next-34b"', 'meta.model != "qwen2-vl-7b"', 'meta.temperature > 0.7',
    'meta.temperature = 1', 'meta.source.kind = "image"', 'meta.task = "alt_text"',
    'batch = "b2"', 'kind = caption', 'kind = response', 'kind = text', 'kind = undeclared',
    'verdict = rejected', 'verdict = undecided', 'verdict = edited', 'verdict != accepted',
    'reason = "truncation"', 'reason ~ "TRUNC"', 'annotator = "bob" and verdict = rejected',
    'annotator = "cy" or annotator = "bob"', 'decided_after = 2020-01-01',
    'decided_before = 2020-01-01', 'conflict', 'edited', 'not conflict and edited',
    'text ~ "seagull"', 'text ~ "THE PHOTO"', 'text ~ /sea ?gulls?/', 'text ~ /^(a|an) /',
    'text ~ /[0-9]{2,}/', '(conflict or edited) and not batch = "b1"', 'learned > 0.5',
    'spotcheck = 1',
]

# values that would break SQL text made of them
HOSTILE = [
    'meta.model = "x\' OR 1=1 --"', 'batch = "b1\'); DROP TABLE samples; --"',
    'reason = "\\\\"', 'annotator = "$1"', 'text ~ "{\\"a\\",\\"b\\"}"', 'meta.model = "}"',
    'meta.model = "{x,y}"', 'text ~ "?1"', 'reason ~ "%_"', 'text ~ /\\$W/',
    'meta.x.y = "NULL"', 'batch = "\\\\\\"{}"',
]

# JSON lines as they are (numbers a double cannot hold written out)
TRICKY = [
    '{"id": "t-big", "caption": "a big one", "meta": {"n": 1e400, "model": "edge"}}',
    '{"id": "t-neg", "caption": "a negative one", "meta": {"n": -1E+400}}',
    '{"id": "t-tiny", "caption": "a tiny one", "meta": {"n": 1e-400}}',
    '{"id": "t-huge", "caption": "a huge one", "meta": {"n": 2e99999}}',
    '{"id": "t-int", "caption": "an integer", "meta": {"n": 12345678901234567890}}',
    '{"id": "t-str", "caption": "a string number", "meta": {"n": "5", "s": 5}}',
    '{"id": "t-arr", "caption": "an array", "meta": {"a": [7, 8], "n": [1]}}',
    '{"id": "t-obj", "caption": "an object", "meta": {"a": {"0": 7, "1": 9}, "n": {"x": 1}}}',
    '{"id": "t-bool", "caption": "a boolean", "meta": {"n": true, "s": null}}',
    '{"id": "t-esc", "caption": "ESCAPED \\u00e9 quote \\" back \\\\ slash", "meta": {"k": "a\\"b\\\\c"}}',
    '{"id": "t-long", "caption": "a long number", "meta": {"n": 1' + '0' * 300 + '.5}}',
    # an integer past a double's precision: compared exactly
    '{"id": "t-tweet", "caption": "a tweet", "meta": {"tweet": 9007199254740993}}',
]
TRICKY_EXPRS = [
    'meta.n > 0', 'meta.n < 0', 'meta.n = 0', 'meta.n > 1e300', 'meta.n >= 1',
    'meta.n = "5"', 'meta.s = 5', 'meta.a.0 = 7', 'meta.a.1 > 7', 'meta.k = "a\\"b\\\\c"',
    'text ~ "escaped é"', 'text ~ "ESCAPED"', 'text ~ /quote " back/', 'meta.n != 0',
    'meta.tweet = 9007199254740992', 'meta.tweet > 9007199254740992',
    'meta.tweet < 9007199254740994',
]
# regex escapes outside POSIX ERE: refused on both stores (exit 2)
ESCAPES = ['text ~ /\\bgull/', 'text ~ /\\w+ing/', 'text ~ /a\\sb/', 'text ~ /\\d/']
# scorers neither built in nor in the database's scores: refused on both (exit 2)
UNKNOWN = ['score.nosuch > 0', 'not flagged(nosuch)']


def decisions():
    with open(os.path.join(SAMPLE_DATA, "labels.jsonl")) as f:
        labels = [json.loads(line) for line in f]
    return same.decisions(labels)


def setup(w):
    for i, f in enumerate(("captions.jsonl", "instructions.jsonl", "chat.jsonl")):
        r = w.run("import", "--batch", f"b{i + 1}", os.path.join(SAMPLE_DATA, f))
        eq(r.code, 0, r)
    r = w.run("import", "--no-score", "--batch", "tricky",
              w.file("tricky.jsonl", "\n".join(TRICKY)))
    eq(r.code, 0, r)
    r = w.run("decide", "--from", w.file("d.jsonl", decisions()),
              env={"ASSAY_ANNOTATOR": "x"})
    eq(r.code in (0, 65), True, r)


def session(w):
    """The slice commands, their outputs by name."""
    out = {}
    setup(w)
    lee = {"ASSAY_ANNOTATOR": "lee"}
    # a spot-check drawn first: `spotcheck = 1` then names it on both
    r = w.run("decide", "--where", "kind = response", "--sample", "3", "--seed", "7", "--yes",
              "--max-disagree", "1", "accept", env=lee)
    out["spotcheck"] = (r.code, r.out, r.err)
    for e in EXPRS + HOSTILE + TRICKY_EXPRS:
        r = w.run("info", "--where", e)
        out["info " + e] = (r.code, r.out, r.err)
    for e in ESCAPES:
        r = w.run("review", "--where", e)
        out["review " + e] = (r.code, r.out, r.err)
    for e in UNKNOWN:
        r = w.run("info", "--where", e)
        out["unknown " + e] = (r.code, r.out, r.err)
    for e in ('conflict', 'flagged(repetition) and meta.model = "llava-next-34b"',
              'text ~ /sea ?gulls?/', 'verdict = rejected and not reason = "truncation"'):
        for args in ((), ("--agreement",), ("--scorers",), ("--by", "meta.model"),
                     ("--format", "csv", "--by", "reason")):
            r = w.run("stats", "--where", e, *args)
            out[f"stats {args} {e}"] = (r.code, r.out, r.err)
        for args in (("--status", "all"), (), ("--format", "csv", "--status", "rejected"),
                     ("--status", "all", "--min", "quality=0.5")):
            r = w.run("export", "--output", "-", "--where", e, *args)
            out[f"export {args} {e}"] = (r.code, r.out, r.err)
    for e in ('conflict or reason = "truncation"', 'kind = response'):
        path = os.path.join(w.path, "report.html")
        r = w.run("report", "--html", path, "--where", e)
        with open(path, encoding="utf-8") as f:
            page = f.read().replace(w.db, "DB").replace(
                w.db.replace("&", "&amp;"), "DB")
        page = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?Z?", "T", page)
        page = re.sub(r"<p class='muted'>[^<]*?&middot;", "<p class='muted'>DB &middot;", page)
        # the examples by their reasons: which rejections are the newest
        # hangs on the milliseconds the decisions took
        head, _, rows = page.partition("<h2>Rejections by reason: examples</h2>")
        out["report " + e] = (r.code, r.out, r.err.replace(path, "P"), head,
                              re.findall(r"<tr><td>([^<]*)</td>", rows))
    for e in HOSTILE[:4]:
        r = w.run("export", "--output", "-", "--status", "all", "--where", e)
        out["export hostile " + e] = (r.code, r.out, r.err)
    zed = {"ASSAY_ANNOTATOR": "zed"}
    for args in (("--dry-run", "accept"), ("--yes", "reject", "--reason", "bad"),
                 ("--dry-run", "--undo"), ("--yes", "--undo"), ("--yes", "accept")):
        r = w.run("decide", "--where", "conflict or kind = text", *args, env=zed)
        out[f"decide {args}"] = (r.code, r.out, r.err)
    # the spot-check's samples decided, the same command applies the rest
    r = w.run("info", "--where", "spotcheck = 1 and verdict = undecided")
    out["spotcheck left"] = (r.code, r.out, r.err)
    r = w.run("decide", "--where", "spotcheck = 1", "--yes", "accept", env={"ASSAY_ANNOTATOR": "h"})
    out["spotcheck decided"] = (r.code, r.out, r.err)
    r = w.run("decide", "--where", "kind = response", "--sample", "3", "--seed", "7", "--yes",
              "--max-disagree", "1", "accept", env=lee)
    out["spotcheck applied"] = (r.code, r.out, r.err)
    r = w.run("info")
    out["info"] = (r.code, pgs.info_lines(r.out))
    return out


def test_every_slice_command_same_output_on_sqlite_and_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = session(lite)
    w = pgs.pg_workdir(uri, "where")
    try:
        b = session(w)
        # hostile values changed nothing: every table is still there
        eq(pgs.psql(w.db, "SELECT count(*) FROM samples").strip(), "747")
    finally:
        pgs.pg_done(w)
    eq(sorted(b), sorted(a))
    for k in a:
        eq(pgs.normal(b[k]), pgs.normal(a[k]), k)
    # the comparison is of something: slices of every size, and the
    # commands ran
    counts = {e: a["info " + e][1].split("samples")[1].split()[0] for e in EXPRS + TRICKY_EXPRS}
    eq(all(a["info " + e][0] == 0 for e in EXPRS + HOSTILE + TRICKY_EXPRS), True)
    eq(len({c for c in counts.values()}) > 15, True, counts)
    for e in ("conflict", "meta.temperature > 0.7", "text ~ /sea ?gulls?/", "kind = response",
              "meta.n > 0", "meta.a.1 > 7", "meta.k = \"a\\\"b\\\\c\"", "spotcheck = 1"):
        eq(counts[e] != "0", True, (e, counts[e]))
    # an array's element is no object's key: the object's only
    eq((counts["meta.a.0 = 7"], counts["meta.a.1 > 7"]), ("1", "1"))
    eq([counts[e] for e in TRICKY_EXPRS[-3:]], ["0", "1", "1"])
    for e in ESCAPES:
        code, _, err = a["review " + e]
        eq((code, "a regex escape \\" in err, "^" in err), (2, True, True), (e, err))
    for e in UNKNOWN:
        code, _, err = a["unknown " + e]
        eq((code, 'no scorer named "nosuch"' in err, "^" in err), (2, True, True), (e, err))
    eq(a["decide ('--yes', 'reject', '--reason', 'bad')"][0], 0, a)
    eq(a["spotcheck applied"][0], 0, a["spotcheck applied"])
    eq("accepted 136 samples as lee" in a["spotcheck applied"][1], True, a["spotcheck applied"])
