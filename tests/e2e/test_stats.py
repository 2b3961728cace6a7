"""End-to-end tests of `assay stats`: every figure checked against a value
computed here independently (Wilson intervals, medians, kappas, alpha, AUC)."""
import csv
import io
import json
import math
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, check, contains, eq, put_score  # noqa: E402

DAY = 86400000
T0 = 1767225600000  # 2026-01-01T00:00:00Z


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h) if k else 0.0, min(1.0, c + h) if k < n else 1.0


def build(w, decisions, models=None, scores=None):
    """Imports len(models) samples and writes decisions the way the review
    screen records them: one event and one decision row per verdict.
    decisions: (sample_index, annotator, verdict, reason, ms, day)."""
    n = max(d[0] for d in decisions) + 1 if decisions else 3
    models = models or ["m1"] * n
    recs = [json.dumps({"id": f"s{i}", "caption": f"caption number {i} of the set",
                        "meta": {"model": models[i], "kind": "video" if i % 2 else "image"}})
            for i in range(len(models))]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)
    con = sqlite3.connect(w.db)
    ann = {}
    kind = {"accepted": "accept", "edited": "edit", "rejected": "reject"}
    for i, (si, a, verdict, reason, ms, day) in enumerate(decisions):
        if a not in ann:
            ann[a] = con.execute("INSERT INTO annotators(name, first_seen) VALUES (?, 0)",
                                 (a,)).lastrowid
        sid = con.execute("SELECT id FROM samples WHERE ext_id = ?", (f"s{si}",)).fetchone()[0]
        at = T0 + day * DAY + i
        ev = con.execute("INSERT INTO events(sample_id, annotator_id, kind, text, reason, at,"
                         " ms_spent) VALUES (?,?,?,?,?,?,?)",
                         (sid, ann[a], kind[verdict], "edited text" if verdict == "edited" else None,
                          reason, at, ms)).lastrowid
        con.execute("INSERT INTO decisions(sample_id, annotator_id, verdict, text, reason, event_id,"
                    " decided_at, ms_spent, edit_distance, words) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (sid, ann[a], verdict, "edited text" if verdict == "edited" else None, reason,
                     ev, at, ms, 2 if verdict == "edited" else None,
                     8 if verdict == "edited" else None))
    for (si, scorer, value, flagged) in scores or []:
        sid = con.execute("SELECT id FROM samples WHERE ext_id = ?", (f"s{si}",)).fetchone()[0]
        put_score(con, sid, scorer, value, flagged)
    con.commit()
    con.close()


def stats(w, *args):
    r = w.run("stats", "--format", "json", *args)
    eq(r.code, 0, r)
    return json.loads(r.out)


def test_rates_with_wilson_intervals_and_medians():
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 4000, 0), (1, "ann", "rejected", "hallucination", 6000, 0),
             (2, "ann", "edited", None, 10000, 1), (3, "ann", "rejected", "repetition", 2000, 1),
             (4, "bob", "accepted", None, 3000, 0)]
        build(w, d)
        out = stats(w, "--by", "annotator")
        groups = {g["annotator"]: g for g in out["groups"]}
        a = groups["ann"]
        eq((a["decided"], a["accepted"], a["edited"], a["rejected"]), (4, 1, 1, 2))
        lo, hi = wilson(2, 4)
        check(abs(a["reject_rate"]["rate"] - 0.5) < 1e-9)
        check(abs(a["reject_rate"]["lo"] - lo) < 1e-9 and abs(a["reject_rate"]["hi"] - hi) < 1e-9,
              a["reject_rate"])
        eq(a["median_seconds"], 5.0)  # median of 2, 4, 6, 10
        eq(a["per_hour"], 720.0)
        eq(a["edit_distance"], 2.0)
        eq(a["words_changed_share"], 0.25)
        b = groups["bob"]
        eq(b["reject_rate"]["rate"], 0.0)
        eq(b["reject_rate"]["lo"], 0.0)  # a group of one, nothing rejected
        lo, hi = wilson(0, 1)
        check(abs(b["reject_rate"]["hi"] - hi) < 1e-9)
        eq(b["edit_distance"], None)
        eq(out["total"]["decided"], 5)


