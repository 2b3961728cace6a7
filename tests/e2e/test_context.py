"""End-to-end tests of samples with context: context fields and chat
records at import, declared kinds, duplicates over context and text, the
judge and the classifier seeing the prompt (tests/httpd.py on 127.0.0.1),
corrections scored on their own text, export splicing into a turn."""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import (SAMPLE_DATA, Workdir, check, contains, eq, old_scores_layout,  # noqa: E402
                     texts_twice_layout)
from httpd import TestServer  # noqa: E402


def jsonl(recs):
    return "".join(json.dumps(r) + "\n" for r in recs)


def contexts(w):
    return {r[0]: (r[1], json.loads(r[2]) if r[2] else None, r[3])
            for r in w.sql("SELECT ext_id, text_field, context, text FROM samples")}


def test_context_fields_kind_and_info():
    recs = [{"id": "a", "instruction": "Add 2 and 4.", "input": "", "output": "6"},
            {"id": "b", "instruction": "Sum.", "input": "2, 4", "output": "6"},
            {"id": "c", "prompt": "Name a colour.", "response": "Red."},
            {"id": "d", "output": "No prompt here."}]
    with Workdir() as w:
        eq(w.run("import", "--no-score", w.file("i.jsonl", jsonl(recs))).code, 0)
        c = contexts(w)
        eq(c["a"][1], [{"name": "instruction", "text": "Add 2 and 4."}])
        eq(c["b"][1], [{"name": "instruction", "text": "Sum."}, {"name": "input", "text": "2, 4"}])
        eq(c["c"][1], [{"name": "prompt", "text": "Name a colour."}])
        eq(c["d"][1], None)
        info = json.loads(w.run("info", "--json").out)
        eq(info["batches"][0]["kind"], None)
        # named fields, a declared kind, shown by info
        r = w.run("import", "--no-score", "--batch", "k", "--kind", "caption", "--context",
                  "input", "--dedup-on", "text", w.file("j.jsonl", jsonl(recs[1:2])))
        eq(r.code, 0, r)
        info = json.loads(w.run("info", "--json").out)
        k = [b for b in info["batches"] if b["name"] == "k"][0]
        eq((k["kind"], k["dedup_on"]), ("caption", "text"))
        contains(w.run("info").out, "k: kind caption, context [\"input\"], duplicates on text")
        eq(w.run("import", "--kind", "poem", "x.jsonl").code, 2)
        eq(w.run("import", "--dedup-on", "all", "x.jsonl").code, 2)



def test_where_kind_selects_by_declared_kind_and_undeclared_batches():
    recs = [{"id": f"r{i}", "instruction": f"Task {i}.", "output": f"Answer {i}."}
            for i in range(3)]
    caps = [{"id": f"c{i}", "caption": f"A cat number {i}."} for i in range(2)]
    with Workdir() as w:
        for args in (("--batch", "tasks", "--kind", "response"),
                     ("--batch", "caps", "--kind", "caption"),
                     ("--batch", "plain")):
            f = w.file(args[1] + ".jsonl", jsonl(caps if args[1] == "caps" else recs))
            eq(w.run("import", "--no-score", "--dedup-on", "none", *args, f).code, 0)

        def n(expr):
            r = w.run("info", "--json", "--where", expr)
            eq(r.code, 0, r)
            return json.loads(r.out)["samples"]
        # "plain" declared nothing: its output field with an instruction beside
        # it is taken as a response, as the scorers take it
        eq([n("kind = response"), n("kind = caption"), n("kind = undeclared"),
            n("kind = text"), n("kind != caption")], [6, 2, 3, 0, 6])
        eq(n("kind = response and not kind = undeclared"), 3)
        eq(n("kind = response and text ~ \"answer 1\""), 2)
        # a kind import does not know is refused with the words it takes
        r = w.run("info", "--where", "kind = instruction")
        eq(r.code, 2, r)
        contains(r.err, "expected one of caption, response, text, undeclared")
        # a slice decided by kind
        r = w.run("decide", "--annotator", "lead", "--where", "kind = caption", "reject",
                  "--reason", "other", "--yes")
        eq(r.code, 0, r)
        eq(w.sql("SELECT s.ext_id FROM decisions d JOIN samples s ON s.id = d.sample_id"
                 " ORDER BY s.ext_id"), [("c0",), ("c1",)])

