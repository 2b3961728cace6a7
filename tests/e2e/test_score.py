"""End-to-end tests of `assay score` and the scoring after `assay import`:
built-in scorers, current-version skips, configuration, the field scorer,
and the remote scorers against tests/httpd.py on 127.0.0.1 misbehaving on
request (500, 429 with Retry-After, slow, malformed, huge, reset, prose)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import SAMPLE_DATA, Workdir, check, contains, eq  # noqa: E402
from httpd import TestServer  # noqa: E402

BUILTINS = ["artifacts", "charset", "gopher", "hedging", "length", "neardup", "repetition",
            "task", "truncation"]
SECRET = "sk-test-0123456789abcdef-SECRET"

CAPTIONS = [
    "A woman in a red coat walks her dog along the river at dusk while the city lights "
    "come on.",
    "As an AI language model, I cannot view videos directly.",
    "A woman in a red coat walks her dog along the river at dusk while the city lights "
    "come on!",
    "Two children cross the street at a crosswalk while a bus waits at the light.",
    "The photo is taken from directl",
]


def small(w, name="s.jsonl", n=None, extra=None):
    texts = CAPTIONS if n is None else [f"Sample number {i} shows a dog and a cat playing "
                                        f"in garden {i * 7919 % 10007}." for i in range(n)]
    recs = [json.dumps({"id": f"s{i}", "caption": t, "logprob": -0.1 * i,
                        "meta": {"model": "m%d" % (i % 2)}, **(extra or {})})
            for i, t in enumerate(texts)]
    return w.file(name, "\n".join(recs) + "\n")


def scores(w, scorer):
    return {r[0]: r[1:] for r in w.sql(
        "SELECT s.ext_id, sc.value, sc.flagged, sc.reason, sc.version FROM scores sc"
        " JOIN samples s ON s.id = sc.sample_id WHERE sc.scorer = ?", scorer)}


def test_import_runs_builtins():
    with Workdir() as w:
        r = w.run("import", small(w))
        eq(r.code, 0, r)
        contains(r.out, "neardup")
        # each scorer's own time and rate; the rule scorers' shared work apart
        contains(r.out, "seconds per second")
        contains(r.out, "rule scorers' shared work (reading, analysing, writing):")
        rows = {line.split()[0]: line.split() for line in r.out.splitlines()
                if line.split() and line.split()[0] in BUILTINS}
        eq(sorted(rows), BUILTINS)
        check(all(len(v) == 7 for v in rows.values()), rows)
        names = [row[0] for row in w.sql("SELECT DISTINCT scorer FROM scores ORDER BY 1")]
        eq(names, BUILTINS)
        eq(w.sql("SELECT count(*) FROM sample_quality WHERE quality IS NULL")[0][0], 0)
        nd = scores(w, "neardup")
        eq(nd["s0"][1], 0, "the first of a cluster is not flagged")
        eq(nd["s2"][1], 1, "a later member is")
        contains(nd["s2"][2], "similar to sample #1")
        art = scores(w, "artifacts")
        eq(art["s1"][1], 1)
        contains(art["s1"][2], "refusal \"As an AI\"")
        tr = scores(w, "truncation")
        contains(tr["s4"][2], "last word \"directl\"")
        q = dict(w.sql("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id"))
        check(q["s3"] > 0.9 and q["s1"] < 0.1, q)
        # The review queue's order: worst first by the quality index.
        worst = [x[0] for x in w.sql("SELECT ext_id FROM samples JOIN sample_quality ON sample_id = id ORDER BY quality, id LIMIT 2")]
        eq(sorted(worst), ["s1", "s2"])


def test_import_no_score():
    with Workdir() as w:
        r = w.run("import", "--no-score", small(w))
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM scores")[0][0], 0)
        eq(w.sql("SELECT count(*) FROM sample_quality WHERE quality IS NOT NULL")[0][0], 0)


def test_rerun_skips_current_and_rescore():
    with Workdir() as w:
        w.run("import", "--no-score", small(w))
        r = w.run("score")
        eq(r.code, 0, r)
        contains(r.out, "length              5")
        before = w.sql("SELECT scorer, sample_id, scored_at FROM scores ORDER BY 1, 2")
        r = w.run("score")
        eq(r.code, 0, r)
        contains(r.out, "length              0")
        contains(r.out, "combined scores written: 0")
        contains(r.out, "nothing to score: every score is current")
        eq(w.sql("SELECT scorer, sample_id, scored_at FROM scores ORDER BY 1, 2"), before)
        # A changed rule parameter makes only that scorer's scores stale.
        r = w.run("score", "--set", "score.length.min_words=30")
        eq(r.code, 0, r)
        contains(r.out, "length              5")
        contains(r.out, "gopher              0")
        check("nothing to score" not in r.out, r.out)
        eq(sum(v[1] for v in scores(w, "length").values()), 5)
        r = w.run("score", "--rescore", "--scorer", "gopher,hedging")
        eq(r.code, 0, r)
        contains(r.out, "gopher              5")
        contains(r.out, "hedging             5")
        check("length" not in r.out, r.out)


def test_batches_and_bad_options():
    with Workdir() as w:
        w.run("import", "--no-score", "--batch", "one", small(w, "a.jsonl"))
        w.run("import", "--no-score", "--batch", "two", small(w, "b.jsonl", n=3))
        r = w.run("score", "--batch", "two", "--scorer", "length")
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM scores")[0][0], 3)
        r = w.run("score", "--batch", "one", "--batch", "three")
        eq(r.code, 66, r)
        eq(r.err, 'assay: no batch named "three"\n')  # named, as stats names it
        r = w.run("score", "--scorer", "length,bogus")
        eq(r.code, 2, r)
        contains(r.err, "no scorer named \"bogus\"")
        r = w.run("score", "--set", "score.length.min_words=lots")
        eq(r.code, 2, r)
        contains(r.err, "min_words: expected an integer")
        r = w.run("score", "--scorer", "llm-judge")
        eq(r.code, 2, r)
        contains(r.err, "llm-judge: no endpoint")
        r = w.run("score", "--score-field", "x:2:1")
        eq(r.code, 2, r)
    with Workdir() as w:
        r = w.run("score")
        eq(r.code, 66, r)


def test_config_file_thresholds_and_weights():
    with Workdir() as w:
        w.run("import", "--no-score", small(w))
        w.file("assay.conf", "[score.length]\nmin_words = 12\n[weights]\nlength = 0\n")
        r = w.run("score", "--scorer", "length")
        eq(r.code, 0, r)
        eq(scores(w, "length")["s4"][1], 1)
        # Weight 0: the flag stays, the combined score ignores it.
        eq(w.sql("SELECT quality FROM samples JOIN sample_quality ON sample_id = id WHERE ext_id = 's4'")[0][0], 1.0)
        w.file("assay.conf", "[score.gopher]\nthreshold = 7\n")
        r = w.run("score")
        eq(r.code, 2, r)
        contains(r.err, "assay.conf:2")


def test_unknown_config_sections_and_keys_are_refused():
    """--set foo.bar=1 and a file's [scroe.length] used to be ignored (exit 0)
    while score.lenght was caught: every key is one a reader takes, or a
    usage error naming where it was written and what is known."""
    known = ("(known: [review], [media], [slice.NAME], [score.NAME], [weights]; "
             "outside a section: theme, reasons)")
    with Workdir() as w:
        w.run("import", "--no-score", small(w))
        before = w.dump()
        r = w.run("score", "--set", "foo.bar=1", "--quiet")
        eq(r.code, 2, r)
        eq(r.err, f"assay: --set: [foo]: no such section {known}\n")
        r = w.run("score", "--set", "score.lenght.min_words=3")
        eq(r.code, 2, r)
        contains(r.err, 'assay: --set: [score.lenght]: no scorer named "lenght" (known: length, ')
        bad = w.file("bad.conf", "[score.length]\nmin_words = 3\n[scroe.length]\nmin_words = 3\n")
        r = w.run("score", "--config", bad, "--quiet")
        eq(r.code, 2, r)
        eq(r.err, f"assay: {bad}:4: [scroe.length]: no such section {known}\n")
        w.file("assay.conf", "[review]\nmeasur = 60\n")
        r = w.run("score", "--quiet")
        eq(r.code, 2, r)
        eq(r.err, 'assay: assay.conf:2: [review]: unknown key "measur" (known: measure, '
                  'retrain_every)\n')
        # every reader of the file refuses it alike: the screens, an import's
        # scoring (said after the import, as for a bad score key)
        for args in (("review",), ("audit",)):
            r = w.run(*args, env={"ASSAY_ANNOTATOR": "ann"})
            eq(r.code, 2, (args, r))
            contains(r.err, "assay.conf:2: [review]: unknown key \"measur\"", args)
        eq(w.dump(), before)
        new = w.file("new.jsonl", json.dumps({"id": "n1", "caption": "A new one here."}) + "\n")
        r = w.run("import", new)
        eq(r.code, 2, r)
        contains(r.err, "assay.conf:2: [review]: unknown key \"measur\"")
        w.file("assay.conf", "[review]\nmeasure = 60\n[slice.mine]\nwhere = conflict\n")
        r = w.run("score", "--scorer", "length", "--set", "score.length.min_words=3")
        eq(r.code, 0, r)


def test_learned_without_a_model_says_so():
    """score --scorer learned before any `assay learn` scored nothing and
    said nothing; it says there is no model and how to make one (exit 0).
    A plain run, where learned is one of the built-ins, stays quiet."""
    note = ("assay: learned: no model yet, nothing scored: `assay learn` trains one on "
            "the verdicts\n")
    with Workdir() as w:
        w.run("import", "--no-score", small(w))
        for args in (("learned",), ("learned", "--quiet"), ("length,learned",)):
            r = w.run("score", "--scorer", *args)
            eq((r.code, r.err), (0, note), (args, r))
        r = w.run("score")
        eq((r.code, r.err), (0, ""), r)
        eq(w.sql("SELECT count(*) FROM scores WHERE scorer = 'learned'"), [(0,)])


def test_help_lists_every_scorer_that_scorer_takes():
    """score --help left out task and learned, which --scorer takes."""
    with Workdir() as w:
        r = w.run("score", "--scorer", "bogus")
        eq(r.code, 2, r)
        known = r.err.split("(known: ", 1)[1].split(")", 1)[0].split(", ")
        check(len(known) >= 13 and "task" in known and "learned" in known, known)
        r = w.run("score", "--help")
        eq(r.code, 0, r)
        para = r.out.split("Scorers:", 1)[1].split("\n\n", 1)[0]
        words = set(para.replace(",", " ").replace(".", " ").split())
        eq([n for n in known if n not in words], [], para)


def test_field_scorer():
    with Workdir() as w:
        w.run("import", "--no-score", small(w))
        r = w.run("score", "--scorer", "field", "--score-field", "logprob:-1:0")
        eq(r.code, 0, r)
        f = scores(w, "field")
        eq(round(f["s3"][0], 6), 0.7)
        contains(f["s3"][2], "logprob = -0.3")
        # Without a range: the data's own (-0.4 .. 0).
        r = w.run("score", "--scorer", "field", "--score-field", "logprob")
        eq(r.code, 0, r)
        f = scores(w, "field")
        eq(f["s0"][0], 1.0)
        eq(f["s4"][0], 0.0)
        r = w.run("score", "--scorer", "field", "--score-field", "meta.nothing")
        eq(r.code, 0, r)
        f = scores(w, "field")
        eq(f["s0"][0], None)
        contains(f["s0"][2], "no number at \"meta.nothing\"")


def test_field_scorer_without_a_field_is_refused_and_writes_nothing():
    """`--scorer field` without --score-field or [score.field] name used to
    fail every sample, replace the earlier field scores with NULL and exit
    0; it is refused before anything is written. A configured name needs
    no flag."""
    with Workdir() as w:
        w.run("import", "--no-score", small(w))
        r = w.run("score", "--scorer", "field", "--score-field", "logprob:-1:0")
        eq(r.code, 0, r)
        before = w.dump()
        for args in (("field",), ("field", "--rescore"), ("length,field",)):
            r = w.run("score", "--scorer", *args)
            eq(r.code, 2, (args, r))
            eq(r.err, "assay: field: no field named (--score-field NAME[:MIN:MAX] or "
                      "score.field.name in the configuration)\n", r)
            eq(r.out, "", r)
        eq(w.dump(), before)
        eq(round(scores(w, "field")["s3"][0], 6), 0.7)
        # from the configuration file, or --set
        w.file("assay.conf", "[score.field]\nname = logprob\nmin = -1\nmax = 0\n")
        r = w.run("score", "--scorer", "field")
        eq(r.code, 0, r)
        eq(round(scores(w, "field")["s3"][0], 6), 0.7)
        os.remove(os.path.join(w.path, "assay.conf"))
        r = w.run("score", "--scorer", "field", "--set", "score.field.name=logprob")
        eq(r.code, 0, r)
        eq(scores(w, "field")["s4"][0], 0.0)  # the data's range: -0.4 .. 0


def judge_url(srv, q=""):
    return f"{srv.url}/v1/chat/completions{q}"


def test_llm_judge_and_cache():
    seen = []

    def judge(user, req):
        seen.append((user, req))
        return json.dumps({"score": 0.2 if "AI language model" in user else 0.9,
                           "reason": "checked"})

    with Workdir() as w, TestServer(judge=judge) as srv:
        w.run("import", "--no-score", small(w))
        prompt = w.file("rubric.txt", "Model {{meta.model}}. Grade: {{text}}")
        r = w.run("score", "--scorer", "llm-judge", "--endpoint", judge_url(srv),
                  "--model", "judge-1", "--prompt", prompt, "--concurrency", "4",
                  env={"ASSAY_API_KEY": SECRET})
        eq(r.code, 0, r)
        contains(r.out, "llm-judge           5         1       0       0")
        j = scores(w, "llm-judge")
        eq(j["s1"][0:2], (0.2, 1))
        contains(j["s1"][2], "llm-judge: 0.20: checked")
        users = sorted(u for u, _ in seen)
        check(any(u.startswith("Model m1. Grade: As an AI") for u in users), users)
        req = seen[0][1]
        eq(req["model"], "judge-1")
        eq(req["response_format"], {"type": "json_object"})
        auth = {x["headers"].get("Authorization") for x in srv.requests}
        eq(auth, {f"Bearer {SECRET}"})
        # Again with --rescore: every answer comes from the cache.
        n = len(srv.requests)
        r = w.run("score", "--scorer", "llm-judge", "--endpoint", judge_url(srv),
                  "--model", "judge-1", "--prompt", prompt, "--rescore")
        eq(r.code, 0, r)
        contains(r.out, "llm-judge           5         1       0       5")
        eq(len(srv.requests), n)
        # Another model is another configuration: asked again.
        r = w.run("score", "--scorer", "llm-judge", "--endpoint", judge_url(srv),
                  "--model", "judge-2", "--prompt", prompt, "--no-response-format")
        eq(r.code, 0, r)
        eq(len(srv.requests), n + 5)
        check("response_format" not in seen[-1][1], seen[-1][1])
        # The combined score includes the judge.
        q = dict(w.sql("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id"))
        check(q["s3"] <= 0.9 + 1e-9, q)


FAULTS = [
    # (faults for the sample's requests, failed?, what the reason says)
    (["500", "500"], True, "500"),
    (["503"], False, "deterministic verdict"),
    (["prose"], False, "deterministic verdict"),
    (["malformed"], True, "not JSON"),
    (["429:1"], False, "deterministic verdict"),
    (["slow:3000", "slow:3000"], True, "timed out"),
    (["huge:20000000"], True, "larger than the 8388608 bytes allowed"),
    (["reset", "reset"], True, "broke off"),
    (["empty"], True, "not JSON"),
]


def test_llm_judge_faults():
    """Each misbehaviour on a batch of its own: one retry, 1 s timeout."""
    with Workdir() as w, TestServer() as srv:
        for i in range(len(FAULTS)):
            rec = json.dumps({"id": f"f{i}", "caption": f"Fault case {i}: a dog runs."})
            w.run("import", "--no-score", "--batch", f"b{i}", w.file(f"f{i}.jsonl", rec + "\n"))
        for i, (faults, failed, says) in enumerate(FAULTS):
            srv.faults.clear()
            srv.faults.extend(faults)
            t0 = time.monotonic()
            r = w.run("score", "--scorer", "llm-judge", "--batch", f"b{i}", "--endpoint",
                      judge_url(srv), "--model", "m", "--retries", "1", "--timeout", "1")
            took = time.monotonic() - t0
            eq(r.code, 69 if failed else 0, r)
            value, flagged, reason, _ = scores(w, "llm-judge")[f"f{i}"]
            eq(value is None, failed, (faults, reason))
            contains(reason, says, faults)
            if failed:
                contains(reason, "llm-judge: failed:")
                eq(flagged, 0, "a failure is not a flag")
                contains(r.out, "llm-judge           1         0       1")
            check(took < 8, (faults, took))
        # Failures are not cached: the next run asks again and succeeds.
        srv.faults.clear()
        r = w.run("score", "--scorer", "llm-judge", "--endpoint", judge_url(srv), "--model", "m")
        eq(r.code, 0, r)
        j = scores(w, "llm-judge")
        check(all(v[0] is not None for v in j.values()), j)
        contains(r.out, "llm-judge           %d         " % sum(f[1] for f in FAULTS))


def refused_port():
    """A local port nothing listens on: connections to it are refused."""
    import socket
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def test_remote_failures_exit_69():
    """An endpoint that refuses connections or answers 500 to every request
    fails the run (69, and the message says every request failed); one that
    fails some requests is counted and exits 69 too; a run again asks only
    for the failed samples and exits 0 once they are scored."""
    with Workdir() as w, TestServer() as srv:
        w.run("import", "--no-score", small(w))
        dead = f"http://127.0.0.1:{refused_port()}"
        for args in (["--scorer", "llm-judge", "--endpoint", dead + "/v1/chat/completions",
                      "--model", "m"],
                     ["--scorer", "classifier", "--endpoint", dead + "/predict",
                      "--label", "ok"],
                     ["--scorer", "llm-judge", "--endpoint", judge_url(srv, "?fault=500"),
                      "--model", "m"]):
            r = w.run("score", "--retries", "0", *args)
            eq(r.code, 69, r)
            name = args[1]
            contains(r.err, f"{name}: every request failed (5 of 5), no sample was scored")
            check(len(r.err.splitlines()) == 1, r.err)
            contains(r.out, f"{name:<11} {5:9d} {0:9d} {5:7d}")
        contains(r.err, "500")
        # 500 on the first two requests only: 2 of 5 failed.
        srv.faults.extend(["500", "500"])
        r = w.run("score", "--scorer", "classifier", "--retries", "0", "--concurrency", "1",
                  "--endpoint", f"{srv.url}/predict", "--label", "ok")
        eq(r.code, 69, r)
        contains(r.err, "classifier: 2 of 5 requests failed (first: ")
        contains(r.err, "run again")
        eq(sum(v[0] is None for v in scores(w, "classifier").values()), 2)
        # Again: only the two failed samples are asked for, and all succeed.
        n = len(srv.requests)
        r = w.run("score", "--scorer", "classifier", "--retries", "0", "--concurrency", "1",
                  "--endpoint", f"{srv.url}/predict", "--label", "ok")
        eq(r.code, 0, r)
        eq(len(srv.requests), n + 2)
        eq(r.err, "")
        # Every answer from the cache: nothing asked, nothing failed.
        r = w.run("score", "--scorer", "classifier", "--endpoint", f"{srv.url}/predict",
                  "--label", "ok", "--rescore")
        eq(r.code, 0, r)
        eq(len(srv.requests), n + 2)


def test_api_key_never_stored_or_shown():
    with Workdir() as w, TestServer() as srv:
        w.run("import", "--no-score", small(w))
        srv.faults.extend(["echo_auth"] * 5)
        r = w.run("score", "--scorer", "llm-judge", "--endpoint", judge_url(srv), "--model", "m",
                  "--retries", "0", env={"OPENAI_API_KEY": SECRET})
        eq(r.code, 69, r)
        j = scores(w, "llm-judge")
        check(all(v[0] is None for v in j.values()), j)
        check(SECRET not in r.out + r.err, r)
        for row in w.sql("SELECT reason || coalesce(detail, '') || version FROM scores"):
            check(SECRET not in row[0], row)
        for name in os.listdir(w.path):
            if name.startswith("assay.db"):
                with open(os.path.join(w.path, name), "rb") as f:
                    check(SECRET.encode() not in f.read(), name)
        contains(j["s0"][2], "401")


def test_classifier():
    with Workdir() as w, TestServer() as srv:
        w.run("import", "--no-score", small(w))
        url = f"{srv.url}/predict"
        r = w.run("score", "--scorer", "classifier", "--endpoint", url, "--label", "ok")
        eq(r.code, 0, r)
        ok = scores(w, "classifier")
        r = w.run("score", "--scorer", "classifier", "--endpoint", url, "--label-bad", "toxic")
        eq(r.code, 0, r)
        bad = scores(w, "classifier")
        for k in ok:
            check(abs(ok[k][0] - bad[k][0]) < 1e-3, (ok[k], bad[k]))
        contains(bad["s0"][2], "not \"toxic\"")
        r = w.run("score", "--scorer", "classifier", "--endpoint", url, "--label", "spam",
                  "--rescore")
        eq(r.code, 69, r)
        contains(scores(w, "classifier")["s0"][2], "no label \"spam\"")


def test_llm_judge_throughput():
    """1,000 samples, a server answering in 50 ms, --concurrency 32: the
    client keeps many requests in flight at once (the server counts them;
    the time it takes is measured in bench/, not here)."""
    with Workdir() as w, TestServer() as srv:
        w.run("import", "--no-score", small(w, n=1000))
        t0 = time.monotonic()
        r = w.run("score", "--scorer", "llm-judge", "--endpoint", judge_url(srv, "?delay=50"),
                  "--model", "m", "--concurrency", "32")
        took = time.monotonic() - t0
        eq(r.code, 0, r)
        contains(r.out, "llm-judge        1000")
        print(f"# llm-judge: 1000 samples at 50 ms, concurrency 32: {took:.2f} s")
        check(srv.peak_in_flight >= 16, srv.peak_in_flight)
        check(srv.peak_in_flight <= 32, srv.peak_in_flight)


def test_sample_data_neardup_recall():
    with Workdir() as w:
        r = w.run("import", os.path.join(SAMPLE_DATA, "captions.jsonl"),
                  os.path.join(SAMPLE_DATA, "instructions.jsonl"))
        eq(r.code, 0, r)
        nd = scores(w, "neardup")
        with open(os.path.join(SAMPLE_DATA, "labels.jsonl")) as f:
            labels = [json.loads(line) for line in f]
        planted = [x["id"] for x in labels if "near_duplicate" in x["flaws"]]
        found = [i for i in planted if nd[i][1] == 1]
        check(len(found) / len(planted) >= 0.95, (found, planted))
        for x in labels:
            if "near_duplicate" in x["flaws"]:
                eq(nd[x["of"]][1], 0, "the original is not flagged")


def test_evaluation_on_sample_data():
    """The figures of sample-data/EVALUATION.md stay where they were."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "score"))
    import evaluate  # noqa: E402
    from harness import BIN  # noqa: E402
    res = evaluate.evaluate(os.path.abspath(BIN))
    check(res["auc"] >= 0.85, res["auc"])
    check(res["neardup_recall"] >= 0.95, res["neardup_recall"])
    for name in ("repetition", "artifacts", "hedging", "truncation"):
        check(res["scorers"][name]["recall"] >= 0.95, (name, res["scorers"][name]))
    for name in ("repetition", "artifacts", "hedging", "charset"):
        check(res["scorers"][name]["precision"] >= 0.9, (name, res["scorers"][name]))


