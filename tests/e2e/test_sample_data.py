"""The committed sample data is exactly what bench/gen.py makes with the commands
in sample-data/README.md; its records and labels are complete, consistent and true
to the text; the generator is deterministic and plants flaws at the documented rates."""
import collections
import difflib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import ROOT, SAMPLE_DATA, Workdir, check, eq  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "bench"))
import gen_vocab as V  # noqa: E402

GEN = os.path.join(ROOT, "bench", "gen.py")
README = os.path.join(SAMPLE_DATA, "README.md")
MODELS = ["llava-next-34b", "qwen2-vl-7b", "internvl2-26b", "gpt-4o-mini"]
FLAWS = {"hallucination", "repetition", "refusal", "meta_commentary", "truncation",
         "near_duplicate", "exact_duplicate", "mojibake", "formatting", "placeholder",
         "hedging", "prompt_leak", "hostile"}
TASKS = {"summarize", "explain", "rewrite", "classify", "extract", "translate", "alt_text"}


def gen(*args):
    return subprocess.run([sys.executable, GEN, *args], capture_output=True,
                          check=True).stdout


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def records():
    return (jsonl(os.path.join(SAMPLE_DATA, "captions.jsonl"))
            + jsonl(os.path.join(SAMPLE_DATA, "instructions.jsonl")))


def labels():
    return jsonl(os.path.join(SAMPLE_DATA, "labels.jsonl"))


def text_of(r):
    return r["caption"] if "caption" in r else r["response"]


def norm(s):
    return " ".join(s.casefold().split())


def readme():
    with open(README, encoding="utf-8") as f:
        return f.read()


# ---- the files are what the documented commands make ---------------------------

def test_committed_files_match_the_documented_commands():
    block = re.search(r"```sh\n(.*?)```", readme(), re.S)
    check(block, "README has no ```sh block")
    with Workdir() as w:
        script = re.sub(r"sample-data/|/tmp/", lambda m: w.path + (
            "/" if m.group(0) == "sample-data/" else "/tmp-"), block.group(1))
        script = script.replace("python3 ", sys.executable + " ")
        subprocess.run(["sh", "-eu", "-c", script], cwd=ROOT, check=True)
        for name in ("captions.jsonl", "instructions.jsonl", "labels.jsonl"):
            with open(os.path.join(w.path, name), "rb") as a, \
                    open(os.path.join(SAMPLE_DATA, name), "rb") as b:
                check(a.read() == b.read(), f"{name} differs from what the README makes")


def test_files_stay_small():
    for name in ("captions.jsonl", "instructions.jsonl", "labels.jsonl", "README.md"):
        check(os.path.getsize(os.path.join(SAMPLE_DATA, name)) < 1 << 20, name)


# ---- records -------------------------------------------------------------------

def test_every_caption_has_the_documented_fields():
    caps = jsonl(os.path.join(SAMPLE_DATA, "captions.jsonl"))
    eq(len(caps), 600)
    for i, r in enumerate(caps):
        eq(sorted(r), ["caption", "id", "logprob", "meta"], r["id"])
        eq(r["id"], f"cap-{i:07d}")
        check(isinstance(r["caption"], str) and r["caption"].strip(), r)
        m = r["meta"]
        eq(sorted(m), ["model", "prompt_id", "scene", "source", "temperature"], r["id"])
        check(m["model"] in MODELS, r)
        eq(m["prompt_id"], "dense-v3")
        check(m["scene"] in V.SCENES, r)
        check(m["temperature"] in (0.2, 0.7, 1.0), r)
        s = m["source"]
        check(isinstance(s["width"], int) and isinstance(s["height"], int), r)
        slug = m["scene"].replace(" ", "-")
        if s["kind"] == "video":
            eq(sorted(s), ["duration_s", "height", "kind", "uri", "width"], r["id"])
            check(re.fullmatch(rf"s3://media-archive/clips/{slug}/20\d\d-\d\d/[0-9a-f]{{10}}"
                               r"\.mp4", s["uri"]), s)
            check(2.0 <= s["duration_s"] <= 60.0, s)
        else:
            eq(s["kind"], "image")
            eq(sorted(s), ["height", "kind", "uri", "width"], r["id"])
            check(re.fullmatch(rf"s3://media-archive/images/{slug}/20\d\d-\d\d/[0-9a-f]{{10}}"
                               r"\.jpg", s["uri"]), s)
        check(isinstance(r["logprob"], float) and -3.0 < r["logprob"] < 0, r)