def test_group_keys_reason_day_week_model_field_and_cross():
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 1000, 0), (1, "ann", "rejected", "hallucination", 1000, 0),
             (2, "bob", "rejected", "hallucination", 1000, 8), (3, "bob", "rejected", "other", 1000, 8)]
        build(w, d, models=["m1", "m2", "m2", "m1"])
        g = {x["reason"] or x["reason_none"]: x["decided"]
             for x in stats(w, "--by", "reason")["groups"]}
        eq(g, {"hallucination": 2, "other": 1, "not rejected": 1})
        g = {x["day"]: x["decided"] for x in stats(w, "--by", "day")["groups"]}
        eq(g, {"2026-01-01": 2, "2026-01-09": 2})
        g = {x["week"]: x["decided"] for x in stats(w, "--by", "week")["groups"]}
        eq(g, {"2026-W01": 2, "2026-W02": 2})
        for order in (["day", "week"], ["week", "day"]):  # each keeps its own form
            cross = stats(w, "--by", order[0], "--by", order[1])["groups"]
            eq(sorted((x["day"], x["week"], x["decided"]) for x in cross),
               [("2026-01-01", "2026-W01", 2), ("2026-01-09", "2026-W02", 2)])
        g = {x["meta.model"]: x["rejected"] for x in stats(w, "--by", "model")["groups"]}
        eq(g, {"m1": 1, "m2": 2})
        g = {x["meta.kind"]: x["decided"] for x in stats(w, "--by", "meta.kind")["groups"]}
        eq(g, {"image": 2, "video": 2})
        cross = stats(w, "--by", "annotator", "--by", "model")["groups"]
        eq([(x["annotator"], x["meta.model"], x["decided"]) for x in cross],
           [("ann", "m1", 1), ("ann", "m2", 1), ("bob", "m1", 1), ("bob", "m2", 1)])
        eq(stats(w, "--since", "2026-01-05")["total"]["decided"], 2)
        eq(stats(w, "--until", "2026-01-05")["total"]["decided"], 2)
        eq(stats(w, "--annotator", "bob")["total"]["decided"], 2)
        r = w.run("stats", "--by", "planet")
        eq(r.code, 2)
        r = w.run("stats", "--since", "yesterday")
        eq(r.code, 2)
        r = w.run("stats", "--annotator", "nobody")
        eq(r.code, 66, r)
        r = w.run("stats", "--by", "annotator", "--by", "model")
        eq(r.code, 0, r)
        contains(r.out, "reject rate [95% CI]")
        contains(r.out, "total")
        r = w.run("stats", "--format", "csv")
        eq(r.out.splitlines()[0].split(",")[0], "annotator")


def test_no_decisions_and_one_annotator():
    with Workdir() as w:
        build(w, [])
        r = w.run("stats")
        eq(r.code, 0, r)
        contains(r.out, "no decisions yet")
        out = stats(w, "--agreement")
        eq(out["agreement"]["samples"], 0)
        eq(out["agreement"]["fleiss_kappa"]["value"], None)
        r = w.run("stats", "--agreement")
        contains(r.out, "no sample was decided by two or more annotators")


def cohen(a, b, cats):
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((a.count(c) / n) * (b.count(c) / n) for c in cats)
    return (po - pe) / (1 - pe)


