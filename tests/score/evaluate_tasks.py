#!/usr/bin/env python3
"""evaluate_tasks.py — how well the scorers find the task-level flaws planted
in sample-data/tasks.jsonl and chat.jsonl (labels: tasks-labels.jsonl).

Imports each file into its own temporary database with `assay import` (the
built-in scorers run as after any import) and reports, per file, ROC AUC of
each scorer's value and of the combined score for "has a planted flaw" (a
scorer with no score for a sample counts as 1, clean), plus what each flag
lands on. A file the binary cannot import counts no samples. Usage:
    python3 tests/score/evaluate_tasks.py [--bin build/src/cli/assay] [--markdown]
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate import DATA, ROOT, auc, score_functions  # noqa: E402

SETS = ("tasks.jsonl", "chat.jsonl")


def labels():
    with open(os.path.join(DATA, "tasks-labels.jsonl")) as f:
        return {x["id"]: set(x["flaws"]) for x in map(json.loads, f)}


def evaluate_file(binary, name, lab):
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "e.db")
        env = dict(os.environ)
        env.pop("XDG_CONFIG_HOME", None)
        p = subprocess.run([binary, "--db", db, "import", "--quiet", os.path.join(DATA, name)],
                           capture_output=True, text=True, env=env, cwd=d)
        if not os.path.exists(db):
            return {"samples": 0, "exit": p.returncode}
        con = score_functions(sqlite3.connect(db))
        ids = {i: e for i, e in con.execute("SELECT id, ext_id FROM samples")}
        quality = {ids[i]: q for i, q in con.execute("SELECT id, quality FROM samples JOIN sample_quality ON sample_id = id")}
        scores, flags = {}, {}
        for sid, scorer, v, fl in con.execute(
                "SELECT sample_id, scorer, value, flagged FROM scores"):
            scores.setdefault(scorer, {})[ids[sid]] = 1.0 if v is None else v
            if fl:
                flags.setdefault(scorer, set()).add(ids[sid])
        con.close()
    present = sorted(quality)
    out = {"samples": len(present), "exit": p.returncode,
           "flawed": sum(1 for k in present if lab[k]),
           "quality": auc([quality[k] or 0 for k in present if lab[k]],
                          [quality[k] or 0 for k in present if not lab[k]]),
           "scorers": {}}
    for name_, vals in sorted(scores.items()):
        pos = [vals.get(k, 1.0) for k in present if lab[k]]
        neg = [vals.get(k, 1.0) for k in present if not lab[k]]
        f = flags.get(name_, set())
        out["scorers"][name_] = {"auc": auc(pos, neg), "flagged": len(f),
                                 "on_flawed": sum(1 for k in f if lab[k])}
    return out


def fmt(x):
    return "-" if x != x else f"{x:.3f}"


def markdown(before, after):
    lines = []
    for name in SETS:
        b, a = before[name], after[name]
        lines.append(f"`{name}`: {a['samples']} samples ({a.get('flawed', 0)} flawed) after; "
                     f"before: {b['samples']} samples imported (exit {b['exit']}).\n")
        lines.append("| scorer | ROC AUC before | ROC AUC after | flagged after (on a flawed sample) |")
        lines.append("|---|---:|---:|---:|")
        names = sorted(set(a.get("scorers", {})) | set(b.get("scorers", {})))
        for s in names:
            sb = b.get("scorers", {}).get(s)
            sa = a.get("scorers", {}).get(s)
            lines.append(f"| `{s}` | {fmt(sb['auc']) if sb else '-'} | "
                         f"{fmt(sa['auc']) if sa else '-'} | "
                         f"{sa['flagged'] if sa else '-'} ({sa['on_flawed'] if sa else '-'}) |")
        lines.append(f"| combined score | {fmt(b.get('quality', float('nan')))} | "
                     f"{fmt(a.get('quality', float('nan')))} | |")
        lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "src", "cli", "assay"))
    ap.add_argument("--before", help="a build from before: report both")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    lab = labels()
    after = {n: evaluate_file(os.path.abspath(a.bin), n, lab) for n in SETS}
    if a.before:
        before = {n: evaluate_file(os.path.abspath(a.before), n, lab) for n in SETS}
    else:
        before = {n: {"samples": 0, "exit": 0} for n in SETS}
    if a.markdown:
        print(markdown(before, after))
    else:
        json.dump({"before": before, "after": after}, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