def test_every_pair_has_the_documented_fields():
    ins = jsonl(os.path.join(SAMPLE_DATA, "instructions.jsonl"))
    eq(len(ins), 120)
    for i, r in enumerate(ins):
        eq(sorted(r), ["id", "instruction", "logprob", "meta", "response"], r["id"])
        eq(r["id"], f"ins-{i:06d}")
        check(r["instruction"].strip() and r["response"].strip(), r)
        eq(sorted(r["meta"]), ["model", "task", "temperature"], r["id"])
        check(r["meta"]["model"] in MODELS and r["meta"]["task"] in TASKS, r)


# ---- labels --------------------------------------------------------------------

def test_labels_cover_every_id_exactly_once_in_order():
    recs, labs = records(), labels()
    eq([lab["id"] for lab in labs], [r["id"] for r in recs])
    eq(len({lab["id"] for lab in labs}), 720)
    for lab in labs:
        check(set(lab) <= {"id", "flaws", "of"}, lab)
        check(set(lab["flaws"]) <= FLAWS, lab)
        eq(len(set(lab["flaws"])), len(lab["flaws"]), lab)


def test_duplicates_point_at_an_earlier_clean_original():
    recs, labs = records(), labels()
    by_id = {r["id"]: (n, r) for n, r in enumerate(recs)}
    flaws = {lab["id"]: lab["flaws"] for lab in labs}
    dups = 0
    for n, lab in enumerate(labs):
        is_dup = bool({"near_duplicate", "exact_duplicate"} & set(lab["flaws"]))
        eq("of" in lab, is_dup, lab)
        if not is_dup:
            continue
        dups += 1
        on, orig = by_id[lab["of"]]
        check(on < n and lab["of"][:4] == lab["id"][:4], lab)
        eq(flaws[lab["of"]], [], lab)
        a, b = text_of(orig), text_of(recs[n])
        if "exact_duplicate" in lab["flaws"]:
            eq(norm(a), norm(b), lab)
        else:
            check(norm(a) != norm(b), lab)
            ratio = difflib.SequenceMatcher(None, a.split(), b.split()).ratio()
            check(ratio > 0.8, (lab, ratio))
    check(dups >= 10, dups)


def test_only_planted_duplicates_repeat_a_text():
    recs, labs = records(), labels()
    seen = {}
    for r, lab in zip(recs, labs):
        k = norm(text_of(r))
        if k in seen and "refusal" not in lab["flaws"]:
            check("exact_duplicate" in lab["flaws"], (lab, seen[k]))
        seen.setdefault(k, r["id"])


HOSTILE = re.compile("[\x1b\u202e\u200b\u200d\u3000-\u9fff\uac00-\ud7af]")
MARKERS = {
    "mojibake": lambda t: any(m in t for m in ("Ã", "â€", "Â")),
    "placeholder": lambda t: any(p in t.lower() for p in
                                 ("[insert", "[subject]", "<placeholder>", "{object_name}",
                                  "lorem ipsum", "todo", "[your name]")),
    "prompt_leak": lambda t: any(p in t for p in ("You are a helpful", "<|im_start|>",
                                                  "### ", "[INST]", "[/INST]", "SYSTEM:")),
    "formatting": lambda t: "```" in t or "**" in t or "## " in t or
    re.search(r"(^|\n)[-*•] ", t) is not None,
    "hostile": lambda t: HOSTILE.search(t) is not None,
}