def test_agreement_matches_hand_computation():
    with Workdir() as w:
        # three annotators on four samples, one sample with only two of them
        va = ["accepted", "rejected", "edited", "accepted"]
        vb = ["accepted", "rejected", "accepted", "rejected"]
        vc = ["accepted", "accepted", "edited", None]
        d = []
        for i in range(4):
            for name, v in (("a", va), ("b", vb), ("c", vc)):
                if v[i]:
                    d.append((i, name, v[i], "other" if v[i] == "rejected" else None, 1000, 0))
        build(w, d)
        out = stats(w, "--agreement")["agreement"]
        eq(out["samples"], 4)
        eq(out["annotators"], 3)
        pairs = {(p["a"], p["b"]): p for p in out["pairs"]}
        cats = ["accepted", "edited", "rejected"]
        check(abs(pairs[("a", "b")]["cohen_kappa"]["value"] - cohen(va, vb, cats)) < 1e-9,
              pairs[("a", "b")])
        keep = lambda v: ["k" if x != "rejected" else "r" for x in v]  # noqa: E731
        check(abs(pairs[("a", "b")]["cohen_kappa_keep_reject"]["value"]
                  - cohen(keep(va), keep(vb), ["k", "r"])) < 1e-9)
        eq(pairs[("a", "c")]["cohen_kappa"]["items"], 3)
        # Krippendorff's alpha (nominal) by the coincidence matrix, by hand
        units = [[v[i] for v in (va, vb, vc) if v[i]] for i in range(4)]
        o = {}
        for u in units:
            m = len(u)
            for x in range(m):
                for y in range(m):
                    if x != y:
                        o[(u[x], u[y])] = o.get((u[x], u[y]), 0) + 1 / (m - 1)
        nc = {c: sum(v for (p, _), v in o.items() if p == c) for c in cats}
        n = sum(nc.values())
        do = sum(v for (p, q), v in o.items() if p != q)
        de = sum(nc[p] * nc[q] for p in cats for q in cats if p != q) / (n - 1)
        alpha = 1 - do / de
        check(abs(out["krippendorff_alpha"]["value"] - alpha) < 1e-9,
              (out["krippendorff_alpha"], alpha))
        conflicts = {c["id"]: c for c in out["conflicts"]}
        eq(sorted(conflicts), ["s1", "s2", "s3"])
        eq(conflicts["s2"]["keep_vs_reject"], False)
        eq(conflicts["s1"]["keep_vs_reject"], True)
        r = w.run("stats", "--agreement")
        contains(r.out, "Fleiss' kappa")
        contains(r.out, "Cohen's kappa a / b")
        contains(r.out, "3 conflicting samples")


def auc(scores):
    bad = [s for s, b in scores if b]
    good = [s for s, b in scores if not b]
    tot = sum((x < y) + 0.5 * (x == y) for x in bad for y in good)
    return tot / (len(bad) * len(good))


def test_scorer_calibration_with_ties():
    with Workdir() as w:
        verdicts = ["rejected", "rejected", "accepted", "accepted", "edited", "rejected", "accepted"]
        values = [0.1, 0.4, 0.4, 0.9, 0.7, 0.2, 0.95]
        flags = [1, 0, 1, 0, 0, 1, 0]
        d = [(i, "ann", v, "other" if v == "rejected" else None, 1000, 0)
             for i, v in enumerate(verdicts)]
        sc = [(i, "repetition", values[i], flags[i]) for i in range(7)]
        build(w, d, scores=sc)
        out = stats(w, "--scorers")["scorers"]
        rep = {s["scorer"]: s for s in out}["repetition"]
        eq(rep["samples"], 7)
        eq(rep["rejected"], 3)
        want = auc([(values[i], verdicts[i] == "rejected") for i in range(7)])
        check(abs(rep["auc_reject"]["auc"] - want) < 1e-9, (rep["auc_reject"], want))
        want2 = auc([(values[i], verdicts[i] != "accepted") for i in range(7)])
        check(abs(rep["auc_reject_or_edit"]["auc"] - want2) < 1e-9)
        # the flag: tp = 2 (s0, s5), fp = 1 (s2), fn = 1 (s1)
        check(abs(rep["at_flag"]["precision"] - 2 / 3) < 1e-9, rep["at_flag"])
        check(abs(rep["at_flag"]["recall"] - 2 / 3) < 1e-9)
        eq(rep["at_95_precision"]["precision"], 1.0)
        check(abs(rep["at_95_precision"]["recall"] - 2 / 3) < 1e-9, rep["at_95_precision"])
        r = w.run("stats", "--scorers")
        eq(r.code, 0, r)
        contains(r.out, "repetition")
        contains(r.out, "auto-reject below t")


