"""The review screen on a slice: `review --where` and `--slice NAME` queue
only the slice, the top bar shows the filter and the slice's count (the
same count as info, export and stats on sample-data), and `f` edits the
filter without leaving."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BIN, Tmux, Workdir, contains, eq  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def setup(w, n=6):
    recs = [json.dumps({"id": f"s{i}", "caption": f"Sample number {i}: a grey heron.",
                        "meta": {"model": "m2" if i % 2 else "m1"}}) for i in range(n)]
    r = w.run("import", "--no-score", "--batch", "b", w.file("s.jsonl", "\n".join(recs)))
    eq(r.code, 0, r)


def screen(w, *args, size=(160, 24)):
    e = {"ASSAY_ANNOTATOR": "tester", "HOME": w.path, "XDG_CONFIG_HOME": w.path}
    cmd = ["sh", "-c", '"$0" "$@"; s=$?; sleep 1; exit $s', BIN, "--db", w.db, "review",
           "--order", "import", *args]
    return Tmux(cmd, width=size[0], height=size[1], env=e, cwd=w.path)


def decided(w):
    return [x for (x,) in w.sql("SELECT s.ext_id FROM decisions d JOIN samples s"
                                " ON s.id = d.sample_id ORDER BY s.id")]


def test_review_where_queues_only_the_slice_and_the_top_bar_shows_it():
    with Workdir() as w:
        setup(w)
        with screen(w, "--where", 'meta.model = "m2"') as t:
            s = t.wait_for("s1  (b)  undecided")
            s = t.wait_for("0/3, 3 left")
            contains(s.splitlines()[0], "| tester | where meta.model = \"m2\"")
            for ext_id in ("s1", "s3", "s5"):
                t.wait_for(f"{ext_id}  (b)  undecided")
                t.keys("a")
            t.wait_for("3/3, 0 left")
            t.keys("q")
            t.wait_for("reviewed 3 samples")
            eq(t.wait_exit(), 0)
        eq(decided(w), ["s1", "s3", "s5"])


def test_f_edits_the_filter_without_leaving():
    with Workdir() as w:
        setup(w)
        with screen(w, "--where", "meta.model = m2") as t:
            t.wait_for("s1  (b)  undecided")
            t.wait_for("0/3, 3 left")
            t.keys("f")
            t.wait_for('filter (empty: none): meta.model = "m2"')
            t.keys("C-u")
            t.keys('text ~ "number 4" or text ~ "number 2"', literal=True)
            t.keys("Enter")
            s = t.wait_for("s2  (b)  undecided")
            t.wait_for("0/2, 2 left")
            contains(t.screen().splitlines()[0],
                     '| where text ~ "number 4" or text ~ "number 2"')
            t.keys("a")
            t.wait_for("s4  (b)  undecided")
            # a bad expression: the column in the message, the filter unchanged
            t.keys("f")
            t.wait_for("filter (empty: none): text ~")
            t.keys("C-u")
            t.keys("flagged(", literal=True)
            t.keys("Enter")
            s = t.wait_for("filter unchanged: column 9:")
            contains(s, "s4  (b)  undecided")
            contains(s.splitlines()[0], '| where text ~ "number 4" or text ~ "number 2"')
            # a scorer assay does not know: refused the same way
            t.keys("f")
            t.wait_for("filter (empty: none): text ~")
            t.keys("C-u")
            t.keys("not flagged(repetiton)", literal=True)
            t.keys("Enter")
            s = t.wait_for('filter unchanged: column 13: no scorer named "repetiton"')
            contains(s.splitlines()[0], '| where text ~ "number 4" or text ~ "number 2"')
            # emptied: every sample again, the walk resuming after the latest verdict
            t.keys("f")
            t.wait_for("filter (empty: none): text ~")
            t.keys("C-u", "Enter")
            s = t.wait_for("no filter: every sample")
            t.wait_for("1/6, 5 left")
            eq("where" in t.screen().splitlines()[0], False)
            t.wait_for("s3  (b)  undecided")
            t.keys("q")
            eq(t.wait_exit(), 0)
        eq(decided(w), ["s2"])


def test_a_named_slice_from_the_config():
    with Workdir() as w:
        setup(w)
        w.file("assay.conf", '[slice.odd-ones]\nwhere = "meta.model = \\"m2\\" and not text ~ 3"\n'
                             "[slice.broken]\nwhere = meta.model = m2 and\n"
                             "[slice.typo]\nwhere = flagged(repetiton)\n")
        with screen(w, "--slice", "odd-ones") as t:
            t.wait_for("s1  (b)  undecided")
            s = t.wait_for("0/2, 2 left")
            contains(s.splitlines()[0], '| where meta.model = "m2" and not text ~ "3"')
            t.keys("a")
            t.wait_for("s5  (b)  undecided")
            t.keys("q")
            eq(t.wait_exit(), 0)
        r = w.run("review", "--slice", "nope")
        eq(r.code, 2, r)
        contains(r.err, "--slice nope: the configuration has no [slice.nope] with a "
                        "`where = EXPR`")
        r = w.run("review", "--slice", "broken")
        eq(r.code, 2, r)
        contains(r.err, "--where: column 20: expected a field")
        contains(r.err, "(the where of [slice.broken], assay.conf:4)")
        # a scorer's name is checked against the database: the slice is named there too
        with screen(w, "--slice", "typo") as t:
            s = t.wait_for("(the where of [slice.typo], assay.conf:6)")
            contains(s, 'no scorer named "repetiton"')
            eq(t.wait_exit(), 2)
        r = w.run("review", "--slice", "odd-ones", "--where", "conflict")
        eq(r.code, 2, r)
        contains(r.err, "--slice and --where: give one")


def test_a_slice_counts_the_same_in_the_top_bar_info_export_and_stats_on_sample_data():
    with Workdir() as w:
        eq(w.run("import", "--quiet", os.path.join(ROOT, "sample-data", "captions.jsonl")).code,
           0)
        eq(w.run("decide", "--annotator", "lead", "--where", "flagged(repetition)", "reject",
                 "--reason", "repetition", "--yes").code, 0)
        model = w.sql("SELECT json_extract(record, '$.meta.model') AS m FROM samples"
                      " GROUP BY m ORDER BY count(*) DESC LIMIT 1")[0][0]
        for expr in ["flagged(repetition)", f'meta.model = "{model}"',
                     f'flagged(repetition) and meta.model = "{model}"',
                     "verdict = undecided or quality < 0.5"]:
            r = w.run("info", "--json", "--where", expr)
            eq(r.code, 0, r)
            info = json.loads(r.out)
            r = w.run("export", "--status", "all", "--where", expr)
            eq(len(r.out.splitlines()), info["samples"], expr)
            r = w.run("stats", "--format", "json", "--where", expr)
            eq(r.code, 0, r)
            eq(json.loads(r.out)["slice"]["samples"], info["samples"], expr)
            with screen(w, "--where", expr, size=(200, 30)) as t:
                s = t.wait_for(f"0/{info['samples']}, {info['samples']} left")
                contains(s.splitlines()[0], f"| where {info['where']}")
                t.keys("q")
                eq(t.wait_exit(), 0)