def repeats(t):
    words = t.split()
    grams = collections.Counter(tuple(words[i:i + 3]) for i in range(len(words) - 2))
    return bool(grams) and max(grams.values()) >= 3


def hallucinated(t):
    bits = ([h.split("{")[0] for h in V.HALL_OUTDOOR + V.HALL_INDOOR] + V.HALL_TEXTS
            + V.BRANDS + V.FAKE_FACTS + ["-minute video", "vertical portrait format",
                                         "panoramic landscape", "couple of seconds"])
    return any(b in t for b in bits)


def test_labels_are_true_to_the_text():
    for r, lab in zip(records(), labels()):
        t, fl = text_of(r), set(lab["flaws"])
        for name, has in MARKERS.items():
            if name in fl:
                check(has(t), (name, r))
        if "refusal" in fl:
            check(re.search(r"(?i)sorry|As an AI|unable|cannot", t), r)
        if "truncation" in fl:
            check(not t.rstrip().endswith((".", "!", "?", '"', "```")), r)
        if "repetition" in fl:
            check(repeats(t), r)
        if "hallucination" in fl:
            check(hallucinated(t), r)
        if "hedging" in fl:
            check(re.search(r"appears|seems|possibly|not completely certain|rough guess|"
                            r"hard to say", t), r)
        if not fl:  # clean text carries none of the planted evidence
            for name in ("mojibake", "placeholder", "prompt_leak", "formatting", "hostile"):
                # Markdown lists are a normal answer to an instruction
                if name != "formatting" or "caption" in r:
                    check(not MARKERS[name](t), (name, r))
            check(not repeats(t) and not hallucinated(t), r)
            if "caption" in r:
                check(t.endswith("."), r)


def test_flaw_counts_match_the_readme_tables():
    text = readme()
    recs, labs = records(), labels()
    for part, prefix in (("captions.jsonl", "cap-"), ("instructions.jsonl", "ins-")):
        section = text.split(f"`{part}` (", 1)[1].split("\n\n", 2)[1]
        rows = re.findall(r"^\| `(\w+)` \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$",
                          section, re.M)
        want = {f: [int(x) for x in nums] for f, *nums in rows}
        got = collections.defaultdict(lambda: [0] * 5)
        for r, lab in zip(recs, labs):
            if r["id"].startswith(prefix):
                for f in lab["flaws"]:
                    got[f][0] += 1
                    got[f][1 + MODELS.index(r["meta"]["model"])] += 1
        eq(dict(got), want, part)


def test_sample_flaw_rates_are_in_the_documented_ranges():
    recs, labs = records(), labels()
    caps = [lab for lab in labs if lab["id"].startswith("cap-")]
    ins = [lab for lab in labs if lab["id"].startswith("ins-")]
    rate = sum(bool(lab["flaws"]) for lab in caps) / len(caps)
    check(0.24 <= rate <= 0.32, rate)
    rate = sum(bool(lab["flaws"]) for lab in ins) / len(ins)
    check(0.15 <= rate <= 0.40, rate)
    kinds = collections.Counter(f for lab in caps for f in lab["flaws"])
    eq(set(kinds), FLAWS)  # every flaw is in the demo at least once
    eq(sum("hostile" in lab["flaws"] for lab in labs), 5)
    hostile = "".join(text_of(r) for r, lab in zip(recs, labs) if "hostile" in lab["flaws"])
    for needle in ("\x1b[", "\x1b]52;", "\u202e", "\u200b", "\u200d"):
        check(needle in hostile, repr(needle))
    check(re.search("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", hostile), "no CJK text")