def test_same_figures_on_one_core_and_on_many():
    """The passes split across reader threads (ranges of samples, one task
    per score) give exactly what one thread gives: every grouping, the
    agreement and the calibration, on a set with several annotators,
    overlapping decisions, skips and scores with ties."""
    import random
    rnd = random.Random(7)
    n = 400
    decisions, scores = [], []
    verdicts = ["accepted", "accepted", "edited", "rejected"]
    for i in range(n):
        for a in rnd.sample(["ann", "bob", "cy", "dee"], rnd.choice([1, 1, 2, 3])):
            v = rnd.choice(verdicts)
            decisions.append((i, a, v, "repetition" if v == "rejected" else None,
                              rnd.randint(1000, 90000), rnd.randint(0, 20)))
        for sc in ("gopher", "length", "artifacts"):
            if rnd.random() < 0.9:
                scores.append((i, sc, round(rnd.random(), 1), rnd.random() < 0.3))
    models = [rnd.choice(["m1", "m2", "m3"]) for _ in range(n)]
    with Workdir() as w:
        build(w, decisions, models=models, scores=scores)
        con = sqlite3.connect(w.db)
        sid = con.execute("SELECT id FROM samples WHERE ext_id = 's5'").fetchone()[0]
        con.execute("UPDATE decisions SET verdict = 'skipped' WHERE sample_id = ?", (sid,))
        con.execute("UPDATE sample_quality SET quality = (sample_id % 7) / 7.0"
                    " WHERE sample_id % 3 > 0")
        con.commit()
        con.close()
        for args in (["--by", "annotator"], ["--by", "model", "--by", "day"],
                     ["--by", "reason"], ["--by", "batch", "--by", "week"],
                     ["--by", "annotator", "--since", "2026-01-05"], ["--agreement"],
                     ["--scorers"], ["--scorers", "--format", "table"]):
            outs = set()
            for threads in ("1", "2", "5"):
                r = w.run("stats", "--format", "json", *args, env={"ASSAY_THREADS": threads})
                eq(r.code, 0, r)
                outs.add(r.out)
            eq(len(outs), 1, f"stats {args} differs between thread counts")
        cal = stats(w, "--scorers")
        check(len(cal["scorers"]) == 4, cal)


def csv_rows(w, *args):
    r = w.run("stats", "--format", "csv", *args)
    eq(r.code, 0, r)
    return list(csv.DictReader(io.StringIO(r.out, newline="")))


def test_none_and_not_rejected_are_groups_of_their_own():
    """A reason literally "(not rejected)" or "(no reason)" and a model
    literally "(none)" are values, not the groups of their own: separate
    rows in JSON (null and a *_none flag), tables (the value quoted) and CSV."""
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 1000, 0), (1, "ann", "rejected", "(not rejected)", 1000, 0),
             (2, "ann", "rejected", None, 1000, 0), (3, "ann", "rejected", "(no reason)", 1000, 0),
             (4, "ann", "rejected", "a\x1fb", 1000, 0), (5, "ann", "rejected", "a", 1000, 0)]
        build(w, d, models=["(none)", None, "(none)", None, "m", "m"])
        g = stats(w, "--by", "reason")["groups"]
        got = sorted((x["reason"], x.get("reason_none"), x["decided"]) for x in g
                     if x["reason"] is not None)
        eq(got, [("(no reason)", None, 1), ("(not rejected)", None, 1), ("a", None, 1),
                 ("a\x1fb", None, 1)])
        eq(sorted((x["reason_none"], x["decided"]) for x in g if x["reason"] is None),
           [("no reason", 1), ("not rejected", 1)])
        g = stats(w, "--by", "model")["groups"]
        eq(sorted(((x["meta.model"], x.get("meta.model_none"), x["decided"]) for x in g),
                  key=str), [("(none)", None, 2), ("m", None, 2), (None, "missing", 2)])
        r = w.run("stats", "--by", "model")
        lines = r.out.splitlines()
        eq(len([ln for ln in lines if ln.startswith('"(none)"')]), 1, r.out)
        eq(len([ln for ln in lines if ln.startswith("(none) ")]), 1, r.out)
        rows = csv_rows(w, "--by", "model")
        eq(sorted(x["meta.model"] for x in rows), ['"(none)"', "(none)", "m"])
        r = w.run("stats", "--by", "reason")
        eq(len([ln for ln in r.out.splitlines() if ln.startswith("(not rejected) ")]), 1, r.out)
        eq(len([ln for ln in r.out.splitlines() if ln.startswith('"(not rejected)" ')]), 1)


