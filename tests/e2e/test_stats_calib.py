"""End-to-end tests of `assay stats --scorers` on thousands of samples:
every figure checked against a value computed here independently."""
import json
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Workdir, check, eq, put_score  # noqa: E402
from test_stats import T0, stats  # noqa: E402


def auc_ranked(bad, good):
    """The AUC by midranks (the Mann-Whitney U), for sets too large to
    compare pair by pair."""
    allv = sorted([(x, 1) for x in bad] + [(y, 0) for y in good])
    rank_sum, i = 0.0, 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # ranks i+1 .. j
        rank_sum += mid * sum(1 for k in range(i, j) if allv[k][1] == 0)
        i = j
    n, m = len(good), len(bad)
    u_good = rank_sum - n * (n + 1) / 2  # pairs where a kept sample scores higher
    return u_good / (m * n)


def test_scorer_calibration_of_thousands_matches_hand_computation():
    """Thousands of samples (the DeLong interval, values sorted by counting
    where a scorer gives few distinct values and by the radix sort where it
    gives many), three verdict classes: both AUCs, the flag's counts and
    the 95% precision threshold computed here."""
    rnd = random.Random(11)
    n = 12000
    kinds = ["accepted", "edited", "rejected"]
    verdicts = [rnd.choice(kinds) for _ in range(n)]
    vals = {"gopher": [], "artifacts": []}
    flags = {"gopher": [], "artifacts": []}
    for i, v in enumerate(verdicts):
        bad = v == "rejected"
        few = round(min(1.0, max(0.0, rnd.gauss(0.45 if bad else 0.6, 0.2))), 1)
        many = rnd.random() * (0.7 if bad else 1.0)
        if i % 50 == 0:
            many = -0.0 if i % 100 else 0.0  # zeros of both signs among the many
        vals["gopher"].append(few)
        vals["artifacts"].append(many)
        flags["gopher"].append(few < 0.3)
        flags["artifacts"].append(many < 0.2)
    with Workdir() as w:
        recs = [json.dumps({"id": f"s{i}", "caption": f"caption number {i} of the set"})
                for i in range(n)]
        r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
        eq(r.code, 0, r)
        con = sqlite3.connect(w.db)
        ids = dict(con.execute("SELECT ext_id, id FROM samples"))
        ann = con.execute("INSERT INTO annotators(name, first_seen) VALUES ('ann', 0)").lastrowid
        kind = {"accepted": "accept", "edited": "edit", "rejected": "reject"}
        for i, v in enumerate(verdicts):
            sid = ids[f"s{i}"]
            ev = con.execute("INSERT INTO events(sample_id, annotator_id, kind, at, ms_spent)"
                             " VALUES (?,?,?,?,1000)", (sid, ann, kind[v], T0 + i)).lastrowid
            con.execute("INSERT INTO decisions(sample_id, annotator_id, verdict, event_id,"
                        " decided_at, ms_spent) VALUES (?,?,?,?,?,1000)",
                        (sid, ann, v, ev, T0 + i))
            for k in vals:
                put_score(con, sid, k, vals[k][i], flags[k][i])
        con.commit()
        con.close()
        out = {s["scorer"]: s for s in stats(w, "--scorers")["scorers"]}
        for k in vals:
            rep = out[k]
            eq(rep["samples"], n)
            bad = [x for x, v in zip(vals[k], verdicts) if v == "rejected"]
            good = [x for x, v in zip(vals[k], verdicts) if v != "rejected"]
            eq(rep["rejected"], len(bad))
            check(abs(rep["auc_reject"]["auc"] - auc_ranked(bad, good)) < 1e-9,
                  (k, rep["auc_reject"]))
            eq(rep["auc_reject"]["method"], "delong")
            bad2 = [x for x, v in zip(vals[k], verdicts) if v != "accepted"]
            good2 = [x for x, v in zip(vals[k], verdicts) if v == "accepted"]
            check(abs(rep["auc_reject_or_edit"]["auc"] - auc_ranked(bad2, good2)) < 1e-9,
                  (k, rep["auc_reject_or_edit"]))
            tp = sum(1 for f, v in zip(flags[k], verdicts) if f and v == "rejected")
            fp = sum(1 for f, v in zip(flags[k], verdicts) if f and v != "rejected")
            check(abs(rep["at_flag"]["precision"] - tp / (tp + fp)) < 1e-9, (k, rep["at_flag"]))
            # flag everything below t: the largest count of rejected at >= 95% precision
            best, best_t = 0, None
            pairs = sorted(zip(vals[k], (v == "rejected" for v in verdicts)))
            nb = ng = 0
            for j, (x, b) in enumerate(pairs):
                nb += b
                ng += not b
                if j + 1 < len(pairs) and pairs[j + 1][0] == x:
                    continue
                if nb and nb / (nb + ng) >= 0.95 and nb > best:
                    best, best_t = nb, x
            if best:
                check(abs(rep["at_95_precision"]["recall"] - best / len(bad)) < 1e-9,
                      (k, rep["at_95_precision"]))
                check(rep["at_95_precision"]["threshold"] > best_t)
            else:
                eq(rep["at_95_precision"]["threshold"], None)
