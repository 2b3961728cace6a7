"""End-to-end tests of the review engine's non-interactive driver
(`assay review --script`) where PostgreSQL differs from SQLite: pairs
decided by preference through the queue, on both stores alike."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, Workdir, contains, eq  # noqa: E402
import test_pg_store as pgs  # noqa: E402

PAIRS = os.path.join(ROOT, "sample-data", "pairs.jsonl")
PREFS = ("prefer a", "prefer b because clearer", "prefer tie", "prefer both-bad",
         "prefer both-bad both wrong")


def prefer_session(w):
    """Two annotators prefer through the queue (overlap 2), one undoes; then
    what the preferences give: stats --pairs and the DPO export."""
    out = {}
    r = w.run("import", "--no-score", "--batch", "p", PAIRS)
    eq(r.code, 0, r)
    for name, step in (("ann", 0), ("bob", 2)):
        lines = []
        for i in range(24):
            lines += ["next", PREFS[(i + step) % len(PREFS)]]
        lines.append("undo")
        r = w.run("review", "--script", "--order", "import", "--overlap", "2",
                  stdin="\n".join(lines) + "\n", env={"ASSAY_ANNOTATOR": name})
        eq(r.code, 0, r)
        out["script " + name] = r.out
    # a pair takes a preference, not a plain verdict; a preference a pair only
    r = w.run("review", "--script", "--order", "import", stdin="next\naccept\n",
              env={"ASSAY_ANNOTATOR": "cy"})
    out["accept on a pair"] = (r.code, r.err)
    r = w.run("review", "--script", stdin="next\nprefer maybe\n", env={"ASSAY_ANNOTATOR": "cy"})
    out["bad preference"] = (r.code, r.err)
    for args in ((), ("--annotator", "bob"), ("--format", "json")):
        r = w.run("stats", "--pairs", *args)
        out["stats" + " ".join(args)] = (r.code, r.out, r.err)
    for args in (("--status", "all"), ("--resolve", "majority", "--with", "tie,both-bad")):
        r = w.run("export", "--format", "dpo", "--output", "-", *args)
        out["dpo" + " ".join(args)] = (r.code, r.out, r.err)
    return out


def check_prefer(out):
    ann = out["script ann"].splitlines()
    eq(ann[:4], ["sample 1", "decided 1 accepted a", "sample 2", "decided 2 accepted b"])
    eq(ann[5:8], ["decided 3 accepted tie", "sample 4", "decided 4 rejected both-bad"])
    eq(ann[-1], "undone 24")
    eq(out["script bob"].splitlines()[1], "decided 1 accepted tie")
    eq(out["accept on a pair"][0], 2, out["accept on a pair"])
    contains(out["accept on a pair"][1], "decide it with prefer")
    eq(out["bad preference"][0], 2, out["bad preference"])
    contains(out["bad preference"][1], "line 2: prefer: expected a, b, tie or both-bad")
    stats = out["stats--format json"]
    eq(stats[0], 0, stats)
    contains(stats[1], '"both_bad"')
    contains(out["dpo--status all"][2], "37 undecided, 23 where annotators disagree")


def test_prefer_through_the_script_on_sqlite():
    with Workdir() as w:
        check_prefer(prefer_session(w))


def test_prefer_through_the_script_same_on_postgresql():
    uri = pgs.server()
    if not uri:
        return
    with Workdir() as lite:
        a = prefer_session(lite)
    w = pgs.pg_workdir(uri, "prefer")
    try:
        b = prefer_session(w)
    finally:
        pgs.psql(w.base, f"DROP SCHEMA IF EXISTS {w.schema} CASCADE")
        w.__exit__(None, None, None)
    check_prefer(b)
    eq(sorted(b), sorted(a))
    for k in a:
        eq(pgs.normal(b[k]), pgs.normal(a[k]), k)