def test_csv_and_tables_never_carry_escapes_or_formulas():
    """Names from the data (annotators, reasons, models) reach every CSV
    (groups, agreement, scorers) with controls shown as placeholders and a
    ' before a leading = + - @; tables show them as the screen does."""
    evil = "=HYPERLINK(\"x\")\x1b]52;c;ZXZpbA==\x07\x1b]0;t\x07\u009b"
    with Workdir() as w:
        d = [(0, evil, "rejected", "@SUM(A1)\x1b[2J", 1000, 0), (0, "bob", "accepted", None, 1000, 0),
             (1, evil, "accepted", None, 1000, 0), (1, "bob", "accepted", None, 1000, 0)]
        build(w, d, models=["-1+2", "m"], scores=[(0, "repetition", 0.2, 1),
                                                   (1, "repetition", 0.9, 0)])
        for args in (["--by", "annotator"], ["--by", "reason"], ["--by", "model"],
                     ["--agreement"], ["--scorers"]):
            for fmt in ("csv", "table"):
                r = w.run("stats", "--format", fmt, *args)
                eq(r.code, 0, r)
                bad = [c for c in r.out if (ord(c) < 0x20 and c not in "\r\n")
                       or 0x7f <= ord(c) <= 0x9f]
                eq(bad, [], (args, fmt, r.out))
        rows = csv_rows(w, "--by", "annotator")
        eq(sorted(x["annotator"] for x in rows),
           ["'=HYPERLINK(\"x\")^[]52;c;ZXZpbA==^G^[]0;t^G<U+009B>", "bob"])
        eq([x["reason"] for x in csv_rows(w, "--by", "reason") if x["reason"].startswith("'")],
           ["'@SUM(A1)^[[2J"])
        eq(sorted(x["meta.model"] for x in csv_rows(w, "--by", "model")), ["'-1+2", "m"])
        r = w.run("stats", "--format", "csv", "--agreement")
        contains(r.out, "'=HYPERLINK(")
        r = w.run("stats", "--format", "csv", "--csv-raw", "--by", "annotator")
        contains(r.out, "\x1b]52;c;ZXZpbA==\x07")


def test_csv_has_one_number_per_column():
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 4000, 0), (1, "ann", "rejected", "other", 6000, 0),
             (2, "ann", "edited", None, 10000, 1), (3, "bob", "rejected", "other", 2000, 1)]
        build(w, d)
        rows = csv_rows(w, "--by", "annotator")
        for col in ("decided", "rejected", "reject_rate", "reject_rate_low", "reject_rate_high",
                    "reject_rate_n", "edit_rate", "edit_rate_low", "edit_rate_high",
                    "edit_rate_n", "median_seconds", "per_hour"):
            for x in rows:
                float(x[col])  # a number, nothing packed
        ann = {x["annotator"]: x for x in rows}["ann"]
        lo, hi = wilson(1, 3)
        check(abs(float(ann["reject_rate"]) - 1 / 3) < 1e-5, ann)
        check(abs(float(ann["reject_rate_low"]) - lo) < 1e-5 and
              abs(float(ann["reject_rate_high"]) - hi) < 1e-5, ann)
        eq(ann["reject_rate_n"], "3")
        eq({x["annotator"]: x["edit_distance"] for x in rows}["bob"], "")  # undefined: empty
        rows = csv_rows(w, "--scorers")
        eq(list(rows), [])
        j = stats(w)["groups"][0]["reject_rate"]
        eq(j["n"], 3)