def packed(w):
    """Every stored score as bytes (values, versions, flags, notes), the
    scorers' slots and versions, and the combined scores."""
    return (w.sql("SELECT s.ext_id, ss.flags, hex(ss.vals), hex(ss.vers), hex(n.notes)"
                  " FROM sample_scores ss JOIN samples s ON s.id = ss.sample_id"
                  " LEFT JOIN score_notes n ON n.sample_id = ss.sample_id ORDER BY 1"),
            w.sql("SELECT slot, name FROM scorers ORDER BY slot"),
            w.sql("SELECT id, slot, version FROM scorer_versions ORDER BY id"),
            w.sql("SELECT ext_id, quality FROM samples JOIN sample_quality ON sample_id = id ORDER BY ext_id"))


def test_import_scores_as_score_does():
    """The scorers an import runs after it (the rules inside the
    near-duplicate pass) store exactly what `import --no-score` then
    `score` stores, byte for byte, on every sample file (contexts,
    conversations, declared kinds); the summary counts each sample once."""
    for name in ("captions.jsonl", "instructions.jsonl", "chat.jsonl", "tasks.jsonl"):
        src = os.path.join(SAMPLE_DATA, name)
        kind = ["--kind", "response"] if name == "tasks.jsonl" else []
        with Workdir() as a, Workdir() as b:
            r = a.run("import", *kind, src)
            eq(r.code, 0, r)
            n = a.sql("SELECT count(*) FROM samples")[0][0]
            contains(r.out, f"combined scores written: {n}\n")
            rows = {line.split()[0]: line.split()[1] for line in r.out.splitlines()
                    if line.split() and line.split()[0] in BUILTINS}
            eq(set(rows.values()), {str(n)}, rows)
            eq(b.run("import", "--no-score", *kind, src).code, 0)
            eq(b.run("score").code, 0)
            eq(packed(a), packed(b), name)


