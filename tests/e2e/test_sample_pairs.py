"""The committed preference set (sample-data/pairs.jsonl and its labels) is
exactly what sample-data/make-pairs.py makes with the command in its own
documentation; the records have the preference shape, the labels agree with
them, and the models differ in quality as documented."""
import collections
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, SAMPLE_DATA, Workdir, check, eq  # noqa: E402

GEN = os.path.join(SAMPLE_DATA, "make-pairs.py")
KEYS = ["id", "prompt", "chosen", "rejected", "chosen_model", "rejected_model"]
MODELS = ["sable-70b", "wren-8b", "moth-1b"]


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def committed():
    return (jsonl(os.path.join(SAMPLE_DATA, "pairs.jsonl")),
            jsonl(os.path.join(SAMPLE_DATA, "pairs-labels.jsonl")))


def test_committed_pairs_match_the_documented_command():
    with open(GEN, encoding="utf-8") as f:
        doc = f.read()
    m = re.search(r"python3 sample-data/make-pairs.py (.*?) \\\\\n\s*(--labels .*?) "
                  r"> sample-data/pairs.jsonl", doc)
    check(m, "make-pairs.py documents no command")
    args = (m.group(1) + " " + m.group(2)).split()
    with Workdir() as w:
        labels = os.path.join(w.path, "labels.jsonl")
        args[args.index("--labels") + 1] = labels
        out = subprocess.run([sys.executable, GEN, *args], capture_output=True,
                             check=True).stdout
        with open(os.path.join(SAMPLE_DATA, "pairs.jsonl"), "rb") as f:
            check(out == f.read(), "pairs.jsonl differs from what the command makes")
        with open(labels, "rb") as a, \
                open(os.path.join(SAMPLE_DATA, "pairs-labels.jsonl"), "rb") as b:
            check(a.read() == b.read(), "pairs-labels.jsonl differs")


def test_pairs_have_the_preference_shape():
    recs, labels = committed()
    eq(len(recs), 60)
    eq(len({r["prompt"] for r in recs}), 60, "prompts repeat")
    for r in recs:
        eq(list(r), KEYS)
        check(r["chosen"] != r["rejected"], r["id"])
        check(r["chosen_model"] != r["rejected_model"], r["id"])
        check({r["chosen_model"], r["rejected_model"]} <= set(MODELS), r["id"])
    eq([r["id"] for r in recs], [lab["id"] for lab in labels])


def test_labels_agree_with_the_records():
    recs, labels = committed()
    mislabelled = 0
    for r, lab in zip(recs, labels):
        side = "rejected" if lab["mislabelled"] else "chosen"
        mislabelled += lab["mislabelled"]
        eq(lab["better_model"], r[side + "_model"], r["id"])
        better, worse = (lab["flaws"][side],
                         lab["flaws"]["chosen" if side == "rejected" else "rejected"])
        # the better answer is clean, or both are flawed
        check(not better or worse, f"{r['id']}: a flawed answer beat a clean one")
        for s in ("chosen", "rejected"):
            if "refusal" in lab["flaws"][s]:
                check(r[s].startswith(("I'm sorry", "As an AI")), r["id"])
            if "hedging" in lab["flaws"][s]:
                check(r[s].startswith(("I'm not completely sure", "This may possibly")),
                      r["id"])
    check(3 <= mislabelled <= 15, f"{mislabelled} mislabelled pairs")


def test_models_differ_in_quality():
    recs, labels = committed()
    wins, games = collections.Counter(), collections.Counter()
    for r, lab in zip(recs, labels):
        games[r["chosen_model"]] += 1
        games[r["rejected_model"]] += 1
        wins[lab["better_model"]] += 1
    eq(dict(games), {m: 40 for m in MODELS})
    check(wins["sable-70b"] > wins["wren-8b"] > wins["moth-1b"], str(wins))
