"""`assay audit`, panel 8 (pairs) in tmux: the figures of `stats --pairs`
(win rates and the Bradley-Terry ranking of the generator models, position
bias, agreement, the claimed chosen reversed) on the sample preference set,
at 80x24 and 200x60; hostile model names inert; none without pairs; under
a --where slice the figures of its preferences."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TESTS, "e2e"))
from harness import Workdir, check, contains, eq  # noqa: E402
from test_audit import screen, setup  # noqa: E402
from test_report_pairs import decide_sample_pairs  # noqa: E402


def rate(r):
    return f"{100 * r['rate']:.1f}% ({100 * r['low']:.1f}-{100 * r['high']:.1f}%, " \
           f"{r['k']} of {r['n']})"


def model_line(s, model):
    for line in s.splitlines():
        if line[2:].startswith(model + " "):
            return line
    raise AssertionError(f"no row {model!r} in:\n{s}")


def test_pairs_panel_shows_the_stats_pairs_figures():
    with Workdir() as w:
        decide_sample_pairs(w)
        p = json.loads(w.run("stats", "--pairs", "--format", "json").out)["pairs"]
        for size in ((80, 24), (200, 60)):
            with screen(w, size=size) as t:
                t.wait_for("rejection rate per annotator")
                t.keys("8")
                s = t.wait_for("pairs: win rates")
                contains(s, "win rate (95% CI)     Bradley-Terry, rank\n")
                contains(s, f"{p['verdicts']} preferences on {p['pairs']} pairs")
                for m in p["models"]:
                    line = model_line(s, m["model"])
                    wr = m["win_rate"]
                    contains(line, f"{m['wins']:4d} {m['losses']:4d} {m['ties']:4d} "
                                   f"{m['both_bad']:4d}  {100 * wr['rate']:.1f}% "
                                   f"({100 * wr['low']:.1f}-{100 * wr['high']:.1f}%)")
                    contains(line, f"{m['bt_score']:.0f} ({m['bt_low']:.0f}-"
                                   f"{m['bt_high']:.0f}), {m['bt_rank']}")
                contains(s, "position bias: the left side chosen " + rate(p["position_bias"]))
                a = p["agreement"]
                contains(s, f"agreement over {a['pairs']} pairs decided by two or more")
                contains(s, f"3-way Fleiss {a['fleiss_3way']:.3f}, alpha {a['alpha_3way']:.3f}; "
                            f"2-way Fleiss {a['fleiss_2way']:.3f}, alpha {a['alpha_2way']:.3f}")
                f = p["flip"]
                contains(s, f"claimed chosen reversed: {rate(f)}; ties {f['ties']}, "
                            f"both bad {f['both_bad']}")
                contains(s, "prefs")
                t.keys("Enter")
                t.wait_for("the pairs panel has no bars to open")
                t.keys("?")
                s = t.wait_for("audit keys")
                contains(s, "1-8")


def test_pairs_panel_without_pairs_under_where_and_hostile_names():
    with Workdir() as w:
        setup(w)
        with screen(w) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("8")
            t.wait_for("No pair has a preference here.")
        hostile = "evil \x1b[31mRED\x1b]0;pwned\x07"
        recs = [{"id": f"p{i}", "prompt": "Q", "chosen": f"x {i}", "rejected": f"y {i}",
                 "chosen_model": hostile, "rejected_model": "plain"} for i in range(3)]
        eq(w.run("import", "--no-score", "--batch", "pp",
                 w.file("p.jsonl", "\n".join(map(json.dumps, recs)))).code, 0)
        for i, pref in enumerate(("a", "a", "b")):
            eq(w.run("decide", "--annotator", "ann", f"p{i}", "prefer", pref).code, 0)
        with screen(w) as t:
            t.wait_for("rejection rate per annotator")
            t.keys("8")
            s = t.wait_for("3 preferences on 3 pairs")
            time.sleep(0.3)
            raw = t.screen_escapes()
            check("\x1b]" not in raw and "\x1b[31m" not in raw, raw)
            contains(s, "evil ^[[31mRED")
        # a slice: the pairs' figures are of its preferences (none of the
        # captions' slice; one of the pair whose candidate a says "x 0")
        with screen(w, "--where", "meta.model=m1") as t:
            t.wait_for("rejection rate per annotator")
            t.keys("8")
            s = t.wait_for("No pair has a preference here.")
            check("plain" not in s, s)
        with screen(w, "--where", 'text ~ "x 0"') as t:
            t.wait_for("rejection rate per annotator")
            t.keys("8")
            s = t.wait_for("1 preferences on 1 pairs")
            contains(s, "plain")