def test_generated_rates_match_the_readme():
    """20,000 captions at the default rate against the README's per-flaw shares
    (measured over 1M) and per-model rates."""
    text = readme()
    shares = {f: float(p) / 100 for f, p in
              re.findall(r"^\| `(\w+)` \| .* \| (\d+\.\d)% \|$", text, re.M)}
    check(len(shares) == 12, shares)
    out = gen("--count", "20000", "--seed", "99")
    recs = [json.loads(x) for x in out.splitlines()]
    with Workdir() as w:
        lp = os.path.join(w.path, "l")
        gen("--count", "20000", "--seed", "99", "--labels", lp)
        labs = jsonl(lp)
    n = len(labs)
    counts = collections.Counter(f for lab in labs for f in lab["flaws"])
    for f, share in shares.items():
        got = counts[f] / n
        check(abs(got - share) <= max(0.004, share * 0.2), (f, got, share))
    eq(counts["hostile"], 0)
    rate = sum(bool(lab["flaws"]) for lab in labs) / n
    check(0.25 <= rate <= 0.29, rate)
    documented = {m: int(p) / 100 for m, p in
                  re.findall(r"(llava-next-34b|qwen2-vl-7b|internvl2-26b|gpt-4o-mini) "
                             r"(\d+)%", text)}
    eq(sorted(documented), sorted(MODELS))
    per = collections.Counter(r["meta"]["model"] for r in recs)
    bad = collections.Counter(r["meta"]["model"] for r, lab in zip(recs, labs)
                              if lab["flaws"])
    for m in MODELS:
        check(abs(bad[m] / per[m] - documented[m]) <= 0.03, (m, bad[m] / per[m]))
    clean = [r["logprob"] for r, lab in zip(recs, labs) if not lab["flaws"]]
    flawed = [r["logprob"] for r, lab in zip(recs, labs) if lab["flaws"]]
    check(sum(flawed) / len(flawed) < sum(clean) / len(clean) - 0.1)


# ---- the generator -------------------------------------------------------------

def test_generator_is_deterministic_and_seeded():
    for kind in ("captions", "instructions"):
        a = gen("--kind", kind, "--count", "400", "--seed", "5")
        eq(a, gen("--kind", kind, "--count", "400", "--seed", "5"), kind)
        check(a != gen("--kind", kind, "--count", "400", "--seed", "6"), kind)
        eq(len(a.splitlines()), 400)
    # labels do not change the records
    with Workdir() as w:
        lp = os.path.join(w.path, "l")
        eq(gen("--count", "300", "--seed", "5", "--labels", lp),
           gen("--count", "300", "--seed", "5"))
        eq(len(jsonl(lp)), 300)


def test_flaw_rate_option():
    with Workdir() as w:
        lp = os.path.join(w.path, "l")
        gen("--count", "2000", "--seed", "3", "--flaw-rate", "0", "--labels", lp)
        check(all(lab["flaws"] == [] for lab in jsonl(lp)))
        gen("--count", "2000", "--seed", "3", "--flaw-rate", "0.5", "--labels", lp)
        rate = sum(bool(lab["flaws"]) for lab in jsonl(lp)) / 2000
        check(0.44 <= rate <= 0.56, rate)
    p = subprocess.run([sys.executable, GEN, "--flaw-rate", "1.5"], capture_output=True)
    check(p.returncode != 0 and b"flaw-rate" in p.stderr, p)
    eq(gen("--count", "0"), b"")


def test_sample_data_imports_with_only_the_planted_duplicates():
    with Workdir() as w:
        r = w.run("import", "--batch", "demo", os.path.join(SAMPLE_DATA, "captions.jsonl"),
                  os.path.join(SAMPLE_DATA, "instructions.jsonl"))
        eq(r.code, 0, r)
        info = json.loads(w.run("info", "--json").out)
        dupes = sum("exact_duplicate" in lab["flaws"] for lab in labels())
        eq(info["batches"][0]["duplicates"], dupes, info)
        eq(info["samples"], 720 - dupes)