def test_by_reason_shows_shares_of_rejections_and_of_decisions():
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 1000, 0), (1, "ann", "rejected", "blurry", 1000, 0),
             (2, "ann", "rejected", "blurry", 1000, 0), (3, "ann", "rejected", "other", 1000, 0),
             (4, "bob", "rejected", "other", 1000, 0), (5, "bob", "edited", None, 1000, 0)]
        build(w, d)
        g = {x["reason"] or x["reason_none"]: x for x in stats(w, "--by", "reason")["groups"]}
        eq(g["blurry"]["share_of_rejections"]["rate"], 0.5)
        eq(g["blurry"]["share_of_rejections"]["n"], 4)
        check(abs(g["blurry"]["share_of_decisions"]["rate"] - 2 / 6) < 1e-9)
        lo, hi = wilson(2, 4)
        check(abs(g["blurry"]["share_of_rejections"]["lo"] - lo) < 1e-9)
        eq(g["not rejected"]["share_of_rejections"]["rate"], None)
        check(abs(g["not rejected"]["share_of_decisions"]["rate"] - 2 / 6) < 1e-9)
        # a cross table shares within each annotator
        g = {(x["annotator"], x["reason"]): x
             for x in stats(w, "--by", "annotator", "--by", "reason")["groups"]}
        eq(g[("bob", "other")]["share_of_rejections"]["rate"], 1.0)
        eq(g[("bob", "other")]["share_of_decisions"]["rate"], 0.5)
        check(abs(g[("ann", "other")]["share_of_rejections"]["rate"] - 1 / 3) < 1e-9)
        r = w.run("stats", "--by", "reason")
        contains(r.out, "share of rejections")
        blurry = [ln for ln in r.out.splitlines() if ln.startswith("blurry")][0]
        contains(blurry, "50.0% [")
        contains(blurry, "33.3% [")
        check("100.0%" not in r.out, r.out)
        rows = csv_rows(w, "--by", "reason")
        eq({x["reason"]: x["share_of_rejections"] for x in rows}["blurry"], "0.5")


def test_combined_quality_score_has_no_flag_figures():
    with Workdir() as w:
        d = [(i, "ann", "rejected" if i % 2 else "accepted", "other" if i % 2 else None, 1000, 0)
             for i in range(6)]
        build(w, d, scores=[(i, "repetition", i / 10, i % 2) for i in range(6)])
        con = sqlite3.connect(w.db)
        con.execute("UPDATE sample_quality SET quality = (sample_id % 5) / 5.0")
        con.commit()
        con.close()
        q = {s["scorer"]: s for s in stats(w, "--scorers")["scorers"]}["quality"]
        eq((q["at_flag"]["precision"], q["at_flag"]["recall"], q["at_flag"]["f1"]),
           (None, None, None))
        r = w.run("stats", "--scorers")
        for name, want in (("quality", ["-", "-", "-"]), ("repetition", ["1.00", "1.00", "1.00"])):
            tokens = [ln.split() for ln in r.out.splitlines() if ln.startswith(name)][0]
            at = [k for k, t in enumerate(tokens) if t.endswith("]")][0]  # after the AUC interval
            eq(tokens[at + 2:at + 5], want, r.out)
        rep = {x["scorer"]: x for x in csv_rows(w, "--scorers")}
        eq(rep["quality"]["flag_recall"], "")
        eq(rep["repetition"]["flag_recall"], "1")


