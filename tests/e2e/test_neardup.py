"""End-to-end tests of the near-duplicate scorer and its index kept in the
database: on sample-data the same samples are flagged as before the index
was kept (tests/e2e/neardup_main.json, written by the in-memory MinHash of
120 hashes it replaced) and every estimate is within 0.05 of the exact
Jaccard of the two samples' shingles; an index grown over several imports
holds what one built from scratch does; a no-op run leaves it alone."""
import json
import os
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, eq  # noqa: E402

FILES = ["captions.jsonl", "instructions.jsonl", "chat.jsonl", "tasks.jsonl",
         "media-captions.jsonl"]
HERE = os.path.dirname(os.path.abspath(__file__))


def is_word(ch):
    if ch < "\x80":
        return ch.isascii() and ch.isalnum()
    return unicodedata.category(ch)[0] in "LN"


def words(s):
    """The analyser's words, case-folded as it folds them (ASCII, ’ as ')."""
    out, cur = [], []
    for i, ch in enumerate(s):
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if is_word(ch):
            cur.append(ch.lower() if ch < "\x80" else ch)
        elif ch in "'-\u2019" and cur and nxt and is_word(nxt):
            cur.append("'" if ch == "\u2019" else ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def shingles(text, context):
    parts = []
    for p in json.loads(context) if context else []:
        if isinstance(p.get("text"), str):
            label = p.get("name") if isinstance(p.get("name"), str) else p.get("role")
            parts.append("%s: %s" % (label if isinstance(label, str) else "context",
                                     p["text"]))
    w = words("\n\n".join(parts + [text]) if parts else text)
    return set(w) | {(a, b) for a, b in zip(w, w[1:])}


def jaccard(a, b):
    return len(a & b) / len(a | b)


def neardup_rows(w):
    return {r[0]: r[1:] for r in w.sql(
        "SELECT s.id, b.name, s.ext_id, sc.value, sc.flagged, sc.reason, sc.detail"
        " FROM scores sc JOIN samples s ON s.id = sc.sample_id"
        " JOIN batches b ON b.id = s.batch_id WHERE sc.scorer = 'neardup'")}


def exact_similarities(w):
    """The exact Jaccard of each near-duplicate and the sample it is most
    similar to, by ext_id."""
    texts = {r[0]: shingles(r[1], r[2]) for r in w.sql("SELECT id, text, context FROM samples")}
    out = {}
    for sid, (_, ext, _, _, reason, _) in neardup_rows(w).items():
        m = re.search(r"similar to sample #(\d+)", reason)
        if m:
            out[ext] = jaccard(texts[sid], texts[int(m.group(1))])
    return out


def import_all(w, files=FILES):
    for f in files:
        r = w.run("import", os.path.join(SAMPLE_DATA, f))
        eq(r.code, 0, r)


def test_sample_data_as_before_and_near_exact():
    with open(os.path.join(HERE, "neardup_main.json")) as f:
        before = json.load(f)
    with Workdir() as w:
        import_all(w)
        rows = neardup_rows(w)
        texts = {r[0]: shingles(r[1], r[2])
                 for r in w.sql("SELECT id, text, context FROM samples")}
        now = {"%s:%s" % (b.split("@")[0], ext): (v, fl, reason)
               for _, (b, ext, v, fl, reason, _) in rows.items()}
        eq(set(now), set(before))
        eq({k for k, v in now.items() if v[1]}, {k for k, v in before.items() if v[1]})
        checked = 0
        for sid, (b, ext, v, fl, reason, _) in rows.items():
            key = "%s:%s" % (b.split("@")[0], ext)
            m = re.search(r"similar to sample #(\d+)", reason)
            if not m:
                eq(v, 1.0, reason)
                continue
            exact = jaccard(texts[sid], texts[int(m.group(1))])
            print("# %s: estimate %.3f, exact %.3f, before %.3f" % (ext, 1 - v, exact, 1 - before[key][0]))
            check(abs((1 - v) - exact) <= 0.05, (ext, 1 - v, exact))
            checked += 1
        eq(checked, 13)


def test_index_grown_over_imports_equals_rebuilt():
    with Workdir() as w:
        with open(os.path.join(SAMPLE_DATA, "captions.jsonl")) as f:
            lines = f.readlines()
        # Three imports: each adds to the index, looking up only its own.
        for i, part in enumerate((lines[:200], lines[200:450], lines[450:])):
            r = w.run("import", "--batch", "part%d" % i, w.file("p%d.jsonl" % i, "".join(part)))
            eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM neardup_samples")[0][0],
           w.sql("SELECT count(*) FROM samples")[0][0])
        grown = neardup_rows(w)
        check(sum(r[3] for r in grown.values()) >= 10, grown)
        r = w.run("score", "--scorer", "neardup")
        eq(r.code, 0, r)
        eq(neardup_rows(w), grown, "a run with nothing new changes nothing")
        r = w.run("score", "--scorer", "neardup", "--rescore")
        eq(r.code, 0, r)
        eq(neardup_rows(w), grown, "rebuilt from scratch")


def test_changed_threshold_reforms_clusters():
    with Workdir() as w:
        import_all(w, ["captions.jsonl"])
        flagged = w.sql("SELECT count(*) FROM scores WHERE scorer = 'neardup' AND flagged")[0][0]
        r = w.run("score", "--scorer", "neardup", "--set", "score.neardup.jaccard=0.5")
        eq(r.code, 0, r)
        more = w.sql("SELECT count(*) FROM scores WHERE scorer = 'neardup' AND flagged")[0][0]
        check(more > flagged, (more, flagged))
        eq(w.sql("SELECT count(*) FROM neardup_samples")[0][0],
           w.sql("SELECT count(*) FROM samples")[0][0])
