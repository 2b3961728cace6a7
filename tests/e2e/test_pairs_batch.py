"""End-to-end tests of a batch of pairs remembering its --pair and
--pair-model: a later import into the batch without them reads the same
candidates (and their models), and one with others is refused, naming the
option."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402


def recs(lo, hi):
    return "\n".join(json.dumps({"id": f"x{i}", "prompt": f"Q{i}?", "left": f"Left answer {i}.",
                                 "right": f"Right answer {i}.", "ml": "big", "mr": "small",
                                 "chosen": "ignored", "rejected": "ignored too"})
                     for i in range(lo, hi))


def test_a_later_import_reads_the_batchs_pair():
    with Workdir() as w:
        r = w.run("import", "--no-score", "--batch", "p", "--pair", "right,left",
                  "--pair-model", "mr,ml", w.file("one.jsonl", recs(0, 2)))
        eq(r.code, 0, r)
        # no --pair: the batch's, not the default chosen/rejected
        r = w.run("import", "--no-score", "--batch", "p", w.file("two.jsonl", recs(2, 4)))
        eq(r.code, 0, r)
        eq(w.sql("SELECT s.ext_id, s.text, p.a_field, p.b_field, p.b_text, p.a_model, p.b_model "
                 "FROM pairs p JOIN samples s ON s.id = p.sample_id ORDER BY s.id"),
           [(f"x{i}", f"Right answer {i}.", "right", "left", f"Left answer {i}.", "small", "big")
            for i in range(4)])
        eq(w.sql("SELECT pair_fields, pair_model_fields FROM batches WHERE name = 'p'"),
           [("right,left", "mr,ml")])
        for args, msg in [(["--pair", "left,right"], '--pair right,left'),
                          (["--pair", "right,left"], '--pair-model mr,ml')]:
            r = w.run("import", "--no-score", "--batch", "p", *args,
                      w.file("three.jsonl", recs(4, 5)))
            eq(r.code, 2, (args, r))
            contains(r.err, f'batch "p" was imported with {msg}; import into it with the same '
                     "option")
        # a batch made with the default names refuses a --pair
        r = w.run("import", "--no-score", "--batch", "d", w.file("d.jsonl", recs(10, 11)))
        eq(r.code, 0, r)
        r = w.run("import", "--no-score", "--batch", "d", "--pair", "left,right",
                  w.file("e.jsonl", recs(11, 12)))
        eq(r.code, 2, r)
        contains(r.err, 'batch "d" was imported with --pair (default)')
