"""`assay import --media, --media-root, --media-map` and `assay batch
set-media-root`: where a batch's pictures are, kept on the batch."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, contains, eq  # noqa: E402


def batch(w, name):
    return [b for b in json.loads(w.run("info", "--json").out)["batches"] if b["name"] == name][0]


def test_media_options_are_kept_on_the_batch():
    with Workdir() as w:
        os.makedirs(os.path.join(w.path, "pics"))
        src = w.file("c.jsonl", json.dumps({"id": "a", "caption": "A red square.",
                                            "meta": {"source": {"uri": "s3://b/a.png"}}}))
        r = w.run("import", "--batch", "m", "--media", "meta.source.uri,image",
                  "--media-root", "pics", "--media-map", "s3://b/=https://b.example/",
                  "--media-map", "gs://g/=http://g.example/x/", src)
        eq(r.code, 0, r)
        b = batch(w, "m")
        eq(b["media_fields"], "meta.source.uri,image")
        eq(b["media_root"], os.path.realpath(os.path.join(w.path, "pics")))
        eq(b["media_maps"], ["s3://b/=https://b.example/", "gs://g/=http://g.example/x/"])
        # a plain re-import keeps them; one naming another root changes it
        eq(w.run("import", "--batch", "m", src).code, 0)
        eq(batch(w, "m")["media_root"], os.path.realpath(os.path.join(w.path, "pics")))
        eq(w.run("import", "--batch", "m", "--media-root", ".", src).code, 0)
        eq(batch(w, "m")["media_root"], os.path.realpath(w.path))
        eq(batch(w, "m")["media_fields"], "meta.source.uri,image")


def test_defaults_are_empty_meaning_the_default_names_and_the_source_directory():
    with Workdir() as w:
        eq(w.run("import", "--batch", "d", w.file("c.jsonl", '{"caption": "A cat."}')).code, 0)
        b = batch(w, "d")
        eq((b["media_fields"], b["media_root"], b["media_maps"]), ("", "", []))


def test_bad_media_options_are_usage_errors_naming_the_option():
    with Workdir() as w:
        src = w.file("c.jsonl", '{"caption": "A cat."}')
        w.file("notadir", "x")
        for args, says in ((["--media-root", "nowhere"], "--media-root nowhere: not a directory"),
                           (["--media-root", "notadir"], "--media-root notadir: not a directory"),
                           (["--media-map", "s3://b/"], "expected PREFIX=URL_PREFIX"),
                           (["--media-map", "=http://x/"], "expected PREFIX=URL_PREFIX"),
                           (["--media", " , "], "--media: expected field names")):
            r = w.run("import", *args, src)
            eq(r.code, 2, r)
            contains(r.err, says)
        eq(os.path.exists(w.db), False)
        r = w.run("import", "--help")
        for opt in ("--media FIELDS", "--media-root DIR", "--media-map PREFIX=URL_PREFIX",
                    "set-media-root"):
            contains(r.out, opt)


def test_batch_set_media_root_moves_the_media_and_back():
    with Workdir() as w:
        os.makedirs(os.path.join(w.path, "moved"))
        eq(w.run("import", "--batch", "b", w.file("c.jsonl", '{"caption": "A cat."}')).code, 0)
        r = w.run("batch", "set-media-root", "b", "moved")
        eq(r.code, 0, r)
        contains(r.out, 'batch "b": media root ' + os.path.realpath(os.path.join(w.path, "moved")))
        eq(batch(w, "b")["media_root"], os.path.realpath(os.path.join(w.path, "moved")))
        r = w.run("batch", "set-media-root", "b", "")
        eq(r.code, 0, r)
        contains(r.out, "(the source file's directory)")
        eq(batch(w, "b")["media_root"], "")
        r = w.run("batch", "set-media-root", "nosuch", "moved")
        eq(r.code, 66, r)
        contains(r.err, 'no batch named "nosuch"')
        for args in (["set-media-root", "b", "nowhere"], ["set-media-root", "b"], ["frob"], []):
            eq(w.run("batch", *args).code, 2)
        r = w.run("batch", "--help")
        eq(r.code, 0)
        contains(r.out, "set-media-root BATCH DIR")
        contains(w.run("--help").out, "batch ")
