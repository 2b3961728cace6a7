"""`assay report`: the examples' pictures embedded as small PNG data: URIs
(decoded in the limited child; a sample whose media cannot be shown gets
none, and the report is written all the same)."""
import base64
import json
import os
import re
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import Workdir, check, eq  # noqa: E402


def png_pixels(data):
    """(width, height, first pixel) of an 8-bit RGB PNG without filters."""
    eq(data[:8], b"\x89PNG\r\n\x1a\n")
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    return w, h, tuple(raw[1:4])


def picture(path, colour, size="64x48"):
    """A one-colour PNG made by the ffmpeg command."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                    f"color=c={colour}:s={size}", "-frames:v", "1", path], check=True)


def test_the_report_embeds_a_red_thumbnail_of_a_rejected_sample():
    with Workdir() as w:
        picture(os.path.join(w.path, "media", "red.png"), "red", "640x480")
        recs = [{"id": "r", "caption": "A blue square.", "image": "media/red.png"},
                {"id": "x", "caption": "A missing picture.", "image": "media/none.png"}]
        eq(w.run("import", "--no-score", w.file("m.jsonl", "\n".join(map(json.dumps, recs))))
           .code, 0)
        for sid in ("r", "x"):
            eq(w.run("decide", "--annotator", "ann", sid, "reject", "--reason", "wrong colour")
               .code, 0)
        r = w.run("report", "--html", "out.html", env={"HOME": w.path})
        eq(r.code, 0, r)
        html = open(os.path.join(w.path, "out.html")).read()
        uris = re.findall(r"<img class='thumb' alt='' width='(\d+)' height='(\d+)' "
                          r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'>", html)
        eq(len(uris), 1, html[-2000:])
        width, height, pixel = png_pixels(base64.b64decode(uris[0][2]))
        eq((width, height), (96, 72))
        eq((int(uris[0][0]), int(uris[0][1])), (96, 72))
        check(pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60, pixel)
        check(len(uris[0][2]) < 4096, len(uris[0][2]))
        check("<script" not in html)


def test_url_media_in_the_download_cache_are_embedded_and_others_fetched_only_when_asked():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))), "tui"))
    from httpd import TestServer
    from test_review_media import screen
    with Workdir() as w:
        served = os.path.join(w.path, "served")
        os.makedirs(served)
        for name, colour in (("red.png", "red"), ("blue.png", "blue")):
            picture(os.path.join(served, name), colour)
        with TestServer(root=served) as srv:
            recs = [{"id": "r", "caption": "A blue square. URL-RED", "image_url":
                     srv.url + "/red.png"},
                    {"id": "b", "caption": "A red square.", "image_url": srv.url + "/blue.png"}]
            eq(w.run("import", "--no-score", "--batch", "u",
                     w.file("u.jsonl", "\n".join(map(json.dumps, recs)))).code, 0)
            env = {"HOME": w.path, "XDG_CACHE_HOME": os.path.join(w.path, "cache")}
            os.makedirs(os.path.join(w.path, "assay"), exist_ok=True)
            w.file("assay/config", "[media]\nprefetch = no\n")
            # the review screen downloads the red one (and only it: no prefetch)
            with screen(w, (120, 40), env=env) as t:
                t.wait_for("red.png  png 64x48", timeout=20)
                t.keys("q")
                t.wait_exit()
            for sid in ("r", "b"):
                eq(w.run("decide", "--annotator", "ann", sid, "reject", "--reason",
                         "wrong colour").code, 0)
            asked = [r["path"] for r in srv.requests]
            eq(asked, ["/red.png"])
            r = w.run("report", "--html", "out.html", env=env)
            eq(r.code, 0, r)
            html = open(os.path.join(w.path, "out.html")).read()
            uris = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
            eq(len(uris), 1)
            pixel = png_pixels(base64.b64decode(uris[0]))[2]
            check(pixel[0] > 200 and pixel[2] < 60, pixel)
            eq([r["path"] for r in srv.requests], asked)  # nothing fetched
            r = w.run("report", "--html", "all.html", "--fetch-media", env=env)
            eq(r.code, 0, r)
            html = open(os.path.join(w.path, "all.html")).read()
            uris = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
            eq(sorted(png_pixels(base64.b64decode(u))[2][2] > 200 for u in uris), [False, True])
            eq([r["path"] for r in srv.requests], ["/red.png", "/blue.png"])
            check("--fetch-media" in w.run("report", "--help").out)


def test_ffmpeg_is_opened_only_by_a_command_that_decodes_a_picture():
    # FFmpeg and the libraries it needs cost ~28 ms at every start when
    # linked; they are opened when a picture is first decoded instead
    with Workdir() as w:
        picture(os.path.join(w.path, "media", "red.png"), "red")
        rec = {"id": "r", "caption": "A red square.", "image": "media/red.png"}
        eq(w.run("import", "--no-score", w.file("m.jsonl", json.dumps(rec))).code, 0)
        eq(w.run("decide", "--annotator", "ann", "r", "reject", "--reason", "colour").code, 0)
        traced = {"LD_DEBUG": "files", "HOME": w.path}
        r = w.run("info", env=traced)
        eq(r.code, 0, r)
        check("libavcodec" not in r.err, r.err[-2000:])
        r = w.run("report", "--html", "out.html", env=traced)
        eq(r.code, 0, r)
        check("calling init: /" in r.err and "libavcodec.so" in r.err, r.err[-2000:])
        check("data:image/png;base64," in open(os.path.join(w.path, "out.html")).read())
