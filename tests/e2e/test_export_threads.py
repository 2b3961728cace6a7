"""`assay export` on several threads (JSONL on SQLite with more than two
ranges of 4,096 sample ids): the same bytes, in the same order, with the
same counts, as the one-thread path gives (the JSON array format, which
always runs on one thread, is the reference)."""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, eq  # noqa: E402

N = 20_000


def make(w):
    rnd = random.Random(7)
    recs = [{"id": f"s{i:05d}", "caption": f"Sample {i} shows {rnd.random():.6f} things.",
             "meta": {"model": rnd.choice(["m1", "m2"])}} for i in range(N)]
    eq(w.run("import", "--no-score", "--batch", "one",
             w.file("a.jsonl", "\n".join(map(json.dumps, recs[:N // 2])))).code, 0)
    eq(w.run("import", "--no-score", "--batch", "two",
             w.file("b.jsonl", "\n".join(map(json.dumps, recs[N // 2:])))).code, 0)
    lines = []
    for i in range(0, N, 3):
        for who in ("ann", "bob")[:1 + (i % 7 == 0)]:
            v = rnd.choice(["accept", "accept", "edit", "reject"])
            d = {"id": f"s{i:05d}", "verdict": v, "annotator": who}
            if v == "edit":
                d["text"] = f"Corrected {i} by {who}."
            if v == "reject":
                d["reason"] = "hallucination"
            lines.append(json.dumps(d))
    lines.append(json.dumps({"id": "s00007", "verdict": "note", "text": "look", "annotator": "ann"}))
    r = w.run("decide", "--from", w.file("d.jsonl", "\n".join(lines)))
    eq(r.code, 0, r)
    eq(w.run("decide", "--adjudicate", "--annotator", "lead", "s00000", "reject", "--reason",
             "lead says").code, 0)


def compare(w, *args):
    a = w.run("export", "--format", "jsonl", *args)
    b = w.run("export", "--format", "json", *args)
    eq(a.code, 0, a)
    eq(b.code, 0, b)
    lines = a.out.splitlines()
    # the same record bytes: the array is the lines joined by ",\n"
    eq(b.out, "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")
    eq(a.err, b.err)  # the summary: the same counts
    return lines


def test_threads_give_the_one_thread_bytes_order_and_counts():
    with Workdir() as w:
        make(w)
        lines = compare(w)
        ids = [json.loads(x)["id"] for x in lines]
        eq(ids, sorted(ids))
        check_edit = [json.loads(x) for x in lines if "Corrected" in json.loads(x)["caption"]]
        eq(bool(check_edit), True)
        compare(w, "--status", "all", "--resolve", "majority", "--provenance")
        compare(w, "--batch", "two", "--status", "rejected,conflict")
        compare(w, "--where", 'meta.model = "m2"', "--annotator", "bob")


def test_split_files_are_the_same_on_threads():
    with Workdir() as w:
        make(w)
        out = os.path.join(w.path, "out.jsonl")
        r = w.run("export", "--status", "all", "--split", "train=0.8,val=0.2", "-o", out)
        eq(r.code, 0, r)
        arr = json.loads(w.run("export", "--format", "json", "--status", "all").out)
        got = []
        for name in ("train", "val"):
            with open(os.path.join(w.path, f"out.{name}.jsonl")) as f:
                got += [json.loads(x) for x in f.read().splitlines()]
        eq(sorted(got, key=lambda x: x["id"]), arr)


def pretty_records(w, n):
    """n elements of a JSON array, each pretty-printed with raw CR LF and LF
    between its members; every third decided (every ninth of those an edit).
    Returns the exported lines expected: each record's bytes on one line,
    its raw CR and LF made spaces, an edit's caption replaced."""
    els = ['{\r\n  "id": "p%05d",\n  "caption": "Pretty %d.",\r\n  "n": %d\n}' % (i, i, i)
           for i in range(n)]
    with open(os.path.join(w.path, "a.json"), "w", newline="") as f:
        f.write("[\n" + ",\n".join(els) + "\n]\n")
    eq(w.run("import", "--no-score", os.path.join(w.path, "a.json")).code, 0)
    lines, want = [], []
    for i in range(0, n, 3):
        edit = i % 9 == 0
        d = {"id": f"p{i:05d}", "verdict": "edit" if edit else "accept", "annotator": "ann"}
        rec = els[i]
        if edit:
            d["text"] = f"Fixed\t{i} \"q\"."
            rec = rec.replace(f'"Pretty {i}."', json.dumps(d["text"]))
        lines.append(json.dumps(d))
        want.append(rec.replace("\r", " ").replace("\n", " ") + "\n")
    r = w.run("decide", "--from", w.file("d.jsonl", "\n".join(lines)))
    eq(r.code, 0, r)
    return "".join(want)


def test_pretty_records_are_one_line_each_on_threads_and_on_one():
    # 9,000 samples: three ranges of ids on the threads; 20: one thread
    for n in (9_000, 20):
        with Workdir() as w:
            want = pretty_records(w, n)
            out = os.path.join(w.path, "out.jsonl")
            r = w.run("export", "-o", out)
            eq(r.code, 0, r)
            with open(out, newline="") as f:
                eq(f.read(), want)
            r = w.run("export")
            eq(r.out, want)
