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


def test_the_report_embeds_a_red_thumbnail_of_a_rejected_sample():
    with Workdir() as w:
        os.makedirs(os.path.join(w.path, "media"))
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        "color=c=red:s=640x480", "-frames:v", "1",
                        os.path.join(w.path, "media", "red.png")], check=True)
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