CHAT = [
    {"id": "m1", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+4?"},
        {"role": "assistant", "content": "5"}], "n": 1.50},
    {"id": "m2", "conversations": [
        {"from": "human", "value": "Capital of France?"},
        {"from": "gpt", "value": "Paris."},
        {"from": "human", "value": "And of Spain?"},
        {"from": "gpt", "value": "Madird."}]},
    {"id": "m3", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Describe it."},
                                     {"type": "image_url", "image_url": {"url": "x.png"}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A cat on a mat."}]}]},
]


def test_chat_records_and_byte_faithful_export():
    with Workdir() as w:
        body = "".join(json.dumps(r, indent=None, separators=(", ", " : ")) + "\n" for r in CHAT)
        src = w.file("chat.jsonl", body)
        eq(w.run("import", "--no-score", src).code, 0)
        c = contexts(w)
        eq(c["m1"][0], "messages.2.content")
        eq(c["m1"][1], [{"role": "system", "text": "Be brief."},
                        {"role": "user", "text": "What is 2+4?"}])
        eq(c["m2"][0], "conversations.3.value")
        eq([t["role"] for t in c["m2"][1]], ["user", "assistant", "user"])
        eq(c["m3"][0], "messages.1.content.0.text")
        for sid, text in (("m1", "6"), ("m2", "Madrid.")):
            eq(w.run("decide", "--annotator", "ana", sid, "edit", "--text", text).code, 0)
        eq(w.run("decide", "--annotator", "ana", "m3", "accept").code, 0)
        out = w.run("export").out
        want = body.replace('"content" : "5"', '"content" : "6"').replace(
            '"Madird."', '"Madrid."')
        eq(out, want)  # only the turns under review changed, every other byte kept
        # a round trip gives the same bytes
        again = w.file("again.jsonl", out)
        with Workdir() as w2:
            eq(w2.run("import", "--no-score", again).code, 0)
            for sid in ("m1", "m2", "m3"):
                w2.run("decide", "--annotator", "bo", sid, "accept")
            eq(w2.run("export").out, out)
        # --turn picks another turn
        with Workdir() as w3:
            eq(w3.run("import", "--no-score", "--turn", "1", src).code, 0)
            c = contexts(w3)
            eq(c["m1"][2], "What is 2+4?")
            eq(c["m2"][2], "Paris.")
            eq(c["m2"][1], [{"role": "user", "text": "Capital of France?"}])


def instruction_set(n=2000):
    """Instruction records of a public set's shape: distinct instructions
    often share a short answer; every 100th record is an exact copy."""
    answers = ["6", "Negative", "No output required.", "Positive", "True", "4"]
    recs = []
    for i in range(n):
        if i % 100 == 99:
            recs.append(dict(recs[i - 50], id=f"r{i}"))
            continue
        instr = f"Task {i}: classify item {i * 7919 % 100003} of list {i % 37}."
        recs.append({"id": f"r{i}", "instruction": instr, "input": "",
                     "output": answers[i % len(answers)]})
    return recs


def test_duplicates_cover_context_and_text():
    recs = instruction_set()
    with Workdir() as w:
        r = w.run("import", "--no-score", w.file("ins.jsonl", jsonl(recs)))
        eq(r.code, 0, r)
        contains(r.out, "2000 read, 1980 imported, 20 duplicate")
        dropped = w.sql("SELECT d.ext_id, s.ext_id FROM duplicates d"
                        " JOIN samples s ON s.id = d.sample_id")
        by_id = {x["id"]: x for x in recs}
        for copy, kept in dropped:
            eq(by_id[copy]["instruction"], by_id[kept]["instruction"])
        # the text alone drops distinct tasks that share a short answer
        r = w.run("import", "--no-score", "--batch", "t", "--dedup-on", "text",
                  w.file("ins2.jsonl", jsonl(r2 for r2 in [dict(x, id="t" + x["id"])
                                                             for x in recs])))
        contains(r.out, "6 imported, 1994 duplicate")  # one per short answer
        r = w.run("import", "--no-score", "--batch", "n", "--dedup-on", "none",
                  w.file("ins3.jsonl", jsonl(recs)))
        contains(r.out, "2000 imported, 0 duplicate")


def test_the_judge_sees_each_instruction_of_a_2000_record_set():
    """Every request for the instruction set carries the instruction of the
    response it asks about (distinct tasks sharing a short answer too)."""
    recs = instruction_set()
    seen = []

    def judge(user, req):
        seen.append(user)
        return json.dumps({"score": 0.9, "reason": "ok"})

    with Workdir() as w, TestServer(judge=judge) as srv:
        eq(w.run("import", "--no-score", w.file("ins.jsonl", jsonl(recs))).code, 0)
        r = w.run("score", "--scorer", "llm-judge", "--endpoint",
                  f"{srv.url}/v1/chat/completions", "--model", "j")
        eq(r.code, 0, r)
        eq(len(seen), 1980)
        asked = {}
        for u in seen:
            m = re.search(r"instruction: (Task \d+: [^\n]*)", u)
            check(m, u)
            asked[m.group(1)] = u
        want = {x["instruction"] for x in recs}
        eq(set(asked), want)
        for x in recs:
            contains(asked[x["instruction"]], x["output"])


def test_judge_and_classifier_see_the_prompt():
    seen = []

    def judge(user, req):
        seen.append(user)
        return json.dumps({"score": 0.3 if "Madird" in user else 0.9, "reason": "ok"})

    bodies = []

    def classifier(text):
        bodies.append(text)
        return [{"label": "good", "score": 0.8}]

    with Workdir() as w, TestServer(judge=judge, classifier=classifier) as srv:
        recs = [{"id": "i1", "instruction": "Translate 'gato' to English.", "output": "Cat."}]
        eq(w.run("import", "--no-score", w.file("c.jsonl", jsonl(CHAT + recs))).code, 0)
        r = w.run("score", "--scorer", "llm-judge", "--endpoint",
                  f"{srv.url}/v1/chat/completions", "--model", "j")
        eq(r.code, 0, r)
        eq(len(seen), 4)
        i1 = [u for u in seen if "Cat." in u][0]
        contains(i1, "What was asked")
        contains(i1, "instruction: Translate 'gato' to English.")
        m2 = [u for u in seen if "Madird" in u][0]
        contains(m2, "user: Capital of France?\n\nassistant: Paris.\n\nuser: And of Spain?")
        # a custom rubric gets {{context}} and {{turns}}
        seen.clear()
        rubric = w.file("r.txt", "Q={{context}}|T={{turns}}|A={{text}}")
        r = w.run("score", "--scorer", "llm-judge", "--endpoint",
                  f"{srv.url}/v1/chat/completions", "--model", "j", "--prompt", rubric)
        eq(r.code, 0, r)
        check("Q=instruction: Translate 'gato' to English.|T=[{\"name\":\"instruction\","
              "\"text\":\"Translate 'gato' to English.\"}]|A=Cat." in seen, seen)
        # the classifier gets (context, text) pairs when asked
        r = w.run("score", "--scorer", "classifier", "--endpoint", f"{srv.url}/predict",
                  "--label", "good", "--set", "score.classifier.pairs=yes")
        eq(r.code, 0, r)
        check(str(["instruction: Translate 'gato' to English.", "Cat."]) in bodies, bodies)


def test_edits_are_scored_on_their_corrected_text():
    recs = [{"id": "e1", "instruction": "Greet the reader.",
             "output": "Sure! Hello, dear reader, welcome to the guide."},
            {"id": "e2", "instruction": "Say goodbye.", "output": "Goodbye, and take care."}]
    with Workdir() as w:
        eq(w.run("import", w.file("e.jsonl", jsonl(recs))).code, 0)
        before = w.sql("SELECT value FROM scores sc JOIN samples s ON s.id = sc.sample_id"
                       " WHERE s.ext_id = 'e1' AND scorer = 'artifacts'")[0][0]
        check(before < 0.5, before)
        for sid in ("e1", "e2"):
            eq(w.run("decide", "--annotator", "ana", sid, "accept").code, 0)
        eq([json.loads(x)["id"] for x in w.run("export", "--min", "artifacts=0.5").out.splitlines()],
           ["e2"])
        eq(w.run("decide", "--annotator", "ana", "e1", "edit", "--text",
                 "Hello, dear reader, welcome to the guide.").code, 0)
        after = w.sql("SELECT e.value, e.reason FROM edit_scores e JOIN samples s"
                      " ON s.id = e.sample_id WHERE s.ext_id = 'e1' AND scorer = 'artifacts'")
        eq(after[0][0], 1.0)
        # the original's score stays for calibration
        eq(w.sql("SELECT value FROM scores sc JOIN samples s ON s.id = sc.sample_id"
                 " WHERE s.ext_id = 'e1' AND scorer = 'artifacts'")[0][0], before)
        out = w.run("export", "--min", "artifacts=0.5", "--min", "quality=0.5",
                    "--provenance").out.splitlines()
        eq([json.loads(x)["id"] for x in out], ["e1", "e2"])
        eq(json.loads(out[0])["_assay"]["edit_scores"]["artifacts"]["value"], 1)
        # undone, the sample is judged by its original text again
        eq(w.run("decide", "--annotator", "ana", "--undo").code, 0)
        eq([json.loads(x)["id"] for x in w.run("export", "--min", "artifacts=0.5").out.splitlines()],
           ["e2"])


def test_scorers_read_the_prompt():
    recs = [
        {"id": "p1", "instruction": "Write a short poem about a robot that refuses orders.",
         "output": "I can't help, the robot said,\nand turned its shining metal head."},
        {"id": "p2", "instruction": "Write a letter asking for a refund. End with "
         "'Let me know if you need the receipt.'",
         "output": "Dear shop, the kettle broke after a week. Please refund me. "
         "Let me know if you need the receipt."},
        {"id": "p3", "instruction": "Design a logo for a bakery.", "output": "A wheat ear."},
        {"id": "p4", "instruction": "Summarize the following article.", "input": "",
         "output": "<nooutput>"},
        {"id": "p5", "instruction": "What is 3 times 2?", "output": "6"},
    ]
    with Workdir() as w:
        eq(w.run("import", w.file("p.jsonl", jsonl(recs))).code, 0)
        flags = {(r[0], r[1]) for r in w.sql(
            "SELECT s.ext_id, sc.scorer FROM scores sc JOIN samples s ON s.id = sc.sample_id"
            " WHERE sc.flagged")}
        eq(sorted(flags), [("p3", "task"), ("p4", "task")])


def test_report_examples_show_the_prompt():
    recs = [{"id": "h1", "instruction": "Name the capital of <Spain>.", "output": "Paris."},
            {"id": "h2", "output": "A caption without a prompt."}]
    with Workdir() as w:
        eq(w.run("import", "--no-score", w.file("h.jsonl", jsonl(recs))).code, 0)
        for sid in ("h1", "h2"):
            eq(w.run("decide", "--annotator", "ana", sid, "reject", "--reason",
                     "wrong").code, 0)
        out = w.path + "/r.html"
        eq(w.run("report", "--html", out).code, 0)
        with open(out) as f:
            html = f.read()
        contains(html, "<div class='muted'>instruction: Name the capital of &lt;Spain&gt;."
                       "</div>Paris.")
        eq(html.count("<div class='muted'>instruction:"), 1)


def test_reimport_with_other_context_or_turn_is_refused():
    tasks = os.path.join(SAMPLE_DATA, "tasks.jsonl")
    with Workdir() as w:
        eq(w.run("import", "--no-score", "--context", "instruction", tasks).code, 0)
        before = w.sql("SELECT id, hash FROM samples ORDER BY id")
        # another --context would key the samples otherwise: named, not 8 records refused
        r = w.run("import", "--no-score", "--context", "instruction,input", tasks)
        check(r.code not in (0, 65), r)
        contains(r.err, 'was imported with --context ["instruction"]')
        r = w.run("import", "--no-score", tasks)
        contains(r.err, "--context")
        eq(w.sql("SELECT count(*) FROM rejects"), [(0,)])
        eq(w.sql("SELECT id, hash FROM samples ORDER BY id"), before)
        r = w.run("import", "--no-score", "--context", "instruction", tasks)
        eq(r.code, 0, r)
        contains(r.out, "0 imported")
        # context+text is the default's name
        eq(w.run("import", "--no-score", "--batch", "d", tasks).code, 0)
        r = w.run("import", "--no-score", "--batch", "d", "--dedup-on", "context+text", tasks)
        eq(r.code, 0, r)
        r = w.run("import", "--no-score", "--batch", "d", "--dedup-on", "text", tasks)
        contains(r.err, "was imported with --dedup-on (default)")
    with Workdir() as w:
        src = w.file("chat.jsonl", jsonl(CHAT))
        eq(w.run("import", "--no-score", "--turn", "1", src).code, 0)
        r = w.run("import", "--no-score", src)
        contains(r.err, "was imported with --turn 1")
        eq(w.run("import", "--no-score", "--turn", "1", src).code, 0)
        eq(w.sql("SELECT count(*) FROM rejects"), [(0,)])


def test_batches_from_schema_2_keep_their_text_keys():
    tasks = os.path.join(SAMPLE_DATA, "tasks.jsonl")
    with Workdir() as w:
        # a batch keyed on the text alone, as schema 2 keyed every batch
        eq(w.run("import", "--no-score", "--dedup-on", "text", tasks).code, 0)
        con = sqlite3.connect(w.db)  # back to the schema 2 layout
        old_scores_layout(con)
        texts_twice_layout(con)
        con.executescript("DROP TABLE models; DROP TABLE edit_scores;"
                          "DROP TABLE spotcheck_samples; DROP TABLE spotchecks;"
                          "DROP TABLE pairs; ALTER TABLE events DROP COLUMN pref;"
                          "ALTER TABLE events DROP COLUMN placement;"
                          "ALTER TABLE decisions DROP COLUMN pref;"
                          "ALTER TABLE decisions DROP COLUMN placement;"
                          "ALTER TABLE adjudications DROP COLUMN pref;"
                          "ALTER TABLE batches DROP COLUMN pair_fields;"
                          "ALTER TABLE batches DROP COLUMN pair_model_fields;"
                          "UPDATE samples SET context = NULL;"
                          "ALTER TABLE samples DROP COLUMN context;"
                          "ALTER TABLE samples DROP COLUMN edit_quality;"
                          "ALTER TABLE batches DROP COLUMN kind;"
                          "ALTER TABLE batches DROP COLUMN context_fields;"
                          "ALTER TABLE batches DROP COLUMN dedup_on;"
                          "ALTER TABLE batches DROP COLUMN turn;"
                          "ALTER TABLE batches DROP COLUMN media_fields;"
                          "ALTER TABLE batches DROP COLUMN media_root;"
                          "ALTER TABLE batches DROP COLUMN media_maps;"
                          "PRAGMA user_version = 2;")
        con.close()
        r = w.run("import", "--no-score", tasks)  # a plain re-run
        eq(r.code, 0, r)
        contains(r.out, "0 imported")
        eq(w.sql("SELECT dedup_on FROM batches"), [("text",)])
        eq(w.sql("SELECT count(*) FROM rejects"), [(0,)])
        r = w.run("import", "--no-score", "--dedup-on", "context+text", tasks)
        contains(r.err, "was imported with --dedup-on text")


def test_dedup_none_keeps_same_lines_of_two_sources():
    with Workdir() as w:
        a = w.file("a.jsonl", '{"text": "Same words."}\n{"text": "Other."}\n')
        b = w.file("b.jsonl", '{"text": "Same words."}\n')
        r = w.run("import", "--no-score", "--batch", "n", "--dedup-on", "none", a, b)
        eq(r.code, 0, r)
        eq(w.sql("SELECT count(*) FROM samples"), [(3,)])
        eq(w.sql("SELECT count(*) FROM duplicates"), [(0,)])
        r = w.run("import", "--no-score", "--batch", "n", "--dedup-on", "none", a, b)  # a re-run
        eq((r.code, w.sql("SELECT count(*) FROM samples")), (0, [(3,)]), r)


def test_a_text_field_wins_over_messages():
    turns = [{"role": "user", "content": "Say hi."}, {"role": "assistant", "content": "Hi."}]
    recs = [{"id": "p", "text": "plain", "messages": turns[:1]},
            {"id": "b", "caption": "has both", "messages": turns},
            {"id": "c", "messages": turns}]
    with Workdir() as w:
        src = w.file("mixed.jsonl", jsonl(recs))
        r = w.run("import", "--no-score", src)
        eq(r.code, 0, r)
        c = contexts(w)
        eq((c["p"][0], c["p"][2]), ("text", "plain"))
        eq((c["b"][0], c["b"][2]), ("caption", "has both"))
        eq((c["c"][0], c["c"][2]), ("messages.1.content", "Hi."))
        # --turn names a conversation's turn even beside a text field
        eq(w.run("import", "--no-score", "--batch", "t", "--turn", "0",
                 w.file("two.jsonl", jsonl(recs[1:2]))).code, 0)
        eq(w.sql("SELECT text FROM samples s JOIN batches b ON b.id = s.batch_id"
                 " WHERE b.name = 't'"), [("Say hi.",)])


def test_a_turn_of_several_text_parts_keeps_them_on_edit():
    rec = {"id": "v", "messages": [
        {"role": "user", "content": "Describe the picture."},
        {"role": "assistant", "content": [
            {"type": "text", "text": "A cat."},
            {"type": "image_url", "image_url": {"url": "x.png"}},
            {"type": "text", "text": "It sleeps on a mat."}]}]}
    with Workdir() as w:
        eq(w.run("import", "--no-score", w.file("parts.jsonl", jsonl([rec]))).code, 0)
        c = contexts(w)
        eq((c["v"][0], c["v"][2]), ("messages.1.content.0.text", "A cat."))
        eq(c["v"][1], [{"role": "user", "text": "Describe the picture."},
                       {"name": "messages.1.content.2.text", "text": "It sleeps on a mat."}])
        eq(w.run("decide", "--annotator", "ana", "v", "edit", "--text", "A dog.").code, 0)
        out = json.loads(w.run("export").out)
        rec["messages"][1]["content"][0]["text"] = "A dog."
        eq(out, rec)  # the image part and the other text part stay


def test_where_kind_selects_by_declared_or_told_kind():
    recs = [{"id": "a", "instruction": "Add 2 and 4.", "input": "", "output": "6"},
            {"id": "b", "prompt": "Name a colour.", "response": "Red."},
            {"id": "c", "output": "No prompt here."},
            {"id": "d", "caption": "A heron on a post."}]
    with Workdir() as w:
        eq(w.run("import", "--no-score", "--batch", "mixed", w.file("i.jsonl", jsonl(recs))).code,
           0)
        notes = [{"id": "n1", "output": "A note."}, {"id": "n2", "output": "Another note."}]
        eq(w.run("import", "--no-score", "--batch", "notes", "--kind", "caption",
                 w.file("n.jsonl", jsonl(notes))).code, 0)

        def ids(expr):
            r = w.run("export", "--status", "all", "--where", expr)
            eq(r.code, 0, r)
            return sorted(json.loads(x)["id"] for x in r.out.splitlines())

        # told by the field and the context where no kind is declared; declared wins
        eq(ids("kind = response"), ["a", "b"])
        eq(ids("kind = text"), ["c"])
        eq(ids("kind = caption"), ["d", "n1", "n2"])
        eq(ids("kind = caption and batch = mixed"), ["d"])
        eq(ids("not kind = caption"), ["a", "b", "c"])
        r = w.run("info", "--json", "--where", "kind = response")
        eq(json.loads(r.out)["samples"], 2)
        r = w.run("stats", "--where", "kind = captions")
        eq(r.code, 2, r)
        contains(r.err, "assay: --where: column 8: expected one of caption, response, text")