def whole_pane(t):
    """The pane with the lines scrolled above it."""
    return subprocess.run(["tmux", "-L", t.sock, "capture-pane", "-p", "-S", "-100", "-t", "0"],
                          capture_output=True, text=True, env=t.env).stdout


def test_tables_fit_the_terminal_unless_wide():
    """On a terminal a table drops its least needed columns (and says so)
    rather than wrap; --wide shows them all."""
    with Workdir() as w:
        d = [(i, f"annotator-{i % 3}", "rejected" if i % 3 else "accepted",
              "other" if i % 3 else None, 1000 + i, 0) for i in range(9)]
        d += [(0, "annotator-1", "rejected", "other", 1000, 0),
              (1, "annotator-0", "accepted", None, 1000, 0)]
        build(w, d, scores=[(i, "repetition", i / 10, i % 2) for i in range(9)])
        for args, width in ((["--by", "annotator"], 80), (["--by", "annotator", "--by", "model"], 60),
                            (["--scorers"], 80), (["--by", "reason"], 60), (["--agreement"], 40)):
            cmd = [os.environ.get("ASSAY_BIN", BIN), "--db", w.db, "stats", *args]
            with Tmux(cmd, width=width, height=40) as t:
                t.wait_exit()
                screen = whole_pane(t)
            rows = [ln for ln in screen.splitlines() if ln.strip()]
            check(rows[1].startswith("----"), screen)
            data = rows[2:]
            data = data[:[k for k, ln in enumerate(data + ["("]) if ln.startswith("(")][0]]
            check(data, screen)
            for ln in data:  # nothing wrapped: every row starts with its key
                check(ln.startswith(("annotator-", "total", "other", "repetition", "quality",
                                     "Fleiss", "Krippendorff", "Cohen")), (args, screen))
            check(len(rows[1]) <= width, screen)
            contains(screen, "--wide", screen)
            with Tmux(cmd + ["--wide"], width=width, height=40) as t:
                t.wait_exit()
                wide = whole_pane(t)
            check("--wide" not in wide, wide)


def test_report_by_reason_chart_shows_shares_and_keeps_none_apart():
    """The HTML report's reasons are their share of the rejections (and of
    all decisions), not a 100% reject rate each; a model "(none)" and a
    missing model are two bars."""
    with Workdir() as w:
        d = [(0, "ann", "accepted", None, 1000, 0), (1, "ann", "rejected", "blurry", 1000, 0),
             (2, "ann", "rejected", "blurry", 1000, 0), (3, "ann", "rejected", "other", 1000, 0),
             (4, "ann", "accepted", None, 1000, 0), (5, "ann", "edited", None, 1000, 0)]
        build(w, d, models=["(none)", None, "m", "m", "m", "m"])
        out = os.path.join(w.path, "r.html")
        r = w.run("report", "--html", out)
        eq(r.code, 0, r)
        html = open(out, encoding="utf-8").read()
        card = html[html.index("by reason"):]
        card = card[:card.index("</div>")]
        contains(card, "66.7% of rejections, 33.3% of all decisions")
        contains(card, "33.3% of rejections, 16.7% of all decisions")
        check("100.0%" not in card and "not rejected" not in card, card)
        model = html[html.index("by model"):]
        model = model[:model.index("</div>")]
        contains(model, "&quot;(none)&quot;")
        contains(model, "<tspan font-style='italic'>(none)</tspan>")