def test_import_resumed_scores_the_rest_after():
    """A batch resumed by a second import (its declared kind is the
    batch's) is scored after the import, as before: what the first run
    left unscored gets its scores, nothing is scored twice."""
    with Workdir() as a, Workdir() as b:
        src = small(a, n=40)
        part = a.file("part.jsonl", "".join(open(src).readlines()[:25]))
        eq(a.run("import", "--no-score", "--batch", "b", part).code, 0)
        r = a.run("import", "--batch", "b", src)
        eq(r.code, 0, r)
        contains(r.out, "combined scores written: 40\n")
        eq(b.run("import", "--no-score", "--batch", "b", src).code, 0)
        eq(b.run("score").code, 0)
        eq(packed(a)[0], packed(b)[0])


def test_import_scoring_on_threads_stores_the_same():
    """The rule scorers score the next page of samples on the other cores
    while the last one is written (two result buffers in turn): thousands
    of varied records (every rule flags some) store the same bytes on 1, 2
    and 5 threads, through an import's scoring and through `score`."""
    import random
    rnd = random.Random(5)
    words = ["the", "a", "dog", "cat", "runs", "across", "green", "field", "under", "sky",
             "photo", "shows", "red", "car", "near", "river", "bright", "morning"]
    recs = []
    for i in range(3000):
        text = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 40)))
        k = i % 9
        if k == 1:
            text = " ".join([text[:30]] * rnd.randint(3, 8))  # repetition
        elif k == 2:
            text += " TODO lorem ipsum [insert caption]"
        elif k == 3:
            text += " and the"  # truncated
        elif k == 4:
            text = "I think it might possibly be " + text
        elif k == 5:
            text += " \u00e9t\u00e9 \u2014 caf\u00e9 \ufffd"
        recs.append(json.dumps({"id": f"r{i}", "caption": text}))
    stored = {}
    with Workdir() as w:
        src = w.file("many.jsonl", "\n".join(recs) + "\n")
        for threads in ("1", "2", "5"):
            with Workdir() as a:
                r = a.run("import", "--batch", "b", src, env={"ASSAY_THREADS": threads})
                eq(r.code, 0, r)
                stored[("import", threads)] = packed(a)
            with Workdir() as b:
                eq(b.run("import", "--no-score", "--batch", "b", src).code, 0)
                eq(b.run("score", env={"ASSAY_THREADS": threads}).code, 0)
                stored[("score", threads)] = packed(b)
    first = stored[("import", "1")]
    check(len(first[0]) > 2900, len(first[0]))
    flags = {row[1] for row in first[0]}
    check(len(flags) > 4, flags)  # several rules flag something
    for key, got in stored.items():
        eq(got, first, key)
