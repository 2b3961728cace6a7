#!/usr/bin/env python3
"""evaluate.py — how well the scorers find the flaws planted in sample-data/.

Imports sample-data/captions.jsonl and instructions.jsonl into a temporary
database with the real binary (the built-in scorers run during import), then
compares the stored scores with sample-data/labels.jsonl:

  * ROC AUC of the combined score (sample_quality.quality) for "has a planted flaw"
    (Mann-Whitney, ties counted half), over every sample in the database;
  * per scorer, precision and recall of its flag against the flaws it is
    meant to find, and the precision against any planted flaw;
  * near-duplicate recall: planted near-duplicates flagged by neardup.

Exact duplicates are dropped at import and never reach the scorers, so they
are left out. Usage:
    python3 tests/score/evaluate.py [--bin build/src/cli/assay] [--markdown]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import score_functions  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "sample-data")

# The planted flaws each scorer is meant to find.
TARGETS = {
    "length": set(),
    "gopher": set(),
    "repetition": {"repetition"},
    "artifacts": {"refusal", "meta_commentary", "placeholder", "formatting", "prompt_leak"},
    "truncation": {"truncation"},
    "charset": {"mojibake", "hostile"},
    "hedging": {"hedging"},
    "neardup": {"near_duplicate"},
    "field": set(),
}


def auc(pos, neg):
    """P(a flawed sample scores lower than a clean one), ties half."""
    if not pos or not neg:
        return float("nan")
    neg = sorted(neg)
    import bisect
    total = 0.0
    for p in pos:
        lo = bisect.bisect_left(neg, p)
        hi = bisect.bisect_right(neg, p)
        total += (len(neg) - hi) + 0.5 * (hi - lo)
    return total / (len(pos) * len(neg))


def run(binary, db, *args, env=None):
    e = dict(os.environ)
    e.pop("XDG_CONFIG_HOME", None)
    e.update(env or {})
    p = subprocess.run([binary, "--db", db, *args], capture_output=True, text=True, env=e,
                       cwd=os.path.dirname(db))
    if p.returncode != 0:
        raise RuntimeError(f"assay {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def evaluate(binary, field=None):
    labels = {}
    with open(os.path.join(DATA, "labels.jsonl")) as f:
        for line in f:
            x = json.loads(line)
            labels[x["id"]] = x
    with tempfile.TemporaryDirectory(prefix="assay-eval-") as d:
        db = os.path.join(d, "eval.db")
        run(binary, db, "import", "--quiet", os.path.join(DATA, "captions.jsonl"),
            os.path.join(DATA, "instructions.jsonl"))
        if field:
            run(binary, db, "score", "--quiet", "--scorer", "field", "--score-field", field)
        con = score_functions(sqlite3.connect(db))
        quality = dict(con.execute("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id"))
        rows = con.execute("SELECT s.ext_id, sc.scorer, sc.value, sc.flagged FROM scores sc"
                           " JOIN samples s ON s.id = sc.sample_id").fetchall()
        con.close()
    flaws = {k: set(labels[k]["flaws"]) for k in quality}
    out = {"samples": len(quality),
           "flawed": sum(1 for k in quality if flaws[k]),
           "hallucination_only": sum(1 for k in quality if flaws[k] == {"hallucination"})}
    pos = [quality[k] for k in quality if flaws[k]]
    neg = [quality[k] for k in quality if not flaws[k]]
    out["auc"] = auc(pos, neg)
    pos2 = [quality[k] for k in quality if flaws[k] and flaws[k] != {"hallucination"}]
    out["auc_detectable"] = auc(pos2, neg)
    per = {}
    for k, scorer, value, flagged in rows:
        per.setdefault(scorer, {})[k] = (value, flagged)
    out["scorers"] = {}
    for scorer, got in sorted(per.items()):
        target = TARGETS.get(scorer, set())
        flagged = {k for k, (_, f) in got.items() if f}
        relevant = {k for k in got if flaws[k] & target}
        tp = flagged & relevant
        out["scorers"][scorer] = {
            "flagged": len(flagged),
            "targets": ", ".join(sorted(target)) or "-",
            "precision": len(tp) / len(flagged) if flagged and target else None,
            "recall": len(tp) / len(relevant) if relevant else None,
            "relevant": len(relevant),
            "found": len(tp),
            "precision_any": (sum(1 for k in flagged if flaws[k]) / len(flagged)
                              if flagged else None),
        }
    nd = per.get("neardup", {})
    planted = [k for k in nd if "near_duplicate" in flaws[k]]
    out["neardup_recall"] = (sum(1 for k in planted if nd[k][1]) / len(planted)
                             if planted else float("nan"))
    out["neardup_planted"] = len(planted)
    originals = {labels[k]["of"] for k in planted}
    out["neardup_originals_flagged"] = sum(1 for k in originals if k in nd and nd[k][1])
    return out


def learned_half(binary, seed=0):
    """The learned scorer against the rule scorers on verdicts it never saw:
    every sample of sample-data is decided as its labels say, but only half
    of them (every other sample in import order, or the other half with
    seed=1) are given to `assay learn`; AUCs are over the held-out half."""
    labels = {}
    with open(os.path.join(DATA, "labels.jsonl")) as f:
        for line in f:
            x = json.loads(line)
            labels[x["id"]] = set(x["flaws"])
    with tempfile.TemporaryDirectory(prefix="assay-eval-") as d:
        db = os.path.join(d, "eval.db")
        run(binary, db, "import", "--quiet", os.path.join(DATA, "captions.jsonl"),
            os.path.join(DATA, "instructions.jsonl"))
        con = score_functions(sqlite3.connect(db))
        order = [k for (k,) in con.execute("SELECT ext_id FROM samples ORDER BY id")]
        rules = dict(con.execute("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id"))
        con.close()
        train = order[seed::2]
        held = [k for k in order if k not in set(train)]
        lines = []
        for k in train:
            v = {"id": k, "verdict": "reject" if labels[k] else "accept"}
            if labels[k]:
                v["reason"] = sorted(labels[k])[0]
            lines.append(json.dumps(v))
        path = os.path.join(d, "verdicts.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        run(binary, db, "decide", "--annotator", "eval", "--from", path)
        info = json.loads(run(binary, db, "learn", "--json"))
        run(binary, db, "score", "--quiet")
        con = score_functions(sqlite3.connect(db))
        learned = dict(con.execute("SELECT s.ext_id, sc.value FROM scores sc JOIN samples s "
                                   "ON s.id = sc.sample_id WHERE sc.scorer = 'learned'"))
        con.close()
    out = {"trained": len(train), "held": len(held),
           "oof": info["out_of_fold_auc"]["auc"]}
    for name, values in (("learned", learned), ("rules", rules)):
        out[name] = auc([values[k] for k in held if labels[k]],
                        [values[k] for k in held if not labels[k]])
        out[name + "_detectable"] = auc(
            [values[k] for k in held if labels[k] and labels[k] != {"hallucination"}],
            [values[k] for k in held if not labels[k]])
    return out


def fmt(x):
    return "-" if x is None else f"{x:.2f}"


def markdown(base, with_field, field):
    lines = [
        f"Samples in the database: {base['samples']} ({base['flawed']} with a planted flaw, "
        f"{base['hallucination_only']} of them only a hallucination, which no built-in rule "
        "can see).",
        "",
        "| combined score | ROC AUC, any planted flaw | ROC AUC, hallucination-only left out |",
        "|---|---:|---:|",
        f"| built-in scorers (import defaults) | {base['auc']:.3f} | {base['auc_detectable']:.3f} |",
    ]
    if with_field:
        lines.append(f"| built-ins + `field` on `{field}` | {with_field['auc']:.3f} | "
                     f"{with_field['auc_detectable']:.3f} |")
    lines += ["", "| scorer | meant to find | flagged | precision | recall | "
              "precision (any flaw) |", "|---|---|---:|---:|---:|---:|"]
    for name, s in base["scorers"].items():
        rec = f"{fmt(s['recall'])} ({s['found']}/{s['relevant']})" if s["relevant"] else "-"
        lines.append(f"| `{name}` | {s['targets']} | {s['flagged']} | {fmt(s['precision'])} | "
                     f"{rec} | {fmt(s['precision_any'])} |")
    lines += ["", f"Near-duplicate recall: {base['neardup_recall']:.2f} "
              f"({round(base['neardup_recall'] * base['neardup_planted'])} of "
              f"{base['neardup_planted']} planted near-duplicates flagged; "
              f"{base['neardup_originals_flagged']} of their originals flagged)."]
    return "\n".join(lines)


def markdown_learned(halves):
    lines = ["| trained on | held out | `learned`, any flaw | rule scorers' combined, any flaw | "
             "`learned`, hallucination-only left out | rules, hallucination-only left out | "
             "`learn`'s own out-of-fold figure |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for i, h in enumerate(halves):
        lines.append(f"| half {'AB'[i]} ({h['trained']} verdicts) | {h['held']} | "
                     f"{h['learned']:.3f} | {h['rules']:.3f} | {h['learned_detectable']:.3f} | "
                     f"{h['rules_detectable']:.3f} | {h['oof']:.3f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.environ.get(
        "ASSAY_BIN", os.path.join(ROOT, "build", "src", "cli", "assay")))
    ap.add_argument("--field", default="logprob",
                    help="also report the combined score with this field scorer")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--learned", action="store_true",
                    help="instead: the learned scorer trained on half of the labels")
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    if a.learned:
        halves = [learned_half(a.bin, seed) for seed in (0, 1)]
        if a.markdown:
            print(markdown_learned(halves))
        else:
            json.dump(halves, sys.stdout, indent=2)
            print()
        return
    base = evaluate(a.bin)
    with_field = evaluate(a.bin, a.field) if a.field else None
    if a.markdown:
        print(markdown(base, with_field, a.field))
    else:
        json.dump({"builtins": base, "with_field": with_field}, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
