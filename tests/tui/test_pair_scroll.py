"""The pair screen in tmux: candidate b's scores (with the flagged ones'
reasons) on its side as a's are on theirs, and long candidates scrolled
together with j/k and PgDn/PgUp, stacked at 80x24 and side by side at
200x60."""
import json
import re
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, contains, eq  # noqa: E402
from test_review import screen  # noqa: E402

SIZES = [(80, 24), (200, 60)]
GOOD = "A careful answer that explains the reason in full, step by step."
BAD = " ".join(["spam"] * 30)


def import_pairs(w, recs, *args):
    r = w.run("import", "--batch", "b", *args,
              w.file("p.jsonl", "\n".join(map(json.dumps, recs))))
    eq(r.code, 0, r)


def side_rows(s, label, width):
    """The rows of the side labelled label ("Left (1)" or "Right (2)"),
    from its label to the other's (stacked) or the half it is in (wide)."""
    lines = s.splitlines()
    if width >= 140:
        half = width // 2
        at = next(i for i, ln in enumerate(lines) if "Left (1)" in ln)
        return [ln[:half] if label.startswith("Left") else ln[half:] for ln in lines[at:]]
    start = next(i for i, ln in enumerate(lines) if label in ln)
    other = "Right (2)" if label.startswith("Left") else "Left (1)"
    end = next((i for i, ln in enumerate(lines) if other in ln and i > start), len(lines))
    return lines[start:end]


def b_scores_shown(size):
    with Workdir() as w:
        import_pairs(w, [{"id": "p0", "prompt": "Explain it.", "chosen": GOOD,
                          "rejected": BAD}])
        got = w.sql("SELECT scorer, flagged FROM pair_scores ORDER BY scorer")
        check(("repetition", 1) in got, got)
        with screen(w, size=size) as t:
            s = t.wait_for("pair p0")
            check("not scored" not in s, s)
            for label in ("Left (1)", "Right (2)"):
                rows = side_rows(s, label, size[0])
                text = "\n".join(rows)
                check(re.search(r"[a-z]+ [01]\.\d\d", rows[0]), text)
                if "spam spam" in text:
                    # b: its flagged scores first, their reasons on the next row
                    contains(rows[0], "repetition 0.00!")
                    contains(rows[1], "! gopher: 0 stop words")
                else:
                    check("0.00!" not in rows[0] and "! " not in rows[1], text)
            t.keys("q")


def test_b_scores_with_reasons_at_80x24():
    b_scores_shown((80, 24))


def test_b_scores_with_reasons_at_200x60():
    b_scores_shown((200, 60))


def test_rescore_scores_b_again_and_no_score_leaves_it():
    with Workdir() as w:
        import_pairs(w, [{"id": "p0", "prompt": "Explain it.", "chosen": GOOD,
                          "rejected": BAD}], "--no-score")
        eq(w.sql("SELECT count(*) FROM pair_scores"), [(0,)])
        with screen(w) as t:
            s = t.wait_for("pair p0")
            eq(s.count("not scored"), 2, s)
            t.keys("q")
        r = w.run("score")
        eq(r.code, 0, r)
        first = w.sql("SELECT scorer, scored_at FROM pair_scores ORDER BY scorer")
        check(len(first) >= 7, first)
        r = w.run("score")  # nothing left to do: b's scores are current
        eq(w.sql("SELECT scorer, scored_at FROM pair_scores ORDER BY scorer"), first)
        time.sleep(0.01)
        r = w.run("score", "--rescore")
        eq(r.code, 0, r)
        again = w.sql("SELECT scorer, scored_at FROM pair_scores ORDER BY scorer")
        eq([x[0] for x in again], [x[0] for x in first])
        check(all(b[1] > a[1] for a, b in zip(first, again)), (first, again))


def numbered(tag, n=60):
    return "\n".join(f"{tag}{i:02d} line of candidate {tag}." for i in range(1, n + 1))


def scrolls(size):
    with Workdir() as w:
        import_pairs(w, [{"id": "p0", "prompt": "Count.", "chosen": numbered("A"),
                          "rejected": numbered("B")}], "--no-score")
        with screen(w, size=size) as t:
            s = t.wait_for("pair p0")
            for tag in "AB":
                contains(s, f"{tag}01 line")
                check(f"{tag}60 line" not in s, s)
            contains(s, "(more: j)")
            t.keys("j")
            s = t.wait_for("(above: k)")
            check("A01 line" not in s and "B01 line" not in s, s)
            contains(s, "A03 line")
            contains(s, "B03 line")
            for _ in range(30):
                t.keys("NPage")
            s = t.wait_for("A60 line")
            contains(s, "B60 line")
            check("(more: j)" not in s, s)
            t.keys("j")  # at the end: stays
            time.sleep(0.2)
            contains(t.screen(), "A60 line")
            for _ in range(30):
                t.keys("PPage")
            s = t.wait_for("A01 line")
            contains(s, "B01 line")
            check("(above: k)" not in s, s)
            # three down, then one up: each waited for by what only that
            # position shows (two down shows what three down then one up does)
            t.keys("j", "j", "j")
            t.wait_until(lambda s: "A04 line" in s and "A03 line" not in s,
                         what="three lines down never came")
            t.keys("k")
            s = t.wait_until(lambda s: "A03 line" in s and "A02 line" not in s,
                             what="one line up never came")
            contains(s, "B03 line")
            contains(s, "(above: k)")
            check("B02 line" not in s, s)
            t.keys("?")
            t.wait_for("scroll both candidates down")
            t.keys("q")


def test_j_k_scroll_candidates_stacked_at_80x24():
    scrolls((80, 24))


def test_j_k_scroll_candidates_side_by_side_at_200x60():
    scrolls((200, 60))
