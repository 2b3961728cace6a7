"""The committed sample data is exactly what bench/gen.py makes, and its
labels are complete and consistent."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, SAMPLE_DATA, Workdir, check, eq  # noqa: E402

GEN = os.path.join(ROOT, "bench", "gen.py")


def gen(*args):
    return subprocess.run([sys.executable, GEN, *args], capture_output=True, check=True).stdout


def test_committed_files_match_the_generator():
    with Workdir() as w:
        l1, l2 = os.path.join(w.path, "l1"), os.path.join(w.path, "l2")
        caps = gen("--kind", "captions", "--count", "600", "--seed", "7", "--flaw-rate", "0.3",
                   "--hostile", "--labels", l1)
        ins = gen("--kind", "instructions", "--count", "120", "--seed", "8", "--flaw-rate",
                  "0.25", "--labels", l2)
        eq(caps, open(os.path.join(SAMPLE_DATA, "captions.jsonl"), "rb").read())
        eq(ins, open(os.path.join(SAMPLE_DATA, "instructions.jsonl"), "rb").read())
        eq(open(l1, "rb").read() + open(l2, "rb").read(),
           open(os.path.join(SAMPLE_DATA, "labels.jsonl"), "rb").read())


def test_generator_is_deterministic_and_seeded():
    a = gen("--count", "300", "--seed", "5")
    eq(a, gen("--count", "300", "--seed", "5"))
    check(a != gen("--count", "300", "--seed", "6"))


def test_records_and_labels_are_consistent():
    recs = []
    for name in ("captions.jsonl", "instructions.jsonl"):
        for line in open(os.path.join(SAMPLE_DATA, name), encoding="utf-8"):
            recs.append(json.loads(line))
    ids = [r["id"] for r in recs]
    eq(len(ids), len(set(ids)))
    for r in recs:
        check(isinstance(r["meta"]["model"], str), r)
        check(isinstance(r.get("caption", r.get("response")), str), r)
    labels = [json.loads(x) for x in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))]
    eq([lab["id"] for lab in labels], ids)
    order = {i: n for n, i in enumerate(ids)}
    flawed = 0
    for lab in labels:
        flawed += bool(lab["flaws"])
        if "of" in lab:
            check(order[lab["of"]] < order[lab["id"]], lab)
            check(lab["flaws"][0] in ("near_duplicate", "exact_duplicate"), lab)
    check(0.2 <= flawed / len(labels) <= 0.35, flawed)


def test_sample_data_imports_cleanly():
    with Workdir() as w:
        r = w.run("import", "--batch", "demo", os.path.join(SAMPLE_DATA, "captions.jsonl"),
                  os.path.join(SAMPLE_DATA, "instructions.jsonl"))
        eq(r.code, 0, r)
        info = json.loads(w.run("info", "--json").out)
        # the planted exact duplicates are dropped at import
        dupes = sum(1 for x in open(os.path.join(SAMPLE_DATA, "labels.jsonl"))
                    if "exact_duplicate" in x)
        check(info["batches"][0]["duplicates"] >= dupes, info)
        eq(info["samples"] + info["batches"][0]["duplicates"], 720)