def test_where_narrows_rates_agreement_and_scorers_to_the_slice():
    with Workdir() as w:
        # s0-s3 by model m1, s4-s7 by m2; ann and bob both decide every sample
        d = []
        for i in range(8):
            d.append((i, "ann", "rejected" if i in (0, 1, 4) else "accepted",
                      "hallucination" if i in (0, 1, 4) else None, 1000, 0))
            d.append((i, "bob", "rejected" if i in (0, 5) else "accepted",
                      "other" if i in (0, 5) else None, 1000, 0))
        sc = [(i, "repetition", v, v < 0.3) for i, v in
              enumerate([0.1, 0.2, 0.6, 0.9, 0.25, 0.7, 0.8, 0.95])]
        build(w, d, models=["m1"] * 4 + ["m2"] * 4, scores=sc)
        m1 = stats(w, "--where", 'meta.model = "m1"')
        eq(m1["slice"], {"where": 'meta.model = "m1"', "samples": 4, "decided": 4})
        t = m1["total"]
        eq((t["decided"], t["rejected"], t["accepted"]), (8, 3, 5))
        eq({g["annotator"]: g["rejected"] for g in m1["groups"]}, {"ann": 2, "bob": 1})
        # agreement over m1 only: s1 is the one conflict (ann rejected, bob accepted)
        a = stats(w, "--agreement", "--where", 'meta.model = "m1"')
        eq([c["id"] for c in a["agreement"]["conflicts"]], ["s1"])
        a = stats(w, "--agreement")
        eq(sorted(c["id"] for c in a["agreement"]["conflicts"]), ["s1", "s4", "s5"])
        # scorers over m1: rejected by most (a tie counts) s0, s1; kept s2, s3
        c = stats(w, "--scorers", "--where", 'meta.model = "m1"')["scorers"]
        rep = [x for x in c if x["scorer"] == "repetition"][0]
        eq((rep["samples"], rep["rejected"], rep["auc_reject"]["auc"]), (4, 2, 1.0))
        c = stats(w, "--scorers")["scorers"]
        rep = [x for x in c if x["scorer"] == "repetition"][0]
        eq((rep["samples"], rep["rejected"]), (8, 4))
        # --by over the slice, and a decision test in the expression
        g = stats(w, "--by", "reason", "--where", 'annotator = "bob" and verdict = rejected')
        eq(g["slice"]["samples"], 2)
        eq(g["total"]["decided"], 4)  # every decision on s0 and s5
        r = w.run("stats", "--where", "flagged(repetition)")
        eq(r.code, 0, r)
        contains(r.out, "where flagged(repetition): 3 samples, 3 of them decided\n")
        r = w.run("stats", "--where", "(flagged(repetition)")
        eq(r.code, 2, r)
        contains(r.err, "assay: --where: column ")
        contains(r.err, "Try 'assay stats --help'.")


def test_many_groups_by_numbers_are_each_counted_alone():
    # 1,500 annotators over 40 days: more groups than the slots that find a
    # row's group by its ids and day, so rows of different groups share slots
    import collections
    import datetime
    with Workdir() as w:
        verdicts = ["accepted", "rejected", "edited"]
        d = [(i, f"a{i % 1500:04d}", verdicts[i % 3], "other" if i % 3 == 1 else None,
              1000 + i, (i * 7) % 40) for i in range(3000)]
        build(w, d)

        def day(x):
            return datetime.date(2026, 1, 1) + datetime.timedelta(days=x[5])

        def want(key):
            c = collections.Counter((key(x), x[2]) for x in d)
            return {k: (sum(c[(k, v)] for v in verdicts), c[(k, "rejected")])
                    for k in {key(x) for x in d}}
        got = {x["annotator"]: (x["decided"], x["rejected"])
               for x in stats(w, "--by", "annotator")["groups"]}
        eq(got, want(lambda x: x[1]))
        got = {(x["week"], x["annotator"]): (x["decided"], x["rejected"])
               for x in stats(w, "--by", "week", "--by", "annotator")["groups"]}
        eq(got, want(lambda x: ("%d-W%02d" % day(x).isocalendar()[:2], x[1])))
        got = {(x["annotator"], x["day"], x["batch"]): (x["decided"], x["rejected"])
               for x in stats(w, "--by", "annotator", "--by", "day", "--by", "batch")["groups"]}
        eq(got, want(lambda x: (x[1], day(x).isoformat(), "b")))
