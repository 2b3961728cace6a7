"""`assay report --html`: the "Pairs" section carries the figures of
`stats --pairs` (win rates and the Bradley-Terry ranking of the generator
models, position bias, agreement, the flip rate of the claimed chosen),
escaped like the rest of the report, and is absent without pairs."""
import json
import os
import sqlite3
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, contains, eq  # noqa: E402
from test_report import fixture  # noqa: E402


class Tables(HTMLParser):
    """The cells of the tables with a class, as {class: [[cell text]]}."""

    def __init__(self):
        super().__init__()
        self.tables, self.cur, self.cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class")
        if tag == "table" and cls:
            self.cur = self.tables.setdefault(cls, [])
        elif tag == "tr" and self.cur is not None:
            self.cur.append([])
        elif tag in ("td", "th") and self.cur is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.cur = None
        elif tag in ("td", "th") and self.cur is not None:
            self.cur[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def tables(html):
    t = Tables()
    t.feed(html)
    return {k: v[1:] for k, v in t.tables.items()}  # without the header row


def rate(r):
    """A rate's cells as report (and stats --pairs text) round them."""
    if not r["n"]:
        return ["-", "-", "0 of 0"]
    return [f"{100 * r['rate']:.1f}%", f"{100 * r['low']:.1f}-{100 * r['high']:.1f}%",
            f"{r['k']} of {r['n']}"]


def coef(v):
    return "-" if v is None else f"{v:.3f}"


def decide_sample_pairs(w):
    """ann picks the better answer of each sample pair (from the labels)
    but calls five of them ties and three both bad; bob decides the first
    twenty, the other way round on every fourth; placements alternate."""
    labels = [json.loads(x) for x in open(os.path.join(SAMPLE_DATA, "pairs-labels.jsonl"),
                                          encoding="utf-8")]
    eq(w.run("import", "--no-score", "--batch", "prefs",
             os.path.join(SAMPLE_DATA, "pairs.jsonl")).code, 0)
    ann, bob = [], []
    for i, lab in enumerate(labels):
        good = "b" if lab["mislabelled"] else "a"
        pref = "tie" if i % 12 == 5 else "both-bad" if i % 20 == 7 else good
        ann.append({"id": lab["id"], "prefer": pref})
        if i < 20:
            bob.append({"id": lab["id"], "prefer": ("b" if good == "a" else "a")
                        if i % 4 == 0 else good})
    for name, lines in (("ann", ann), ("bob", bob)):
        r = w.run("decide", "--annotator", name, "--from",
                  w.file(f"{name}.jsonl", "\n".join(map(json.dumps, lines))))
        eq(r.code, 0, r)
    # decide records no screen side; review would: set some as it does
    con = sqlite3.connect(w.db)
    con.execute("UPDATE decisions SET placement = CASE WHEN (sample_id + annotator_id) % 3 = 0 "
                "THEN 'ba' ELSE 'ab' END WHERE pref IS NOT NULL")
    con.commit()
    con.close()


def test_report_pairs_section_equals_stats_pairs():
    with Workdir() as w:
        decide_sample_pairs(w)
        r = w.run("stats", "--pairs", "--format", "json")
        eq(r.code, 0, r)
        p = json.loads(r.out)["pairs"]
        r = w.run("report", "--html", "-")
        eq(r.code, 0, r)
        html = r.out
        contains(html, "<h2 id='pairs'>Pairs</h2>")
        contains(html, f"{p['verdicts']} preferences on {p['pairs']} pairs")
        t = tables(html)
        want = []
        for m in p["models"]:
            bt = ["-", "-", "-"] if m["bt_score"] is None else [
                f"{m['bt_score']:.0f}", f"{m['bt_low']:.0f}-{m['bt_high']:.0f}",
                str(m["bt_rank"])]
            want.append([m["model"], str(m["wins"]), str(m["losses"]), str(m["ties"]),
                         str(m["both_bad"]), *rate(m["win_rate"]), *bt])
        eq(t["pairs-models"], want)
        eq(sorted(row[0] for row in want), ["moth-1b", "sable-70b", "wren-8b"])
        ranks = {m["model"]: m["bt_rank"] for m in p["models"]}
        eq(ranks, {"sable-70b": 1, "wren-8b": 2, "moth-1b": 3})
        b = p["position_bias"]
        check(b["n"] > 0, b)
        eq(t["pairs-bias"], [["the left side chosen", *rate(b),
                              "-" if b["p_value"] is None else f"{b['p_value']:.3f}"]])
        a = p["agreement"]
        eq(a["pairs"], 20)
        contains(html, "20 pairs decided by two or more annotators")
        eq(t["pairs-agreement"], [
            ["Fleiss' kappa", coef(a["fleiss_3way"]), coef(a["fleiss_2way"])],
            ["Krippendorff's alpha", coef(a["alpha_3way"]), coef(a["alpha_2way"])]])
        f = p["flip"]
        check(f["flips"] > 0 and f["ties"] > 0 and f["both_bad"] > 0, f)
        fb = f["by_batch"]["prefs"]
        eq(t["pairs-flip"], [["prefs", *rate(fb), str(fb["ties"]), str(fb["both_bad"])],
                             ["all", *rate(f), str(f["ties"]), str(f["both_bad"])]])


def test_report_pairs_names_escaped_and_no_section_without_pairs():
    with Workdir() as w:
        fixture(w)  # single samples only
        r = w.run("report", "--html", "-")
        eq(r.code, 0, r)
        check("Pairs</h2>" not in r.out and "pairs-models" not in r.out)
        recs = [{"id": f"p{i}", "prompt": "Q", "chosen": f"x {i}", "rejected": f"y {i}",
                 "chosen_model": "<img src=x onerror=alert(1)>", "rejected_model": "m&'y\""}
                for i in range(3)]
        eq(w.run("import", "--no-score", "--batch", "<b>pairs</b>",
                 w.file("p.jsonl", "\n".join(map(json.dumps, recs)))).code, 0)
        r = w.run("report", "--html", "-")
        eq(r.code, 0, r)
        check("Pairs</h2>" not in r.out, "imported but undecided pairs have no figures")
        for i, pref in enumerate(("a", "a", "b")):
            eq(w.run("decide", "--annotator", "ann", f"p{i}", "prefer", pref).code, 0)
        r = w.run("report", "--html", "-")
        eq(r.code, 0, r)
        html = r.out
        contains(html, "Pairs</h2>")
        for bad in ("<img", "<b>", "m&'y"):
            check(bad not in html, f"unescaped {bad!r}")
        contains(html, "&lt;img src=x onerror=alert(1)&gt;")
        contains(html, "m&amp;&#39;y&quot;")
        contains(html, "&lt;b&gt;pairs&lt;/b&gt;")
        # a slice without a pair: no section
        r = w.run("report", "--html", "-", "--where", "meta.model=m2")
        eq(r.code, 0, r)
        check("Pairs</h2>" not in r.out and "pairs-models" not in r.out, r.out)
        r = w.run("report", "--help")
        eq(r.code, 0, r)
        contains(r.out, "the figures of stats --pairs")
